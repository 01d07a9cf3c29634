"""Alert and mission pages: list, create, recipients, send, detail, tracking, acknowledging in the
app, and missions; who may see and do what."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tutela.coordination.models import ActionPoint, Alert, AlertRecipient, Mission
from tutela.coordination.services import alerts as services
from tutela.coordination.services.missions import mission_create
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    contact,
    coordination_fixture,  # noqa: F401 - fixture
)
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any, slug: str = "mali") -> str:
    return reverse(f"coordination:{name}", args=[slug, *args])


def make_alert(c: Coordination, title: str = "Attaque à Bandiagara", **extra: Any) -> Alert:
    fields = {
        "kind": "attack",
        "title": title,
        "occurred_on": datetime.date(2026, 3, 2),
        "area": c.areas["ML0501"],
        "people_affected": 300,
    }
    fields.update(extra)
    return services.alert_create(operation=c.world.operation, by=c.world.coordinator, **fields)


@pytest.fixture
def draft(coordination: Coordination) -> Alert:
    return make_alert(coordination, "Brouillon confidentiel")


@pytest.fixture
def sent(coordination: Coordination, django_capture_on_commit_callbacks: Any) -> Alert:
    world = coordination.world
    contact(world, world.unhcr, "protection@unhcr.test", world.cluster)
    contact(world, world.amss, "dir@amss.test", coordination.mopti_wg)
    alert = make_alert(coordination, "Alerte envoyée")
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_send(alert=alert, by=world.coordinator)
    alert.refresh_from_db()
    return alert


# --- Lists and visibility ----------------------------------------------------------------------


def test_partner_sees_sent_alerts_but_not_drafts(
    coordination: Coordination, as_user: Any, draft: Alert, sent: Alert
) -> None:
    client = as_user(coordination.world.partner)
    content = client.get(url("alerts")).content.decode()
    assert "Alerte envoyée" in content
    assert "Brouillon confidentiel" not in content
    assert client.get(url("alert_detail", draft.pk)).status_code == 404
    assert client.get(url("alert_detail", sent.pk)).status_code == 200
    coordinator = as_user(coordination.world.coordinator).get(url("alerts")).content.decode()
    assert "Brouillon confidentiel" in coordinator


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_alert_pages_are_404_outside_the_operation(
    coordination: Coordination, as_user: Any, sent: Alert, persona: str
) -> None:
    client = as_user(getattr(coordination.world, persona))
    for name in ("alerts", "alert_create", "missions", "mission_create"):
        assert client.get(url(name)).status_code == 404
    for name in ("alert_detail", "alert_edit", "alert_recipients", "alert_tracking"):
        assert client.get(url(name, sent.pk)).status_code == 404
    for name in ("alert_send", "alert_close", "alert_acknowledge", "alert_recipients_refresh"):
        assert client.post(url(name, sent.pk)).status_code == 404
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_empty_alert_and_mission_lists(coordination: Coordination, as_user: Any) -> None:
    client = as_user(coordination.world.partner)
    assert "No alert has been raised yet." in client.get(url("alerts")).content.decode()
    assert "No joint evaluation mission yet." in client.get(url("missions")).content.decode()


# --- Creating, adjusting, sending ---------------------------------------------------------------


def test_coordinator_creates_a_draft_and_sees_its_recipients(
    coordination: Coordination, as_user: Any
) -> None:
    world = coordination.world
    client = as_user(world.coordinator)
    assert client.get(url("alert_create")).status_code == 200
    response = client.post(
        url("alert_create"),
        {
            "kind": "displacement",
            "title": "Arrivée de ménages déplacés",
            "occurred_on": "2026-03-04",
            "area": "ml0502",
            "people_affected": "900",
            "source": "Autorités locales",
            "description": "",
        },
    )
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("alert_recipients", alert.pk)
    assert alert.status == "draft"
    assert alert.area.pcode == "ML0502"
    assert AuditEntry.objects.filter(
        entity_type="coordination.alert", entity_id=str(alert.pk), action="create"
    ).exists()
    page = client.get(url("alert_recipients", alert.pk))
    content = page.content.decode()
    assert "Nuclear member" in content
    assert "Regional working group covering the location" in content
    # Nobody has a contact yet: every recipient is flagged.
    assert page.context["without_address"] == 4


def test_unknown_pcode_is_a_form_error(coordination: Coordination, as_user: Any) -> None:
    response = as_user(coordination.world.coordinator).post(
        url("alert_create"),
        {"kind": "attack", "title": "x", "occurred_on": "2026-03-04", "area": "CO"},
    )
    assert response.status_code == 200
    assert "Unknown P-code" in response.content.decode()
    assert not Alert.objects.exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer"])
def test_partners_cannot_create_or_manage_alerts(
    coordination: Coordination, as_user: Any, draft: Alert, sent: Alert, persona: str
) -> None:
    world = coordination.world
    client = as_user(getattr(world, persona))
    assert client.get(url("alert_create")).status_code == 403
    assert client.post(url("alert_create"), {"title": "x"}).status_code == 403
    # A draft does not exist for them.
    assert client.get(url("alert_recipients", draft.pk)).status_code == 404
    assert client.post(url("alert_send", draft.pk)).status_code == 404
    # A sent alert exists, but is not theirs to manage.
    assert client.get(url("alert_recipients", sent.pk)).status_code == 403
    assert client.get(url("alert_tracking", sent.pk)).status_code == 403
    assert client.post(url("alert_close", sent.pk)).status_code == 403
    assert (
        client.post(url("alert_recipients", sent.pk), {"organisation": world.drc.pk}).status_code
        == 403
    )
    assert Alert.objects.count() == 2
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_adjust_recipients_and_send_from_the_pages(
    coordination: Coordination, as_user: Any, draft: Alert, django_capture_on_commit_callbacks: Any
) -> None:
    world = coordination.world
    contact(world, world.unhcr, "protection@unhcr.test", world.cluster)
    contact(world, world.drc, "pm@drc.test")
    client = as_user(world.coordinator)
    other = draft.recipients.get(organisation=world.other_org)
    response = client.post(url("alert_recipient_remove", draft.pk, other.pk))
    assert response.status_code == 302
    assert not draft.recipients.filter(organisation=world.other_org).exists()
    amss = draft.recipients.get(organisation=world.amss)
    client.post(url("alert_recipient_remove", draft.pk, amss.pk))
    response = client.post(url("alert_recipients", draft.pk), {"organisation": world.amss.pk})
    assert response.status_code == 302
    assert draft.recipients.get(organisation=world.amss).reason == "manual"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("alert_send", draft.pk))
    assert response.status_code == 302
    assert response["Location"] == url("alert_tracking", draft.pk)
    draft.refresh_from_db()
    assert draft.status == "sent"
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "pm@drc.test",
        "protection@unhcr.test",
    ]
    tracking = client.get(url("alert_tracking", draft.pk))
    assert tracking.context["tracking"].sent == 2
    assert tracking.context["tracking"].recipients == 3
    assert "no contact e-mail" in tracking.content.decode()
    # Once sent, removing is refused.
    unhcr = draft.recipients.get(organisation=world.unhcr)
    client.post(url("alert_recipient_remove", draft.pk, unhcr.pk))
    assert draft.recipients.filter(organisation=world.unhcr).exists()


def test_recipient_of_another_alert_cannot_be_removed_through_this_one(
    coordination: Coordination, as_user: Any, draft: Alert
) -> None:
    other = make_alert(coordination, "Autre")
    row = other.recipients.first()
    response = as_user(coordination.world.coordinator).post(
        url("alert_recipient_remove", draft.pk, row.pk)
    )
    assert response.status_code == 404
    assert AlertRecipient.objects.filter(pk=row.pk).exists()


def test_edit_draft_recomputes_recipients(
    coordination: Coordination, as_user: Any, draft: Alert
) -> None:
    client = as_user(coordination.world.coordinator)
    assert client.get(url("alert_edit", draft.pk)).status_code == 200
    response = client.post(
        url("alert_edit", draft.pk),
        {"kind": "eviction", "title": draft.title, "occurred_on": "2026-03-02", "area": "ML04"},
    )
    assert response.status_code == 302
    reasons = dict(draft.recipients.values_list("organisation__acronym", "reason"))
    assert reasons == {"UNHCR": "nuclear", "DRC": "nuclear"}


# --- Detail, acknowledging, tracking ------------------------------------------------------------


def test_recipient_member_acknowledges_from_the_detail_page(
    coordination: Coordination, as_user: Any, sent: Alert
) -> None:
    world = coordination.world
    client = as_user(world.caseworker)
    page = client.get(url("alert_detail", sent.pk)).content.decode()
    assert url("alert_acknowledge", sent.pk) in page
    response = client.post(url("alert_acknowledge", sent.pk), {"response": "Présents à Sévaré"})
    assert response.status_code == 302
    recipient = sent.recipients.get(organisation=world.amss)
    assert recipient.acknowledged_by == world.caseworker
    assert recipient.response == "Présents à Sévaré"
    tracking = as_user(world.coordinator).get(url("alert_tracking", sent.pk))
    assert tracking.context["tracking"].acknowledged == 1
    assert "Présents à Sévaré" in tracking.content.decode()


def test_non_recipient_cannot_acknowledge(
    coordination: Coordination, as_user: Any, sent: Alert
) -> None:
    # The viewer has no organisation, hence no recipient row.
    world = coordination.world
    client = as_user(world.viewer)
    assert client.post(url("alert_acknowledge", sent.pk), {"response": "x"}).status_code == 403
    assert not AlertRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_public_ack_page_has_no_inline_script(coordination: Coordination, sent: Alert) -> None:
    import re

    from django.test import Client

    link = next(m.body for m in mail.outbox if "dir@amss.test" in m.to)
    match = re.search(r"/o/mali/coordination/alerts/\d+/ack/[^/\s]+/", link)
    assert match
    page = Client().get(match.group(0))
    content = page.content.decode()
    assert page.status_code == 200
    assert "<script>" not in content
    assert "style=" not in content
    assert "noindex" in content


# --- Missions -----------------------------------------------------------------------------------


def test_mission_pages(coordination: Coordination, as_user: Any, sent: Alert) -> None:
    world = coordination.world
    client = as_user(world.coordinator)
    form = client.get(url("mission_create") + f"?alert={sent.pk}")
    assert form.status_code == 200
    assert "Joint evaluation: Alerte envoyée" in form.content.decode()
    response = client.post(
        url("mission_create"),
        {
            "title": "Mission conjointe Bandiagara",
            "alert": sent.pk,
            "area": "",
            "starts_on": "2026-03-05",
            "ends_on": "2026-03-06",
            "organisations": [world.unhcr.pk, world.amss.pk],
            "status": "planned",
            "findings": "",
            "recommendations": "",
        },
    )
    mission = Mission.objects.get()
    assert response.status_code == 302
    assert mission.area.pcode == "ML0501"
    response = client.post(
        url("mission_edit", mission.pk),
        {
            "title": mission.title,
            "alert": sent.pk,
            "area": "ML0501",
            "starts_on": "2026-03-05",
            "ends_on": "2026-03-06",
            "organisations": [world.unhcr.pk],
            "status": "done",
            "findings": "Besoins en abris.",
            "recommendations": "Plaidoyer auprès des autorités.",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url("mission_action_point_create", mission.pk),
        {
            "title": "Cartographier les services",
            "owner_organisation": world.amss.pk,
            "priority": "high",
            "due_date": "2026-03-30",
        },
    )
    assert response.status_code == 302
    point = ActionPoint.objects.get()
    assert (point.source_kind, point.mission, point.alert) == ("mission", mission, sent)
    # Partners read the mission and its action points.
    page = as_user(world.partner).get(url("mission_detail", mission.pk))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Besoins en abris." in content
    assert "Cartographier les services" in content
    assert url("mission_edit", mission.pk) not in content
    listing = as_user(world.partner).get(url("missions")).content.decode()
    assert "Mission conjointe Bandiagara" in listing
    detail = as_user(world.partner).get(url("alert_detail", sent.pk)).content.decode()
    assert "Mission conjointe Bandiagara" in detail


@pytest.mark.parametrize("persona", ["partner", "viewer"])
def test_partners_cannot_manage_missions(
    coordination: Coordination, as_user: Any, sent: Alert, persona: str
) -> None:
    world = coordination.world
    mission = mission_create(
        operation=world.operation,
        by=world.coordinator,
        title="Mission",
        starts_on=datetime.date(2026, 3, 5),
        ends_on=datetime.date(2026, 3, 6),
        alert=sent,
    )
    client = as_user(getattr(world, persona))
    assert client.get(url("mission_create")).status_code == 403
    assert client.get(url("mission_edit", mission.pk)).status_code == 403
    assert client.post(url("mission_edit", mission.pk), {"title": "Hacked"}).status_code == 403
    assert (
        client.post(url("mission_action_point_create", mission.pk), {"title": "x"}).status_code
        == 403
    )
    mission.refresh_from_db()
    assert mission.title == "Mission"
    assert not ActionPoint.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_mission_detail_is_404_outside(
    coordination: Coordination, as_user: Any, sent: Alert, persona: str
) -> None:
    world = coordination.world
    mission = mission_create(
        operation=world.operation,
        by=world.coordinator,
        title="Mission",
        starts_on=datetime.date(2026, 3, 5),
        ends_on=datetime.date(2026, 3, 6),
    )
    client = as_user(getattr(world, persona))
    assert client.get(url("mission_detail", mission.pk)).status_code == 404
    assert client.get(url("mission_edit", mission.pk)).status_code == 404


def test_mission_on_a_draft_alert_is_404_for_partners(
    coordination: Coordination, as_user: Any, draft: Alert
) -> None:
    world = coordination.world
    mission = mission_create(
        operation=world.operation,
        by=world.coordinator,
        title="Mission secrète",
        starts_on=datetime.date(2026, 3, 5),
        ends_on=datetime.date(2026, 3, 6),
        alert=draft,
    )
    assert as_user(world.partner).get(url("mission_detail", mission.pk)).status_code == 404
    assert "Mission secrète" not in as_user(world.partner).get(url("missions")).content.decode()


def test_alert_from_signal_page(coordination: Coordination, as_user: Any) -> None:
    from tutela.core.models import ProtectionRisk
    from tutela.monitoring.models import EarlyWarningSignal

    world = coordination.world
    risk = ProtectionRisk.objects.create(
        operation=world.operation, code="R01", name_en="Attacks", name_fr="Attaques"
    )
    signal = EarlyWarningSignal.objects.create(
        operation=world.operation,
        area=coordination.areas["ML0501"],
        risk=risk,
        month=datetime.date(2026, 2, 1),
        observed=7,
        expected=1.2,
        p_value=0.01,
    )
    assert as_user(world.partner).post(url("alert_from_signal", signal.pk)).status_code == 403
    assert (
        as_user(world.other_operation_user).post(url("alert_from_signal", signal.pk)).status_code
        == 404
    )
    assert not Alert.objects.exists()
    response = as_user(world.coordinator).post(url("alert_from_signal", signal.pk))
    alert = Alert.objects.get()
    assert response["Location"] == url("alert_edit", alert.pk)
    assert (alert.kind, alert.signal, alert.status) == ("early_warning", signal, "draft")
    signal.refresh_from_db()
    assert signal.status == "alerted"
