// Copy buttons for read-only fields (invite links). Progressive enhancement: the buttons
// are rendered hidden and shown only here, so without this script the field is still
// there to select and copy by hand. A static file: the Content-Security-Policy allows no
// inline script.
(function () {
  "use strict";

  function copyFrom(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    // Plain http (a local server): the old way, through a selection.
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function setUp(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyFrom(field).then(
        function () {
          if (status) { status.textContent = "Copied to the clipboard."; }
        },
        function () {
          field.focus();
          field.select();
          if (status) { status.textContent = "Selected: press Ctrl+C (⌘C) to copy."; }
        }
      );
    });
  }

  function start() {
    var buttons = document.querySelectorAll("button[data-copy-target]");
    for (var i = 0; i < buttons.length; i++) {
      setUp(buttons[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
