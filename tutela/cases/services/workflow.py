"""The case management workflow: assessment -> case plan -> services and referrals ->
follow-ups -> closure, with supervisor approval of the assessment, the plan and the closure
(self-approval refused), and reassignment within the team."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    Approval,
    Assessment,
    Case,
    CasePlan,
    FollowUp,
    Intervention,
    ReviewStatus,
    ServiceDelivery,
    ServiceType,
)
from tutela.core.models import Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

Stage = Case.Stage
# Stages in workflow order: a step never moves a case backwards.
ORDER = [s.value for s in Stage]


def _advance(case: Case, stage: str) -> None:
    if ORDER.index(stage) > ORDER.index(case.stage):
        case.stage = stage
        case.save(update_fields=["stage", "updated_at"])


def _not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


def _check_service_type(case: Case, service_type: ServiceType | None) -> None:
    if service_type is not None and service_type.operation_id != case.operation_id:
        raise ValidationError({"service_type": _("Unknown service type.")})


# --- Assessment -----------------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    case: Case,
    by: User,
    summary: str,
    assessed_on: datetime.date | None = None,
    kind: str = Assessment.Kind.STANDARD,
    needs: str = "",
    risk_level: str = Case.RiskLevel.MEDIUM,
) -> Assessment:
    access.require_edit(by, case)
    assessed_on = assessed_on or timezone.localdate()
    _not_future(assessed_on, "assessed_on")
    if kind == Assessment.Kind.BEST_INTEREST and not case.is_child_protection:
        raise ValidationError({"kind": _("A best-interest assessment is for child protection.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Write the findings of the assessment.")})
    assessment = Assessment(
        case=case,
        kind=kind,
        assessed_on=assessed_on,
        summary=summary.strip(),
        needs=needs.strip(),
        risk_level=risk_level,
        by=by,
    )
    assessment.full_clean(exclude=["case", "by"])
    assessment.save()
    audit_create(actor=by, instance=assessment, operation=case.operation)
    _advance(case, Stage.ASSESSMENT)
    return assessment


# --- Case plan ------------------------------------------------------------------------------------


def _current_plan(case: Case) -> CasePlan | None:
    return case.plans.exclude(status=ReviewStatus.APPROVED).order_by("-created_at", "-id").first()


@transaction.atomic
def plan_start(*, case: Case, by: User, review_on: datetime.date | None = None) -> CasePlan:
    """A new case plan (draft), unless one is being written already."""
    access.require_edit(by, case)
    plan = _current_plan(case)
    if plan is not None:
        return plan
    plan = CasePlan.objects.create(case=case, by=by, review_on=review_on)
    audit_create(actor=by, instance=plan, operation=case.operation)
    return plan


def _check_responsible(case: Case, responsible: User | None) -> None:
    if responsible is not None and not access.is_case_staff(responsible, case.operation):
        raise ValidationError({"responsible": _("Choose case management staff.")})


@transaction.atomic
def intervention_add(
    *,
    plan: CasePlan,
    by: User,
    goal: str,
    action: str = "",
    service_type: ServiceType | None = None,
    responsible: User | None = None,
    responsible_organisation: Organisation | None = None,
    due_on: datetime.date | None = None,
) -> Intervention:
    case = plan.case
    access.require_edit(by, case)
    if not goal.strip():
        raise ValidationError({"goal": _("Write the goal.")})
    _check_service_type(case, service_type)
    _check_responsible(case, responsible)
    if (
        responsible_organisation is not None
        and not case.operation.organisations.filter(pk=responsible_organisation.pk).exists()
    ):
        raise ValidationError({"responsible_organisation": _("Unknown organisation.")})
    intervention = Intervention(
        plan=plan,
        goal=goal.strip(),
        action=action.strip(),
        service_type=service_type,
        responsible=responsible,
        responsible_organisation=responsible_organisation,
        due_on=due_on,
    )
    intervention.full_clean(
        exclude=["plan", "service_type", "responsible", "responsible_organisation"]
    )
    intervention.save()
    audit_create(actor=by, instance=intervention, operation=case.operation)
    return intervention


@transaction.atomic
def intervention_set_status(
    *, intervention: Intervention, by: User, status: str, done_on: datetime.date | None = None
) -> Intervention:
    case = intervention.plan.case
    access.require_edit(by, case)
    if status not in Intervention.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    before = snapshot(intervention)
    intervention.status = status
    intervention.done_on = (done_on or timezone.localdate()) if status == "done" else None
    intervention.save()
    audit_update(actor=by, instance=intervention, operation=case.operation, before=before)
    return intervention


# --- Approvals ------------------------------------------------------------------------------------


@transaction.atomic
def approval_request(
    *,
    case: Case,
    by: User,
    kind: str,
    assessment: Assessment | None = None,
    plan: CasePlan | None = None,
    closure_reason: str = "",
    closure_note: str = "",
) -> Approval:
    """Ask a supervisor to approve an assessment, the case plan or the closure."""
    access.require_edit(by, case)
    if case.approvals.filter(kind=kind, status=Approval.Status.PENDING).exists():
        raise ValidationError(_("An approval of this kind is already waiting."))
    if kind == Approval.Kind.ASSESSMENT:
        if assessment is None or assessment.case_id != case.pk:
            raise ValidationError({"assessment": _("Choose the assessment to approve.")})
        if assessment.status == ReviewStatus.APPROVED:
            raise ValidationError({"assessment": _("This assessment is already approved.")})
        before = snapshot(assessment)
        assessment.status = ReviewStatus.SUBMITTED
        assessment.save(update_fields=["status", "updated_at"])
        audit_update(actor=by, instance=assessment, operation=case.operation, before=before)
    elif kind == Approval.Kind.CASE_PLAN:
        plan = plan or _current_plan(case)
        if plan is None or plan.case_id != case.pk or plan.status == ReviewStatus.APPROVED:
            raise ValidationError(_("There is no case plan waiting for approval."))
        if not plan.interventions.exists():
            raise ValidationError(_("Add at least one goal and intervention to the plan."))
        if (
            case.is_child_protection
            and not case.assessments.filter(
                kind=Assessment.Kind.BEST_INTEREST, status=ReviewStatus.APPROVED
            ).exists()
        ):
            raise ValidationError(
                _("A child protection case plan needs an approved best-interest assessment.")
            )
        before = snapshot(plan)
        plan.status = ReviewStatus.SUBMITTED
        plan.save(update_fields=["status", "updated_at"])
        audit_update(actor=by, instance=plan, operation=case.operation, before=before)
    elif kind == Approval.Kind.CLOSURE:
        if closure_reason not in Case.ClosureReason.values:
            raise ValidationError({"closure_reason": _("Give the reason for closing the case.")})
    else:
        raise ValidationError({"kind": _("Unknown approval.")})
    approval = Approval.objects.create(
        case=case,
        kind=kind,
        assessment=assessment if kind == Approval.Kind.ASSESSMENT else None,
        plan=plan if kind == Approval.Kind.CASE_PLAN else None,
        closure_reason=closure_reason if kind == Approval.Kind.CLOSURE else "",
        closure_note=closure_note.strip() if kind == Approval.Kind.CLOSURE else "",
        requested_by=by,
    )
    audit_create(actor=by, instance=approval, operation=case.operation)
    return approval


def _apply(approval: Approval, by: User) -> None:
    case = approval.case
    if approval.kind == Approval.Kind.ASSESSMENT and approval.assessment is not None:
        assessment = approval.assessment
        before = snapshot(assessment)
        assessment.status = ReviewStatus.APPROVED
        assessment.save(update_fields=["status", "updated_at"])
        audit_update(actor=by, instance=assessment, operation=case.operation, before=before)
        case_before = snapshot(case)
        case.risk_level = assessment.risk_level
        case.save(update_fields=["risk_level", "updated_at"])
        audit_update(actor=by, instance=case, operation=case.operation, before=case_before)
        _advance(case, Stage.CASE_PLAN)
    elif approval.kind == Approval.Kind.CASE_PLAN and approval.plan is not None:
        plan = approval.plan
        before = snapshot(plan)
        plan.status = ReviewStatus.APPROVED
        plan.save(update_fields=["status", "updated_at"])
        audit_update(actor=by, instance=plan, operation=case.operation, before=before)
        _advance(case, Stage.IMPLEMENTATION)
    elif approval.kind == Approval.Kind.CLOSURE:
        before = snapshot(case)
        case.stage = Stage.CLOSED
        case.closed_on = timezone.localdate()
        case.closure_reason = approval.closure_reason
        case.closure_note = approval.closure_note
        case.save()
        audit_update(actor=by, instance=case, operation=case.operation, before=before)


def _return(approval: Approval, by: User) -> None:
    target = approval.assessment or approval.plan
    if target is not None:
        before = snapshot(target)
        target.status = ReviewStatus.RETURNED
        target.save(update_fields=["status", "updated_at"])
        audit_update(actor=by, instance=target, operation=approval.case.operation, before=before)


@transaction.atomic
def approval_decide(*, approval: Approval, by: User, approve: bool, comment: str = "") -> Approval:
    """A supervisor approves or returns. The person who asked, or who wrote what is approved,
    is refused (PermissionDenied), as is anyone but a supervisor of the case's team."""
    if approval.status != Approval.Status.PENDING:
        raise ValidationError(_("This approval was already decided."))
    if not access.can_decide_approval(by, approval):
        if access.can_supervise(by, approval.case):
            raise PermissionDenied(_("You cannot approve your own request or work."))
        raise PermissionDenied
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    before = snapshot(approval)
    approval.status = Approval.Status.APPROVED if approve else Approval.Status.REJECTED
    approval.decided_by = by
    approval.decided_at = timezone.now()
    approval.comment = comment.strip()
    approval.save()
    audit_update(actor=by, instance=approval, operation=approval.case.operation, before=before)
    if approve:
        _apply(approval, by)
    else:
        _return(approval, by)
    return approval


# --- Services, follow-ups -------------------------------------------------------------------------


@transaction.atomic
def service_record(
    *,
    case: Case,
    by: User,
    service_type: ServiceType,
    provided_on: datetime.date | None = None,
    organisation: Organisation | None = None,
    intervention: Intervention | None = None,
    note: str = "",
) -> ServiceDelivery:
    access.require_edit(by, case)
    provided_on = provided_on or timezone.localdate()
    _not_future(provided_on, "provided_on")
    _check_service_type(case, service_type)
    if intervention is not None and intervention.plan.case_id != case.pk:
        raise ValidationError({"intervention": _("This intervention is not in the case plan.")})
    delivery = ServiceDelivery.objects.create(
        case=case,
        service_type=service_type,
        provided_on=provided_on,
        organisation=organisation or case.organisation,
        intervention=intervention,
        note=note.strip(),
        by=by,
    )
    audit_create(actor=by, instance=delivery, operation=case.operation)
    _advance(case, Stage.IMPLEMENTATION)
    return delivery


@transaction.atomic
def follow_up_schedule(
    *, case: Case, by: User, due_on: datetime.date, kind: str = FollowUp.Kind.VISIT, note: str = ""
) -> FollowUp:
    access.require_edit(by, case)
    if kind not in FollowUp.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of follow-up.")})
    follow_up = FollowUp.objects.create(case=case, by=by, due_on=due_on, kind=kind, note=note)
    audit_create(actor=by, instance=follow_up, operation=case.operation)
    return follow_up


@transaction.atomic
def follow_up_done(
    *, follow_up: FollowUp, by: User, note: str = "", done_on: datetime.date | None = None
) -> FollowUp:
    case = follow_up.case
    access.require_edit(by, case)
    if follow_up.done_on is not None:
        raise ValidationError(_("This follow-up is already recorded as done."))
    done_on = done_on or timezone.localdate()
    _not_future(done_on, "done_on")
    before = snapshot(follow_up)
    follow_up.done_on = done_on
    follow_up.done_by = by
    if note.strip():
        follow_up.note = (follow_up.note + "\n" + note.strip()).strip()
    follow_up.save()
    audit_update(actor=by, instance=follow_up, operation=case.operation, before=before)
    _advance(case, Stage.FOLLOW_UP)
    return follow_up


# --- Reassignment ---------------------------------------------------------------------------------


@transaction.atomic
def case_reassign(*, case: Case, by: User, owner: User, assigned: Iterable[User] = ()) -> Case:
    """A supervisor gives the case to another caseworker of the team (and who else works on it)."""
    if not access.can_reassign(by, case):
        raise PermissionDenied
    assigned = [user for user in assigned if user.pk != owner.pk]
    for user in (owner, *assigned):
        if user.organisation_id != case.organisation_id or not access.is_case_staff(
            user, case.operation
        ):
            raise ValidationError(
                {
                    "owner": _("%(name)s is not case management staff of the organisation.")
                    % {"name": user.full_name or user.email}
                }
            )
    before: dict[str, Any] = snapshot(case)
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    case.assigned.set(assigned)
    audit_update(actor=by, instance=case, operation=case.operation, before=before)
    return case
