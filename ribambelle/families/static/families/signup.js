// "Ajouter un enfant" on the sign-up page: adds a slot to the children formset. Without
// JavaScript the page shows three slots, which is enough for most families.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var container = document.querySelector("[data-child-formset]");
    var template = document.getElementById("child-template");
    var button = document.getElementById("add-child");
    if (!container || !template || !button) { return; }
    var prefix = container.getAttribute("data-child-formset");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var refresh = function () {
      button.hidden = parseInt(total.value, 10) >= parseInt(max.value, 10);
    };
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__num__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var slot = holder.firstElementChild;
      slot.id = prefix + "-" + (index + 1);
      container.appendChild(slot);
      total.value = String(index + 1);
      refresh();
      var first = slot.querySelector("input, select");
      if (first) { first.focus(); }
    });
    refresh();
  });
})();
