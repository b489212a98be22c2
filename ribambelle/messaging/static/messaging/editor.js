// A small rich-text editor for <textarea data-rich-editor>. Without JavaScript the textarea is
// posted as plain text; with it, the editable region's HTML is copied back into the textarea
// on submit and the hidden "body_format" field says so. The server sanitizes either way.
(function () {
  "use strict";

  var BUTTONS = [
    { label: "Gras", command: "bold" },
    { label: "Italique", command: "italic" },
    { label: "Liste à puces", command: "insertUnorderedList" },
    { label: "Liste numérotée", command: "insertOrderedList" },
    { label: "Lien", command: "createLink" },
  ];

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML.replace(/\n/g, "<br>");
  }

  function enhance(textarea) {
    var form = textarea.form;
    var label = form.querySelector('label[for="' + textarea.id + '"]');
    if (label && !label.id) {
      label.id = textarea.id + "-label";
    }
    var format = form.querySelector('input[name="body_format"]');

    var toolbar = document.createElement("div");
    toolbar.className = "editor-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Mise en forme du message");

    var editable = document.createElement("div");
    editable.className = "editor-area";
    editable.contentEditable = "true";
    editable.setAttribute("role", "textbox");
    editable.setAttribute("aria-multiline", "true");
    if (label) {
      editable.setAttribute("aria-labelledby", label.id);
    }
    var described = textarea.getAttribute("aria-describedby");
    if (described) {
      editable.setAttribute("aria-describedby", described);
    }
    editable.innerHTML = textarea.value ? escapeText(textarea.value) : "";

    BUTTONS.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small";
      button.textContent = spec.label;
      button.addEventListener("mousedown", function (event) {
        event.preventDefault();
      });
      button.addEventListener("click", function () {
        editable.focus();
        if (spec.command === "createLink") {
          var url = window.prompt("Adresse du lien (https://…)", "https://");
          if (url && /^(https?:|mailto:)/i.test(url.trim())) {
            document.execCommand("createLink", false, url.trim());
          }
          return;
        }
        document.execCommand(spec.command, false, null);
      });
      toolbar.appendChild(button);
    });

    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editable, textarea);
    if (label) {
      label.addEventListener("click", function () {
        editable.focus();
      });
    }

    form.addEventListener("submit", function () {
      textarea.value = editable.innerHTML;
      if (format) {
        format.value = "html";
      }
    });
  }

  function start() {
    document.querySelectorAll("textarea[data-rich-editor]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
