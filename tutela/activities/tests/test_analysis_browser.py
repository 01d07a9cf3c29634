"""The 5W coverage and presence maps in headless Chromium, under the strict Content Security
Policy (the `browser_page` fixture fails the test on any JavaScript error or CSP violation)."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.activities.tests.analysis_fixtures import (  # noqa: F401
    FiveW,
    add_planning,
    five_w_fixture,
)
from tutela.conftest import signed_in
from tutela.core import maps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

DJENNE_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-5.5, 13.5], [-4.5, 13.5], [-4.5, 14.5], [-5.5, 14.5], [-5.5, 13.5]]],
}


@pytest.fixture
def planned_map(five_w: FiveW) -> FiveW:
    """Bandiagara: 80 reached of 100 in need (80 %); Djenné (moved apart so that both can be
    clicked): 40 of 1,000 (4 %)."""
    areas = five_w.areas
    areas["ML0502"].geometry = DJENNE_SQUARE
    areas["ML0502"].save()
    add_planning(five_w.world, areas["ML0501"], pin=100, targeted=90, severity=3)
    add_planning(five_w.world, areas["ML0502"], pin=1000, targeted=500, severity=5)
    return five_w


def test_coverage_map_colours_areas_and_shows_figures_on_click(
    browser_page: Any, live_server: Any, planned_map: FiveW
) -> None:
    page = browser_page
    signed_in(page, live_server, planned_map.world.partner)
    with page.expect_response(lambda r: "coverage.geojson" in r.url) as geojson:
        page.goto("/o/mali/5w/coverage/?level=2")
    assert geojson.value.status == 200
    shapes = page.locator("#choropleth path.leaflet-interactive")
    shapes.first.wait_for()
    assert shapes.count() == 2
    fills = sorted(shapes.nth(i).get_attribute("fill") or "" for i in range(2))
    assert fills == sorted([maps.COVERAGE_SCALE.color(80), maps.COVERAGE_SCALE.color(4)])
    # No tile layer: plain boundaries on a blank background; one legend, below the map.
    assert page.locator("#choropleth img.leaflet-tile").count() == 0
    assert "Under 25%" in page.locator(".map-legend").inner_text()
    assert page.locator("#choropleth .map-legend, #choropleth .choropleth-legend").count() == 0

    low = page.locator(f'#choropleth path[fill="{maps.COVERAGE_SCALE.color(4)}"]')
    low.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Djenné (ML0502)" in text
    assert "People in need" in text
    assert "People reached" in text
    assert "4.0 %" in text or "4,0 %" in text
    assert "Djenné" in page.locator("#map-status").inner_text()


def test_presence_map_lists_partners_of_a_clicked_area(
    browser_page: Any, live_server: Any, planned_map: FiveW
) -> None:
    page = browser_page
    signed_in(page, live_server, planned_map.world.viewer)
    page.goto("/o/mali/5w/presence/?level=2")
    target = page.locator(f'#choropleth path[fill="{maps.PRESENCE_SCALE.color(2)}"]')
    target.wait_for()
    target.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "AMSS, DRC" in popup.inner_text()
