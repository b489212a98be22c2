// Registers the portal's service worker (static assets and the offline page only).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) { return; }
  var url = script.getAttribute("data-service-worker");
  var scope = script.getAttribute("data-scope");
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: scope }).catch(function () {
      // Without a service worker the portal works as a plain web site.
    });
  });
})();
