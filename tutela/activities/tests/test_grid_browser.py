"""In headless Chromium: a 5W grid with many lines opens at the top, and its header row and line
numbers stay in view (sticky) while the partner scrolls down and across its columns (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.activities.services.submissions import submission_submit
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_long_grid_opens_at_the_top_with_its_header_and_line_numbers_in_view(
    browser_page: Any, live_server: Any, fivew: Any
) -> None:
    world = fivew.world
    save_rows(world.partner, world.amss, *[line(site=f"Site {i:02d}") for i in range(40)])
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    signed_in(page, live_server, world.partner)
    page.goto("/o/mali/5w/2026-03/rows/")
    assert page.locator("tr.grid-line").count() >= 40
    page.wait_for_timeout(300)
    # Opens at the top: neither the page nor the grid scrolled to the empty lines at the bottom.
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.querySelector('.grid-wrap').scrollTop") == 0

    # Scrolled down and across inside the grid: the header row and the line numbers stay.
    page.evaluate(
        "(() => { const w = document.querySelector('.grid-wrap'); w.scrollTop = 600;"
        " w.scrollLeft = 800; })()"
    )
    page.wait_for_timeout(100)
    box = page.evaluate(
        """(() => {
          const w = document.querySelector('.grid-wrap').getBoundingClientRect();
          const h = document.querySelector('table.grid thead th:nth-child(3)')
            .getBoundingClientRect();
          const rows = [...document.querySelectorAll('tr.grid-line th.line-number')];
          const n = rows.find(r => r.getBoundingClientRect().top > w.top + 40)
            .getBoundingClientRect();
          return {wrapTop: w.top, wrapLeft: w.left, headTop: h.top, numberLeft: n.left};
        })()"""
    )
    assert abs(box["headTop"] - box["wrapTop"]) <= 2, box
    assert abs(box["numberLeft"] - box["wrapLeft"]) <= 2, box


def test_a_row_changed_after_submission_shows_its_mark_and_who_changed_it(
    browser_page: Any, live_server: Any, fivew: Any
) -> None:
    """The mark is visible next to the line number in the grid, says when and by whom on hover
    (title) and to a screen reader (text), and the review page lists it on a phone."""
    world = fivew.world
    save_rows(world.partner, world.amss, line(), line(population_group="HST"))
    submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)
    save_rows(world.partner, world.amss, line(population_group="HST", girls="6", total="28"))
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    signed_in(page, live_server, world.partner)
    page.goto("/o/mali/5w/2026-03/rows/")
    marks = page.locator("tr.grid-line th.line-number .changed-mark")
    assert marks.count() == 1
    mark = marks.first
    assert mark.is_visible()
    title = mark.get_attribute("title") or ""
    assert title.startswith("Changed after submission on ")
    assert title.endswith(f" by {world.partner.full_name}")
    assert title in mark.inner_text() or title in mark.text_content()
    # On a phone, the IMO's review page shows when and by whom in its own column.
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in(page, live_server, world.imo)
    page.goto("/o/mali/5w/2026-03/submissions/AMSS/")
    changed = page.locator("tr.changed-after-submission")
    assert changed.count() == 1
    assert f"by {world.partner.full_name}" in changed.locator("td.changed-when").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
