"""The monitoring analysis page's inline SVG charts in headless Chromium, under the strict
Content-Security-Policy (the `browser_page` fixture fails the test on any violation): they fit a
390 px phone without page-level overflow and stay at a readable size on a 1366 px screen, axe
finds no serious violation, and each chart is an image with its name."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tutela.conftest import World, signed_in
from tutela.core.tests.test_design_browser import DESKTOP, PHONE, measure
from tutela.monitoring.tests.analysis_fixtures import many
from tutela.monitoring.tests.incident_fixtures import Mon, mon_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/o/mali/monitoring/analysis/?month_from=2025-10&month_to=2026-09"


def test_inline_charts_fit_a_phone_and_a_wide_screen_under_the_csp(
    browser_page: Any, live_server: Any, mon: Mon, world: World
) -> None:
    month = datetime.date(2025, 10, 1)
    while month <= datetime.date(2026, 9, 1):
        many(6, mon.operation, world.amss, mon.areas["ML0501"], month, "R01")
        many(5, mon.operation, world.amss, mon.areas["ML0502"], month, "R05")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    page = browser_page
    # The partner sees their own organisation's records: every figure is shown.
    signed_in(page, live_server, world.partner)
    for viewport in (PHONE, DESKTOP):
        assert measure(page, PAGE, viewport) == []
        charts = page.locator("main svg.chart[role='img']")
        assert charts.count() == 3
        for i in range(3):
            box = charts.nth(i).bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"]
            # Readable: the 480-unit-wide drawing at 0.7 to 1.4 times its size.
            assert 0.7 * 480 <= box["width"] <= 1.4 * 480
            assert charts.nth(i).get_attribute("aria-label")
        # Twelve months, two lines, a point with its hover title each.
        assert page.locator("main svg.chart circle title").count() == 24
    assert page.locator("main img.chart").count() == 0
