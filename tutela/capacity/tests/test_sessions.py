"""Sessions, participants, registration and attendance per day; who sees which participant."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from tutela.capacity.models import AttendanceDay, Participant, Registration, TrainingSession
from tutela.capacity.services import sessions
from tutela.capacity.tests.fixtures import START, Trainings, person, trainings_fixture  # noqa: F401
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def test_session_place_must_be_in_the_operation(trainings: Trainings) -> None:
    world = trainings.world
    with pytest.raises(ValidationError) as error:
        sessions.session_create(
            operation=world.operation,
            by=world.coordinator,
            course=trainings.course,
            starts_on=START,
            ends_on=START,
            area=trainings.areas["CO"],
        )
    assert "area" in error.value.message_dict


def test_session_dates_are_checked(trainings: Trainings) -> None:
    world = trainings.world
    with pytest.raises(ValidationError) as error:
        sessions.session_create(
            operation=world.operation,
            by=world.coordinator,
            course=trainings.course,
            starts_on=START,
            ends_on=START - datetime.timedelta(days=1),
            area=trainings.areas["ML05"],
        )
    assert "ends_on" in error.value.message_dict
    assert TrainingSession.objects.count() == 1


def test_session_language_defaults_to_the_course_language(trainings: Trainings) -> None:
    assert trainings.session.language == "en"


def test_contact_details_are_encrypted_at_rest(trainings: Trainings) -> None:
    participant = trainings.people[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone, full_name FROM capacity_participant WHERE id = %s",
            [participant.pk],
        )
        email, _phone, name = cursor.fetchone()
    assert email.startswith("enc:")
    assert "aissata" not in email
    assert name == "Aïssata Diallo"
    assert Participant.objects.get(pk=participant.pk).email == "aissata@amss.test"
    created = AuditEntry.objects.get(
        entity_type="capacity.participant", entity_id=str(participant.pk), action="create"
    )
    assert "aissata" not in str(created.after)
    assert created.after["email"].startswith("[encrypted #")


def test_partner_registers_own_staff_to_an_invited_planned_session(trainings: Trainings) -> None:
    world = trainings.world
    newcomer = sessions.participant_create(
        operation=world.operation,
        by=world.partner,
        full_name="Kadiatou Maïga",
        organisation=world.amss,
        sex="F",
        age_band="18-24",
    )
    registration = sessions.registration_create(
        session=trainings.session, by=world.partner, participant=newcomer
    )
    assert registration.status == Registration.Status.REGISTERED
    assert AuditEntry.objects.filter(
        entity_type="capacity.registration", entity_id=str(registration.pk), actor=world.partner
    ).exists()


def test_partner_cannot_register_another_organisations_staff(trainings: Trainings) -> None:
    world = trainings.world
    with pytest.raises(PermissionDenied):
        sessions.participant_create(
            operation=world.operation,
            by=world.partner,
            full_name="Someone Else",
            organisation=world.drc,
            sex="M",
            age_band="25-39",
        )
    with pytest.raises(PermissionDenied):
        sessions.registration_create(
            session=trainings.session, by=world.partner, participant=trainings.people[2]
        )


def test_organisation_not_invited_cannot_register(trainings: Trainings) -> None:
    world = trainings.world
    own = person(world, "Other Staff", world.other_org)
    sessions.registration_cancel(registration=trainings.registrations[3], by=world.coordinator)
    with pytest.raises(PermissionDenied):
        sessions.registration_create(
            session=trainings.session, by=world.other_partner, participant=own
        )


def test_full_session_refuses_registration(trainings: Trainings) -> None:
    world = trainings.world
    sessions.session_update(session=trainings.session, by=world.coordinator, places=4)
    extra = person(world, "Late Comer", world.amss)
    with pytest.raises(ValidationError, match="full"):
        sessions.registration_create(
            session=trainings.session, by=world.coordinator, participant=extra
        )


def test_attendance_per_day(trainings: Trainings) -> None:
    world = trainings.world
    first, second, third, fourth = trainings.registrations
    counts = sessions.attendance_record(
        session=trainings.session,
        by=world.coordinator,
        day=START,
        present_ids=[first.pk, second.pk, third.pk],
    )
    assert counts == {"present": 3, "absent": 1}
    sessions.attendance_record(
        session=trainings.session,
        by=world.coordinator,
        day=START,
        present_ids=[first.pk, fourth.pk],
    )
    present = set(
        AttendanceDay.objects.filter(day=START, present=True).values_list(
            "registration_id", flat=True
        )
    )
    assert present == {first.pk, fourth.pk}
    assert AttendanceDay.objects.filter(day=START).count() == 4
    with pytest.raises(ValidationError):
        sessions.attendance_record(
            session=trainings.session,
            by=world.coordinator,
            day=START + datetime.timedelta(days=5),
            present_ids=[],
        )
    with pytest.raises(PermissionDenied):
        sessions.attendance_record(
            session=trainings.session, by=world.partner, day=START, present_ids=[]
        )


def test_session_dates_cannot_leave_recorded_attendance_behind(trainings: Trainings) -> None:
    world = trainings.world
    sessions.attendance_record(
        session=trainings.session,
        by=world.coordinator,
        day=START + datetime.timedelta(days=1),
        present_ids=[trainings.registrations[0].pk],
    )
    with pytest.raises(ValidationError):
        sessions.session_update(session=trainings.session, by=world.coordinator, ends_on=START)


def test_attendance_page(trainings: Trainings, as_user: Any) -> None:
    client = as_user(trainings.world.coordinator)
    first = trainings.registrations[0]
    assert client.get(url("session_attendance", trainings.session.pk)).status_code == 200
    response = client.post(
        url("session_attendance", trainings.session.pk),
        {"day": START.isoformat(), "present": [str(first.pk)]},
    )
    assert response.status_code == 302
    assert AttendanceDay.objects.get(registration=first, day=START).present is True
    page = client.get(url("session_detail", trainings.session.pk)).content.decode()
    assert "✓" in page


def test_partner_sees_only_own_organisations_participants(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    page = as_user(world.partner).get(url("session_detail", trainings.session.pk)).content.decode()
    assert "Aïssata Diallo" in page
    assert "Boubacar Traoré" in page
    assert "Hawa Sidibé" not in page
    assert "Oumar Other" not in page
    listing = as_user(world.partner).get(url("participants")).content.decode()
    assert "Hawa Sidibé" not in listing
    hawa = trainings.people[2]
    assert as_user(world.partner).get(url("participant_detail", hawa.pk)).status_code == 404
    assert as_user(world.coordinator).get(url("participant_detail", hawa.pk)).status_code == 200


def test_viewer_sees_sessions_but_no_person(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    client = as_user(world.viewer)
    page = client.get(url("session_detail", trainings.session.pk)).content.decode()
    assert "Protection mainstreaming" in page
    assert "Aïssata" not in page
    assert client.get(url("participants")).status_code == 403
    assert client.get(url("participant_detail", trainings.people[0].pk)).status_code == 404
    assert client.get(url("session_results", trainings.session.pk)).status_code == 403


def test_reading_a_participants_contact_details_is_audited(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    aissata = trainings.people[0]
    page = as_user(world.partner).get(url("participant_detail", aissata.pk)).content.decode()
    assert "aissata@amss.test" in page
    assert AuditEntry.objects.filter(
        action="read",
        entity_type="capacity.participant",
        entity_id=str(aissata.pk),
        actor=world.partner,
    ).exists()


def test_outsiders_get_404_everywhere(trainings: Trainings, as_user: Any) -> None:
    for persona in ("outsider", "other_operation_user"):
        client = as_user(getattr(trainings.world, persona))
        for name, args in (
            ("home", ()),
            ("sessions", ()),
            ("session_detail", (trainings.session.pk,)),
            ("participants", ()),
            ("course_detail", (trainings.course.pk,)),
        ):
            assert client.get(url(name, *args)).status_code == 404, (persona, name)


def test_partner_registers_a_new_colleague_through_the_page(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    client = as_user(world.partner)
    response = client.post(
        url("session_register", trainings.session.pk),
        {
            "which": "new",
            "full_name": "Kadiatou Maïga",
            "organisation": str(world.amss.pk),
            "sex": "F",
            "age_band": "18-24",
            "email": "kadi@amss.test",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person_found = Participant.objects.get(full_name="Kadiatou Maïga")
    assert person_found.organisation == world.amss
    assert Registration.objects.filter(participant=person_found, session=trainings.session).exists()
    # The organisation list offers only the partner's own organisation.
    form = client.get(url("session_register", trainings.session.pk)).content.decode()
    assert "DRC —" not in form
