"""Training needs assessments and the yearly capacity-building plan.

- Training managers open and close an assessment; each organisation taking part in the
  operation answers once (its partner focal point, or a manager on its behalf) and may change its
  answer while the assessment is open.
- Training managers write the plan and its items; everyone with a role reads them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import (
    CapacityPlan,
    CapacityPlanItem,
    Course,
    NeedsAssessment,
    NeedsResponse,
)
from tutela.core.models import AuditEntry, Body, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

PLAN_ITEM_FIELDS = frozenset(
    {
        "topic",
        "course",
        "area",
        "quarter",
        "target_sessions",
        "target_people",
        "target_women",
        "lead_organisation",
        "notes",
    }
)


def _require_manager(by: User, operation: Operation) -> None:
    capacity_access.require(capacity_access.can_manage_trainings(by, operation))


# --- Needs assessments --------------------------------------------------------------------------


@transaction.atomic
def needs_assessment_create(
    *, operation: Operation, by: User, title: str, year: int, closes_on: datetime.date
) -> NeedsAssessment:
    _require_manager(by, operation)
    assessment = NeedsAssessment(
        operation=operation,
        title=(title or "").strip(),
        year=year,
        closes_on=closes_on,
        created_by=by,
    )
    assessment.full_clean()
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("The closing date is in the past.")})
    assessment.save()
    audit_create(actor=by, instance=assessment, operation=operation)
    return assessment


@transaction.atomic
def needs_assessment_close(*, assessment: NeedsAssessment, by: User) -> NeedsAssessment:
    _require_manager(by, assessment.operation)
    if assessment.status == NeedsAssessment.Status.CLOSED:
        raise ValidationError(_("This assessment is already closed."))
    before = snapshot(assessment)
    assessment.status = NeedsAssessment.Status.CLOSED
    assessment.save(update_fields=["status", "updated_at"])
    audit_update(actor=by, instance=assessment, operation=assessment.operation, before=before)
    return assessment


@transaction.atomic
def needs_response_submit(
    *,
    assessment: NeedsAssessment,
    by: User,
    organisation: Organisation,
    priorities: dict[str, int],
    staff_to_train: int = 0,
    comment: str = "",
) -> NeedsResponse:
    """Record (or replace) an organisation's answer while the assessment is open."""
    operation = assessment.operation
    capacity_access.require(capacity_access.can_answer_needs(by, assessment, organisation))
    if assessment.status != NeedsAssessment.Status.OPEN or assessment.closes_on < (
        timezone.localdate()
    ):
        raise ValidationError(_("This assessment is closed."))
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": _("This organisation does not take part in the operation.")}
        )
    topics = set(Course.Topic.values)
    cleaned: dict[str, int] = {}
    for topic, value in priorities.items():
        if topic not in topics or value not in NeedsResponse.Priority.values:
            raise ValidationError({"priorities": _("Unknown topic or priority.")})
        if value:
            cleaned[topic] = int(value)
    if not cleaned:
        raise ValidationError({"priorities": _("Say which topics your staff need.")})
    if staff_to_train < 0 or staff_to_train > 100_000:
        raise ValidationError({"staff_to_train": _("Give a number of people.")})
    response = NeedsResponse.objects.filter(
        assessment=assessment, organisation=organisation
    ).first()
    before = snapshot(response) if response is not None else None
    if response is None:
        response = NeedsResponse(assessment=assessment, organisation=organisation)
    response.priorities = cleaned
    response.staff_to_train = staff_to_train
    response.comment = (comment or "").strip()
    response.submitted_by = by
    response.full_clean(validate_unique=False, validate_constraints=False)
    response.save()
    if before is None:
        audit_create(actor=by, instance=response, operation=operation)
    else:
        audit_update(actor=by, instance=response, operation=operation, before=before)
    return response


# --- Plans --------------------------------------------------------------------------------------


@transaction.atomic
def capacity_plan_create(
    *,
    operation: Operation,
    by: User,
    year: int,
    title: str,
    body: Body | None = None,
    notes: str = "",
) -> CapacityPlan:
    _require_manager(by, operation)
    if body is not None and body.operation_id != operation.pk:
        raise ValidationError({"body": _("This body is not part of the operation.")})
    if CapacityPlan.objects.filter(operation=operation, year=year, body=body).exists():
        raise ValidationError({"year": _("A plan of this year already exists for this body.")})
    plan = CapacityPlan(
        operation=operation,
        year=year,
        body=body,
        title=(title or "").strip(),
        notes=(notes or "").strip(),
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    audit_create(actor=by, instance=plan, operation=operation)
    return plan


def _check_item(item: CapacityPlanItem) -> None:
    operation = item.plan.operation
    errors: dict[str, str] = {}
    if item.topic not in Course.Topic.values:
        errors["topic"] = _("Unknown topic.")
    if item.course_id and item.course and item.course.operation_id != operation.pk:
        errors["course"] = _("This course belongs to another operation.")
    if item.course_id and item.course and item.course.topic != item.topic:
        errors["course"] = _("This course is about another topic.")
    if item.area_id and item.area:
        countries = set(operation.countries.values_list("pcode", flat=True))
        if item.area.country_pcode not in countries:
            errors["area"] = _("This place is outside the operation's countries.")
    if item.target_women > item.target_people:
        errors["target_women"] = _("More women than people to train.")
    if (
        item.lead_organisation_id
        and not operation.organisations.filter(pk=item.lead_organisation_id).exists()
    ):
        errors["lead_organisation"] = _("This organisation does not take part in the operation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_item_add(*, plan: CapacityPlan, by: User, **fields: Any) -> CapacityPlanItem:
    unknown = set(fields) - PLAN_ITEM_FIELDS
    if unknown:
        raise TypeError(f"plan_item_add() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, plan.operation)
    course = fields.get("course")
    if course is not None and not fields.get("topic"):
        fields["topic"] = course.topic
    item = CapacityPlanItem(plan=plan, **fields)
    _check_item(item)
    item.full_clean(validate_constraints=False)
    item.save()
    audit_create(actor=by, instance=item, operation=plan.operation)
    return item


@transaction.atomic
def plan_item_update(*, item: CapacityPlanItem, by: User, **fields: Any) -> CapacityPlanItem:
    unknown = set(fields) - PLAN_ITEM_FIELDS
    if unknown:
        raise TypeError(f"plan_item_update() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, item.plan.operation)
    before = snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    _check_item(item)
    item.full_clean(validate_constraints=False)
    item.save()
    audit_update(actor=by, instance=item, operation=item.plan.operation, before=before)
    return item


@transaction.atomic
def plan_item_remove(*, item: CapacityPlanItem, by: User) -> None:
    operation = item.plan.operation
    _require_manager(by, operation)
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=item,
        operation=operation,
        before=snapshot(item),
    )
    item.delete()
