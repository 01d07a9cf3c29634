"""Action point services and selectors: creation, edits with history, status, comments, who may
do what, and the lists (mine, overdue by organisation, a body's open points)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.conftest import World
from tutela.coordination.models import ActionPoint, ActionPointEvent
from tutela.coordination.selectors import actions as selectors
from tutela.coordination.services.actions import (
    action_point_comment,
    action_point_create,
    action_point_set_status,
    action_point_update,
    open_action_points_for_body,
)
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    coordination_fixture,  # noqa: F401 - fixture
    focal_point,
    make_action_point,
)
from tutela.core.models import AuditEntry, Organisation

pytestmark = pytest.mark.django_db


def audit_rows(action_point: ActionPoint) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            entity_type="coordination.actionpoint", entity_id=str(action_point.pk)
        ).order_by("id")
    )


def test_coordinator_creates_an_action_point_with_history_and_audit(world: World) -> None:
    point = make_action_point(world, description="Sites and their population")
    assert point.status == ActionPoint.Status.OPEN
    assert point.source_kind == ActionPoint.SourceKind.OTHER
    assert point.created_by == world.coordinator
    event = point.events.get()
    assert event.kind == ActionPointEvent.Kind.CREATED
    assert event.by == world.coordinator
    assert event.changes["owner_organisation"] == [None, "AMSS"]
    assert event.changes["due_date"] == [None, "2026-03-10"]
    [entry] = audit_rows(point)
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == world.coordinator
    assert entry.operation == world.operation


def test_owner_person_makes_their_organisation_the_owner(world: World) -> None:
    point = make_action_point(world, owner=world.partner, owner_organisation=None)
    assert point.owner_organisation == world.amss


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "outsider"])
def test_only_managers_and_focal_points_create(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        action_point_create(
            operation=world.operation, by=getattr(world, persona), title="x", body=world.cluster
        )
    assert not ActionPoint.objects.exists()


def test_other_operation_coordinator_cannot_create(world: World) -> None:
    with pytest.raises(PermissionDenied):
        action_point_create(operation=world.operation, by=world.other_operation_user, title="x")
    assert not ActionPoint.objects.exists()


def test_focal_point_creates_for_their_body_only(coordination: Coordination) -> None:
    world = coordination.world
    point = action_point_create(
        operation=world.operation,
        by=coordination.cp_focal,
        title="Map the child-friendly spaces",
        owner_organisation=world.amss,
        body=world.cp_aor,
    )
    assert point.body == world.cp_aor
    with pytest.raises(PermissionDenied):
        action_point_create(
            operation=world.operation,
            by=coordination.cp_focal,
            title="Not my body",
            body=world.cluster,
        )
    with pytest.raises(PermissionDenied):
        action_point_create(operation=world.operation, by=coordination.cp_focal, title="No body")
    assert ActionPoint.objects.count() == 1


def test_operation_wide_focal_point_may_create_without_a_body(world: World) -> None:
    fp = focal_point(world, None, "wide@drc.test")
    point = action_point_create(operation=world.operation, by=fp, title="Anything")
    assert point.body is None


def test_owner_organisation_must_take_part_in_the_operation(world: World) -> None:
    outsider_org = Organisation.objects.create(name="Elsewhere", acronym="ELSE", type="nngo")
    with pytest.raises(ValidationError) as error:
        make_action_point(world, owner_organisation=outsider_org)
    assert "owner_organisation" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_action_point(world, owner=world.outsider, owner_organisation=None)
    assert "owner" in error.value.message_dict
    assert not ActionPoint.objects.exists()


def test_update_records_before_and_after_and_rearms_reminders(world: World) -> None:
    point = make_action_point(world)
    ActionPoint.objects.filter(pk=point.pk).update(
        reminded_before_at=datetime.datetime(2026, 3, 7, tzinfo=datetime.UTC)
    )
    point.refresh_from_db()
    action_point_update(
        action_point=point,
        by=world.imo,
        due_date=datetime.date(2026, 3, 24),
        owner_organisation=world.drc,
        title=point.title,
    )
    point.refresh_from_db()
    assert point.reminded_before_at is None
    event = point.events.get(kind=ActionPointEvent.Kind.CHANGED)
    assert event.by == world.imo
    assert event.changes == {
        "due_date": ["2026-03-10", "2026-03-24"],
        "owner_organisation": ["AMSS", "DRC"],
    }
    update = audit_rows(point)[-1]
    assert update.action == AuditEntry.Action.UPDATE
    assert update.before["due_date"] == "2026-03-10"
    assert update.after["due_date"] == "2026-03-24"


def test_update_without_change_leaves_no_trace(world: World) -> None:
    point = make_action_point(world)
    action_point_update(action_point=point, by=world.coordinator, title=point.title)
    assert point.events.count() == 1
    assert len(audit_rows(point)) == 1


def test_partner_cannot_edit_even_their_own_action_point(world: World) -> None:
    point = make_action_point(world)
    with pytest.raises(PermissionDenied):
        action_point_update(action_point=point, by=world.partner, title="Changed")
    point.refresh_from_db()
    assert point.title != "Changed"


def test_owner_organisation_member_changes_status_with_comment(world: World) -> None:
    point = make_action_point(world)
    action_point_set_status(
        action_point=point, by=world.caseworker, status="done", comment="List shared on Monday"
    )
    point.refresh_from_db()
    assert point.status == ActionPoint.Status.DONE
    assert point.closed_at is not None
    event = point.events.get(kind=ActionPointEvent.Kind.STATUS)
    assert event.changes == {"status": ["open", "done"]}
    assert event.text == "List shared on Monday"
    assert event.by == world.caseworker
    after = audit_rows(point)[-1].after
    assert after["status"] == "done"
    assert after["closed_at"] == point.closed_at.isoformat()
    # Reopening clears the closing date.
    action_point_set_status(action_point=point, by=world.coordinator, status="in_progress")
    point.refresh_from_db()
    assert point.closed_at is None


def test_owner_person_of_another_organisation_may_update(world: World) -> None:
    point = make_action_point(world, owner=world.other_partner, owner_organisation=world.amss)
    action_point_set_status(action_point=point, by=world.other_partner, status="in_progress")
    assert ActionPoint.objects.get(pk=point.pk).status == "in_progress"


@pytest.mark.parametrize("persona", ["other_partner", "viewer", "outsider", "other_operation_user"])
def test_others_cannot_change_status_or_comment(world: World, persona: str) -> None:
    point = make_action_point(world)
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        action_point_set_status(action_point=point, by=user, status="done")
    with pytest.raises(PermissionDenied):
        action_point_comment(action_point=point, by=user, text="Hello")
    point.refresh_from_db()
    assert point.status == "open"
    assert point.events.count() == 1


def test_unknown_status_is_refused(world: World) -> None:
    point = make_action_point(world)
    with pytest.raises(ValidationError):
        action_point_set_status(action_point=point, by=world.coordinator, status="finished")


def test_comment_is_kept_in_history_and_audited(world: World) -> None:
    point = make_action_point(world)
    event = action_point_comment(action_point=point, by=world.partner, text="  Working on it  ")
    assert event.kind == ActionPointEvent.Kind.COMMENT
    assert event.text == "Working on it"
    entry = audit_rows(point)[-1]
    assert entry.actor == world.partner
    assert entry.after == {"comment": "Working on it"}
    with pytest.raises(ValidationError):
        action_point_comment(action_point=point, by=world.partner, text="   ")


def test_same_status_with_comment_only_adds_the_comment(world: World) -> None:
    point = make_action_point(world)
    action_point_set_status(action_point=point, by=world.partner, status="open", comment="Still")
    kinds = list(point.events.values_list("kind", flat=True))
    assert kinds == ["created", "comment"]


def test_source_is_inferred_from_the_record_it_comes_from(coordination: Coordination) -> None:
    from tutela.coordination.services.alerts import alert_create
    from tutela.coordination.services.missions import mission_create

    world = coordination.world
    alert = alert_create(
        operation=world.operation,
        by=world.coordinator,
        kind="attack",
        title="Attack",
        occurred_on=datetime.date(2026, 3, 1),
        area=coordination.areas["ML0501"],
    )
    mission = mission_create(
        operation=world.operation,
        by=world.coordinator,
        title="Mission",
        starts_on=datetime.date(2026, 3, 3),
        ends_on=datetime.date(2026, 3, 4),
        alert=alert,
    )
    assert make_action_point(world, alert=alert).source_kind == "alert"
    assert make_action_point(world, mission=mission).source_kind == "mission"
    assert make_action_point(world, source_kind="pau").source_kind == "pau"


def test_open_action_points_for_body(world: World) -> None:
    late = make_action_point(world, title="Late", due_date=datetime.date(2026, 3, 20))
    early = make_action_point(world, title="Early", due_date=datetime.date(2026, 3, 1))
    undated = make_action_point(world, title="Undated", due_date=None)
    done = make_action_point(world, title="Done")
    action_point_set_status(action_point=done, by=world.coordinator, status="done")
    make_action_point(world, title="Other body", body=world.cp_aor)
    assert list(open_action_points_for_body(world.cluster)) == [early, late, undated]


def test_my_action_points_are_mine_or_my_organisations(world: World) -> None:
    ours = make_action_point(world, title="AMSS")
    mine = make_action_point(world, title="Person", owner=world.partner)
    theirs = make_action_point(world, title="DRC", owner_organisation=world.drc)
    assert set(selectors.my_action_points(world.caseworker, world.operation)) == {ours, mine}
    assert set(selectors.my_action_points(world.other_partner, world.operation)) == set()
    assert theirs not in selectors.my_action_points(world.partner, world.operation)


def test_overdue_by_organisation(world: World) -> None:
    today = datetime.date(2026, 4, 1)
    make_action_point(world, due_date=datetime.date(2026, 3, 1))
    make_action_point(world, due_date=datetime.date(2026, 3, 15))
    make_action_point(world, due_date=datetime.date(2026, 4, 15))
    make_action_point(world, owner_organisation=world.drc, due_date=datetime.date(2026, 3, 30))
    make_action_point(world, owner_organisation=world.unhcr, due_date=datetime.date(2026, 4, 2))
    closed = make_action_point(
        world, owner_organisation=world.drc, due_date=datetime.date(2026, 1, 1)
    )
    action_point_set_status(action_point=closed, by=world.coordinator, status="dropped")
    rows = selectors.overdue_by_organisation(world.operation, today)
    assert [(row.organisation.acronym, row.overdue, row.open) for row in rows] == [
        ("AMSS", 2, 3),
        ("DRC", 1, 1),
    ]
    assert rows[0].oldest_due == datetime.date(2026, 3, 1)


def test_list_filters(world: World) -> None:
    today = datetime.date(2026, 4, 1)
    a = make_action_point(world, due_date=datetime.date(2026, 3, 1))
    b = make_action_point(world, owner_organisation=world.drc, body=world.cp_aor)
    c = make_action_point(world, source_kind="pau", due_date=datetime.date(2026, 5, 1))
    action_point_set_status(action_point=c, by=world.coordinator, status="in_progress")
    op = world.operation
    assert set(selectors.action_point_list(op, organisation=world.drc)) == {b}
    assert set(selectors.action_point_list(op, body=world.cp_aor)) == {b}
    assert set(selectors.action_point_list(op, source="pau")) == {c}
    assert set(selectors.action_point_list(op, status="in_progress")) == {c}
    assert set(selectors.action_point_list(op, status="open_all")) == {a, b, c}
    assert set(selectors.action_point_list(op, overdue=True, today=today)) == {a, b}
