"""The hot-spot map in headless Chromium, under the strict Content Security Policy: the areas are
coloured by incidents, with a legend, and a clicked area names its figure. The `browser_page`
fixture fails the test on any JavaScript error or CSP violation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tutela.conftest import World, signed_in
from tutela.monitoring.tests.analysis_fixtures import many
from tutela.monitoring.tests.incident_fixtures import Mon, mon_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hotspot_map_colours_the_areas_with_a_legend_and_names_a_clicked_one(
    browser_page: Any, live_server: Any, mon: Mon, world: World
) -> None:
    month = datetime.date(2026, 3, 1)
    many(7, mon.operation, world.amss, mon.areas["ML0501"], month)
    many(2, mon.operation, world.amss, mon.areas["ML0502"], month)
    page = browser_page
    # The partner sees their own organisation's records: no disclosure control.
    signed_in(page, live_server, world.partner)
    with page.expect_response(lambda r: "hotspots.geojson" in r.url) as geojson:
        page.goto(
            "/o/mali/monitoring/analysis/hotspots/?level=2&month_from=2026-03&month_to=2026-03"
        )
    assert geojson.value.status == 200
    shapes = page.locator("#choropleth path.leaflet-interactive")
    shapes.first.wait_for()
    assert shapes.count() == 2
    # One legend, below the map, not over it.
    legend = page.locator(".map-legend")
    assert legend.count() == 1
    assert legend.locator("li").count() >= 2
    assert page.locator("#choropleth .map-legend, #choropleth .choropleth-legend").count() == 0
    # Two areas with different counts are filled differently.
    fills = {shapes.nth(i).get_attribute("fill") for i in range(2)}
    assert len(fills) == 2
    shapes.first.click(force=True)
    popup = page.locator(".choropleth-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert ("Bandiagara" in text and "7" in text) or ("Djenné" in text and "2" in text)
    # The table under the map gives the same figures.
    table = page.locator("main table").first.inner_text()
    assert "Bandiagara" in table
    assert "Djenné" in table
