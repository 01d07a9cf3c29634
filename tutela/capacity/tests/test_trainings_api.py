"""Training API: the same rules as the pages, an access-denied test per persona and endpoint,
and the database and audit rows each write leaves."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tutela.capacity.models import (
    AttendanceDay,
    Certificate,
    Course,
    KnowledgeTest,
    Participant,
    Registration,
    TrainingSession,
)
from tutela.capacity.services import assessments
from tutela.capacity.tests.fixtures import START, Trainings, trainings_fixture  # noqa: F401
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def api(name: str, *args: Any, slug: str = "mali") -> str:
    return reverse(f"capacity-api:{name}", args=[slug, *args])


def post(client: Client, path: str, data: Any) -> Any:
    return client.post(path, data, content_type="application/json")


def endpoints(trainings: Trainings, test_pk: int) -> list[tuple[str, str, Any]]:
    session, course = trainings.session.pk, trainings.course.pk
    person = trainings.people[0].pk
    return [
        ("get", api("course-list"), None),
        ("post", api("course-list"), {"title": "X", "topic": "other", "language": "en"}),
        ("get", api("course-detail", course), None),
        ("patch", api("course-detail", course), {"title": "Y"}),
        ("get", api("question-list", course), None),
        ("post", api("question-list", course), {"text": "?", "kind": "true_false", "true": True}),
        ("get", api("session-list"), None),
        ("get", api("session-detail", session), None),
        ("patch", api("session-detail", session), {"venue": "Z"}),
        ("get", api("registration-list", session), None),
        ("post", api("registration-list", session), {"participant": person}),
        ("put", api("attendance", session), {"day": START.isoformat(), "present": []}),
        ("get", api("test-list", session), None),
        ("post", api("test-list", session), {"kind": "post", "mode": "online"}),
        ("get", api("results", session), None),
        ("post", api("certificates", session), None),
        ("post", api("test-scores", test_pk), {"scores": {}}),
        ("post", api("test-send", test_pk), None),
        ("get", api("participant-list"), None),
        ("get", api("participant-detail", person), None),
    ]


def call(client: Client, method: str, path: str, data: Any) -> int:
    if method == "get":
        return client.get(path).status_code
    return getattr(client, method)(path, data or {}, content_type="application/json").status_code


@pytest.fixture
def pre_test(trainings: Trainings) -> KnowledgeTest:
    return assessments.knowledge_test_create(
        session=trainings.session,
        by=trainings.world.coordinator,
        kind="pre",
        mode="paper",
        max_score=20,
    )


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_every_endpoint_is_404_outside_the_operation(
    trainings: Trainings, pre_test: KnowledgeTest, as_user: Any, persona: str
) -> None:
    client = as_user(getattr(trainings.world, persona))
    for method, path, data in endpoints(trainings, pre_test.pk):
        assert call(client, method, path, data) == 404, (method, path)
    assert Course.objects.count() == 1
    assert not AttendanceDay.objects.exists()


def test_anonymous_gets_401(trainings: Trainings, pre_test: KnowledgeTest) -> None:
    client = Client()
    for method, path, data in endpoints(trainings, pre_test.pk):
        assert call(client, method, path, data) == 401, (method, path)


# (endpoint index -> status) for a viewer: reads of the catalogue and sessions, nothing else.
VIEWER_ALLOWED = {0, 2, 6, 7}


def test_viewer_reads_catalogue_and_sessions_only(
    trainings: Trainings, pre_test: KnowledgeTest, as_user: Any
) -> None:
    client = as_user(trainings.world.viewer)
    for index, (method, path, data) in enumerate(endpoints(trainings, pre_test.pk)):
        status = call(client, method, path, data)
        if index in VIEWER_ALLOWED:
            assert status == 200, (method, path)
        else:
            assert status in (403, 404), (method, path, status)
    assert not KnowledgeTest.objects.filter(kind="post").exists()
    assert not Certificate.objects.exists()


def test_partner_writes_nothing_but_own_registrations(
    trainings: Trainings, pre_test: KnowledgeTest, as_user: Any
) -> None:
    client = as_user(trainings.world.partner)
    refused = {1, 3, 4, 5, 8, 11, 12, 13, 15, 16, 17}
    for index, (method, path, data) in enumerate(endpoints(trainings, pre_test.pk)):
        if index in refused:
            assert call(client, method, path, data) == 403, (method, path)
    assert Course.objects.count() == 1
    assert not AttendanceDay.objects.exists()
    # Registrations: only AMSS's.
    listed = client.get(api("registration-list", trainings.session.pk)).json()
    assert {r["participant"]["organisation"] for r in listed} == {"AMSS"}
    detail = client.get(api("participant-detail", trainings.people[2].pk))
    assert detail.status_code == 404


def test_coordinator_creates_a_course_session_and_registration(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    client = as_user(world.coordinator)
    response = post(
        client,
        api("course-list"),
        {"title": "SOP gestion des cas", "topic": "case_management", "language": "fr"},
    )
    assert response.status_code == 201, response.json()
    course = Course.objects.get(pk=response.json()["id"])
    response = post(
        client,
        api("question-list", course.pk),
        {
            "text": "Premier pas ?",
            "kind": "single",
            "choices": [{"text": "Consentement", "is_correct": True}, {"text": "Clôture"}],
        },
    )
    assert response.status_code == 201, response.json()
    assert [c["is_correct"] for c in response.json()["choices"]] == [True, False]
    response = post(
        client,
        api("session-list"),
        {
            "course": course.pk,
            "starts_on": "2026-05-04",
            "ends_on": "2026-05-06",
            "area": "ml04",
            "organisations_invited": ["amss", "DRC"],
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["area"], data["language"]) == ("ML04", "fr")
    assert sorted(data["organisations_invited"]) == ["AMSS", "DRC"]
    session = TrainingSession.objects.get(pk=data["id"])
    response = post(
        client,
        api("registration-list", session.pk),
        {
            "new_participant": {
                "full_name": "Kadiatou Maïga",
                "organisation": "AMSS",
                "sex": "F",
                "age_band": "18-24",
                "email": "kadi@amss.test",
            }
        },
    )
    assert response.status_code == 201, response.json()
    registration = Registration.objects.get(pk=response.json()["id"])
    assert registration.participant.email == "kadi@amss.test"
    assert AuditEntry.objects.filter(
        entity_type="capacity.trainingsession", entity_id=str(session.pk), action="create"
    ).exists()
    response = client.put(
        api("attendance", session.pk),
        {"day": "2026-05-05", "present": [registration.pk]},
        content_type="application/json",
    )
    assert response.json() == {"present": 1, "absent": 0}


def test_bad_input_gets_field_errors_and_saves_nothing(trainings: Trainings, as_user: Any) -> None:
    client = as_user(trainings.world.coordinator)
    response = post(
        client,
        api("session-list"),
        {
            "course": trainings.course.pk,
            "starts_on": "2026-05-04",
            "ends_on": "2026-05-01",
            "area": "ML04",
        },
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()
    response = post(
        client,
        api("session-list"),
        {
            "course": trainings.course.pk,
            "starts_on": "2026-05-04",
            "ends_on": "2026-05-04",
            "area": "CO",
        },
    )
    assert response.status_code == 400
    assert "area" in response.json()
    assert TrainingSession.objects.count() == 1
    response = post(client, api("registration-list", trainings.session.pk), {})
    assert response.status_code == 400
    assert Participant.objects.count() == 4


def test_paper_scores_and_results(
    trainings: Trainings, pre_test: KnowledgeTest, as_user: Any
) -> None:
    client = as_user(trainings.world.coordinator)
    first = trainings.registrations[0]
    response = post(client, api("test-scores", pre_test.pk), {"scores": {str(first.pk): "15"}})
    assert response.json() == {"changed": 1}
    bad = post(client, api("test-scores", pre_test.pk), {"scores": {str(first.pk): "21"}})
    assert bad.status_code == 400
    results = client.get(api("results", trainings.session.pk)).json()
    rows = {r["participant"]: r for r in results["participants"]}
    assert rows["Aïssata Diallo"]["pre"] == 75.0


def test_participant_detail_is_audited(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    person = trainings.people[0]
    data = as_user(world.coordinator).get(api("participant-detail", person.pk)).json()
    assert data["email"] == "aissata@amss.test"
    listed = as_user(world.coordinator).get(api("participant-list")).json()
    assert "email" not in listed["results"][0]
    assert (
        AuditEntry.objects.filter(
            action="read", entity_type="capacity.participant", entity_id=str(person.pk)
        ).count()
        == 1
    )
