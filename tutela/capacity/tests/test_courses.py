"""The course catalogue: courses, materials kept through the storage API, the question bank."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.capacity.models import Course, CourseMaterial, Question
from tutela.capacity.services import assessments, courses
from tutela.capacity.tests.fixtures import Trainings, trainings_fixture  # noqa: F401
from tutela.conftest import World
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def test_coordinator_creates_a_course_and_it_is_audited(world: World) -> None:
    course = courses.course_create(
        operation=world.operation,
        by=world.coordinator,
        title="  Case management SOPs ",
        topic="case_management",
        language="fr",
        duration_days=3,
    )
    assert course.title == "Case management SOPs"
    entry = AuditEntry.objects.get(entity_type="capacity.course", entity_id=str(course.pk))
    assert entry.action == "create"
    assert entry.actor == world.coordinator


def test_course_titles_are_unique_in_an_operation_whatever_the_case(world: World) -> None:
    courses.course_create(
        operation=world.operation, by=world.coordinator, title="GBV", topic="gbv", language="fr"
    )
    with pytest.raises(ValidationError) as error:
        courses.course_create(
            operation=world.operation, by=world.imo, title="gbv", topic="gbv", language="fr"
        )
    assert "title" in error.value.message_dict
    assert Course.objects.count() == 1


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "outsider"])
def test_only_training_managers_create_courses(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        courses.course_create(
            operation=world.operation,
            by=getattr(world, persona),
            title="X",
            topic="other",
            language="en",
        )
    assert not Course.objects.exists()


def test_material_is_stored_and_downloaded_by_members(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    upload = SimpleUploadedFile("Module 1 — présentation.pdf", PDF, "application/pdf")
    material = courses.material_add(
        course=trainings.course, by=world.coordinator, title="", file=upload
    )
    assert default_storage.exists(material.file.name)
    assert material.file.name.startswith(f"capacity/materials/{trainings.course.pk}/")
    assert "présentation" not in material.file.name
    response = as_user(world.partner).get(
        url("material_download", trainings.course.pk, material.pk)
    )
    assert response.status_code == 200
    assert response.content == PDF
    assert "filename*=utf-8''Module%201" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert (
        as_user(world.other_operation_user)
        .get(url("material_download", trainings.course.pk, material.pk))
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not match"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_material_is_refused_and_nothing_is_stored(
    trainings: Trainings, name: str, content: bytes, message: str
) -> None:
    before = (
        set(default_storage.listdir("capacity/materials")[1])
        if default_storage.exists("capacity/materials")
        else set()
    )
    with pytest.raises(ValidationError) as error:
        courses.material_add(
            course=trainings.course,
            by=trainings.world.coordinator,
            title="x",
            file=SimpleUploadedFile(name, content),
        )
    assert message in " ".join(error.value.messages)
    assert not CourseMaterial.objects.exists()
    after = (
        set(default_storage.listdir("capacity/materials")[1])
        if default_storage.exists("capacity/materials")
        else set()
    )
    assert after == before


def test_material_upload_page_shows_the_refusal(trainings: Trainings, as_user: Any) -> None:
    client = as_user(trainings.world.coordinator)
    response = client.post(
        url("material_upload", trainings.course.pk),
        {"title": "x", "file": SimpleUploadedFile("notes.exe", b"MZ")},
    )
    assert response.status_code == 200
    assert "not accepted" in response.content.decode()
    assert not CourseMaterial.objects.exists()


def test_removing_a_material_deletes_its_file(
    trainings: Trainings, django_capture_on_commit_callbacks: Any
) -> None:
    material = courses.material_add(
        course=trainings.course,
        by=trainings.world.coordinator,
        title="Slides",
        file=SimpleUploadedFile("s.pdf", PDF),
    )
    name = material.file.name
    with django_capture_on_commit_callbacks(execute=True):
        courses.material_remove(material=material, by=trainings.world.coordinator)
    assert not default_storage.exists(name)
    assert AuditEntry.objects.filter(
        entity_type="capacity.coursematerial", action="delete"
    ).exists()


@pytest.mark.parametrize(
    ("kind", "choices", "fragment"),
    [
        ("single", [("A", True), ("B", True)], "one correct answer"),
        ("single", [("A", True)], "at least two"),
        ("multiple", [("A", False), ("B", False)], "at least one answer as correct"),
        ("multiple", [("A", True), ("a", False)], "only once"),
    ],
)
def test_question_answers_are_checked(
    trainings: Trainings, kind: str, choices: list[tuple[str, bool]], fragment: str
) -> None:
    with pytest.raises(ValidationError) as error:
        courses.question_create(
            course=trainings.course,
            by=trainings.world.coordinator,
            text="?",
            kind=kind,
            choices=choices,
        )
    assert fragment in " ".join(error.value.messages)


def test_true_false_answers_are_written_in_the_course_language(world: World) -> None:
    course = courses.course_create(
        operation=world.operation, by=world.coordinator, title="VBG", topic="gbv", language="fr"
    )
    question = courses.question_create(
        course=course, by=world.coordinator, text="Vrai ?", kind="true_false", true=False
    )
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("Vrai", False),
        ("Faux", True),
    ]


def test_an_answered_question_cannot_be_changed_only_retired(trainings: Trainings) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="pre", mode="online"
    )
    attempt_link = assessments.knowledge_test_link_issue(
        test=test, by=world.coordinator, registration=trainings.registrations[0]
    )
    assert attempt_link
    attempt = test.attempts.get()
    questions = assessments.knowledge_test_questions(test)
    assessments.attempt_submit_online(
        attempt=attempt,
        selections={q.pk: [q.choices.first().pk] for q in questions},
    )
    question = questions[0]
    with pytest.raises(ValidationError):
        courses.question_update(
            question=question,
            by=world.coordinator,
            text="Changed",
            kind="single",
            choices=[("A", True), ("B", False)],
        )
    question.refresh_from_db()
    assert question.text.startswith("Which are the four")
    courses.question_set_active(question=question, by=world.coordinator, active=False)
    assert not Question.objects.get(pk=question.pk).is_active


def test_partner_sees_the_catalogue_but_not_the_question_bank(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    client = as_user(world.partner)
    page = client.get(url("course_detail", trainings.course.pk)).content.decode()
    assert "Protection mainstreaming" in page
    assert "Which are the four elements" not in page
    assert client.get(url("question_create", trainings.course.pk)).status_code == 403
    assert client.get(url("course_create")).status_code == 403
    assert as_user(world.outsider).get(url("courses")).status_code == 404


def test_coordinator_adds_a_question_through_the_page(trainings: Trainings, as_user: Any) -> None:
    client = as_user(trainings.world.coordinator)
    response = client.post(
        url("question_create", trainings.course.pk),
        {
            "text": "Who leads the Protection Cluster?",
            "kind": "single",
            "choice_1": "UNHCR",
            "correct_1": "on",
            "choice_2": "WFP",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(text="Who leads the Protection Cluster?")
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("UNHCR", True),
        ("WFP", False),
    ]
