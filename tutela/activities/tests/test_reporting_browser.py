"""In headless Chromium: a partner, in French, fills two lines of the 5W grid with the keyboard
only (cascading region -> cercle -> commune selects included), saves, submits for review; the
information management officer validates.

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from tutela.activities.models import ActivityReport, Submission
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id"))


def choose(page: Any, text: str, expect_id: str) -> None:
    """Type into the focused select (the browser picks the first option starting with it)."""
    assert focused(page) == expect_id
    page.keyboard.type(text)


def options_loaded(page: Any, select_id: str, value: str) -> None:
    page.wait_for_selector(f"#{select_id} option[value='{value}']", state="attached")


def tab(page: Any, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press("Tab")


def fill_numbers(page: Any, line: int, values: list[str]) -> None:
    names = ["girls", "boys", "women", "men", "older_women", "older_men"]
    for name, value in zip(names, values, strict=True):
        assert focused(page) == f"rows-{line}-{name}"
        page.keyboard.type(value)
        tab(page)


def test_partner_fills_the_grid_by_keyboard_submits_and_the_imo_validates(
    browser_page: Any, live_server: Any, fivew: Any
) -> None:
    world = fivew.world
    world.partner.language = "fr"
    world.partner.save()
    page = browser_page
    signed_in(page, live_server, world.partner)
    page.goto("/o/mali/5w/2026-03/rows/")
    assert page.locator("html").get_attribute("lang") == "fr"

    # Line 1: the page starts on the first empty line.
    choose(page, "PRO-PSS", "rows-0-activity")
    options_loaded(page, "rows-0-indicator", "PRO-PSS-01")
    tab(page)
    choose(page, "PRO-PSS-01", "rows-0-indicator")
    tab(page)
    choose(page, "Mopti", "rows-0-admin1_pcode")
    options_loaded(page, "rows-0-admin2_pcode", "ML0501")
    tab(page)
    choose(page, "Bandiagara", "rows-0-admin2_pcode")
    options_loaded(page, "rows-0-admin3_pcode", "ML050102")
    tab(page)
    choose(page, "Dandoli", "rows-0-admin3_pcode")
    tab(page)
    assert focused(page) == "rows-0-site"
    page.keyboard.type("Site de Sévaré")
    tab(page)
    choose(page, "IDP", "rows-0-population_group")
    tab(page, 3)  # status (ongoing), modality (none)
    fill_numbers(page, 0, ["5", "4", "10", "6", "1", "1"])
    # The total was worked out while typing.
    assert focused(page) == "rows-0-total"
    assert page.input_value("#rows-0-total") == "27"

    # Enter goes to the next line.
    page.keyboard.press("Enter")
    choose(page, "PRO-LEG", "rows-1-activity")
    options_loaded(page, "rows-1-indicator", "PRO-LEG-02")
    tab(page)
    choose(page, "PRO-LEG-01", "rows-1-indicator")
    tab(page)
    choose(page, "Mopti", "rows-1-admin1_pcode")
    options_loaded(page, "rows-1-admin2_pcode", "ML0502")
    tab(page)
    choose(page, "Dj", "rows-1-admin2_pcode")
    options_loaded(page, "rows-1-admin3_pcode", "ML050201")
    tab(page, 3)  # commune left empty, site
    choose(page, "HST", "rows-1-population_group")
    tab(page, 3)
    fill_numbers(page, 1, ["1", "1", "2", "2", "0", "0"])
    assert page.input_value("#rows-1-total") == "6"

    # Ctrl+Enter saves every line.
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator(".messages .msg-success").count() == 1
    rows = list(ActivityReport.objects.filter(organisation=world.amss).order_by("activity__code"))
    assert [(r.activity.code, r.area.pcode, r.population_group.code, r.total) for r in rows] == [
        ("PRO-LEG", "ML0502", "HST", 6),
        ("PRO-PSS", "ML050102", "IDP", 27),
    ]
    assert rows[1].site == "Site de Sévaré"
    assert rows[1].admin2.pcode == "ML0501"

    # Submit for review.
    with page.expect_navigation():
        page.click("#submit-for-review")
    assert page.url.endswith("/o/mali/5w/2026-03/submissions/AMSS/")
    assert Submission.objects.get(organisation=world.amss).status == "submitted"

    # The information management officer validates.
    signed_in(page, live_server, world.imo)
    page.goto("/o/mali/5w/2026-03/submissions/AMSS/")
    assert page.locator("table.rows-readonly tbody tr").count() == 2
    with page.expect_navigation():
        page.click("#validate")
    assert Submission.objects.get(organisation=world.amss).status == "validated"
    assert {address for message in mail.outbox for address in message.to} == {
        "focal@amss.test",
        "case@amss.test",
    }


def test_add_ten_lines_and_an_error_keeps_the_values(
    browser_page: Any, live_server: Any, fivew: Any
) -> None:
    world = fivew.world
    page = browser_page
    signed_in(page, live_server, world.partner)
    page.goto("/o/mali/5w/2026-03/rows/")
    assert page.locator("tr.grid-line").count() == 5
    page.click("#add-lines")
    page.wait_for_selector("#rows-14-activity", state="attached")
    assert page.locator("tr.grid-line").count() == 15
    # A line with an unknown cercle for its region is refused; nothing saved, values kept.
    page.select_option("#rows-12-activity", "PRO-PSS")
    page.select_option("#rows-12-admin1_pcode", "ML04")
    page.wait_for_selector("#rows-12-admin2_pcode option[value='ML0401']", state="attached")
    page.select_option("#rows-12-admin2_pcode", "ML0401")
    page.select_option("#rows-12-population_group", "IDP")
    page.fill("#rows-12-women", "3")
    page.fill("#rows-12-with_disability", "9")
    with page.expect_navigation():
        page.click("#grid-save")
    assert page.locator(".messages .msg-error").count() == 1
    assert page.input_value("#rows-12-with_disability") == "9"
    assert page.locator("#rows-12-with_disability-problems li").count() == 1
    # The cell with the problem has the focus.
    assert focused(page) == "rows-12-with_disability"
    assert not ActivityReport.objects.exists()


def test_the_5w_pages_fit_a_phone_screen(
    browser: Any, live_server: Any, audit_log_flushable: None, fivew: Any
) -> None:
    from tutela.activities.tests.reporting_fixtures import line, save_rows

    world = fivew.world
    save_rows(world.partner, world.amss, line(admin3_pcode="ML050102"))
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="fr-FR"
    )
    page = context.new_page()
    signed_in(page, live_server, world.imo)
    for href in (
        "/o/mali/5w/",
        "/o/mali/5w/2026-03/",
        "/o/mali/5w/2026-03/rows/?org=AMSS",
        "/o/mali/5w/2026-03/submissions/AMSS/",
        "/o/mali/5w/upload/",
        "/o/mali/5w/imports/",
        "/o/mali/5w/config/activities/",
        "/o/mali/5w/config/settings/",
        "/o/mali/5w/config/planning/",
    ):
        page.goto(href)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{href} scrolls sideways on a phone by {overflow}px"
    context.close()
