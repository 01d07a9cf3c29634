"""Training sessions, participants, registrations and attendance per day.

Training managers create and change sessions and record attendance; partners register their own
organisation's staff to a planned session that invites their organisation (tutela.capacity.access).
Every write is audited; participants' contact details enter the audit log only as a digest.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import (
    AttendanceDay,
    Course,
    Participant,
    Registration,
    TrainingSession,
)
from tutela.core.models import AdminArea, AuditEntry, Body, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

SESSION_FIELDS = frozenset(
    {
        "course",
        "title",
        "language",
        "starts_on",
        "ends_on",
        "area",
        "venue",
        "body",
        "host_organisation",
        "trainers",
        "places",
        "status",
    }
)
PARTICIPANT_FIELDS = frozenset(
    {"organisation", "full_name", "function", "sex", "age_band", "email", "phone"}
)


def _require_manager(by: User, operation: Operation) -> None:
    capacity_access.require(capacity_access.can_manage_trainings(by, operation))


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _check_session(session: TrainingSession, invited: Iterable[Organisation]) -> None:
    operation = session.operation
    errors: dict[str, str] = {}
    if session.course_id and session.course.operation_id != operation.pk:
        errors["course"] = _("This course belongs to another operation.")
    if session.area_id:
        countries = set(operation.countries.values_list("pcode", flat=True))
        if session.area.country_pcode not in countries:
            errors["area"] = _("This place is outside the operation's countries.")
    if session.body_id and session.body and session.body.operation_id != operation.pk:
        errors["body"] = _("This body is not part of the operation.")
    members = set(operation.organisations.values_list("pk", flat=True))
    if session.host_organisation_id and session.host_organisation_id not in members:
        errors["host_organisation"] = _("This organisation does not take part in the operation.")
    if any(org.pk not in members for org in invited):
        errors["organisations_invited"] = _(
            "Only organisations taking part in the operation can be invited."
        )
    if session.starts_on and session.ends_on:
        if session.ends_on < session.starts_on:
            errors["ends_on"] = _("The last day is before the first day.")
        elif (session.ends_on - session.starts_on).days >= TrainingSession.MAX_DAYS:
            errors["ends_on"] = _("A session lasts at most %(days)s days.") % {
                "days": TrainingSession.MAX_DAYS
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(
    *,
    operation: Operation,
    by: User,
    course: Course,
    starts_on: datetime.date,
    ends_on: datetime.date,
    area: AdminArea,
    organisations_invited: Iterable[Organisation] = (),
    language: str = "",
    **fields: Any,
) -> TrainingSession:
    """A session of a course; its language is the course's unless given."""
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise TypeError(f"session_create() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, operation)
    invited = list(organisations_invited)
    session = TrainingSession(
        operation=operation,
        course=course,
        starts_on=starts_on,
        ends_on=ends_on,
        area=area,
        language=language or course.language,
        created_by=by,
        **{key: _clean(value) for key, value in fields.items()},
    )
    _check_session(session, invited)
    session.full_clean(validate_constraints=False)
    session.save()
    session.organisations_invited.set(invited)
    audit_create(actor=by, instance=session, operation=operation)
    return session


@transaction.atomic
def session_update(
    *,
    session: TrainingSession,
    by: User,
    organisations_invited: Iterable[Organisation] | None = None,
    **fields: Any,
) -> TrainingSession:
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise TypeError(f"session_update() got unknown field(s): {sorted(unknown)}")
    operation = session.operation
    _require_manager(by, operation)
    before = snapshot(session)
    for name, value in fields.items():
        setattr(session, name, _clean(value))
    invited = (
        list(organisations_invited)
        if organisations_invited is not None
        else list(session.organisations_invited.all())
    )
    _check_session(session, invited)
    if ("starts_on" in fields or "ends_on" in fields) and AttendanceDay.objects.filter(
        registration__session=session
    ).exclude(day__range=(session.starts_on, session.ends_on)).exists():
        raise ValidationError(
            {"starts_on": _("Attendance is recorded on days outside these dates.")}
        )
    session.full_clean(validate_constraints=False)
    session.save()
    if organisations_invited is not None:
        session.organisations_invited.set(invited)
    audit_update(actor=by, instance=session, operation=operation, before=before)
    return session


# --- Participants -------------------------------------------------------------------------------


def _check_participant(participant: Participant, by: User) -> None:
    operation = participant.operation
    if (
        participant.organisation_id
        and not operation.organisations.filter(pk=participant.organisation_id).exists()
    ):
        raise ValidationError(
            {"organisation": _("This organisation does not take part in the operation.")}
        )
    if not capacity_access.can_manage_trainings(by, operation):
        # Partners keep to their own organisation's staff.
        own = capacity_access.own_organisation_id(by, operation)
        capacity_access.require(own is not None and participant.organisation_id == own)
    if participant.email:
        try:
            validate_email(participant.email)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None


@transaction.atomic
def participant_create(*, operation: Operation, by: User, **fields: Any) -> Participant:
    unknown = set(fields) - PARTICIPANT_FIELDS
    if unknown:
        raise TypeError(f"participant_create() got unknown field(s): {sorted(unknown)}")
    capacity_access.require(capacity_access.can_see_participants(by, operation))
    participant = Participant(
        operation=operation,
        created_by=by,
        **{key: _clean(value) for key, value in fields.items()},
    )
    participant.email = (participant.email or "").lower()
    _check_participant(participant, by)
    participant.full_clean()
    participant.save()
    audit_create(actor=by, instance=participant, operation=operation)
    return participant


@transaction.atomic
def participant_update(*, participant: Participant, by: User, **fields: Any) -> Participant:
    unknown = set(fields) - PARTICIPANT_FIELDS
    if unknown:
        raise TypeError(f"participant_update() got unknown field(s): {sorted(unknown)}")
    operation = participant.operation
    # The caller fetched the participant through access.participant_get_for_user.
    capacity_access.require(capacity_access.can_see_participants(by, operation))
    before = snapshot(participant)
    for name, value in fields.items():
        setattr(participant, name, _clean(value))
    participant.email = (participant.email or "").lower()
    _check_participant(participant, by)
    participant.full_clean()
    participant.save()
    audit_update(actor=by, instance=participant, operation=operation, before=before)
    return participant


# --- Registrations ------------------------------------------------------------------------------


@transaction.atomic
def registration_create(
    *, session: TrainingSession, by: User, participant: Participant
) -> Registration:
    """Register a participant (again, if their registration was cancelled)."""
    operation = session.operation
    if participant.operation_id != operation.pk:
        raise ValidationError({"participant": _("This person belongs to another operation.")})
    capacity_access.require(capacity_access.can_register(by, session, participant.organisation))
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."))
    existing = Registration.objects.filter(session=session, participant=participant).first()
    if existing is not None:
        if existing.status == Registration.Status.REGISTERED:
            raise ValidationError(
                {"participant": _("%(name)s is already registered.") % {"name": participant}}
            )
        before = snapshot(existing)
        existing.status = Registration.Status.REGISTERED
        existing.save(update_fields=["status", "updated_at"])
        audit_update(actor=by, instance=existing, operation=operation, before=before)
        return existing
    if session.places is not None:
        taken = session.registrations.filter(status=Registration.Status.REGISTERED).count()
        if taken >= session.places:
            raise ValidationError(_("The session is full."))
    registration = Registration.objects.create(
        session=session, participant=participant, created_by=by
    )
    audit_create(actor=by, instance=registration, operation=operation)
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, by: User) -> Registration:
    session = registration.session
    capacity_access.require(
        capacity_access.can_register(by, session, registration.participant.organisation)
    )
    before = snapshot(registration)
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    audit_update(actor=by, instance=registration, operation=session.operation, before=before)
    return registration


# --- Attendance ---------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, session: TrainingSession, by: User, day: datetime.date, present_ids: Iterable[int]
) -> dict[str, int]:
    """Record who was there on one day of the session: the registrations in `present_ids` are
    present, every other registered participant absent. Returns {"present": n, "absent": m}."""
    operation = session.operation
    _require_manager(by, operation)
    if day not in session.days():
        raise ValidationError({"day": _("This day is not one of the session's days.")})
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."))
    registrations = list(session.registrations.filter(status=Registration.Status.REGISTERED))
    known = {r.pk for r in registrations}
    wanted = set(present_ids)
    if wanted - known:
        raise ValidationError(_("Some people ticked are not registered to this session."))
    existing = {
        a.registration_id: a
        for a in AttendanceDay.objects.filter(registration__in=registrations, day=day)
    }
    before = sorted(r for r, a in existing.items() if a.present)
    for registration in registrations:
        present = registration.pk in wanted
        line = existing.get(registration.pk)
        if line is None:
            AttendanceDay.objects.create(
                registration=registration, day=day, present=present, recorded_by=by
            )
        elif line.present != present:
            line.present = present
            line.recorded_by = by
            line.save(update_fields=["present", "recorded_by", "updated_at"])
    after = sorted(wanted)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=session,
        operation=operation,
        summary=_("Attendance of %(day)s: %(session)s")
        % {"day": day.isoformat(), "session": str(session)[:200]},
        before={"day": day.isoformat(), "present": before} if existing else None,
        after={"day": day.isoformat(), "present": after},
    )
    return {"present": len(wanted), "absent": len(known - wanted)}


def bodies_of(operation: Operation) -> list[Body]:
    return list(Body.objects.filter(operation=operation).order_by("kind", "name"))
