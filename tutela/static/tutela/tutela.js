/* The app shell's small helpers (progressive: every page works without them).
   - The menu (<details>) is open on a wide screen, where its "Menu" button is hidden; browsers
     that cannot show a closed <details>' content through CSS get it opened here.
   - A table box that scrolls sideways can be reached and scrolled with the keyboard.
   - Heavy widgets (the maps' Leaflet) are fetched once the page has loaded: an element
     `.load-after` lists their stylesheets (data-styles) and scripts (data-scripts, run in that
     order), space-separated. Meanwhile the map's status line says it is loading. */
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
  function loadAfter() {
    document.querySelectorAll(".load-after").forEach(function (box) {
      var map = document.querySelector(".map[data-message-loading]");
      var status = document.getElementById("map-status");
      if (map && status && !status.textContent) {
        status.textContent = map.dataset.messageLoading;
      }
      (box.dataset.styles || "").split(" ").filter(Boolean).forEach(function (href) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = href;
        document.head.appendChild(link);
      });
      (box.dataset.scripts || "").split(" ").filter(Boolean).forEach(function (src) {
        var script = document.createElement("script");
        script.src = src;
        // Inserted scripts run as soon as each arrives unless told to keep their order.
        script.async = false;
        document.body.appendChild(script);
      });
    });
  }
  if (document.readyState === "complete") {
    loadAfter();
  } else {
    window.addEventListener("load", loadAfter);
  }
  if (wide.addEventListener) { wide.addEventListener("change", syncMenu); }
  document.addEventListener("htmx:afterSettle", focusableScrollers);
})();
