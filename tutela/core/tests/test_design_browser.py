"""The design system holds on every main page (issue 14): each module's pages, reached from the
menu and the module's sub-navigation, as a coordinator and as a partner, in French and English,
on a 390 x 844 phone and a 1366 x 768 screen:

- no page-level horizontal overflow (a wide table scrolls inside its own box);
- no word broken across two lines in table cells, headings, badges, buttons or menus
  (layout_probe.js measures each word's client rects);
- the header leaves at least three quarters of the phone screen, the content is in one <main>;
- axe-core (vendored, tests/vendor/README.md) reports no serious or critical violation;
- the phone menu is a <details> that opens and closes, and the desktop menu holds on one line.

One browser and one tab per role and language; each page is measured at both widths (axe runs on
the phone for every page and on the desktop for the menu's pages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tutela.conftest import World, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).parent
PROBE = (HERE / "layout_probe.js").read_text()
AXE = (HERE / "vendor" / "axe-core" / "axe.min.js").read_text()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
# Links that download a file or change something are not pages to measure.
NOT_PAGES = ("export", "download", ".xlsx", ".ics", ".csv", ".pdf", ".png", "/logout")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0].target.join(" ")}`);
}"""


def main_pages(page: Any, operation: str) -> tuple[list[str], set[str]]:
    """The menu's links, then the sub-navigation links of each module page, in order; and the
    menu's links alone."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"/o/{operation}/")
    pages = page.eval_on_selector_all("header nav a", "els => els.map(e => e.getAttribute('href'))")
    menu = set(pages)
    for href in list(pages):
        page.goto(href)
        pages += page.eval_on_selector_all(
            "main .subnav a, main .fivew-links a", "els => els.map(e => e.getAttribute('href'))"
        )
    wanted = [h for h in pages if h and h.startswith(f"/o/{operation}/")]
    return [h for h in dict.fromkeys(wanted) if not any(part in h for part in NOT_PAGES)], menu


def measure(page: Any, href: str, viewport: dict[str, int], *, axe: bool = True) -> list[str]:
    page.set_viewport_size(viewport)
    response = page.goto(href)
    assert response is not None
    if response.status != 200:
        return [f"status {response.status}"]
    found = page.evaluate(PROBE)
    problems = []
    if found["overflow"] > 0:
        problems.append(
            f"page wider than the screen by {found['overflow']} px: {', '.join(found['wide'])}"
        )
    if found["main"] != 1:
        problems.append(f"{found['main']} <main> landmarks")
    if viewport is PHONE and found["header"] > PHONE["height"] / 4:
        problems.append(f"header {found['header']:.0f} px high")
    if found["broken"]:
        problems.append("words broken: " + "; ".join(found["broken"][:5]))
    if axe:
        # Run through the DevTools protocol: the pages' Content-Security-Policy allows no inline
        # script.
        page.evaluate(AXE + ";0")
        problems += page.evaluate(RUN_AXE)
    return problems


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_main_pages_fit_phone_and_desktop_without_broken_words_or_serious_axe_violations(
    browser: Any, live_server: Any, audit_log_flushable: None, world: World, role: str, lang: str
) -> None:
    context = browser.new_context(base_url=live_server.url, locale=f"{lang}-FR")
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
    )
    page = context.new_page()
    signed_in(page, live_server, getattr(world, role))
    pages, menu = main_pages(page, world.operation.slug)
    # The menu and at least the 5W, monitoring, coordination, capacity and planning sub-pages.
    assert len(pages) >= 25, pages
    failures = {}
    for href in pages:
        for viewport in (PHONE, DESKTOP):
            # axe on every page on the phone, and on the desktop for the menu's pages (a
            # module's pages share its shell; this keeps the sweep a few minutes long).
            axe = viewport is PHONE or href in menu
            problems = measure(page, href, viewport, axe=axe)
            if problems:
                failures[f"{href} at {viewport['width']} px"] = problems
    context.close()
    assert not failures, failures


def test_phone_menu_opens_and_closes_and_desktop_menu_holds_on_one_line(
    browser_page: Any, live_server: Any, world: World
) -> None:
    page = browser_page
    signed_in(page, live_server, world.coordinator)
    page.set_viewport_size(PHONE)
    page.goto("/o/mali/")
    link = page.locator("header nav a[href='/o/mali/5w/']")
    assert not link.is_visible()
    summary = page.locator("#menu > summary")
    assert summary.is_visible()
    summary.click()
    assert link.is_visible()
    # The open menu takes the screen; closing it gives the page back.
    summary.click()
    assert not link.is_visible()
    page.set_viewport_size(DESKTOP)
    page.goto("/o/mali/")
    assert not summary.is_visible()
    tops = page.eval_on_selector_all(
        "header nav a", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(tops) >= 10
    assert len(set(tops)) == 1, tops
    # One current item (its contrast is among what axe checks in the sweep above).
    current = page.locator("header nav a[aria-current='page']")
    assert current.count() == 1
