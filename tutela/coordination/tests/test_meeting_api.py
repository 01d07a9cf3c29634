"""Meeting API: list, detail, create, update, cancel, series, attendance and minutes, with the
pages' access rules (404 outside the operation, 403 for forbidden writes)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.conftest import World
from tutela.coordination.models import Attendance, Meeting, MeetingSeries, Minutes
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.tests.meeting_helpers import (
    START,
    cluster_contacts,
    make_meeting,
    open_action_point,
)
from tutela.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, *args: Any, slug: str = "mali") -> str:
    return reverse(f"coordination-meetings-api:{name}", args=[slug, *args])


def _endpoints(meeting: Meeting) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", url("meeting-list"), {}),
        ("post", url("meeting-list"), {"body": 1, "title": "x", "starts_at": "2026-03-10T09:00Z"}),
        ("post", url("meeting-series"), {}),
        ("get", url("meeting-detail", meeting.pk), {}),
        ("patch", url("meeting-detail", meeting.pk), {"title": "x"}),
        ("post", url("meeting-cancel", meeting.pk), {}),
        ("get", url("meeting-attendance", meeting.pk), {}),
        ("put", url("meeting-attendance", meeting.pk), {"organisations": ["DRC"]}),
        ("get", url("meeting-minutes", meeting.pk), {}),
        ("put", url("meeting-minutes", meeting.pk), {"text": "x"}),
        ("post", url("meeting-minutes-approve", meeting.pk), {}),
    ]


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_every_endpoint_is_404_outside_the_operation(world: World, persona: str) -> None:
    meeting = make_meeting(world)
    minutes_services.minutes_save(meeting=meeting, by=world.coordinator, text="Compte-rendu")
    client = api(getattr(world, persona))
    for method, address, data in _endpoints(meeting):
        response = getattr(client, method)(address, data, format="json")
        assert response.status_code == 404, (method, address)
    meeting.refresh_from_db()
    assert meeting.title != "x"
    assert meeting.status == "scheduled"
    assert Minutes.objects.get().text == "Compte-rendu"


def test_every_endpoint_needs_authentication(world: World) -> None:
    meeting = make_meeting(world)
    for method, address, data in _endpoints(meeting):
        response = getattr(api(None), method)(address, data, format="json")
        assert response.status_code in (401, 403), (method, address)


def test_partner_reads_but_cannot_write(world: World) -> None:
    meeting = make_meeting(world)
    client = api(world.partner)
    assert client.get(url("meeting-list")).status_code == 200
    assert client.get(url("meeting-detail", meeting.pk)).status_code == 200
    assert client.get(url("meeting-attendance", meeting.pk)).status_code == 200
    refused = [
        client.post(
            url("meeting-list"),
            {"body": world.cluster.pk, "title": "x", "starts_at": "2026-03-10T09:00Z"},
            format="json",
        ),
        client.post(
            url("meeting-series"),
            {
                "body": world.cluster.pk,
                "title": "x",
                "frequency": "weekly",
                "first_starts_at": "2026-03-10T09:00Z",
                "until": "2026-04-01",
            },
            format="json",
        ),
        client.patch(url("meeting-detail", meeting.pk), {"title": "x"}, format="json"),
        client.post(url("meeting-cancel", meeting.pk)),
        client.put(
            url("meeting-attendance", meeting.pk), {"organisations": ["AMSS"]}, format="json"
        ),
        client.put(url("meeting-minutes", meeting.pk), {"text": "x"}, format="json"),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert Meeting.objects.count() == 1
    assert not MeetingSeries.objects.exists()
    assert not Attendance.objects.exists()
    assert not Minutes.objects.exists()
    meeting.refresh_from_db()
    assert meeting.title != "x"
    assert meeting.status == "scheduled"


def test_list_filters(world: World) -> None:
    make_meeting(world)
    make_meeting(
        world, body=world.cp_aor, title="DdR PE", starts_at=START + datetime.timedelta(days=1)
    )
    with time_machine.travel(START - datetime.timedelta(days=1)):
        response = api(world.partner).get(url("meeting-list"), {"when": "upcoming"})
    titles = [m["title"] for m in response.json()["results"]]
    assert titles == ["Réunion mensuelle du cluster protection", "DdR PE"]
    response = api(world.partner).get(url("meeting-list"), {"body": world.cp_aor.pk})
    assert [m["title"] for m in response.json()["results"]] == ["DdR PE"]
    assert api(world.partner).get(url("meeting-list"), {"when": "soon"}).status_code == 400


def test_coordinator_creates_updates_and_cancels(world: World) -> None:
    open_action_point(world)
    client = api(world.coordinator)
    response = client.post(
        url("meeting-list"),
        {
            "body": world.cluster.pk,
            "title": "Réunion",
            "starts_at": "2026-03-10T09:00:00Z",
            "duration_minutes": 60,
            "agenda": ["Tour de table"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["ends_at"] == "2026-03-10T10:00:00Z"
    assert len(data["agenda"]) == 2
    assert data["agenda"][1]["action_point"] is not None
    pk = data["id"]
    response = client.patch(url("meeting-detail", pk), {"location": "Mopti"}, format="json")
    assert response.status_code == 200
    assert response.json()["ics_sequence"] == 1
    response = client.patch(
        url("meeting-detail", pk), {"ends_at": "2026-03-10T08:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert client.post(url("meeting-cancel", pk)).json()["status"] == "cancelled"
    assert (
        AuditEntry.objects.filter(entity_type="coordination.meeting", entity_id=str(pk)).count()
        == 3
    )


def test_series_endpoint(world: World) -> None:
    response = api(world.imo).post(
        url("meeting-series"),
        {
            "body": world.cluster.pk,
            "title": "Hebdo",
            "frequency": "weekly",
            "first_starts_at": "2026-03-10T09:00:00Z",
            "until": "2026-03-24",
        },
        format="json",
    )
    assert response.status_code == 201
    assert len(response.json()["meetings"]) == 3


def test_attendance_endpoint(world: World) -> None:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world)
    with time_machine.travel(START):
        response = api(world.coordinator).put(
            url("meeting-attendance", meeting.pk),
            {"organisations": ["drc"], "contacts": [contacts["amss"].pk]},
            format="json",
        )
        assert response.status_code == 200
        bad = api(world.coordinator).put(
            url("meeting-attendance", meeting.pk), {"contacts": [999999]}, format="json"
        )
        assert bad.status_code == 400
    lines = {line["organisation"]: line for line in response.json()}
    assert lines["AMSS"]["present"]
    assert lines["AMSS"]["participants"] == ["Fatou Keïta"]
    assert not lines["OTHER"]["present"]
    # A viewer (donor) does not see the contact directory: no names.
    lines = {
        x["organisation"]: x
        for x in api(world.viewer).get(url("meeting-attendance", meeting.pk)).json()
    }
    assert lines["AMSS"]["participants"] == []
    assert Attendance.objects.filter(present=True).count() == 2


def test_minutes_endpoints(world: World) -> None:
    meeting = make_meeting(world)
    coordinator, partner = api(world.coordinator), api(world.partner)
    assert partner.get(url("meeting-minutes", meeting.pk)).status_code == 404
    response = coordinator.put(
        url("meeting-minutes", meeting.pk),
        {"decisions": "- Adopté", "text": "<script>x</script>Texte"},
        format="json",
    )
    assert response.status_code == 200
    assert "<script>" not in response.json()["html"]["text"]
    assert partner.get(url("meeting-minutes", meeting.pk)).status_code == 404  # draft
    assert partner.post(url("meeting-minutes-approve", meeting.pk)).status_code == 403
    assert Minutes.objects.get().status == "draft"
    response = coordinator.post(url("meeting-minutes-approve", meeting.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    response = partner.get(url("meeting-minutes", meeting.pk))
    assert response.status_code == 200
    assert response.json()["html"]["decisions"] == "<ul>\n<li>Adopté</li>\n</ul>"
