"""Joint evaluation missions: linked to an alert, participating organisations, findings and
recommendations, and the action points they create."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.coordination.models import ActionPoint, Alert, Mission
from tutela.coordination.selectors import alerts as selectors_alerts
from tutela.coordination.services.alerts import alert_create
from tutela.coordination.services.missions import (
    mission_action_point_create,
    mission_create,
    mission_update,
)
from tutela.coordination.tests.action_fixtures import (
    Coordination,
    coordination_fixture,  # noqa: F401 - fixture
)
from tutela.core.models import AuditEntry, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(coordination: Coordination) -> Alert:
    return alert_create(
        operation=coordination.world.operation,
        by=coordination.world.coordinator,
        kind="displacement",
        title="Arrivée de 300 ménages à Bandiagara",
        occurred_on=datetime.date(2026, 3, 2),
        area=coordination.areas["ML0501"],
        people_affected=1800,
    )


def new_mission(c: Coordination, alert: Alert | None, **extra: object) -> Mission:
    fields: dict = {
        "title": "Mission d'évaluation conjointe Bandiagara",
        "starts_on": datetime.date(2026, 3, 5),
        "ends_on": datetime.date(2026, 3, 7),
        "alert": alert,
        "organisations": [c.world.unhcr, c.world.amss],
    }
    fields.update(extra)
    return mission_create(operation=c.world.operation, by=c.world.coordinator, **fields)


def test_mission_follows_the_alert_location_and_is_audited(
    coordination: Coordination, alert: Alert
) -> None:
    mission = new_mission(coordination, alert)
    assert mission.area == coordination.areas["ML0501"]
    assert set(mission.organisations.values_list("acronym", flat=True)) == {"UNHCR", "AMSS"}
    entry = AuditEntry.objects.get(entity_type="coordination.mission", entity_id=str(mission.pk))
    assert entry.action == "create"
    assert sorted(entry.after["organisations"]) == sorted(
        [coordination.world.unhcr.pk, coordination.world.amss.pk]
    )


def test_mission_dates_must_be_in_order(coordination: Coordination, alert: Alert) -> None:
    with pytest.raises(ValidationError) as error:
        new_mission(coordination, alert, ends_on=datetime.date(2026, 3, 1))
    assert "ends_on" in error.value.message_dict
    assert not Mission.objects.exists()


def test_participants_must_take_part_in_the_operation(
    coordination: Coordination, alert: Alert
) -> None:
    stranger = Organisation.objects.create(name="Stranger", acronym="STR", type="ingo")
    with pytest.raises(ValidationError):
        new_mission(coordination, alert, organisations=[stranger])


def test_findings_recommendations_and_status_are_recorded(
    coordination: Coordination, alert: Alert
) -> None:
    mission = new_mission(coordination, alert)
    mission_update(
        mission=mission,
        by=coordination.world.imo,
        findings="Abris insuffisants, enfants non accompagnés.",
        recommendations="Renforcer la gestion de cas.",
        status="done",
        organisations=[coordination.world.unhcr, coordination.world.amss, coordination.world.drc],
    )
    mission.refresh_from_db()
    assert mission.status == "done"
    assert mission.organisations.count() == 3
    update = AuditEntry.objects.filter(
        entity_type="coordination.mission", entity_id=str(mission.pk), action="update"
    ).get()
    assert update.after["status"] == "done"
    assert update.actor == coordination.world.imo


def test_mission_creates_action_points(coordination: Coordination, alert: Alert) -> None:
    world = coordination.world
    mission = new_mission(coordination, alert)
    point = mission_action_point_create(
        mission=mission,
        by=world.coordinator,
        title="Ouvrir un espace ami des enfants",
        owner_organisation=world.amss,
        due_date=datetime.date(2026, 3, 20),
        body=world.cp_aor,
    )
    assert point.source_kind == ActionPoint.SourceKind.MISSION
    assert point.mission == mission
    assert point.alert == alert
    assert list(mission.action_points.all()) == [point]


@pytest.mark.parametrize("persona", ["partner", "viewer", "outsider", "other_operation_user"])
def test_only_alert_managers_manage_missions(
    coordination: Coordination, alert: Alert, persona: str
) -> None:
    world = coordination.world
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        mission_create(
            operation=world.operation,
            by=user,
            title="x",
            starts_on=datetime.date(2026, 3, 5),
            ends_on=datetime.date(2026, 3, 5),
        )
    mission = new_mission(coordination, alert)
    with pytest.raises(PermissionDenied):
        mission_update(mission=mission, by=user, findings="x")
    with pytest.raises(PermissionDenied):
        mission_action_point_create(mission=mission, by=user, title="x")
    assert Mission.objects.count() == 1
    assert not ActionPoint.objects.exists()


def test_mission_on_a_draft_alert_is_hidden_from_partners(
    coordination: Coordination, alert: Alert
) -> None:
    world = coordination.world
    mission = new_mission(coordination, alert)
    other = new_mission(coordination, None, title="Sans alerte")
    assert set(selectors_alerts.missions_visible(world.partner, world.operation)) == {other}
    assert set(selectors_alerts.missions_visible(world.coordinator, world.operation)) == {
        mission,
        other,
    }
