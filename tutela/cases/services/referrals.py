"""Referrals between organisations (the IASC inter-agency referral form): send, accept or decline,
complete with feedback, withdraw; the receiver's own case opened from a referral; escalation of
overdue referrals.

The receiver never reads the case: `shared_data` holds the fields the consent allowed (or a
supervisor's override), copied and encrypted when the referral is sent, and emptied when it is
withdrawn or the consent is.

Delivery: a referral to an organisation working in this Tutela reaches it here. `channels` is
where other ways plug in (a referral to another Tutela instance as a signed, encrypted package;
the printable form covers organisations without Tutela): each channel registered there is called
with the referral once it is saved, and may refuse (raise) to roll the referral back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import Case, CasePerson, Referral, Service, ServiceType
from tutela.cases.services import notifications
from tutela.cases.services.cases import PersonData, case_register
from tutela.cases.services.consent import handoff_authorise, shared_json, withdrawal_channels
from tutela.cases.shared_fields import shared_values
from tutela.core.extensions import Registry
from tutela.core.models import AdminArea, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

Status = Referral.Status

DEADLINES: dict[str, datetime.timedelta] = {
    Referral.Priority.EMERGENCY: datetime.timedelta(hours=24),
    Referral.Priority.URGENT: datetime.timedelta(hours=72),
    Referral.Priority.NORMAL: datetime.timedelta(days=14),
}
OPEN = (Status.SENT, Status.ACCEPTED)

# Extension point: delivery channels, called as channel(referral=...) after a referral is saved.
channels = Registry("referral delivery channels")


def _next_code(operation: Operation) -> str:
    Operation.objects.select_for_update().filter(pk=operation.pk).first()
    prefix = f"REF-{timezone.localdate().year}-"
    last = (
        Referral.objects.filter(operation=operation, code__startswith=prefix)
        .order_by(Length("code").desc(), "-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def _check_receiver(
    case: Case, organisation: Organisation, service: Service | None, to_user: User | None
) -> None:
    operation = case.operation
    if organisation.pk == case.organisation_id:
        raise ValidationError({"to_organisation": _("A referral goes to another organisation.")})
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError({"to_organisation": _("Not an organisation of this operation.")})
    if service is not None and (
        service.operation_id != operation.pk
        or service.organisation_id != organisation.pk
        or not service.is_active
    ):
        raise ValidationError({"service": _("Choose an active service of that organisation.")})
    if to_user is not None and (
        to_user.organisation_id != organisation.pk or not access.is_case_staff(to_user, operation)
    ):
        raise ValidationError(
            {
                "to_user": _(
                    "The receiving focal point must be case management staff of that organisation."
                )
            }
        )


@transaction.atomic
def referral_send(
    *,
    case: Case,
    by: User,
    to_organisation: Organisation,
    reason: str,
    services_requested: Iterable[ServiceType],
    fields: Iterable[str] = (),
    priority: str = Referral.Priority.NORMAL,
    service: Service | None = None,
    to_user: User | None = None,
    caregiver_informed: bool | None = None,
    override_reason: str = "",
) -> Referral:
    """Refer the case: checked against the consent (or a supervisor's override) in
    handoff_authorise, whatever the client sent."""
    access.require_edit(by, case)
    _check_receiver(case, to_organisation, service, to_user)
    if priority not in DEADLINES:
        raise ValidationError({"priority": _("Unknown priority.")})
    requested = list(services_requested)
    if not requested:
        raise ValidationError({"services_requested": _("Say which services are requested.")})
    if any(s.operation_id != case.operation_id for s in requested):
        raise ValidationError({"services_requested": _("Unknown service type.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reasons for the referral.")})
    if case.is_child_protection and caregiver_informed is None:
        raise ValidationError(
            {"caregiver_informed": _("Say whether the child's caregiver was informed.")}
        )
    handoff = handoff_authorise(
        case=case,
        by=by,
        handoff="referral",
        organisation=to_organisation,
        fields=fields,
        override_reason=override_reason,
    )
    now = timezone.now()
    referral = Referral.objects.create(
        operation=case.operation,
        case=case,
        code=_next_code(case.operation),
        from_organisation_id=case.organisation_id,
        referred_by=by,
        to_organisation=to_organisation,
        service=service,
        to_user=to_user,
        priority=priority,
        reason=reason.strip(),
        caregiver_informed=caregiver_informed,
        consent=handoff.consent,
        override=handoff.override,
        shared_fields=handoff.fields,
        shared_data=shared_json(case, handoff.fields),
        sent_at=now,
        respond_by=now + DEADLINES[priority],
    )
    referral.services_requested.set(requested)
    audit_create(actor=by, instance=referral, operation=case.operation)
    notifications.referral_received_notify(referral)
    for channel in channels:
        channel(referral=referral)
    return referral


def _answer(referral: Referral, by: User, status: str) -> dict[str, Any]:
    if not access.can_answer_referral(by, referral):
        raise PermissionDenied
    before = snapshot(referral)
    referral.status = status
    if referral.responded_at is None:
        referral.responded_at = timezone.now()
        referral.responded_by = by
    return before


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    if referral.status != Status.SENT:
        raise ValidationError(_("Only a referral waiting for an answer can be accepted."))
    before = _answer(referral, by, Status.ACCEPTED)
    referral.save()
    audit_update(actor=by, instance=referral, operation=referral.operation, before=before)
    notifications.referral_answered_notify(referral)
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str) -> Referral:
    if referral.status != Status.SENT:
        raise ValidationError(_("Only a referral waiting for an answer can be declined."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    before = _answer(referral, by, Status.DECLINED)
    referral.decline_reason = reason.strip()
    # The receiver does not keep what it declined.
    referral.shared_data = ""
    referral.save()
    audit_update(actor=by, instance=referral, operation=referral.operation, before=before)
    notifications.referral_answered_notify(referral)
    return referral


@transaction.atomic
def referral_complete(*, referral: Referral, by: User, feedback: str) -> Referral:
    if referral.status != Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be completed."))
    if not feedback.strip():
        raise ValidationError({"feedback": _("Give feedback to the referring organisation.")})
    before = _answer(referral, by, Status.COMPLETED)
    referral.completed_at = timezone.now()
    referral.feedback = feedback.strip()
    referral.save()
    audit_update(actor=by, instance=referral, operation=referral.operation, before=before)
    notifications.referral_answered_notify(referral)
    return referral


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User, reason: str) -> Referral:
    if not access.can_withdraw_referral(by, referral):
        raise PermissionDenied
    if referral.status not in OPEN:
        raise ValidationError(_("Only an open referral can be withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is withdrawn.")})
    before = snapshot(referral)
    referral.status = Status.WITHDRAWN
    referral.withdrawn_at = timezone.now()
    referral.withdrawal_reason = reason.strip()
    referral.shared_data = ""
    referral.save()
    audit_update(actor=by, instance=referral, operation=referral.operation, before=before)
    for channel in withdrawal_channels:
        channel(referral=referral, by=by, what="referral", reason=referral.withdrawal_reason)
    return referral


def person_from_shared(shared: dict[str, Any]) -> PersonData:
    """The person a referral's shared fields describe (for the receiver's own case)."""
    names = shared.get("names") or {}
    person = PersonData(
        given_name=str(names.get("given_name") or ""),
        family_name=str(names.get("family_name") or ""),
        other_names=str(names.get("other_names") or ""),
        phone=str(shared.get("phone") or ""),
        sex=str(shared.get("sex") or "U"),
    )
    if shared.get("date_of_birth"):
        try:
            person.date_of_birth = datetime.date.fromisoformat(str(shared["date_of_birth"]))
        except ValueError:
            person.date_of_birth = None
    if isinstance(shared.get("age"), int):
        person.age = shared["age"]
    document = shared.get("id_documents")
    if isinstance(document, dict) and document.get("number"):
        person.id_type = str(document.get("type") or CasePerson.IdType.OTHER)
        person.id_number = str(document["number"])
    return person


def case_from_shared(
    *,
    operation: Operation,
    by: User,
    shared_data: str,
    area: AdminArea | None,
    case_type: str,
    summary: str,
    confirm_not_duplicate: bool,
    **register: Any,
) -> Case:
    """The receiver's own case from what a referral shared (this instance's or another Tutela's):
    the place from the shared location unless given, the person from the shared fields only, a
    child protection case without an age opened as general protection. `register`: more
    arguments of case_register (source_referral, is_demo)."""
    shared = shared_values(shared_data)
    if area is None and shared.get("location"):
        area = AdminArea.objects.filter(pcode=shared["location"]).first()
    if area is None:
        raise ValidationError(
            {"area": _("Give the place (P-code): the referral did not share it.")}
        )
    principal = person_from_shared(shared)
    if case_type == Case.Type.CHILD_PROTECTION and principal.age is None:
        case_type = Case.Type.GENERAL
    return case_register(
        operation=operation,
        by=by,
        principal=principal,
        area=area,
        case_type=case_type,
        risk_level=str(shared.get("risk_level") or Case.RiskLevel.MEDIUM),
        nationality=str(shared.get("nationality") or ""),
        address=str(shared.get("address") or ""),
        summary=summary,
        confirm_not_duplicate=confirm_not_duplicate,
        **register,
    )


@transaction.atomic
def referral_open_case(
    *,
    referral: Referral,
    by: User,
    area: AdminArea | None = None,
    confirm_not_duplicate: bool = False,
) -> Case:
    """The receiving organisation opens its own case from an accepted referral, with what the
    referral shared (and nothing else)."""
    if not access.can_answer_referral(by, referral):
        raise PermissionDenied
    if referral.status not in (Status.ACCEPTED, Status.COMPLETED):
        raise ValidationError(_("Accept the referral before opening a case from it."))
    if referral.receiver_case_id is not None:
        raise ValidationError(_("A case was already opened from this referral."))
    case = case_from_shared(
        operation=referral.operation,
        by=by,
        shared_data=referral.shared_data,
        area=area,
        case_type=referral.case.case_type,
        summary=_("Opened from the referral %(code)s.") % {"code": referral.code},
        confirm_not_duplicate=confirm_not_duplicate,
        source_referral=referral,
        is_demo=referral.case.is_demo,
    )
    before = snapshot(referral)
    referral.receiver_case = case
    referral.save(update_fields=["receiver_case", "updated_at"])
    audit_update(actor=by, instance=referral, operation=referral.operation, before=before)
    return case


def referrals_overdue(now: datetime.datetime | None = None) -> Any:
    now = now or timezone.now()
    return Referral.objects.filter(
        status=Status.SENT, respond_by__lt=now, escalated_at__isnull=True
    ).select_related("operation", "from_organisation", "to_organisation", "to_user", "service")


@transaction.atomic
def referrals_escalate(*, now: datetime.datetime | None = None) -> list[Referral]:
    """E-mail the referring organisation's supervisors and the receiving focal point about each
    referral past its deadline without an answer (once per referral)."""
    now = now or timezone.now()
    escalated = []
    for referral in referrals_overdue(now).select_for_update(of=("self",)):
        notifications.referral_overdue_notify(referral)
        before = snapshot(referral)
        referral.escalated_at = now
        referral.save(update_fields=["escalated_at", "updated_at"])
        audit_update(actor=None, instance=referral, operation=referral.operation, before=before)
        escalated.append(referral)
    return escalated


def is_overdue(referral: Referral, now: datetime.datetime | None = None) -> bool:
    return referral.status == Status.SENT and referral.respond_by < (now or timezone.now())


ChannelFunction = Callable[..., Any]
