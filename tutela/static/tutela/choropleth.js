/* Tutela 5W choropleth (presence and coverage maps): the operation's admin boundaries joined
   with the figures, from the page's own GeoJSON endpoint, drawn with Leaflet on a blank
   background (no tile server), with the shared map kit (mapkit.js, loaded before this script).
   Loaded as a static file: the strict Content Security Policy allows no inline script, so the
   page passes its settings in data- attributes of #choropleth:
     data-geojson-url   FeatureCollection; each feature's properties carry pcode, name, fill
                        (colour), value_text and popup ([[label, value], ...], translated);
                        the collection carries legend ([{label, color}]) and title
     data-legend-title  translated legend title
     data-message-*     translated status messages
*/
(function () {
  "use strict";

  var el = document.getElementById("choropleth");
  var kit = window.TutelaMap;
  if (!el || !kit || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var data = el.dataset;
  var say = kit.say;

  var EDGE = "#444444";
  var selection = kit.selection({ color: EDGE, weight: 0.8 }, { color: "#a4161a", weight: 3 });

  function baseStyle(feature) {
    var props = feature.properties || {};
    return {
      color: EDGE,
      weight: 0.8,
      fillColor: props.fill || "#d9d9d9",
      fillOpacity: 0.85,
    };
  }

  // Built from DOM nodes with textContent, never from HTML strings: names come from data files.
  function popupContent(props) {
    var box = document.createElement("div");
    box.className = "choropleth-popup";
    var title = document.createElement("strong");
    title.textContent = (props.name || "") + (props.pcode ? " (" + props.pcode + ")" : "");
    box.appendChild(title);
    var list = document.createElement("dl");
    (props.popup || []).forEach(function (line) {
      var dt = document.createElement("dt");
      dt.textContent = line[0];
      var dd = document.createElement("dd");
      dd.textContent = line[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    return box;
  }

  function onEachFeature(feature, layer) {
    var props = feature.properties || {};
    layer.bindPopup(function () {
      return popupContent(props);
    });
    layer.bindTooltip((props.name || "") + " — " + (props.value_text || ""), { sticky: true });
    layer.on("click", function () {
      selection.select(layer);
      layer.bringToFront();
      say((props.name || "") + " — " + (props.value_text || ""));
    });
  }

  kit.draw(el, {
    style: baseStyle,
    onEachFeature: onEachFeature,
  });
})();
