"""The strategy and yearly work plan of a body: who writes it (the operation's coordinators and
IMOs, the body's own focal points), activities with their timeline, quarterly reviews that set
the activity's progress, links to coordination action points and trainings, the timeline page,
and the API doing the same through the same services."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tutela.capacity.models import WorkActivity, WorkPlan, WorkReview
from tutela.capacity.selectors import workplans as selectors
from tutela.capacity.services import workplans as services
from tutela.capacity.tests.fixtures import Trainings, trainings_fixture  # noqa: F401
from tutela.conftest import World, client_for, make_user
from tutela.coordination.models import ActionPoint
from tutela.core.models import AuditEntry, OperationRole
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db

# Reviews are of quarters that have started: the tests live in August 2026.
TODAY = datetime.datetime(2026, 8, 20, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def api(name: str, *args: Any) -> str:
    return reverse(f"capacity-api:{name}", args=["mali", *args])


def aor_focal(world: World, email: str = "aor@drc.test") -> Any:
    user = make_user(email, "Aminata AoR", world.drc)
    OperationRole.objects.create(
        user=user, operation=world.operation, role=Role.FOCAL_POINT, body=world.cp_aor
    )
    return user


def make_plan(world: World, body: Any = None) -> tuple[WorkPlan, WorkActivity]:
    plan = services.workplan_create(
        body=body or world.cluster,
        by=world.coordinator,
        year=2026,
        title="Plan de travail 2026",
        strategy="Renforcer la réponse communautaire.",
    )
    objective = services.objective_add(
        plan=plan, by=world.coordinator, code="1", title="Coordination efficace"
    )
    activity = services.work_activity_add(
        objective=objective,
        by=world.coordinator,
        title="Cartographie 3W des partenaires",
        lead_organisation=world.amss,
        starts_on=datetime.date(2026, 2, 1),
        ends_on=datetime.date(2026, 4, 30),
    )
    return plan, activity


def test_coordinator_writes_a_plan_and_every_write_is_audited(world: World) -> None:
    plan, activity = make_plan(world)
    entries = AuditEntry.objects.filter(actor=world.coordinator, action="create")
    assert set(entries.values_list("entity_type", flat=True)) >= {
        "capacity.workplan",
        "capacity.workobjective",
        "capacity.workactivity",
    }
    assert activity.status == WorkActivity.Status.PLANNED
    assert plan.operation == world.operation


def test_one_plan_per_body_and_year(world: World) -> None:
    make_plan(world)
    with pytest.raises(ValidationError):
        services.workplan_create(body=world.cluster, by=world.coordinator, year=2026, title="Bis")


def test_focal_point_of_the_aor_writes_its_plan_not_the_clusters(world: World) -> None:
    focal = aor_focal(world)
    plan = services.workplan_create(body=world.cp_aor, by=focal, year=2026, title="PE 2026")
    assert plan.body == world.cp_aor
    with pytest.raises(PermissionDenied):
        services.workplan_create(body=world.cluster, by=focal, year=2026, title="Cluster")


@pytest.mark.parametrize("persona", ["partner", "viewer", "other_partner", "caseworker"])
def test_partners_and_viewers_do_not_write_plans(world: World, persona: str) -> None:
    plan, activity = make_plan(world)
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.workplan_create(body=world.cp_aor, by=user, year=2026, title="X")
    with pytest.raises(PermissionDenied):
        services.work_review_record(
            activity=activity, by=user, year=2026, quarter=1, progress=10, status="ongoing"
        )


def test_activity_must_run_in_the_plans_year_and_end_after_it_starts(world: World) -> None:
    plan, activity = make_plan(world)
    with pytest.raises(ValidationError) as error:
        services.work_activity_update(
            activity=activity,
            by=world.coordinator,
            starts_on=datetime.date(2027, 1, 5),
            ends_on=datetime.date(2027, 2, 1),
        )
    assert "starts_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.work_activity_update(
            activity=activity, by=world.coordinator, ends_on=datetime.date(2026, 1, 1)
        )
    assert "ends_on" in error.value.message_dict


def test_quarterly_review_sets_progress_and_replaces_the_same_quarter(world: World) -> None:
    plan, activity = make_plan(world)
    services.work_review_record(
        activity=activity,
        by=world.coordinator,
        year=2026,
        quarter=1,
        progress=30,
        status="ongoing",
        comment="Collecte lancée",
    )
    services.work_review_record(
        activity=activity,
        by=world.imo,
        year=2026,
        quarter=2,
        progress=70,
        status="delayed",
        comment="Accès difficile à Bandiagara",
    )
    activity.refresh_from_db()
    assert (activity.progress, activity.status) == (70, "delayed")
    # Reviewing Q2 again replaces it: one review per quarter, the old one in the audit log.
    services.work_review_record(
        activity=activity, by=world.imo, year=2026, quarter=2, progress=100, status="done"
    )
    assert WorkReview.objects.filter(activity=activity).count() == 2
    activity.refresh_from_db()
    assert (activity.progress, activity.status) == (100, "done")
    q2 = WorkReview.objects.get(activity=activity, quarter=2)
    update = AuditEntry.objects.get(
        entity_type="capacity.workreview", entity_id=str(q2.pk), action="update"
    )
    assert update.before["progress"] == 70
    # An earlier quarter reviewed late does not override the latest quarter's progress.
    services.work_review_record(
        activity=activity, by=world.imo, year=2026, quarter=1, progress=40, status="ongoing"
    )
    activity.refresh_from_db()
    assert activity.progress == 100


def test_review_refuses_a_future_quarter_another_year_and_a_bad_percent(world: World) -> None:
    plan, activity = make_plan(world)
    for year, quarter, progress in ((2026, 4, 50), (2025, 4, 50), (2026, 1, 101)):
        with pytest.raises(ValidationError):
            services.work_review_record(
                activity=activity,
                by=world.coordinator,
                year=year,
                quarter=quarter,
                progress=progress,
                status="ongoing",
            )
    assert not WorkReview.objects.exists()


def test_action_point_opened_from_an_activity_lives_in_coordination(world: World) -> None:
    plan, activity = make_plan(world)
    point_id = services.work_activity_action_point_open(
        activity=activity, by=world.coordinator, title="Partager la carte 3W"
    )
    point = ActionPoint.objects.get(pk=point_id)
    assert (point.operation, point.body, point.owner_organisation) == (
        world.operation,
        world.cluster,
        world.amss,
    )
    assert point.due_date == activity.ends_on
    activity.refresh_from_db()
    assert activity.action_point_ids == [point_id]
    view = selectors.plan_view(plan)
    (line,) = view.objectives[0].lines
    assert [p.title for p in line.action_points] == ["Partager la carte 3W"]


def test_linking_an_action_point_of_another_operation_is_refused(world: World) -> None:
    plan, activity = make_plan(world)
    other = ActionPoint.objects.create(
        operation=world.other_operation, title="Ailleurs", status="open"
    )
    with pytest.raises(ValidationError):
        services.work_activity_action_point_link(
            activity=activity, by=world.coordinator, action_point_id=other.pk
        )
    activity.refresh_from_db()
    assert activity.action_point_ids == []


def test_trainings_link_to_an_activity(trainings: Trainings) -> None:
    world = trainings.world
    plan, activity = make_plan(world)
    services.work_activity_session_link(
        activity=activity, by=world.coordinator, session=trainings.session
    )
    assert list(activity.sessions.all()) == [trainings.session]
    services.work_activity_session_link(
        activity=activity, by=world.coordinator, session=trainings.session, remove=True
    )
    assert not activity.sessions.exists()


def test_timeline_marks_the_months_an_activity_runs(world: World) -> None:
    plan, activity = make_plan(world)
    view = selectors.plan_view(plan)
    (line,) = view.objectives[0].lines
    assert line.months == [False, True, True, True] + [False] * 8


def test_plan_page_query_count_does_not_grow_with_activities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    plan, activity = make_plan(world)
    objective = activity.objective
    for i in range(8):
        services.work_activity_add(
            objective=objective,
            by=world.coordinator,
            title=f"Activité {i}",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            lead_organisation=world.drc,
        )
        services.work_review_record(
            activity=WorkActivity.objects.latest("pk"),
            by=world.coordinator,
            year=2026,
            quarter=2,
            progress=50,
            status="ongoing",
        )
    with django_assert_max_num_queries(8):
        selectors.plan_view(plan)


# --- Pages ----------------------------------------------------------------------------------------


def test_partner_reads_the_timeline_but_cannot_add_to_it(world: World) -> None:
    plan, activity = make_plan(world)
    client = client_for(world.partner)
    page = client.get(url("workplan_detail", plan.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cartographie 3W des partenaires" in html
    assert 'class="timeline"' in html
    assert url("work_activity_create", plan.pk) not in html
    assert client.post(url("workplan_detail", plan.pk), {"title": "X"}).status_code == 403
    assert client.get(url("work_activity_create", plan.pk)).status_code == 403
    assert (
        client.post(
            url("work_activity", plan.pk, activity.pk),
            {"quarter": 1, "progress": 90, "status": "done"},
        ).status_code
        == 403
    )
    activity.refresh_from_db()
    assert activity.progress == 0


def test_coordinator_builds_a_plan_through_the_pages(world: World) -> None:
    client = client_for(world.coordinator)
    response = client.post(
        url("workplans"), {"body": world.cp_aor.pk, "year": 2026, "title": "PE 2026"}
    )
    plan = WorkPlan.objects.get(title="PE 2026")
    assert response.status_code == 302
    client.post(url("workplan_detail", plan.pk), {"code": "1", "title": "Prévention"})
    objective = plan.objectives.get()
    response = client.post(
        url("work_activity_create", plan.pk),
        {
            "objective": objective.pk,
            "title": "Formation des comités",
            "lead_organisation": world.amss.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2026-09-30",
        },
    )
    activity = WorkActivity.objects.get(title="Formation des comités")
    assert response.status_code == 302
    response = client.post(
        url("work_activity", plan.pk, activity.pk),
        {"quarter": 2, "progress": 40, "status": "ongoing", "comment": "Deux comités formés"},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.progress == 40
    client.post(url("work_activity_action_point", plan.pk, activity.pk), {"title": "Suivi"})
    activity.refresh_from_db()
    assert len(activity.action_point_ids) == 1
    page = client.get(url("work_activity", plan.pk, activity.pk)).content.decode()
    assert "Deux comités formés" in page
    assert "Suivi" in page


def test_a_bad_review_shows_an_error_and_saves_nothing(world: World) -> None:
    plan, activity = make_plan(world)
    client = client_for(world.coordinator)
    page = client.post(
        url("work_activity", plan.pk, activity.pk),
        {"quarter": 4, "progress": 10, "status": "ongoing"},
    )
    assert page.status_code == 200
    assert "This quarter has not started yet." in page.content.decode()
    assert not WorkReview.objects.exists()


def test_timeline_is_readable_in_french(world: World) -> None:
    plan, activity = make_plan(world)
    world.partner.language = "fr"
    world.partner.save(update_fields=["language"])
    page = client_for(world.partner).get(url("workplan_detail", plan.pk))
    html = page.content.decode()
    assert "Chronologie par mois" in html


# --- API ------------------------------------------------------------------------------------------


def post(client: Client, path: str, data: Any) -> Any:
    return client.post(path, data, content_type="application/json")


def test_api_builds_and_reads_a_plan(world: World) -> None:
    client = client_for(world.imo)
    created = post(
        client, api("workplan-list"), {"body": world.cluster.pk, "year": 2026, "title": "API"}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    objective = post(client, api("workplan-objectives", pk), {"title": "Obj"}).json()["id"]
    activity = post(
        client,
        api("workplan-activities", pk),
        {
            "objective": objective,
            "title": "Act",
            "lead_organisation": "AMSS",
            "starts_on": "2026-01-10",
            "ends_on": "2026-06-30",
        },
    )
    assert activity.status_code == 201, activity.content
    activity_id = activity.json()["id"]
    review = post(
        client,
        api("work-activity-reviews", activity_id),
        {"quarter": 3, "progress": 60, "status": "ongoing"},
    )
    assert review.status_code == 201, review.content
    opened = post(client, api("work-activity-action-points", activity_id), {"title": "AP"})
    assert opened.status_code == 201
    data = client_for(world.viewer).get(api("workplan-detail", pk)).json()
    (act,) = data["objectives"][0]["activities"]
    assert (act["progress"], act["reviews"][0]["quarter"]) == (60, "2026-Q3")
    assert act["action_points"][0]["title"] == "AP"


def test_api_refuses_bad_input_clearly(world: World) -> None:
    plan, activity = make_plan(world)
    client = client_for(world.coordinator)
    bad = post(
        client,
        api("work-activity-reviews", activity.pk),
        {"quarter": 9, "progress": 60, "status": "ongoing"},
    )
    assert bad.status_code == 400
    future = post(
        client,
        api("work-activity-reviews", activity.pk),
        {"quarter": 4, "progress": 60, "status": "ongoing"},
    )
    assert future.status_code == 400
    assert not WorkReview.objects.exists()
