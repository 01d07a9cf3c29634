from __future__ import annotations

from rest_framework.renderers import JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    """GeoJSON (RFC 7946), chosen with `?format=geojson`, a `.geojson` URL or
    `Accept: application/geo+json`."""

    media_type = "application/geo+json"
    format = "geojson"
