/* Tutela operation map: admin boundaries from the operation's GeoJSON endpoint, drawn with
   Leaflet on a blank background (no tile server). Loaded as a static file: the strict Content
   Security Policy allows no inline script, so the page passes its settings in data- attributes:
     data-geojson-url   the FeatureCollection to draw (pcode, name, level, parent_pcode)
     data-label-*       translated labels for the pop-up
     data-message-*     translated status messages
*/
(function () {
  "use strict";

  var el = document.getElementById("map");
  if (!el || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var data = el.dataset;
  var status = document.getElementById("map-status");

  var BASE_STYLE = { color: "#0b5cad", weight: 1, fillColor: "#0b5cad", fillOpacity: 0.08 };
  var HOVER_STYLE = { weight: 2, fillOpacity: 0.2 };
  var SELECTED_STYLE = { color: "#a4161a", weight: 3, fillOpacity: 0.25 };

  function say(message) {
    if (status) {
      status.textContent = message || "";
    }
  }

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

  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, minZoom: 2 });
  map.setView([0, 0], 2);
  var selected = null;

  function onEachFeature(feature, layer) {
    var props = feature.properties || {};
    layer.bindPopup(function () {
      return popupContent(props);
    });
    layer.bindTooltip(props.name || "", { sticky: true });
    layer.on("mouseover", function () {
      if (layer !== selected) {
        layer.setStyle(HOVER_STYLE);
      }
    });
    layer.on("mouseout", function () {
      if (layer !== selected) {
        layer.setStyle(BASE_STYLE);
      }
    });
    layer.on("click", function () {
      if (selected && selected !== layer) {
        selected.setStyle(BASE_STYLE);
      }
      selected = layer;
      layer.setStyle(SELECTED_STYLE);
      say((props.name || "") + " — " + (data.labelPcode || "P-code") + " " + (props.pcode || ""));
    });
  }

  say(data.messageLoading);
  fetch(data.geojsonUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/geo+json, application/json" },
  })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (collection) {
      if (!collection.features || collection.features.length === 0) {
        say(data.messageEmpty);
        return;
      }
      var layer = L.geoJSON(collection, {
        style: function () {
          return BASE_STYLE;
        },
        onEachFeature: onEachFeature,
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [12, 12] });
      }
      say("");
    })
    .catch(function () {
      say(data.messageError);
    });
})();
