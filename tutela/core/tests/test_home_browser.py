"""In headless Chromium, the home page as two roles (issue 14): the IMO on a laptop (1366 px, in
English) finds the partner's 5W waiting for review and returns it from there; the partner focal
point on a 390 px phone, in French, opens the home page, sees the report returned with the
comment first, and follows the link to it. Neither page scrolls sideways.

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from tutela.activities.models import Submission
from tutela.activities.services.submissions import submission_submit
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
# Before the March round's deadline (10 April 2026).
BEFORE_DEADLINE = datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC)


def _sideways(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_imo_returns_a_report_from_the_home_page_and_the_partner_sees_it_on_a_phone(
    browser: Any, browser_page: Any, live_server: Any, fivew: Any
) -> None:
    world = fivew.world
    world.imo.language = "en"
    world.imo.save()
    world.partner.language = "fr"
    world.partner.save()
    save_rows(world.partner, world.amss, line())
    submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)

    with time_machine.travel(BEFORE_DEADLINE, tick=True):
        # The IMO, on a laptop: the report waits for review on the home page.
        imo = browser_page
        imo.set_viewport_size(LAPTOP)
        signed_in(imo, live_server, world.imo)
        imo.goto("/o/mali/")
        review = imo.locator("#work-5w-review")
        assert review.locator("h3").inner_text() == "5W reports awaiting your review"
        assert review.locator(".figure").inner_text().strip() == "1"
        review.get_by_role("link", name="AMSS, 5W of March 2026").click()
        imo.wait_for_url("**/5w/2026-03/submissions/AMSS/")
        imo.fill("textarea[name=comment]", "Merci de ventiler par commune.")
        imo.locator("#return").click()
        imo.wait_for_url("**/5w/2026-03/")
        imo.goto("/o/mali/")
        assert imo.locator("#work-5w-review .figure").inner_text().strip() == "0"
        assert _sideways(imo) <= 0
        assert Submission.objects.get(organisation=world.amss).status == "returned"

        # The partner, on a phone, in French: the returned report comes first, with the comment.
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR", base_url=live_server.url
        )
        phone = context.new_page()
        signed_in(phone, live_server, world.partner)
        phone.goto("/")
        phone.wait_for_url("**/o/mali/")
        assert phone.locator("html").get_attribute("lang") == "fr"
        first = phone.locator(".work-panel").first
        assert first.get_attribute("id") == "work-5w-report"
        assert first.locator("h3").inner_text() == "Les rapports 5W de votre organisation"
        assert "Merci de ventiler par commune." in first.locator("blockquote").inner_text()
        link = first.get_by_role("link", name="Rapport 5W de mars 2026 renvoyé pour correction")
        assert link.is_visible()
        assert _sideways(phone) <= 0
        link.click()
        phone.wait_for_url("**/5w/2026-03/submissions/AMSS/")
        assert "Merci de ventiler par commune." in phone.content()
        context.close()
