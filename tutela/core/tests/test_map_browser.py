"""The operation map in headless Chromium, under the strict Content Security Policy.

The `browser_page` fixture fails the test on any JavaScript error or CSP violation.
"""

from __future__ import annotations

from typing import Any

import pytest

from tutela.conftest import World, signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_map_draws_the_boundaries_and_names_a_clicked_area(
    browser_page: Any, live_server: Any, world: World
) -> None:
    page = browser_page
    signed_in(page, live_server, world.partner)
    with page.expect_response(lambda r: "areas.geojson" in r.url) as geojson:
        page.goto("/o/mali/map/?level=2")
    assert geojson.value.status == 200
    shapes = page.locator("#map path.leaflet-interactive")
    shapes.first.wait_for()
    assert shapes.count() == 2
    # No tile layer: plain boundaries on a blank background.
    assert page.locator("#map img.leaflet-tile").count() == 0
    shapes.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "ML050" in text
    assert ("Bandiagara" in text) or ("Djenné" in text)
    assert "ML050" in page.locator("#map-status").inner_text()


def test_level_selector_reloads_another_level(
    browser_page: Any, live_server: Any, world: World
) -> None:
    page = browser_page
    signed_in(page, live_server, world.coordinator)
    page.goto("/o/mali/map/")
    page.locator("#map path.leaflet-interactive").first.wait_for()
    page.select_option("#map-level", "2")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/map/?level=2")
    page.locator("#map path.leaflet-interactive").first.wait_for()
    assert page.locator("#map path.leaflet-interactive").count() == 2
    assert page.locator("#map").get_attribute("data-geojson-url").endswith("level=2")
