"""In headless Chromium, in French: the coordinator raises an alert on an access restriction in
Ségou, checks the recipients computed from the structure (the cluster's nuclear members), removes
one and adds another, and sends it. The mails go through a real SMTP server on loopback; the
recipient organisation opens its link in a browser without an account and acknowledges with a
response; the coordinator's tracking page then shows the acknowledgement.

The pages' own words are compared with their French translation (`_fr`), so the test holds before
and after the catalogue is completed. The `browser_page` fixture fails the test on any JavaScript
error or Content-Security-Policy violation.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tutela.conftest import SmtpServer, signed_in
from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    contact,
    coordination_fixture,  # noqa: F401 - fixture
)
from tutela.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

ACK_PATH = re.compile(r"https?://[^/\s]+(/o/mali/coordination/alerts/(\d+)/ack/[^/\s]+/)")
RESPONSE = "Équipe mobile déployée à Ségou demain matin."


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def message(page: Any, text: str) -> None:
    """Wait for the page's confirmation message (in French)."""
    page.locator(".messages").get_by_text(_fr(text)).wait_for()


def click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def recipient_rows(page: Any) -> dict[str, str]:
    """The recipients table, by organisation acronym: the row's text."""
    rows = page.locator("main table tbody tr")
    found = {}
    for index in range(rows.count()):
        text = rows.nth(index).inner_text()
        found[text.split()[0]] = text
    return found


def test_coordinator_sends_an_alert_and_sees_the_link_acknowledgement_in_french(
    browser: Any,
    browser_page: Any,
    live_server: Any,
    coordination: Coordination,
    smtp_server: SmtpServer,
) -> None:
    world = coordination.world
    world.coordinator.language = "fr"
    world.coordinator.save()
    contact(world, world.unhcr, "protection@unhcr.test", world.cluster)
    contact(world, world.drc, "pm@drc.test", world.cluster)
    contact(world, world.amss, "dir@amss.test", coordination.mopti_wg)
    page = browser_page
    signed_in(page, live_server, world.coordinator)

    # A new alert, saved as a draft.
    page.goto("/o/mali/coordination/alerts/")
    assert page.locator("html").get_attribute("lang") == "fr"
    click_and_wait(page, page.get_by_role("link", name=_fr("New alert")))
    page.select_option("#id_kind", "access")
    page.fill("#id_title", "Routes coupées vers Ségou")
    page.fill("#id_occurred_on", "2026-03-02")
    page.fill("#id_area", "ML04")
    page.fill("#id_people_affected", "3500")
    page.fill("#id_source", "Rapport de l'équipe de monitoring")
    page.fill("#id_description", "Les convois humanitaires sont bloqués depuis trois jours.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Save draft")))
    message(page, "Draft alert saved. Check its recipients, then send it.")
    alert = Alert.objects.get()
    assert page.url.endswith(f"/coordination/alerts/{alert.pk}/recipients/")
    assert (alert.status, alert.kind, alert.area.pcode) == (Alert.Status.DRAFT, "access", "ML04")
    assert alert.people_affected == 3500

    # The recipients computed from the structure: the cluster's nuclear members (an access
    # restriction concerns no AoR; the Ségou group's only member, DRC, is already listed).
    assert page.locator("h1").inner_text() == _fr("Recipients")
    rows = recipient_rows(page)
    assert set(rows) == {"UNHCR", "DRC"}
    assert _fr("Nuclear member") in rows["UNHCR"]
    assert "Cluster Protection Mali" in rows["DRC"]
    computed = {
        r.organisation.acronym: r.reason for r in alert.recipients.select_related("organisation")
    }
    assert computed == {"UNHCR": "nuclear", "DRC": "nuclear"}

    # Remove UNHCR, add AMSS by hand.
    remove = _fr("Remove %(organisation)s") % {"organisation": "UNHCR"}
    click_and_wait(page, page.get_by_role("button", name=remove))
    message(page, _fr("%(organisation)s removed.") % {"organisation": "UNHCR"})
    page.select_option("#id_organisation", str(world.amss.pk))
    click_and_wait(page, page.get_by_role("button", name=_fr("Add"), exact=True))
    message(page, _fr("Added: %(list)s.") % {"list": "AMSS"})
    rows = recipient_rows(page)
    assert set(rows) == {"DRC", "AMSS"}
    assert _fr("Added by the coordinator") in rows["AMSS"]
    recipients = {
        r.organisation.acronym: r.reason for r in alert.recipients.select_related("organisation")
    }
    assert recipients == {"DRC": "nuclear", "AMSS": "manual"}

    # Send: each organisation's contacts get the alert and their own link.
    click_and_wait(page, page.get_by_role("button", name=_fr("Send the alert now")))
    message(
        page,
        _fr("Alert sent to %(reached)s of %(total)s organisations.")
        % {
            "reached": 2,
            "total": 2,
        },
    )
    assert page.url.endswith(f"/coordination/alerts/{alert.pk}/tracking/")
    alert.refresh_from_db()
    assert (alert.status, alert.sent_by) == (Alert.Status.SENT, world.coordinator)
    assert smtp_server.recipients() == ["dir@amss.test", "pm@drc.test"]
    (mail,) = smtp_server.messages_to("dir@amss.test")
    assert "Routes coupées vers Ségou" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    match = ACK_PATH.search(text)
    assert match, text
    ack_path = match.group(1)
    assert int(match.group(2)) == alert.pk
    amss = alert.recipients.get(organisation=world.amss)
    token = ack_path.rstrip("/").rsplit("/", 1)[1]
    assert amss.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert amss.acknowledged_at is None
    assert page.locator(".cards").inner_text().split()[:3] == ["2", "/", "2"]

    # AMSS opens its link in a browser of its own, without an account, and acknowledges.
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    try:
        outside = context.new_page()
        errors: list[str] = []
        outside.on("pageerror", lambda exc: errors.append(str(exc)))
        outside.goto(ack_path)
        assert outside.locator("h1").inner_text() == "Routes coupées vers Ségou"
        assert "AMSS" in outside.inner_text("main")
        outside.fill("#id_response", RESPONSE)
        click_and_wait(outside, outside.get_by_role("button", name=_fr("Acknowledge receipt")))
        message(outside, "Thank you: the acknowledgement is recorded.")
        assert outside.get_by_role("button", name=_fr("Update the response")).is_visible()
        assert not errors
    finally:
        context.close()
    amss.refresh_from_db()
    assert amss.acknowledged_at is not None
    assert amss.acknowledged_by is None
    assert amss.response == RESPONSE
    assert amss.responded_at is not None
    drc = alert.recipients.get(organisation=world.drc)
    assert drc.acknowledged_at is None

    # The coordinator's tracking page shows it.
    page.reload()
    figures = page.locator(".cards .figure")
    assert [figures.nth(i).inner_text() for i in range(3)] == ["2 / 2", "1", "1"]
    rows = recipient_rows(page)
    assert amss.acknowledged_at.strftime("%Y-%m-%d") in rows["AMSS"]
    assert _fr("(by link)") in rows["AMSS"]
    assert RESPONSE in rows["AMSS"]
    assert _fr("not yet") in rows["DRC"]

    # The audit log: created (recipients computed), one recipient removed, one added, sent,
    # then acknowledged through the link (no actor).
    on_alert = list(
        AuditEntry.objects.filter(entity_type="coordination.alert", entity_id=str(alert.pk))
        .order_by("pk")
        .values_list("action", "actor", "before", "after")
    )
    assert [(action, actor) for action, actor, _before, _after in on_alert] == [
        (AuditEntry.Action.CREATE, world.coordinator.pk),
        *[(AuditEntry.Action.UPDATE, world.coordinator.pk)] * 4,
    ]
    assert len(on_alert[1][3]["recipients"]) == 2
    assert on_alert[2][2] == {"removed": "UNHCR"}
    assert on_alert[3][3] == {"added": ["AMSS"]}
    assert on_alert[4][3]["status"] == Alert.Status.SENT
    acknowledgement = AuditEntry.objects.get(
        entity_type="coordination.alertrecipient", entity_id=str(amss.pk)
    )
    assert acknowledgement.actor is None
    assert acknowledgement.after["response"] == RESPONSE
    assert not AlertRecipient.objects.filter(alert=alert, organisation=world.unhcr).exists()
