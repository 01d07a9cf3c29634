/* The app shell's small helpers (progressive: every page works without them).
   - The menu (<details>) is open on a wide screen, where its "Menu" button is hidden; browsers
     that cannot show a closed <details>' content through CSS get it opened here.
   - A table box that scrolls sideways can be reached and scrolled with the keyboard. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 1260px)");
  function syncMenu() {
    var menu = document.getElementById("menu");
    if (menu) { menu.open = wide.matches; }
  }
  function focusableScrollers() {
    document.querySelectorAll(".table-wrap, .grid-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          var caption = box.querySelector("caption");
          var heading = caption ? caption.textContent.trim() : "";
          box.setAttribute("aria-label", heading || document.title.split(" · ")[0]);
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    syncMenu();
    focusableScrollers();
  });
  if (wide.addEventListener) { wide.addEventListener("change", syncMenu); }
  document.addEventListener("htmx:afterSettle", focusableScrollers);
})();
