/* Session packs: move items within a section without a round trip; the form still posts the
   order (hidden "order" fields in page order), so export and the no-JavaScript path agree. */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("pack-announcer");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function renumber(list) {
    Array.prototype.forEach.call(list.children, function (item, i) {
      item.querySelectorAll("[data-position]").forEach(function (span) {
        span.textContent = String(i + 1);
      });
    });
  }

  function move(button) {
    var item = button.closest("[data-item]");
    var list = item.parentElement;
    var up = button.getAttribute("data-move") === "up";
    var other = up ? item.previousElementSibling : item.nextElementSibling;
    if (!other) {
      announce(up ? "Already first" : "Already last");
      return;
    }
    list.insertBefore(up ? item : other, up ? other : item);
    renumber(list);
    button.focus();
    var position = Array.prototype.indexOf.call(list.children, item) + 1;
    announce("Moved to position " + position + " of " + list.children.length);
  }

  function enhance(form) {
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button || !form.contains(button)) { return; }
      event.preventDefault();
      move(button);
    });
  }

  function waitForMap() {
    if (document.querySelector("[data-silence-pending]")) {
      window.setTimeout(function () { window.location.reload(); }, 5000);
    }
  }

  function init() {
    waitForMap();
    document.querySelectorAll("[data-pack-form]").forEach(enhance);
    document.querySelectorAll("[data-pack-draft]").forEach(function (button) {
      button.form.addEventListener("submit", function () {
        button.textContent = "Drafting the pack…";
        button.setAttribute("aria-disabled", "true");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
