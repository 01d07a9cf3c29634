"""Training needs assessment, the yearly capacity-building plan's progress, and the
people-trained indicator the 5W and the response plan read (exact for the training team, small
counts suppressed for everyone else)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tutela.capacity.models import NeedsResponse, TrainingSession
from tutela.capacity.selectors import indicators
from tutela.capacity.selectors import planning as selectors
from tutela.capacity.services import planning, sessions
from tutela.capacity.tests.fixtures import START, Trainings, person, trainings_fixture  # noqa: F401
from tutela.core.counts import MAX_COUNT
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def api(name: str, *args: Any) -> str:
    return reverse(f"capacity-api:{name}", args=["mali", *args])


def hold(trainings: Trainings, present: list[int] | None = None) -> TrainingSession:
    """Everyone present on the first day (or those listed), and the session marked held."""
    world = trainings.world
    ids = [trainings.registrations[i].pk for i in (present if present is not None else range(4))]
    sessions.attendance_record(
        session=trainings.session, by=world.coordinator, day=START, present_ids=ids
    )
    return sessions.session_update(
        session=trainings.session, by=world.coordinator, status=TrainingSession.Status.HELD
    )


def test_needs_assessment_answers_and_summary(trainings: Trainings) -> None:
    world = trainings.world
    assessment = planning.needs_assessment_create(
        operation=world.operation,
        by=world.coordinator,
        title="Besoins 2027",
        year=2027,
        closes_on=timezone.localdate() + datetime.timedelta(days=20),
    )
    planning.needs_response_submit(
        assessment=assessment,
        by=world.partner,
        organisation=world.amss,
        priorities={"case_management": 3, "gbv": 2, "psea": 0},
        staff_to_train=6,
    )
    planning.needs_response_submit(
        assessment=assessment,
        by=world.coordinator,
        organisation=world.drc,
        priorities={"case_management": 3, "mainstreaming": 1},
        staff_to_train=4,
    )
    # A second answer from AMSS replaces the first.
    planning.needs_response_submit(
        assessment=assessment,
        by=world.partner,
        organisation=world.amss,
        priorities={"case_management": 3, "gbv": 3},
        staff_to_train=8,
    )
    assert NeedsResponse.objects.count() == 2
    summary = selectors.needs_summary(assessment)
    assert (summary.answered, summary.expected, summary.staff_to_train) == (2, 4, 12)
    top = summary.topics[0]
    assert (top.topic, top.high) == ("case_management", 2)
    assert [t.topic for t in summary.topics] == ["case_management", "gbv", "mainstreaming"]
    assert AuditEntry.objects.filter(entity_type="capacity.needsresponse", action="update").exists()


def test_partner_answers_only_for_own_organisation(trainings: Trainings) -> None:
    world = trainings.world
    assessment = planning.needs_assessment_create(
        operation=world.operation,
        by=world.coordinator,
        title="Besoins",
        year=2027,
        closes_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    with pytest.raises(PermissionDenied):
        planning.needs_response_submit(
            assessment=assessment,
            by=world.partner,
            organisation=world.drc,
            priorities={"gbv": 3},
        )
    with pytest.raises(ValidationError):
        planning.needs_response_submit(
            assessment=assessment, by=world.partner, organisation=world.amss, priorities={"x": 3}
        )
    planning.needs_assessment_close(assessment=assessment, by=world.coordinator)
    with pytest.raises(ValidationError, match="closed"):
        planning.needs_response_submit(
            assessment=assessment, by=world.partner, organisation=world.amss, priorities={"gbv": 3}
        )


def test_needs_pages(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    coordinator = as_user(world.coordinator)
    response = coordinator.post(
        url("needs"),
        {
            "title": "Besoins 2027",
            "year": 2027,
            "closes_on": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        },
    )
    assert response.status_code == 302
    assessment_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    partner = as_user(world.partner)
    form = {f"topic_{t}": "0" for t in ("mainstreaming", "gbv", "case_management")}
    response = partner.post(
        url("needs_answer", assessment_id),
        {**form, "topic_gbv": "3", "staff_to_train": "5", "comment": "Nouvelles recrues"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = partner.get(url("needs_detail", assessment_id)).content.decode()
    assert "Nouvelles recrues" not in page  # other organisations' answers are for managers
    assert (
        "Nouvelles recrues" in coordinator.get(url("needs_detail", assessment_id)).content.decode()
    )
    assert partner.post(url("needs"), {"title": "x"}).status_code == 403
    assert as_user(world.viewer).get(url("needs_answer", assessment_id)).status_code == 403


def test_plan_progress_counts_matching_held_sessions(trainings: Trainings) -> None:
    world = trainings.world
    plan = planning.capacity_plan_create(
        operation=world.operation, by=world.coordinator, year=START.year, title="Plan 2026"
    )
    by_course = planning.plan_item_add(
        plan=plan,
        by=world.coordinator,
        course=trainings.course,
        target_sessions=2,
        target_people=10,
        target_women=6,
    )
    elsewhere = planning.plan_item_add(
        plan=plan,
        by=world.coordinator,
        topic="mainstreaming",
        area=trainings.areas["ML04"],
        target_sessions=1,
        target_people=5,
    )
    other_topic = planning.plan_item_add(
        plan=plan, by=world.coordinator, topic="gbv", target_sessions=1, target_people=20
    )
    # Not held yet: nothing counts.
    assert [(p.sessions, p.people) for p in selectors.plan_progress(plan)] == [(0, 0)] * 3
    hold(trainings, present=[0, 1, 2])
    progress = {p.item.pk: p for p in selectors.plan_progress(plan)}
    assert (progress[by_course.pk].sessions, progress[by_course.pk].people) == (1, 3)
    # Aïssata and Hawa.
    assert progress[by_course.pk].women == 2
    assert progress[by_course.pk].people_percent == 30
    # The session was in Bandiagara (Mopti), not in Ségou.
    assert progress[elsewhere.pk].sessions == 0
    assert progress[other_topic.pk].sessions == 0


def test_plan_item_checks(trainings: Trainings) -> None:
    world = trainings.world
    plan = planning.capacity_plan_create(
        operation=world.operation, by=world.coordinator, year=2026, title="Plan"
    )
    with pytest.raises(ValidationError):
        planning.plan_item_add(
            plan=plan, by=world.coordinator, topic="gbv", target_people=2, target_women=3
        )
    with pytest.raises(ValidationError):
        planning.plan_item_add(
            plan=plan, by=world.coordinator, topic="gbv", course=trainings.course, target_people=1
        )
    with pytest.raises(PermissionDenied):
        planning.plan_item_add(plan=plan, by=world.partner, topic="gbv")
    with pytest.raises(ValidationError):
        planning.capacity_plan_create(
            operation=world.operation, by=world.coordinator, year=2026, title="Again"
        )


def test_people_trained_counts_each_person_once_by_sex_and_organisation_type(
    trainings: Trainings,
) -> None:
    world = trainings.world
    hold(trainings, present=[0, 1, 2])
    # Aïssata trained again in another held session of the year: still one person.
    second = sessions.session_create(
        operation=world.operation,
        by=world.coordinator,
        course=trainings.course,
        starts_on=START + datetime.timedelta(days=30),
        ends_on=START + datetime.timedelta(days=30),
        area=trainings.areas["ML04"],
    )
    registration = sessions.registration_create(
        session=second, by=world.coordinator, participant=trainings.people[0]
    )
    community = person(world, "Awa Communauté", None, "F")
    other = sessions.registration_create(
        session=second, by=world.coordinator, participant=community
    )
    sessions.attendance_record(
        session=second,
        by=world.coordinator,
        day=second.starts_on,
        present_ids=[registration.pk, other.pk],
    )
    sessions.session_update(session=second, by=world.coordinator, status="held")
    result = indicators.people_trained_in_year(world.operation, START.year)
    assert result.sessions == 2
    assert result.cells == {("F", "nngo"): 1, ("M", "nngo"): 1, ("F", "ingo"): 1, ("F", "none"): 1}
    assert result.total == 4
    assert result.by_sex() == {"F": 3, "M": 1}
    assert indicators.people_trained_in_year(world.operation, START.year + 1).total == 0
    # Published: every count is under the threshold of 5, so everything is hidden.
    table = result.published()
    assert table.grand_total is None
    assert all(value is None for row in table.cells for value in row if value != 0)


def test_people_trained_api_is_exact_for_managers_only(trainings: Trainings, as_user: Any) -> None:
    hold(trainings, present=[0, 1, 2])
    world = trainings.world
    exact = as_user(world.coordinator).get(api("people-trained"), {"year": START.year}).json()
    assert exact["suppressed"] is False
    assert exact["total"] == 3
    published = as_user(world.partner).get(api("people-trained"), {"year": START.year}).json()
    assert published["suppressed"] is True
    assert published["total"] is None
    assert {row["organisation_type"] for row in published["rows"]} == {"nngo", "ingo"}
    assert as_user(world.partner).get(api("people-trained"), {"year": "x"}).status_code == 400
    page = as_user(world.viewer).get(url("people_trained"), {"year": START.year}).content.decode()
    assert "&lt;5" in page
    assert as_user(world.outsider).get(api("people-trained")).status_code == 404


def test_plan_and_needs_api(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    plan = planning.capacity_plan_create(
        operation=world.operation, by=world.coordinator, year=START.year, title="Plan"
    )
    planning.plan_item_add(
        plan=plan, by=world.coordinator, course=trainings.course, target_people=4
    )
    hold(trainings)
    data = as_user(world.viewer).get(api("plan-detail", plan.pk)).json()
    assert data["items"][0]["people"] == 4
    assessment = planning.needs_assessment_create(
        operation=world.operation,
        by=world.coordinator,
        title="Besoins",
        year=2027,
        closes_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    client = as_user(world.partner)
    response = client.post(
        api("needs-answer", assessment.pk),
        {"priorities": {"gbv": 3}, "staff_to_train": 2},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert "answers" not in client.get(api("needs-detail", assessment.pk)).json()
    assert (
        as_user(world.coordinator)
        .get(api("needs-detail", assessment.pk))
        .json()["answers"][0]["organisation"]
        == "AMSS"
    )
    assert (
        as_user(world.viewer)
        .post(
            api("needs-answer", assessment.pk),
            {"priorities": {"gbv": 3}},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_plan_item_people_are_bounded(trainings: Trainings) -> None:
    """Issue 10 item 10: a count of 2^63 - 1 was stored on SQLite (and a 500 on PostgreSQL);
    the model's bound refuses it on every path that saves an item, with the bound in the
    message. The plan's figures are added up in Python (no database sum to overflow)."""
    world = trainings.world
    plan = planning.capacity_plan_create(
        operation=world.operation, by=world.coordinator, year=2026, title="Plan"
    )
    for huge in (2**63 - 1, MAX_COUNT + 1):
        with pytest.raises(ValidationError) as raised:
            planning.plan_item_add(
                plan=plan, by=world.coordinator, topic="gbv", target_people=huge, target_women=1
            )
        assert "100000000" in str(raised.value)
    item = planning.plan_item_add(
        plan=plan, by=world.coordinator, topic="gbv", target_people=MAX_COUNT, target_women=10
    )
    with pytest.raises(ValidationError) as raised:
        planning.plan_item_update(
            item=item, by=world.coordinator, target_people=2**63 - 1, target_women=2**63 - 1
        )
    assert "100000000" in str(raised.value)
    item.refresh_from_db()
    assert (item.target_people, item.target_women) == (MAX_COUNT, 10)
