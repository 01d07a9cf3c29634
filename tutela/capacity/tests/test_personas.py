"""Persona sweep: every capacity page and endpoint that writes, or shows one organisation's or
the training team's data, refuses a partner of another organisation, a viewer (donor), a user
with no role in the operation and an anonymous visitor, and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tutela.activities.models import ReportingRound
from tutela.capacity.services import assessments, ccpm_rounds, ccpm_structure, planning
from tutela.capacity.services import workplans as workplan_services
from tutela.capacity.tests.fixtures import Trainings, trainings_fixture  # noqa: F401
from tutela.conftest import client_for
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def page(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def api(name: str, *args: Any) -> str:
    return reverse(f"capacity-api:{name}", args=["mali", *args])


Call = tuple[str, str, dict[str, Any]]


def sweep(trainings: Trainings) -> tuple[list[Call], list[Call], list[Call]]:
    """(manager-only calls, calls about AMSS's own data, read pages for members)."""
    world = trainings.world
    by = world.coordinator
    course, session = trainings.course.pk, trainings.session.pk
    amss_person = trainings.people[0].pk
    question = trainings.course.questions.first().pk  # type: ignore[union-attr]
    test = assessments.knowledge_test_create(
        session=trainings.session, by=by, kind="pre", mode="paper", max_score=20
    ).pk
    needs = planning.needs_assessment_create(
        operation=world.operation,
        by=by,
        title="Besoins",
        year=2026,
        closes_on=timezone.localdate() + datetime.timedelta(days=9),
    ).pk
    plan = planning.capacity_plan_create(operation=world.operation, by=by, year=2026, title="P").pk
    ccpm_structure.ccpm_structure_seed(operation=world.operation)
    ccpm = ccpm_rounds.ccpm_round_create(
        operation=world.operation,
        by=by,
        bodies=[world.cluster],
        title="CCPM",
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate() + datetime.timedelta(days=14),
    ).pk
    work = workplan_services.workplan_create(body=world.cluster, by=by, year=2026, title="WP")
    objective = workplan_services.objective_add(plan=work, by=by, title="O")
    activity = workplan_services.work_activity_add(
        objective=objective,
        by=by,
        title="A",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 6, 30),
    ).pk
    wp = work.pk
    round_id = ReportingRound.objects.create(
        operation=world.operation,
        month=datetime.date(2026, 2, 1),
        deadline=datetime.date(2026, 3, 10),
    ).pk
    review = {"quarter": 1, "progress": 50, "status": "ongoing"}
    manager_only: list[Call] = [
        ("get", page("course_create"), {}),
        ("get", page("course_edit", course), {}),
        ("post", page("material_upload", course), {}),
        ("get", page("question_create", course), {}),
        ("post", page("question_toggle", course, question), {}),
        ("get", page("session_create"), {}),
        ("get", page("session_edit", session), {}),
        ("get", page("session_attendance", session), {}),
        ("get", page("test_create", session), {}),
        ("post", page("certificates_issue", session), {}),
        ("post", page("test_send", test), {}),
        ("post", page("needs_close", needs), {}),
        ("get", page("plan_item_create", plan), {}),
        ("get", page("ccpm_round_create"), {}),
        ("get", page("ccpm_question_create"), {}),
        ("get", page("ccpm_round_edit", ccpm), {}),
        ("post", page("ccpm_round_launch", ccpm), {}),
        ("post", page("ccpm_round_close", ccpm), {}),
        ("post", page("workplans"), {"body": world.cluster.pk, "year": 2027, "title": "X"}),
        ("post", page("workplan_detail", wp), {"title": "X"}),
        ("get", page("work_activity_create", wp), {}),
        ("get", page("work_activity_edit", wp, activity), {}),
        ("post", page("work_activity", wp, activity), review),
        ("post", page("work_activity_action_point", wp, activity), {"title": "X"}),
        ("post", page("work_activity_session", wp, activity), {"session": session}),
        ("get", page("compliance_export", "xlsx"), {}),
        ("get", page("compliance_export", "csv"), {}),
        ("post", page("compliance_remind", round_id), {}),
        ("post", api("course-list"), {"title": "X", "topic": "other", "language": "en"}),
        ("patch", api("session-detail", session), {"venue": "Z"}),
        ("post", api("test-send", test), {}),
        ("post", api("ccpm-round-launch", ccpm), {}),
        ("post", api("workplan-list"), {"body": world.cluster.pk, "year": 2027, "title": "X"}),
        ("post", api("workplan-objectives", wp), {"title": "X"}),
        (
            "post",
            api("workplan-activities", wp),
            {
                "objective": objective.pk,
                "title": "X",
                "starts_on": "2026-01-01",
                "ends_on": "2026-02-01",
            },
        ),
        ("post", api("work-activity-reviews", activity), review),
        ("post", api("work-activity-action-points", activity), {"title": "X"}),
        ("post", api("work-activity-trainings", activity), {"session": session}),
        ("post", api("compliance-remind", round_id), {}),
    ]
    amss_only: list[Call] = [
        ("get", page("participant_detail", amss_person), {}),
        ("get", page("participant_edit", amss_person), {}),
        ("get", page("compliance_scorecard", world.amss.pk), {}),
        ("get", api("participant-detail", amss_person), {}),
        ("get", api("compliance-scorecard", world.amss.pk), {}),
    ]
    reads: list[Call] = [
        ("get", page("home"), {}),
        ("get", page("workplans"), {}),
        ("get", page("workplan_detail", wp), {}),
        ("get", page("work_activity", wp, activity), {}),
        ("get", page("compliance"), {}),
        ("get", page("ccpm_rounds"), {}),
        ("get", api("workplan-detail", wp), {}),
        ("get", api("compliance"), {}),
    ]
    return manager_only, amss_only, reads


def call(client: Client, method: str, path: str, data: dict[str, Any]) -> int:
    if method == "get":
        return client.get(path).status_code
    if "/api/" in path:
        return getattr(client, method)(path, data, content_type="application/json").status_code
    return client.post(path, data).status_code


def writes() -> int:
    return AuditEntry.objects.exclude(action__in=["read", "login", "logout"]).count()


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.parametrize("persona", ["other_partner", "viewer", "outsider", "anonymous"])
def test_persona_is_refused_everywhere_it_does_not_belong(
    trainings: Trainings, persona: str
) -> None:
    world = trainings.world
    manager_only, amss_only, reads = sweep(trainings)
    client = Client() if persona == "anonymous" else client_for(getattr(world, persona))
    before = writes()
    refused = {403, 404} if persona != "anonymous" else {302, 401, 403}
    calls = manager_only + amss_only
    if persona in ("outsider", "anonymous"):
        calls += reads
    wrong = [
        (method, path, status)
        for method, path, data in calls
        if (status := call(client, method, path, data)) not in refused
    ]
    assert wrong == []
    assert writes() == before
    if persona in ("other_partner", "viewer"):
        # They do read the cluster's shared pages.
        assert [call(client, m, p, d) for m, p, d in reads] == [200] * len(reads)
