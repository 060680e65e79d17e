/*
 * Rumah Belajar: progressive enhancement of the layout. Every page works without this file:
 * the navigation is then simply shown, and the person's menu is a plain <details>.
 *
 * - On phones the navigation folds behind the "Menu" button (aria-expanded, aria-controls).
 * - Escape closes the open menu and returns focus to what opened it.
 * - A click outside closes an open dropdown (<details data-dropdown>).
 * Listeners are delegated from the document, so content swapped in by htmx needs no set-up.
 */
(function () {
  "use strict";

  // The stylesheet folds the phone menu only under html.js, i.e. once this script runs.
  document.documentElement.classList.add("js");

  function menuOf(toggle) {
    return document.getElementById(toggle.getAttribute("aria-controls"));
  }

  function setMenuOpen(toggle, open) {
    var menu = menuOf(toggle);
    if (!menu) {
      return;
    }
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  function closeDropdowns(except) {
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (details) {
      if (details !== except && !details.contains(except)) {
        details.open = false;
      }
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var toggle = target.closest("[data-nav-toggle]");
    if (toggle) {
      setMenuOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var dropdown = target.closest("details[data-dropdown]");
    closeDropdowns(dropdown);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var active = document.activeElement instanceof Element ? document.activeElement : null;
    var dropdown = active && active.closest("details[data-dropdown][open]");
    if (dropdown) {
      dropdown.open = false;
      dropdown.querySelector("summary").focus();
      return;
    }
    document.querySelectorAll('[data-nav-toggle][aria-expanded="true"]').forEach(function (toggle) {
      var menu = menuOf(toggle);
      if (menu && active && (menu.contains(active) || active === toggle)) {
        setMenuOpen(toggle, false);
        toggle.focus();
      }
    });
  });
})();
