"""The operation map page and the GeoJSON boundaries endpoint."""

from __future__ import annotations

import gzip
import json

import pytest
from django.urls import reverse

from tutela.conftest import make_area
from tutela.core.models import AdminArea

pytestmark = pytest.mark.django_db


def geojson_url(slug: str = "mali", **params: str) -> str:
    url = reverse("core:areas_geojson", args=[slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


@pytest.mark.parametrize("persona", ["coordinator", "partner", "caseworker", "viewer"])
def test_map_page_renders_for_members(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(reverse("core:map", args=["mali"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-geojson-url="/o/mali/areas.geojson?level=1"' in content
    assert "vendor/leaflet/leaflet.js" in content
    assert "vendor/leaflet/leaflet.css" in content
    assert "tutela/map.js" in content
    # Strict CSP: no inline script.
    assert "<script>" not in content
    # The level selector uses the operation's labels.
    assert "Région (2)" in content
    assert "Cercle (2)" in content
    assert [area.pcode for area in response.context["page"].object_list] == ["ML04", "ML05"]


def test_map_page_switches_level(world, as_user):
    response = as_user(world.partner).get(reverse("core:map", args=["mali"]), {"level": "2"})
    assert response.context["level"] == 2
    assert 'data-geojson-url="/o/mali/areas.geojson?level=2"' in response.content.decode()
    assert [a.pcode for a in response.context["page"].object_list] == ["ML0501", "ML0502"]


def test_map_page_falls_back_to_an_available_level(world, as_user):
    response = as_user(world.partner).get(reverse("core:map", args=["mali"]), {"level": "9"})
    assert response.status_code == 200
    assert response.context["level"] == 1


def test_map_page_without_areas_shows_an_empty_state(world, as_user):
    world.operation.countries.clear()
    response = as_user(world.partner).get(reverse("core:map", args=["mali"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "No admin areas are loaded" in content
    assert "tutela/map.js" not in content


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_map_and_boundaries_are_not_found_for_non_members(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(reverse("core:map", args=["mali"])).status_code == 404
    assert client.get(geojson_url(level="1")).status_code == 404


def test_anonymous_visitor_gets_no_boundaries(client, world):
    assert client.get(geojson_url(level="1")).status_code == 302


def test_boundaries_are_a_feature_collection(world, as_user):
    response = as_user(world.partner).get(geojson_url(level="2"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"] for f in data["features"]] == [
        {"pcode": "ML0501", "name": "Bandiagara", "level": 2, "parent_pcode": "ML05"},
        {"pcode": "ML0502", "name": "Djenné", "level": 2, "parent_pcode": "ML05"},
    ]
    feature = data["features"][0]
    assert feature["type"] == "Feature"
    assert feature["id"] == "ML0501"
    assert feature["geometry"]["type"] == "Polygon"


def test_boundaries_default_to_admin_1(world, as_user):
    data = as_user(world.partner).get(geojson_url()).json()
    assert [f["properties"]["pcode"] for f in data["features"]] == ["ML04", "ML05"]


def test_boundaries_stay_within_the_operation_countries(world, areas, as_user):
    make_area("CO05", "Antioquia", 1, areas["CO"])
    mali = as_user(world.partner).get(geojson_url(level="1")).json()
    assert "CO05" not in [f["properties"]["pcode"] for f in mali["features"]]
    colombia = as_user(world.other_operation_user).get(geojson_url("colombia", level="1")).json()
    assert [f["properties"]["pcode"] for f in colombia["features"]] == ["CO05"]


def test_boundaries_below_a_parent(world, areas, as_user):
    make_area("ML0401", "Ségou cercle", 2, areas["ML04"])
    data = as_user(world.partner).get(geojson_url(level="2", parent="ML05")).json()
    assert [f["properties"]["pcode"] for f in data["features"]] == ["ML0501", "ML0502"]
    data = as_user(world.partner).get(geojson_url(level="2", parent="ml04")).json()
    assert [f["properties"]["pcode"] for f in data["features"]] == ["ML0401"]


def test_areas_without_a_boundary_are_left_out(world, areas, as_user):
    AdminArea.objects.filter(pcode="ML0502").update(geometry=None)
    data = as_user(world.partner).get(geojson_url(level="2")).json()
    assert [f["properties"]["pcode"] for f in data["features"]] == ["ML0501"]


def test_bad_level_is_a_bad_request(world, as_user):
    client = as_user(world.partner)
    assert client.get(geojson_url(level="x")).status_code == 400
    assert client.get(geojson_url(level="7")).status_code == 400


def test_boundaries_carry_cache_headers_and_answer_not_modified(world, as_user):
    client = as_user(world.partner)
    first = client.get(geojson_url(level="1"))
    assert "private" in first["Cache-Control"]
    assert "max-age=3600" in first["Cache-Control"]
    assert "Cookie" in first["Vary"]
    etag = first["ETag"]
    again = client.get(geojson_url(level="1"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    # Another level is another representation.
    assert client.get(geojson_url(level="2"))["ETag"] != etag


def test_boundaries_change_etag_when_an_area_changes(world, as_user):
    client = as_user(world.partner)
    etag = client.get(geojson_url(level="1"))["ETag"]
    segou = AdminArea.objects.get(pcode="ML04")
    segou.name = "Ségou (updated)"
    segou.save()
    response = client.get(geojson_url(level="1"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_boundaries_are_compressed_when_the_browser_accepts_it(world, as_user):
    for i in range(30):
        make_area(f"ML04{i:02}", f"Cercle {i}", 2, AdminArea.objects.get(pcode="ML04"))
    response = as_user(world.partner).get(geojson_url(level="2"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.content))
    assert len(data["features"]) == 32
