"""Alerts: recipients computed from the structure (nuclear members, AoRs concerned, regional
working groups covering the location), adjustments, sending with an acknowledgement link per
organisation, acknowledging through the link (no sign-in) or in the app, and early-warning
signals turned into alerts."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tutela.conftest import SmtpServer
from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.services import alert_recipients as recipient_services
from tutela.coordination.services import alerts as services
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    contact,
    coordination_fixture,  # noqa: F401 - fixture
)
from tutela.core.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db

ACK_LINK = re.compile(r"https?://[^\s]+/alerts/(\d+)/ack/([^/\s]+)/")


def new_alert(c: Coordination, kind: str = "attack", pcode: str = "ML0501", **extra: Any) -> Alert:
    return services.alert_create(
        operation=c.world.operation,
        by=c.world.coordinator,
        kind=kind,
        title="Attaque contre un village",
        occurred_on=datetime.date(2026, 3, 2),
        area=c.areas[pcode],
        people_affected=1200,
        source="OCHA flash",
        description="Un village attaqué, maisons brûlées.",
        **extra,
    )


def recipients(alert: Alert) -> dict[str, tuple[str, str | None]]:
    return {
        r.organisation.acronym: (r.reason, r.body.name if r.body else None)
        for r in alert.recipients.select_related("organisation", "body")
    }


# --- Computing the recipients -------------------------------------------------------------------


def test_attack_in_mopti_goes_to_nuclear_members_all_aors_and_the_mopti_group(
    coordination: Coordination,
) -> None:
    alert = new_alert(coordination, "attack", "ML0501")
    assert recipients(alert) == {
        # Nuclear members of the national cluster.
        "UNHCR": ("nuclear", "Cluster Protection Mali"),
        "DRC": ("nuclear", "Cluster Protection Mali"),
        # Mopti regional working group: Bandiagara (ML0501) is in Mopti (ML05).
        "AMSS": ("regional", "GTR Mopti"),
        "OTHER": ("regional", "GTR Mopti"),
    }
    # The AoRs are reached through their leads (UNHCR leads CP, DRC leads HLP), already there
    # as nuclear members: computing lists each organisation once, with its first reason.
    proposals = recipient_services.alert_recipients_compute(alert)
    assert len(proposals) == 4


def test_aor_leads_are_reached_when_not_nuclear(coordination: Coordination) -> None:
    world = coordination.world
    Membership.objects.filter(body=world.cluster, organisation=world.drc).update(is_nuclear=False)
    alert = new_alert(coordination, "displacement", "ML04")
    assert recipients(alert) == {
        "UNHCR": ("nuclear", "Cluster Protection Mali"),
        "DRC": ("aor", "HLP AoR"),
        # Ségou is not in the Mopti group's scope; DRC is in the Ségou group but already listed.
    }


def test_eviction_concerns_the_hlp_aor_only(coordination: Coordination) -> None:
    world = coordination.world
    Membership.objects.filter(body=world.cluster).update(is_nuclear=False)
    alert = new_alert(coordination, "eviction", "ML04")
    assert recipients(alert) == {"DRC": ("aor", "HLP AoR")}


def test_access_restriction_concerns_no_aor_by_default(coordination: Coordination) -> None:
    world = coordination.world
    Membership.objects.filter(body=world.cluster).update(is_nuclear=False)
    alert = new_alert(coordination, "access", "ML04")
    # Only the Ségou working group's members.
    assert recipients(alert) == {"DRC": ("regional", "GTR Ségou")}


def test_aor_with_a_scope_elsewhere_is_left_out(coordination: Coordination) -> None:
    world = coordination.world
    Membership.objects.filter(body=world.cluster).update(is_nuclear=False)
    coordination.hlp_aor.scope.set([coordination.areas["ML05"]])
    alert = new_alert(coordination, "attack", "ML04")
    assert "HLP AoR" not in {body for _reason, body in recipients(alert).values()}
    assert recipients(alert)["UNHCR"] == ("aor", "Child Protection AoR")


def test_regional_group_scope_contains_descendants_not_ancestors(
    coordination: Coordination,
) -> None:
    world = coordination.world
    Membership.objects.filter(body=world.cluster).update(is_nuclear=False)
    # A group scoped on a cercle does not cover an alert placed at the region above it.
    coordination.mopti_wg.scope.set([coordination.areas["ML0502"]])
    alert = new_alert(coordination, "access", "ML05")
    assert recipients(alert) == {}
    alert = new_alert(coordination, "access", "ML0502")
    assert set(recipients(alert)) == {"AMSS", "OTHER"}


def test_ended_membership_is_not_a_recipient(coordination: Coordination) -> None:
    world = coordination.world
    Membership.objects.filter(body=world.cluster, organisation=world.drc).update(
        since=datetime.date(2020, 1, 1), until=datetime.date(2021, 1, 1)
    )
    Membership.objects.filter(body=coordination.segou_wg).delete()
    coordination.hlp_aor.lead = None
    coordination.hlp_aor.save()
    alert = new_alert(coordination, "access", "ML04")
    assert "DRC" not in recipients(alert)


def test_coordinator_adjusts_recipients_before_sending(coordination: Coordination) -> None:
    world = coordination.world
    alert = new_alert(coordination, "access", "ML04")
    drc = alert.recipients.get(organisation=world.drc)
    recipient_services.alert_recipient_remove(recipient=drc, by=world.coordinator)
    recipient_services.alert_recipient_add(
        alert=alert, by=world.coordinator, organisation=world.amss
    )
    added = recipient_services.alert_recipient_add(
        alert=alert, by=world.coordinator, body=world.cp_aor
    )
    assert [r.organisation.acronym for r in added] == []  # UNHCR (its lead) is already there
    assert recipients(alert) == {
        "UNHCR": ("nuclear", "Cluster Protection Mali"),
        "AMSS": ("manual", None),
    }
    # Recomputing keeps the organisations added by hand, and brings back the computed ones.
    recipient_services.alert_recipients_refresh(alert=alert, by=world.coordinator)
    assert recipients(alert)["AMSS"] == ("manual", None)
    assert "DRC" in recipients(alert)
    summaries = list(
        AuditEntry.objects.filter(entity_type="coordination.alert", entity_id=str(alert.pk))
        .order_by("id")
        .values_list("summary", flat=True)
    )
    assert any("removed: DRC" in s for s in summaries)
    assert any("added: AMSS" in s for s in summaries)


def test_partner_cannot_create_or_adjust_alerts(coordination: Coordination) -> None:
    world = coordination.world
    with pytest.raises(PermissionDenied):
        services.alert_create(
            operation=world.operation,
            by=world.partner,
            kind="attack",
            title="x",
            occurred_on=datetime.date(2026, 3, 2),
            area=coordination.areas["ML05"],
        )
    alert = new_alert(coordination)
    with pytest.raises(PermissionDenied):
        recipient_services.alert_recipient_add(
            alert=alert, by=world.partner, organisation=world.amss
        )
    with pytest.raises(PermissionDenied):
        services.alert_send(alert=alert, by=world.partner)
    assert Alert.objects.get().status == "draft"


def test_focal_point_may_raise_an_alert(coordination: Coordination) -> None:
    world = coordination.world
    alert = services.alert_create(
        operation=world.operation,
        by=coordination.cp_focal,
        kind="displacement",
        title="Déplacement",
        occurred_on=datetime.date(2026, 3, 2),
        area=coordination.areas["ML0502"],
    )
    assert alert.created_by == coordination.cp_focal


def test_location_must_be_in_the_operation(coordination: Coordination) -> None:
    with pytest.raises(ValidationError):
        new_alert(coordination, pcode="CO")
    assert not Alert.objects.exists()


# --- Sending and acknowledging -----------------------------------------------------------------


def send(alert: Alert, django_capture_on_commit_callbacks: Any) -> dict[int, int]:
    with django_capture_on_commit_callbacks(execute=True):
        return services.alert_send(alert=alert, by=alert.created_by)


def links_by_address() -> dict[str, tuple[int, str]]:
    found = {}
    for message in mail.outbox:
        match = ACK_LINK.search(message.body)
        assert match, message.body
        for address in message.to:
            found[address] = (int(match.group(1)), match.group(2))
    return found


@pytest.fixture
def sent_alert(coordination: Coordination, django_capture_on_commit_callbacks: Any) -> Alert:
    world = coordination.world
    contact(world, world.unhcr, "protection@unhcr.test", world.cluster)
    contact(world, world.drc, "pm@drc.test", world.cluster)
    contact(world, world.drc, "old@drc.test", world.cluster, active=False)
    contact(world, world.amss, "dir@amss.test", coordination.mopti_wg)
    contact(world, world.amss, "field@amss.test")  # not in the Mopti group
    # OTHER has no contact: it gets nothing.
    alert = new_alert(coordination, "attack", "ML0501")
    result = send(alert, django_capture_on_commit_callbacks)
    assert result == {world.unhcr.pk: 1, world.drc.pk: 1, world.amss.pk: 1, world.other_org.pk: 0}
    alert.refresh_from_db()
    return alert


def test_send_mails_each_organisation_its_own_link(
    sent_alert: Alert, coordination: Coordination
) -> None:
    world = coordination.world
    assert sent_alert.status == "sent"
    assert sent_alert.sent_by == world.coordinator
    links = links_by_address()
    assert set(links) == {"protection@unhcr.test", "pm@drc.test", "dir@amss.test"}
    tokens = {token for _pk, token in links.values()}
    assert len(tokens) == 3
    for address, (pk, token) in links.items():
        assert pk == sent_alert.pk
        recipient = AlertRecipient.objects.get(
            token_hash=hashlib.sha256(token.encode()).hexdigest()
        )
        assert recipient.organisation.acronym.lower() in address
    # Only the hash is stored.
    assert not AlertRecipient.objects.filter(token_hash__in=tokens).exists()
    message = next(m for m in mail.outbox if "dir@amss.test" in m.to)
    assert "Attaque contre un village" in message.subject
    assert "ML0501" in message.body
    assert "1200" in message.body
    other = AlertRecipient.objects.get(alert=sent_alert, organisation=world.other_org)
    assert other.token_hash == ""


def test_sent_alert_cannot_be_edited_or_sent_again(
    sent_alert: Alert, coordination: Coordination
) -> None:
    world = coordination.world
    with pytest.raises(ValidationError):
        services.alert_update(alert=sent_alert, by=world.coordinator, title="Changed")
    with pytest.raises(ValidationError):
        services.alert_send(alert=sent_alert, by=world.coordinator)
    with pytest.raises(ValidationError):
        recipient_services.alert_recipient_remove(
            recipient=sent_alert.recipients.first(), by=world.coordinator
        )


def test_recipient_added_after_sending_gets_it_at_once(
    sent_alert: Alert, coordination: Coordination, django_capture_on_commit_callbacks: Any
) -> None:
    world = coordination.world
    AlertRecipient.objects.filter(alert=sent_alert, organisation=world.other_org).delete()
    contact(world, world.other_org, "info@other.test")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        recipient_services.alert_recipient_add(
            alert=sent_alert, by=world.coordinator, organisation=world.other_org
        )
    assert [m.to for m in mail.outbox] == [["info@other.test"]]


def test_ack_link_acknowledges_without_signing_in(
    sent_alert: Alert, coordination: Coordination
) -> None:
    pk, token = links_by_address()["dir@amss.test"]
    url = reverse("coordination:alert_ack", args=["mali", pk, token])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert "Attaque contre un village" in page.content.decode()
    assert "AMSS" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    # The description is not on the page: the link shows the minimum.
    assert "maisons brûlées" not in page.content.decode()
    response = client.post(url, {"response": "Équipe mobile sur place demain."})
    assert response.status_code == 302
    recipient = AlertRecipient.objects.get(alert=sent_alert, organisation=coordination.world.amss)
    assert recipient.acknowledged_at is not None
    assert recipient.acknowledged_by is None
    assert recipient.response == "Équipe mobile sur place demain."
    assert recipient.responded_at is not None
    entry = AuditEntry.objects.filter(
        entity_type="coordination.alertrecipient", entity_id=str(recipient.pk)
    ).get()
    assert entry.actor is None
    assert entry.after["response"] == "Équipe mobile sur place demain."


def test_wrong_token_is_404(sent_alert: Alert) -> None:
    client = Client()
    url = reverse("coordination:alert_ack", args=["mali", sent_alert.pk, "not-the-token"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"response": "x"}).status_code == 404
    assert not AlertRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_token_is_single_purpose(
    sent_alert: Alert, coordination: Coordination, django_capture_on_commit_callbacks: Any
) -> None:
    """The token acknowledges that alert for that organisation, nothing else: not another
    alert, not another operation's URL, not a sign-in, not the API."""
    pk, token = links_by_address()["dir@amss.test"]
    other_alert = new_alert(coordination, "access", "ML0502")
    client = Client()
    assert (
        client.get(
            reverse("coordination:alert_ack", args=["mali", other_alert.pk, token])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("coordination:alert_ack", args=["colombia", pk, token])).status_code
        == 404
    )
    # It does not sign anyone in: the alert's own page still wants a sign-in.
    client.get(reverse("coordination:alert_ack", args=["mali", pk, token]))
    detail = client.get(reverse("coordination:alert_detail", args=["mali", pk]))
    assert detail.status_code == 302
    assert "/login" in detail["Location"] or "login" in detail["Location"]
    api = client.get(
        reverse("coordination-actions-api:alert-list", args=["mali"]),
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert api.status_code == 401


def test_ack_link_stops_working_for_answers_once_closed(
    sent_alert: Alert, coordination: Coordination
) -> None:
    pk, token = links_by_address()["pm@drc.test"]
    services.alert_close(alert=sent_alert, by=coordination.world.coordinator)
    client = Client()
    url = reverse("coordination:alert_ack", args=["mali", pk, token])
    page = client.get(url)
    assert page.status_code == 200
    client.post(url, {"response": "late"})
    assert not AlertRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_member_acknowledges_from_the_app(sent_alert: Alert, coordination: Coordination) -> None:
    world = coordination.world
    recipient = AlertRecipient.objects.get(alert=sent_alert, organisation=world.amss)
    services.alert_acknowledge(recipient=recipient, by=world.caseworker)
    recipient.refresh_from_db()
    assert recipient.acknowledged_by == world.caseworker
    first = recipient.acknowledged_at
    services.alert_acknowledge(recipient=recipient, by=world.partner, response="On y va")
    recipient.refresh_from_db()
    # The first acknowledgement counts; the response is added.
    assert recipient.acknowledged_at == first
    assert recipient.acknowledged_by == world.caseworker
    assert recipient.response == "On y va"
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(recipient=recipient, by=world.other_partner)


def test_draft_alert_cannot_be_acknowledged(coordination: Coordination) -> None:
    alert = new_alert(coordination)
    recipient = alert.recipients.get(organisation=coordination.world.unhcr)
    with pytest.raises(ValidationError):
        services.alert_acknowledge(recipient=recipient, by=coordination.world.coordinator)
    assert services.recipient_for_token(alert_id=alert.pk, token="x") is None


def test_alert_without_recipients_cannot_be_sent(coordination: Coordination) -> None:
    alert = new_alert(coordination)
    alert.recipients.all().delete()
    with pytest.raises(ValidationError):
        services.alert_send(alert=alert, by=coordination.world.coordinator)
    alert.refresh_from_db()
    assert alert.status == "draft"


# --- From protection monitoring ----------------------------------------------------------------


def test_alert_from_early_warning_signal(coordination: Coordination) -> None:
    from tutela.core.models import ProtectionRisk
    from tutela.monitoring.models import EarlyWarningSignal

    world = coordination.world
    gbv = ProtectionRisk.objects.create(
        operation=world.operation,
        code="R05",
        name_en="Gender-based violence",
        name_fr="Violences basées sur le genre",
        is_gbv=True,
    )
    Membership.objects.filter(body=world.cluster).update(is_nuclear=False)
    from tutela.core.models import Body

    Body.objects.create(
        operation=world.operation,
        name="GBV AoR",
        code="PRO-GBV",
        kind="aor",
        parent=world.cluster,
        lead=world.other_org,
    )
    signal = EarlyWarningSignal.objects.create(
        operation=world.operation,
        area=coordination.areas["ML0502"],
        risk=gbv,
        month=datetime.date(2026, 2, 1),
        observed=9,
        expected=2.5,
        p_value=0.004,
    )
    alert = services.alert_from_signal(signal=signal, by=world.imo)
    assert alert.kind == "early_warning"
    assert alert.status == "draft"
    assert alert.area == coordination.areas["ML0502"]
    assert alert.occurred_on == datetime.date(2026, 2, 1)
    # In the operation's language (French).
    assert "Violences basées sur le genre" in alert.title
    assert "2026-02" in alert.title
    # The figures are the signals page's for a reader outside every organisation: here no
    # counted incident (e.g. GBV of an organisation that has not agreed to share) stands
    # behind the raw figures stored on the signal, which never leave the scan; the p-value in
    # bands only.
    assert "0.004" not in alert.description
    assert "2.5" not in alert.description
    assert "9 incident" not in alert.description
    assert "< 0.01" in alert.description
    signal.refresh_from_db()
    assert signal.status == "alerted"
    # The GBV AoR (through its lead) and the Mopti working group covering Djenné.
    assert recipients(alert) == {
        "OTHER": ("aor", "GBV AoR"),
        "AMSS": ("regional", "GTR Mopti"),
    }
    # Asking again gives the same alert back.
    assert services.alert_from_signal(signal=signal, by=world.imo) == alert
    assert Alert.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.alert_from_signal(signal=signal, by=world.partner)


@pytest.mark.smtp
def test_alert_goes_through_smtp_and_its_link_acknowledges(
    coordination: Coordination, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    world = coordination.world
    contact(world, world.amss, "dir@amss.test", coordination.mopti_wg)
    alert = new_alert(coordination, "attack", "ML0501")
    send(alert, django_capture_on_commit_callbacks)
    assert [envelope.rcpt_tos for envelope in smtp_server.envelopes] == [["dir@amss.test"]]
    text = smtp_server.messages()[0].get_body(preferencelist=("plain",)).get_content()
    match = ACK_LINK.search(text)
    assert match
    path = match.group(0).split("://", 1)[1].split("/", 1)[1]
    response = Client().post("/" + path, {"response": "Reçu"})
    assert response.status_code == 302
    recipient = alert.recipients.get(organisation=world.amss)
    assert recipient.acknowledged_at is not None
    assert recipient.response == "Reçu"
