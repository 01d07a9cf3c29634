"""Alert API: list, detail, create, edit, recipients, send, acknowledge; the same rules as the
pages, and an access-denied test for every endpoint (drafts hidden from partners)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.services import alerts as services
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    contact,
    coordination_fixture,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db

JSON = "application/json"


def api(name: str, *args: Any, slug: str = "mali") -> str:
    return reverse(f"coordination-actions-api:{name}", args=[slug, *args])


def make_alert(c: Coordination, title: str) -> Alert:
    return services.alert_create(
        operation=c.world.operation,
        by=c.world.coordinator,
        kind="attack",
        title=title,
        occurred_on=datetime.date(2026, 3, 2),
        area=c.areas["ML0501"],
    )


@pytest.fixture
def draft(coordination: Coordination) -> Alert:
    return make_alert(coordination, "Brouillon")


@pytest.fixture
def sent(coordination: Coordination, django_capture_on_commit_callbacks: Any) -> Alert:
    world = coordination.world
    contact(world, world.amss, "dir@amss.test")
    alert = make_alert(coordination, "Envoyée")
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_send(alert=alert, by=world.coordinator)
    alert.refresh_from_db()
    return alert


def test_partner_lists_sent_alerts_only(
    coordination: Coordination, as_user: Any, draft: Alert, sent: Alert
) -> None:
    partner = as_user(coordination.world.partner).get(api("alert-list")).json()
    assert [row["title"] for row in partner["results"]] == ["Envoyée"]
    coordinator = as_user(coordination.world.coordinator).get(api("alert-list")).json()
    assert {row["title"] for row in coordinator["results"]} == {"Envoyée", "Brouillon"}
    filtered = as_user(coordination.world.coordinator).get(api("alert-list"), {"status": "draft"})
    assert [row["title"] for row in filtered.json()["results"]] == ["Brouillon"]


def test_partner_detail_shows_their_own_recipient_row_only(
    coordination: Coordination, as_user: Any, sent: Alert
) -> None:
    data = as_user(coordination.world.caseworker).get(api("alert-detail", sent.pk)).json()
    assert data["area"] == "ML0501"
    assert [(r["organisation"], r["sent"]) for r in data["recipients"]] == [("AMSS", True)]
    full = as_user(coordination.world.coordinator).get(api("alert-detail", sent.pk)).json()
    assert {r["organisation"] for r in full["recipients"]} == {"UNHCR", "DRC", "AMSS", "OTHER"}


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_partner"])
def test_draft_is_hidden_from_partners_on_every_endpoint(
    coordination: Coordination, as_user: Any, draft: Alert, persona: str
) -> None:
    client = as_user(getattr(coordination.world, persona))
    assert client.get(api("alert-detail", draft.pk)).status_code == 404
    assert (
        client.patch(api("alert-detail", draft.pk), {"title": "x"}, content_type=JSON).status_code
        == 404
    )
    assert client.get(api("alert-recipient-list", draft.pk)).status_code == 404
    assert (
        client.post(
            api("alert-recipient-list", draft.pk), {"organisation": "AMSS"}, content_type=JSON
        ).status_code
        == 404
    )
    row = draft.recipients.first()
    assert client.delete(api("alert-recipient-detail", draft.pk, row.pk)).status_code == 404
    assert client.post(api("alert-send", draft.pk)).status_code == 404
    assert client.post(api("alert-acknowledge", draft.pk), {}, content_type=JSON).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.title == "Brouillon"
    assert AlertRecipient.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer"])
def test_partner_cannot_manage_a_sent_alert(
    coordination: Coordination, as_user: Any, sent: Alert, persona: str
) -> None:
    client = as_user(getattr(coordination.world, persona))
    assert client.post(api("alert-list"), {"title": "x"}, content_type=JSON).status_code == 403
    assert (
        client.patch(api("alert-detail", sent.pk), {"title": "x"}, content_type=JSON).status_code
        == 403
    )
    assert client.get(api("alert-recipient-list", sent.pk)).status_code == 403
    assert (
        client.post(
            api("alert-recipient-list", sent.pk), {"organisation": "AMSS"}, content_type=JSON
        ).status_code
        == 403
    )
    row = sent.recipients.first()
    assert client.delete(api("alert-recipient-detail", sent.pk, row.pk)).status_code == 403
    assert client.post(api("alert-send", sent.pk)).status_code == 403
    assert Alert.objects.count() == 1
    assert AlertRecipient.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_every_endpoint_is_404_outside_the_operation(
    coordination: Coordination, as_user: Any, sent: Alert, persona: str
) -> None:
    client = as_user(getattr(coordination.world, persona))
    row = sent.recipients.first()
    assert client.get(api("alert-list")).status_code == 404
    assert client.post(api("alert-list"), {"title": "x"}, content_type=JSON).status_code == 404
    assert client.get(api("alert-detail", sent.pk)).status_code == 404
    assert (
        client.patch(api("alert-detail", sent.pk), {"title": "x"}, content_type=JSON).status_code
        == 404
    )
    assert client.get(api("alert-recipient-list", sent.pk)).status_code == 404
    assert (
        client.post(
            api("alert-recipient-list", sent.pk), {"organisation": "AMSS"}, content_type=JSON
        ).status_code
        == 404
    )
    assert client.delete(api("alert-recipient-detail", sent.pk, row.pk)).status_code == 404
    assert client.post(api("alert-send", sent.pk)).status_code == 404
    assert client.post(api("alert-acknowledge", sent.pk), {}, content_type=JSON).status_code == 404
    assert not AlertRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_coordinator_creates_adjusts_and_sends(
    coordination: Coordination, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = coordination.world
    contact(world, world.drc, "pm@drc.test")
    client = as_user(world.coordinator)
    response = client.post(
        api("alert-list"),
        {
            "kind": "eviction",
            "title": "Expulsion d'un site de déplacés",
            "occurred_on": "2026-03-03",
            "area": "ml04",
            "people_affected": 450,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft"
    assert {(r["organisation"], r["reason"]) for r in data["recipients"]} == {
        ("UNHCR", "nuclear"),
        ("DRC", "nuclear"),
    }
    pk = data["id"]
    response = client.post(
        api("alert-recipient-list", pk), {"organisation": "OTHER"}, content_type=JSON
    )
    assert response.status_code == 201
    assert [r["reason"] for r in response.json()] == ["manual"]
    unhcr = AlertRecipient.objects.get(alert_id=pk, organisation=world.unhcr)
    assert client.delete(api("alert-recipient-detail", pk, unhcr.pk)).status_code == 204
    response = client.patch(api("alert-detail", pk), {"people_affected": 500}, content_type=JSON)
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(api("alert-send", pk))
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    assert [m.to for m in mail.outbox] == [["pm@drc.test"]]
    # Sending again, or editing once sent, is refused.
    assert client.post(api("alert-send", pk)).status_code == 400
    assert (
        client.patch(api("alert-detail", pk), {"title": "x"}, content_type=JSON).status_code == 400
    )


def test_create_with_a_pcode_outside_the_operation_is_400(
    coordination: Coordination, as_user: Any
) -> None:
    response = as_user(coordination.world.coordinator).post(
        api("alert-list"),
        {"kind": "attack", "title": "x", "occurred_on": "2026-03-03", "area": "CO"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "area" in response.json()
    assert not Alert.objects.exists()


def test_unbounded_people_affected_is_400(coordination: Coordination, as_user: Any) -> None:
    response = as_user(coordination.world.coordinator).post(
        api("alert-list"),
        {
            "kind": "attack",
            "title": "x",
            "occurred_on": "2026-03-03",
            "area": "ml04",
            "people_affected": 2**63 - 1,
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "people_affected" in response.json()
    assert not Alert.objects.exists()


def test_member_acknowledges_through_the_api(
    coordination: Coordination, as_user: Any, sent: Alert
) -> None:
    world = coordination.world
    response = as_user(world.partner).post(
        api("alert-acknowledge", sent.pk), {"response": "Équipe déployée"}, content_type=JSON
    )
    assert response.status_code == 200
    assert response.json()["organisation"] == "AMSS"
    assert response.json()["acknowledged_at"]
    recipient = sent.recipients.get(organisation=world.amss)
    assert recipient.acknowledged_by == world.partner
    assert recipient.response == "Équipe déployée"


def test_non_recipient_cannot_acknowledge(
    coordination: Coordination, as_user: Any, sent: Alert
) -> None:
    world = coordination.world
    sent.recipients.filter(organisation=world.other_org).delete()
    for user in (world.viewer, world.other_partner):
        response = as_user(user).post(api("alert-acknowledge", sent.pk), {}, content_type=JSON)
        assert response.status_code == 403
    assert not AlertRecipient.objects.filter(acknowledged_at__isnull=False).exists()
