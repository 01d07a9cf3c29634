/* Tutela 5W choropleth (presence and coverage maps): the operation's admin boundaries joined
   with the figures, from the page's own GeoJSON endpoint, drawn with Leaflet on a blank
   background (no tile server). Loaded as a static file: the strict Content Security Policy allows
   no inline script, so the page passes its settings in data- attributes of #choropleth:
     data-geojson-url   FeatureCollection; each feature's properties carry pcode, name, fill
                        (colour), value_text and popup ([[label, value], ...], translated);
                        the collection carries legend ([{label, color}]) and title
     data-legend-title  translated legend title
     data-message-*     translated status messages
*/
(function () {
  "use strict";

  var el = document.getElementById("choropleth");
  if (!el || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var data = el.dataset;
  var status = document.getElementById("map-status");

  var EDGE = "#444444";
  var SELECTED_EDGE = "#a4161a";

  function say(message) {
    if (status) {
      status.textContent = message || "";
    }
  }

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

  function legendControl(items) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "choropleth-legend");
      if (data.legendTitle) {
        var title = document.createElement("strong");
        title.textContent = data.legendTitle;
        box.appendChild(title);
      }
      items.forEach(function (item) {
        var row = document.createElement("div");
        row.className = "row";
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        // Set through the CSS object model, which the Content Security Policy allows.
        swatch.style.backgroundColor = item.color;
        var label = document.createElement("span");
        label.textContent = item.label;
        row.appendChild(swatch);
        row.appendChild(label);
        box.appendChild(row);
      });
      return box;
    };
    return control;
  }

  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, minZoom: 2 });
  map.setView([0, 0], 2);
  var selected = null;

  function onEachFeature(feature, layer) {
    var props = feature.properties || {};
    layer.bindPopup(function () {
      return popupContent(props);
    });
    layer.bindTooltip((props.name || "") + " — " + (props.value_text || ""), { sticky: true });
    layer.on("click", function () {
      if (selected && selected !== layer) {
        selected.setStyle({ color: EDGE, weight: 0.8 });
      }
      selected = layer;
      layer.setStyle({ color: SELECTED_EDGE, weight: 3 });
      layer.bringToFront();
      say((props.name || "") + " — " + (props.value_text || ""));
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
      var layer = L.geoJSON(collection, { style: baseStyle, onEachFeature: onEachFeature }).addTo(
        map
      );
      if (collection.legend && collection.legend.length) {
        legendControl(collection.legend).addTo(map);
      }
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
