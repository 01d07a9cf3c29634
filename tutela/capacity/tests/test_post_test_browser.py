"""In headless Chromium on a 390 px phone screen, in French, over a throttled connection: the
trainer e-mails the post-test links through a real SMTP server on loopback; a participant opens
her link, answers (a first sending with a question left out is refused with the reason, and
nothing is lost), and sees her score. The page has no script, fits the screen without sideways
scrolling and weighs a few kilobytes."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tutela.capacity.models import Attempt
from tutela.capacity.services import assessments, sessions
from tutela.capacity.tests.fixtures import Trainings, trainings_fixture  # noqa: F401
from tutela.conftest import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/capacity/t/[^/\s]+/)")
PHONE = {"width": 390, "height": 844}


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def test_participant_answers_the_post_test_on_a_phone(
    browser: Any,
    live_server: Any,
    audit_log_flushable: None,
    trainings: Trainings,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = trainings.world
    session = sessions.session_update(
        session=trainings.session, by=world.coordinator, language="fr"
    )
    test = assessments.knowledge_test_create(
        session=session, by=world.coordinator, kind="post", mode="online"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = assessments.knowledge_test_links_send(test=test, by=world.coordinator)
    assert result["sent"] == 3
    (mail,) = smtp_server.messages_to("aissata@amss.test")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Aïssata Diallo" in text
    path = LINK.search(text).group(1)

    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR", base_url=live_server.url
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    weights: list[int] = []
    scripts: list[str] = []

    def on_response(response: Any) -> None:
        if response.request.resource_type == "script":
            scripts.append(response.url)
        # Redirects have no body.
        with contextlib.suppress(Exception):
            weights.append(len(response.body()))

    page.on("response", on_response)
    # A poor link: 400 ms round trips, 64 kbit/s down, 32 kbit/s up.
    cdp = context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 400,
            "downloadThroughput": 64 * 1024 / 8,
            "uploadThroughput": 32 * 1024 / 8,
        },
    )
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == _fr("Post-test")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert scripts == []
    assert sum(weights) < 12_000, weights

    questions = assessments.knowledge_test_questions(test)
    # Everything right but the last question, left empty: refused, the answers stay ticked.
    for question in questions[:-1]:
        for choice in question.choices.all():
            if choice.is_correct:
                page.get_by_label(choice.text, exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Send my answers")).click()
    assert page.get_by_text(_fr("Answer this question.")).count() == 1
    first = next(c for c in questions[0].choices.all() if c.is_correct)
    assert page.get_by_label(first.text, exact=True).is_checked()
    assert not Attempt.objects.get(test=test, registration=trainings.registrations[0]).submitted_at

    last = questions[-1]
    for choice in last.choices.all():
        if choice.is_correct:
            page.get_by_label(choice.text, exact=True).check()
    # Tapping a label (a large target) ticks its box.
    assert (
        page.evaluate(
            "Math.min(...[...document.querySelectorAll('fieldset label')]"
            ".map(l => l.getBoundingClientRect().height))"
        )
        >= 40
    )
    with page.expect_navigation():
        page.get_by_role("button", name=_fr("Send my answers")).click()
    page.get_by_text(_fr("Thank you: your answers are recorded.")).wait_for()
    assert "100" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    attempt = Attempt.objects.get(test=test, registration=trainings.registrations[0])
    assert attempt.score == 100
    context.close()
    assert not errors
