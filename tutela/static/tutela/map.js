/* Tutela operation map: admin boundaries from the operation's GeoJSON endpoint, drawn with
   Leaflet on a blank background (no tile server), with the shared map kit (mapkit.js, loaded
   before this script). Loaded as a static file: the strict Content Security Policy allows no
   inline script, so the page passes its settings in data- attributes:
     data-geojson-url   the FeatureCollection to draw (pcode, name, level, parent_pcode)
     data-label-*       translated labels for the pop-up
     data-message-*     translated status messages
*/
(function () {
  "use strict";

  var el = document.getElementById("map");
  var kit = window.TutelaMap;
  if (!el || !kit || typeof window.L === "undefined") {
    return;
  }
  var data = el.dataset;
  var say = kit.say;

  var BASE_STYLE = { color: "#0b5cad", weight: 1, fillColor: "#0b5cad", fillOpacity: 0.08 };
  var HOVER_STYLE = { weight: 2, fillOpacity: 0.2 };
  var selection = kit.selection(BASE_STYLE, { color: "#a4161a", weight: 3, fillOpacity: 0.25 });

  function line(box, label, value) {
    if (!value) {
      return;
    }
    var p = document.createElement("div");
    p.textContent = label + ": " + value;
    box.appendChild(p);
  }

  // Built from DOM nodes with textContent, never from HTML strings: names come from data files.
  function popupContent(props) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.name || "";
    box.appendChild(title);
    line(box, data.labelPcode || "P-code", props.pcode);
    line(box, data.labelParent || "Part of", props.parent_pcode);
    return box;
  }

  function onEachFeature(feature, layer) {
    var props = feature.properties || {};
    layer.bindPopup(function () {
      return popupContent(props);
    });
    layer.bindTooltip(props.name || "", { sticky: true });
    layer.on("mouseover", function () {
      if (layer !== selection.current()) {
        layer.setStyle(HOVER_STYLE);
      }
    });
    layer.on("mouseout", function () {
      if (layer !== selection.current()) {
        layer.setStyle(BASE_STYLE);
      }
    });
    layer.on("click", function () {
      selection.select(layer);
      say((props.name || "") + " — " + (data.labelPcode || "P-code") + " " + (props.pcode || ""));
    });
  }

  kit.draw(el, {
    style: function () {
      return BASE_STYLE;
    },
    onEachFeature: onEachFeature,
  });
})();
