/* Ombuds console: keyboard shortcuts for the review queue, the image reveal, the help.
   No framework, no build step. Everything here also works by clicking. */
(function () {
  "use strict";

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (el && !el.disabled) {
      el.click();
      return true;
    }
    return false;
  }

  function toggleReveal() {
    var figure = document.querySelector("[data-preview]");
    if (!figure) return false;
    var shown = figure.classList.toggle("revealed");
    var button = figure.querySelector("[data-reveal]");
    if (button) {
      button.setAttribute("aria-pressed", shown ? "true" : "false");
      button.firstChild.textContent = shown ? "Hide image " : "Reveal image ";
    }
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("help");
    if (!help) return false;
    if (help.open) help.close(); else help.showModal();
    return true;
  }

  function focusReason() {
    var field = document.querySelector("[data-reason]");
    if (!field) return false;
    field.focus();
    return true;
  }

  var keys = {
    j: function () { return press("[data-next]"); },
    k: function () { return press("[data-prev]"); },
    b: function () { return press("[data-key='b']"); },
    r: function () { return press("[data-key='r']"); },
    e: function () { return press("[data-key='e']"); },
    v: toggleReveal,
    "?": toggleHelp,
    "/": focusReason
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target)) return;
    var help = document.getElementById("help");
    if (help && help.open && event.key !== "?") return;
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-reveal]")) {
      event.preventDefault();
      toggleReveal();
    } else if (target.closest("[data-help]")) {
      event.preventDefault();
      toggleHelp();
    }
  });
})();
