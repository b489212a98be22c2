// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var script = document.currentScript;
  document.documentElement.classList.add("js");
  // The portal's service worker (static assets and the offline page only), on a
  // municipality's pages; without it the portal works as a plain web site.
  var worker = script && script.getAttribute("data-service-worker");
  if (worker && "serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(worker, { scope: script.getAttribute("data-scope") })
        .catch(function () {});
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied");
      setTimeout(function () { button.textContent = label; }, 2500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      field.select();
      document.execCommand("copy");
      done();
    }
  });
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-toggle-password]");
    if (!box) { return; }
    box.getAttribute("data-toggle-password").split(" ").forEach(function (id) {
      var input = document.getElementById(id);
      if (input) { input.type = box.checked ? "text" : "password"; }
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
  });
})();
