"""Action point API: the same rules as the pages, and an access-denied test for every endpoint."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tutela.conftest import World
from tutela.coordination.models import ActionPoint
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    coordination_fixture,  # noqa: F401 - fixture
    make_action_point,
)
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def api(name: str, *args: Any, slug: str = "mali") -> str:
    return reverse(f"coordination-actions-api:{name}", args=[slug, *args])


@pytest.fixture
def point(world: World) -> ActionPoint:
    return make_action_point(world)


def test_list_with_filters(world: World, as_user: Any, point: ActionPoint) -> None:
    drc = make_action_point(
        world, title="DRC task", owner_organisation=world.drc, due_date=datetime.date(2026, 5, 1)
    )
    client = as_user(world.partner)
    with time_machine.travel(datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC), tick=False):
        data = client.get(api("action-point-list")).json()
        assert data["count"] == 2
        overdue = client.get(api("action-point-list"), {"overdue": "true"}).json()
        assert [row["id"] for row in overdue["results"]] == [point.pk]
        assert overdue["results"][0]["is_overdue"] is True
        assert overdue["results"][0]["owner_organisation"] == "AMSS"
        by_org = client.get(api("action-point-list"), {"organisation": "drc"}).json()
        assert [row["id"] for row in by_org["results"]] == [drc.pk]
        mine = client.get(api("action-point-list"), {"mine": "true"}).json()
        assert [row["id"] for row in mine["results"]] == [point.pk]
        bad = client.get(api("action-point-list"), {"status": "nope"})
        assert bad.status_code == 400


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_every_endpoint_is_404_outside_the_operation(
    world: World, as_user: Any, point: ActionPoint, persona: str
) -> None:
    client = as_user(getattr(world, persona))
    assert client.get(api("action-point-list")).status_code == 404
    assert client.post(api("action-point-list"), {"title": "x"}).status_code == 404
    assert client.get(api("action-point-detail", point.pk)).status_code == 404
    assert (
        client.patch(
            api("action-point-detail", point.pk), {"title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(api("action-point-status", point.pk), {"status": "done"}).status_code == 404
    assert client.post(api("action-point-comment", point.pk), {"text": "x"}).status_code == 404
    point.refresh_from_db()
    assert (point.status, point.events.count()) == ("open", 1)
    assert ActionPoint.objects.count() == 1


def test_point_of_another_operation_is_404_for_its_coordinator(
    world: World, as_user: Any, point: ActionPoint
) -> None:
    client = as_user(world.other_operation_user)
    assert client.get(api("action-point-detail", point.pk, slug="colombia")).status_code == 404


def test_anonymous_gets_401(point: ActionPoint) -> None:
    client = Client()
    assert client.get(api("action-point-list")).status_code == 401
    assert client.post(api("action-point-status", point.pk), {"status": "done"}).status_code == 401


def test_coordinator_creates_and_edits(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.post(
        api("action-point-list"),
        {
            "title": "Partager la cartographie des services",
            "owner_organisation": "AMSS",
            "owner": world.partner.pk,
            "due_date": "2026-05-10",
            "priority": "high",
            "body": world.cluster.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["owner"] == {"id": world.partner.pk, "full_name": "Fatou Focal"}
    assert data["events"][0]["kind"] == "created"
    point = ActionPoint.objects.get(pk=data["id"])
    assert AuditEntry.objects.filter(
        entity_type="coordination.actionpoint", entity_id=str(point.pk), action="create"
    ).exists()
    response = client.patch(
        api("action-point-detail", point.pk),
        {"due_date": "2026-05-20"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["events"][-1]["changes"] == {"due_date": ["2026-05-10", "2026-05-20"]}


def test_create_validates_within_the_operation(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.post(
        api("action-point-list"),
        {"title": "x", "owner": world.outsider.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "owner" in response.json()
    assert not ActionPoint.objects.exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer"])
def test_partners_cannot_create_or_edit(
    world: World, as_user: Any, point: ActionPoint, persona: str
) -> None:
    client = as_user(getattr(world, persona))
    response = client.post(
        api("action-point-list"),
        {"title": "x", "body": world.cluster.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.patch(
        api("action-point-detail", point.pk), {"title": "Hacked"}, content_type="application/json"
    )
    assert response.status_code == 403
    point.refresh_from_db()
    assert point.title != "Hacked"
    assert ActionPoint.objects.count() == 1


def test_focal_point_of_another_body_cannot_create(
    coordination: Coordination, as_user: Any
) -> None:
    world = coordination.world
    client = as_user(coordination.cp_focal)
    response = client.post(
        api("action-point-list"),
        {"title": "x", "owner_organisation": "AMSS", "body": world.cluster.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.post(
        api("action-point-list"),
        {"title": "x", "owner_organisation": "AMSS", "body": world.cp_aor.pk},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_owner_changes_status_and_comments(world: World, as_user: Any, point: ActionPoint) -> None:
    client = as_user(world.caseworker)
    response = client.post(
        api("action-point-status", point.pk),
        {"status": "in_progress", "comment": "Démarré"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    response = client.post(
        api("action-point-comment", point.pk),
        {"text": "Bientôt fini"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == "Bientôt fini"
    assert list(point.events.values_list("kind", flat=True)) == ["created", "status", "comment"]
    assert (
        client.post(
            api("action-point-status", point.pk),
            {"status": "finished"},
            content_type="application/json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            api("action-point-comment", point.pk), {"text": ""}, content_type="application/json"
        ).status_code
        == 400
    )


@pytest.mark.parametrize("persona", ["other_partner", "viewer"])
def test_non_owner_cannot_change_status_or_comment(
    world: World, as_user: Any, point: ActionPoint, persona: str
) -> None:
    client = as_user(getattr(world, persona))
    assert client.get(api("action-point-detail", point.pk)).status_code == 200
    assert (
        client.post(
            api("action-point-status", point.pk),
            {"status": "done"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.post(
            api("action-point-comment", point.pk), {"text": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    point.refresh_from_db()
    assert (point.status, point.events.count()) == ("open", 1)
