"""Action point pages: lists (all, mine, overdue by organisation), detail with history, and the
forms; who may see and do what."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tutela.conftest import World
from tutela.coordination.models import ActionPoint, ActionPointEvent
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    coordination_fixture,  # noqa: F401 - fixture
    make_action_point,
)
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 4, 1, 10, 0, tzinfo=datetime.UTC)


def url(name: str, *args: Any, slug: str = "mali") -> str:
    return reverse(f"coordination:{name}", args=[slug, *args])


@pytest.fixture
def points(world: World) -> dict[str, ActionPoint]:
    return {
        "amss_late": make_action_point(world, due_date=datetime.date(2026, 3, 1)),
        "drc": make_action_point(
            world,
            title="Update the referral pathway",
            owner_organisation=world.drc,
            due_date=datetime.date(2026, 4, 20),
            body=world.cp_aor,
        ),
        "unhcr_late": make_action_point(
            world,
            title="Circulate the PAU draft",
            owner_organisation=world.unhcr,
            due_date=datetime.date(2026, 3, 20),
        ),
    }


# --- Lists --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "partner", "viewer", "caseworker"])
def test_everyone_with_a_role_sees_the_list(
    world: World, as_user: Any, points: dict[str, ActionPoint], persona: str
) -> None:
    response = as_user(getattr(world, persona)).get(url("action_points"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Share the list of IDP sites in Bandiagara" in content
    assert "Update the referral pathway" in content


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_list_pages_are_404_outside_the_operation(
    world: World, as_user: Any, points: dict[str, ActionPoint], persona: str
) -> None:
    client = as_user(getattr(world, persona))
    for name in ("action_points", "my_action_points", "overdue", "action_point_create"):
        assert client.get(url(name)).status_code == 404
    detail = url("action_point_detail", points["drc"].pk)
    assert client.get(detail).status_code == 404
    assert client.get(url("action_point_edit", points["drc"].pk)).status_code == 404


def test_anonymous_is_sent_to_sign_in(points: dict[str, ActionPoint]) -> None:
    from django.test import Client

    response = Client().get(url("action_points"))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_action_point_of_another_operation_is_404(
    world: World, as_user: Any, points: dict[str, ActionPoint]
) -> None:
    response = as_user(world.other_operation_user).get(
        url("action_point_detail", points["drc"].pk, slug="colombia")
    )
    assert response.status_code == 404


def test_filters_and_overdue(world: World, as_user: Any, points: dict[str, ActionPoint]) -> None:
    client = as_user(world.coordinator)
    with time_machine.travel(TODAY, tick=False):
        response = client.get(url("action_points"), {"overdue": "on"})
        content = response.content.decode()
        assert "Share the list" in content
        assert "Circulate the PAU draft" in content
        assert "Update the referral pathway" not in content
        response = client.get(url("action_points"), {"organisation": world.drc.pk})
        assert list(response.context["page"].object_list) == [points["drc"]]
        response = client.get(url("action_points"), {"body": world.cp_aor.pk, "source": "other"})
        assert list(response.context["page"].object_list) == [points["drc"]]
        # A bad filter value is ignored and shown, not a crash.
        response = client.get(url("action_points"), {"status": "nonsense"})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 3


def test_empty_states(world: World, as_user: Any) -> None:
    client = as_user(world.partner)
    assert (
        "No action point has been recorded yet."
        in client.get(url("action_points")).content.decode()
    )
    assert "No action point is overdue." in client.get(url("overdue")).content.decode()
    assert "Nothing to do" in client.get(url("my_action_points")).content.decode()


def test_list_paginates_with_few_queries(
    world: World, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    ActionPoint.objects.bulk_create(
        ActionPoint(
            operation=world.operation,
            title=f"Point {i:03}",
            owner_organisation=world.amss,
            owner=world.partner,
            body=world.cluster,
            due_date=datetime.date(2026, 3, 1) + datetime.timedelta(days=i),
        )
        for i in range(60)
    )
    client = as_user(world.coordinator)
    with django_assert_max_num_queries(15):
        response = client.get(url("action_points"))
    assert len(response.context["page"].object_list) == 50
    assert "Point 000" in response.content.decode()
    second = client.get(url("action_points"), {"page": 2})
    assert len(second.context["page"].object_list) == 10


def test_my_action_points(world: World, as_user: Any, points: dict[str, ActionPoint]) -> None:
    mine = make_action_point(
        world, title="Personal task", owner=world.other_partner, owner_organisation=world.other_org
    )
    response = as_user(world.caseworker).get(url("my_action_points"))
    assert list(response.context["page"].object_list) == [points["amss_late"]]
    response = as_user(world.other_partner).get(url("my_action_points"))
    assert list(response.context["page"].object_list) == [mine]


def test_overdue_by_organisation_page(
    world: World, as_user: Any, points: dict[str, ActionPoint]
) -> None:
    with time_machine.travel(TODAY, tick=False):
        response = as_user(world.partner).get(url("overdue"))
    rows = response.context["rows"]
    assert [(row.organisation.acronym, row.overdue) for row in rows] == [("AMSS", 1), ("UNHCR", 1)]
    assert "2026-03-01" in response.content.decode()


# --- Detail, status, comments -------------------------------------------------------------------


def test_detail_shows_history_and_the_forms_to_the_owner(
    world: World, as_user: Any, points: dict[str, ActionPoint]
) -> None:
    point = points["amss_late"]
    response = as_user(world.caseworker).get(url("action_point_detail", point.pk))
    content = response.content.decode()
    assert response.status_code == 200
    assert "History" in content
    assert url("action_point_status", point.pk) in content
    assert url("action_point_comment", point.pk) in content
    assert url("action_point_edit", point.pk) not in content
    # Another partner reads it, without the forms.
    response = as_user(world.other_partner).get(url("action_point_detail", point.pk))
    assert response.status_code == 200
    assert url("action_point_status", point.pk) not in response.content.decode()


def test_owner_changes_status_from_the_page(
    world: World, as_user: Any, points: dict[str, ActionPoint]
) -> None:
    point = points["amss_late"]
    response = as_user(world.partner).post(
        url("action_point_status", point.pk), {"status": "done", "comment": "Liste envoyée"}
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.status == "done"
    event = point.events.get(kind=ActionPointEvent.Kind.STATUS)
    assert event.by == world.partner
    assert event.text == "Liste envoyée"
    assert AuditEntry.objects.filter(
        entity_type="coordination.actionpoint", entity_id=str(point.pk), actor=world.partner
    ).exists()
    page = as_user(world.partner).get(url("action_point_detail", point.pk)).content.decode()
    assert "Liste envoyée" in page


@pytest.mark.parametrize("persona", ["other_partner", "viewer"])
def test_non_owner_cannot_change_status_or_comment(
    world: World, as_user: Any, points: dict[str, ActionPoint], persona: str
) -> None:
    point = points["amss_late"]
    client = as_user(getattr(world, persona))
    assert client.post(url("action_point_status", point.pk), {"status": "done"}).status_code == 403
    assert client.post(url("action_point_comment", point.pk), {"text": "Hi"}).status_code == 403
    point.refresh_from_db()
    assert point.status == "open"
    assert point.events.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_outsiders_get_404_on_status_and_comment(
    world: World, as_user: Any, points: dict[str, ActionPoint], persona: str
) -> None:
    point = points["amss_late"]
    client = as_user(getattr(world, persona))
    assert client.post(url("action_point_status", point.pk), {"status": "done"}).status_code == 404
    assert client.post(url("action_point_comment", point.pk), {"text": "Hi"}).status_code == 404
    assert point.events.count() == 1


def test_comment_from_the_page_and_empty_comment_error(
    world: World, as_user: Any, points: dict[str, ActionPoint]
) -> None:
    point = points["amss_late"]
    client = as_user(world.caseworker)
    response = client.post(url("action_point_comment", point.pk), {"text": "En cours"})
    assert response.status_code == 302
    assert point.events.filter(kind="comment", text="En cours", by=world.caseworker).exists()
    response = client.post(url("action_point_comment", point.pk), {"text": ""})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert point.events.filter(kind="comment").count() == 1


# --- Create and edit ----------------------------------------------------------------------------


def test_coordinator_creates_from_the_form(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    assert client.get(url("action_point_create")).status_code == 200
    response = client.post(
        url("action_point_create"),
        {
            "title": "Organiser une distribution de kits dignité",
            "owner_organisation": world.drc.pk,
            "owner": "",
            "due_date": "2026-05-02",
            "priority": "high",
            "body": world.cluster.pk,
        },
    )
    point = ActionPoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("action_point_detail", point.pk)
    assert point.priority == "high"
    assert point.created_by == world.coordinator
    assert (
        AuditEntry.objects.filter(entity_type="coordination.actionpoint", action="create").count()
        == 1
    )


def test_form_requires_an_owner(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).post(
        url("action_point_create"), {"title": "No owner", "priority": "low"}
    )
    assert response.status_code == 200
    assert "Give an owner" in response.content.decode()
    assert not ActionPoint.objects.exists()


@pytest.mark.parametrize("persona", ["partner", "viewer", "caseworker"])
def test_partners_cannot_create_or_edit(
    world: World, as_user: Any, points: dict[str, ActionPoint], persona: str
) -> None:
    client = as_user(getattr(world, persona))
    assert client.get(url("action_point_create")).status_code == 403
    assert (
        client.post(url("action_point_create"), {"title": "x", "priority": "low"}).status_code
        == 403
    )
    point = points["amss_late"]
    assert client.get(url("action_point_edit", point.pk)).status_code == 403
    assert client.post(url("action_point_edit", point.pk), {"title": "Hacked"}).status_code == 403
    assert ActionPoint.objects.count() == 3
    point.refresh_from_db()
    assert point.title != "Hacked"


def test_focal_point_creates_for_their_body_only(coordination: Coordination, as_user: Any) -> None:
    world = coordination.world
    client = as_user(coordination.cp_focal)
    data = {
        "title": "Former les travailleurs sociaux",
        "owner_organisation": world.amss.pk,
        "priority": "medium",
        "body": world.cluster.pk,
    }
    response = client.post(url("action_point_create"), data)
    assert response.status_code == 200
    assert "focal point of" in response.content.decode()
    assert not ActionPoint.objects.exists()
    response = client.post(url("action_point_create"), {**data, "body": world.cp_aor.pk})
    assert response.status_code == 302
    assert ActionPoint.objects.get().body == world.cp_aor


def test_edit_records_the_change(
    world: World, as_user: Any, points: dict[str, ActionPoint]
) -> None:
    point = points["drc"]
    client = as_user(world.imo)
    form = client.get(url("action_point_edit", point.pk))
    assert form.status_code == 200
    assert "Update the referral pathway" in form.content.decode()
    response = client.post(
        url("action_point_edit", point.pk),
        {
            "title": point.title,
            "owner_organisation": world.drc.pk,
            "due_date": "2026-04-30",
            "priority": "medium",
            "body": world.cp_aor.pk,
        },
    )
    assert response.status_code == 302
    event = point.events.get(kind="changed")
    assert event.changes == {"due_date": ["2026-04-20", "2026-04-30"]}
    detail = client.get(url("action_point_detail", point.pk)).content.decode()
    assert "2026-04-20 → 2026-04-30" in detail
