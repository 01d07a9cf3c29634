"""Shared set-up of the capacity tests. Import the fixture into a test module with
`from tutela.capacity.tests.fixtures import trainings_fixture  # noqa: F401`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tutela.capacity.models import Course, Participant, Registration, TrainingSession
from tutela.capacity.services import courses, sessions
from tutela.conftest import World, make_user
from tutela.core.models import AdminArea, OperationRole, User
from tutela.core.models.roles import Role

START = datetime.date(2026, 3, 10)


@dataclass
class Trainings:
    world: World
    areas: dict[str, AdminArea]
    course: Course
    session: TrainingSession
    focal: User
    people: list[Participant]
    registrations: list[Registration]


def person(world: World, name: str, org: Any, sex: str = "F", email: str = "") -> Participant:
    return sessions.participant_create(
        operation=world.operation,
        by=world.coordinator,
        full_name=name,
        organisation=org,
        function="Protection officer",
        sex=sex,
        age_band="25-39",
        email=email,
    )


def add_questions(course: Course, by: User) -> None:
    courses.question_create(
        course=course,
        by=by,
        text="Which are the four elements of protection mainstreaming?",
        kind="single",
        choices=[
            ("Safety and dignity, access, accountability, participation", True),
            ("Shelter, water, health, education", False),
            ("Prevention, response, advocacy, monitoring", False),
        ],
    )
    courses.question_create(
        course=course,
        by=by,
        text="Do no harm applies to every sector.",
        kind="true_false",
        true=True,
    )
    courses.question_create(
        course=course,
        by=by,
        text="Which make an organisation accountable to affected people?",
        kind="multiple",
        choices=[
            ("A complaints hotline", True),
            ("Community consultations", True),
            ("A yearly report to the donor only", False),
        ],
    )


@pytest.fixture(name="trainings")
def trainings_fixture(world: World, areas: dict[str, AdminArea]) -> Trainings:
    """A course with three questions (single, true/false, multiple), a two-day session in
    Bandiagara that invites AMSS and DRC, and four participants registered: two of AMSS, one of
    DRC, one of OTHER. A focal point (of DRC) manages trainings too."""
    focal = make_user("fp@drc.test", "Fanta Focal", world.drc)
    OperationRole.objects.create(user=focal, operation=world.operation, role=Role.FOCAL_POINT)
    course = courses.course_create(
        operation=world.operation,
        by=world.coordinator,
        title="Protection mainstreaming",
        topic="mainstreaming",
        language="en",
        duration_days=2,
        pass_mark=70,
    )
    add_questions(course, world.coordinator)
    session = sessions.session_create(
        operation=world.operation,
        by=world.coordinator,
        course=course,
        starts_on=START,
        ends_on=START + datetime.timedelta(days=1),
        area=areas["ML0501"],
        organisations_invited=[world.amss, world.drc],
    )
    people = [
        person(world, "Aïssata Diallo", world.amss, "F", "aissata@amss.test"),
        person(world, "Boubacar Traoré", world.amss, "M", "boubacar@amss.test"),
        person(world, "Hawa Sidibé", world.drc, "F", "hawa@drc.test"),
        person(world, "Oumar Other", world.other_org, "M", ""),
    ]
    registrations = [
        sessions.registration_create(session=session, by=world.coordinator, participant=p)
        for p in people
    ]
    return Trainings(
        world=world,
        areas=areas,
        course=course,
        session=session,
        focal=focal,
        people=people,
        registrations=registrations,
    )
