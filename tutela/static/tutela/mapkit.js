/* Tutela map kit: what the operation map (map.js) and the choropleths (choropleth.js) share.
   A GeoJSON FeatureCollection fetched from the page's own endpoint is drawn with Leaflet on a
   blank background (no tile server); status messages go to the #map-status live region.
   Loaded as a static file after Leaflet and before the page's map script (strict Content
   Security Policy: no inline script); it exposes window.TutelaMap:
     say(message)               write a status message (or clear it)
     selection(base, selected)  track the clicked layer: select(layer) puts the previous one back
                                to `base` and styles the new one `selected`; current() gives it
     draw(el, options)          make the map in `el` and draw its data-geojson-url with
                                options.style and options.onEachFeature; options.onDrawn(map,
                                collection), if given, runs once the layer is on the map.
                                Reads el's data-message-loading/-empty/-error.
*/
(function () {
  "use strict";

  function say(message) {
    var status = document.getElementById("map-status");
    if (status) {
      status.textContent = message || "";
    }
  }

  function selection(baseStyle, selectedStyle) {
    var current = null;
    return {
      current: function () {
        return current;
      },
      select: function (layer) {
        if (current && current !== layer) {
          current.setStyle(baseStyle);
        }
        current = layer;
        layer.setStyle(selectedStyle);
      },
    };
  }

  function draw(el, options) {
    var L = window.L;
    var data = el.dataset;
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, minZoom: 2 });
    map.setView([0, 0], 2);

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
          style: options.style,
          onEachFeature: options.onEachFeature,
        }).addTo(map);
        if (options.onDrawn) {
          options.onDrawn(map, collection);
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
    return map;
  }

  window.TutelaMap = { say: say, selection: selection, draw: draw };
})();
