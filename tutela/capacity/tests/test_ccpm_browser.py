"""A CCPM round from launch to banded report, in headless Chromium, in French: the coordinator
prepares the round of the national cluster on its page and launches it (the links go out through a
real SMTP server on loopback); partners open their links and answer (a sending with a question
left out is refused with the reason, and nothing is recorded); results stay hidden while the round
is open; the coordinator closes it and reads the results banded by function in the clusters'
colours, and downloads the PDF report."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tutela.capacity.models import CcpmRound
from tutela.capacity.models.ccpm import Audience
from tutela.capacity.selectors.ccpm import round_questions
from tutela.capacity.tests.ccpm_fixtures import Ccpm, ccpm_fixture  # noqa: F401
from tutela.conftest import SmtpServer, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/capacity/s/[^/\s]+/)")
GREEN, RED = "rgb(46, 125, 50)", "rgb(198, 40, 40)"


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def test_a_ccpm_round_from_launch_to_banded_report_in_french(
    browser_page: Any, live_server: Any, ccpm: Ccpm, smtp_server: SmtpServer
) -> None:
    world = ccpm.world
    world.coordinator.language = "fr"
    world.coordinator.save()
    page = browser_page
    signed_in(page, live_server, world.coordinator)

    # Prepare the round of the national cluster and launch it.
    page.goto(url("ccpm_rounds"))
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name=_fr("Prepare a round")).click()
    page.get_by_label(_fr("Title")).fill("CCPM 2026 Mali")
    page.get_by_label(world.cluster.name, exact=True).check()
    page.get_by_label(_fr("Language of the e-mails")).select_option("fr")
    page.get_by_role("button", name=_fr("Save")).click()
    page.get_by_role("heading", name="CCPM 2026 Mali").wait_for()
    round = CcpmRound.objects.get(operation=world.operation, title="CCPM 2026 Mali")
    assert round.status == CcpmRound.Status.DRAFT
    minimum = round.minimum_responses
    page.get_by_role("button", name=_fr("Launch: send the links")).click()
    page.get_by_role("button", name=_fr("Close the round")).wait_for()
    round.refresh_from_db()
    assert round.status == CcpmRound.Status.OPEN

    paths = []
    for message in smtp_server.messages():
        text = message.get_body(preferencelist=("plain",)).get_content()
        found = LINK.search(text)
        if found and found.group(1) not in paths:
            paths.append(found.group(1))
    invited = round.links.count()
    assert len(paths) == invited >= minimum + 1

    # Partners answer: everything well, except accountability to affected people (function 7).
    questions = round_questions(round, Audience.PARTNER)

    def choice(question: Any) -> str:
        weak = question.subfunction.function.code == "7"
        if question.scale == "yes_no":
            return "no" if weak else "yes"
        return "never" if weak else "very_regularly"

    partner = browser_page.context.browser.new_context(locale="fr-FR", base_url=live_server.url)
    answerer = partner.new_page()
    for number, path in enumerate(paths[:minimum]):
        answerer.goto(path)
        assert answerer.locator("html").get_attribute("lang") == "fr"
        answerer.get_by_role("heading", name=_fr("Coordination performance survey")).wait_for()
        left_out = questions[0] if number == 0 else None
        for question in questions:
            if question is not left_out:
                answerer.locator(
                    f'label:has(input[name="q{question.pk}"][value="{choice(question)}"])'
                ).click()
        with answerer.expect_navigation():
            answerer.get_by_role("button", name=_fr("Send my answers")).click()
        if left_out is not None:
            refused = _fr("Answer this question (or choose “Don't know”).")
            assert answerer.get_by_text(refused).count() == 1
            assert round.links.filter(has_answered=True).count() == 0
            assert answerer.locator(
                f'input[name="q{questions[1].pk}"][value="{choice(questions[1])}"]'
            ).is_checked()
            answerer.locator(
                f'label:has(input[name="q{left_out.pk}"][value="{choice(left_out)}"])'
            ).click()
            with answerer.expect_navigation():
                answerer.get_by_role("button", name=_fr("Send my answers")).click()
        answerer.get_by_role("status").wait_for()
        assert (
            _fr("Thank you: your answers are recorded.")[:20]
            in answerer.locator("main").inner_text()
        )
    partner.close()
    assert round.links.filter(has_answered=True).count() == minimum

    # While the round is open, the coordinator sees who answered, and no result.
    page.reload()
    assert f"{minimum} / {invited}" in page.locator("main").inner_text()
    page.goto(url("ccpm_results", round.pk))
    assert page.get_by_text(_fr("The results appear when the round is closed.")).count() == 1
    assert page.locator(".band").count() == 0

    # Close the round and read the banded results.
    page.goto(url("ccpm_round", round.pk))
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Close the round")).click()
    page.get_by_role("heading", name=_fr("CCPM results")).wait_for()
    assert _fr("Round closed: the results are ready.") in page.locator("body").inner_text()
    table = page.locator("table.ccpm")
    rows = table.locator("tbody tr")
    function_rows = {
        row.locator("th").inner_text().split(".")[0]: row
        for row in rows.all()
        if row.locator("th").count()
    }
    assert set(function_rows) >= {"1", "2", "3", "4", "5", "6", "7"}
    good, weak = function_rows["1"].locator(".band"), function_rows["7"].locator(".band")
    assert good.inner_text() == _fr("Good")
    assert weak.inner_text() == _fr("Weak")
    assert good.evaluate("e => getComputedStyle(e).backgroundColor") == GREEN
    assert weak.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    assert function_rows["1"].locator("td.num").inner_text() == "1,00"
    assert function_rows["7"].locator("td.num").inner_text() == "0,00"

    # The report in French, as a PDF.
    href = page.get_by_role("link", name="PDF (FR)").get_attribute("href")
    report = page.request.get(href)
    assert report.status == 200
    assert report.body().startswith(b"%PDF")
