"""The strategy and yearly work plan of a coordination body, its activities, their quarterly
reviews, and the action points and trainings that carry them out.

Who writes: the operation's coordinators and information management officers, and the focal
points of the body (capacity.access.can_edit_workplan). Every write is audited here.
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
    TrainingSession,
    WorkActivity,
    WorkObjective,
    WorkPlan,
    WorkReview,
)
from tutela.capacity.selectors.coordination_link import action_point_in_operation
from tutela.capacity.services import coordination_link
from tutela.core.models import AuditEntry, Body, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

ACTIVITY_FIELDS = frozenset(
    {"objective", "title", "description", "lead_organisation", "starts_on", "ends_on"}
)


def _require_editor(by: User, body: Body) -> None:
    capacity_access.require(capacity_access.can_edit_workplan(by, body))


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * (quarter - 1) + 1, 1)


@transaction.atomic
def workplan_create(*, body: Body, by: User, year: int, title: str, strategy: str = "") -> WorkPlan:
    _require_editor(by, body)
    if WorkPlan.objects.filter(body=body, year=year).exists():
        raise ValidationError({"year": _("This body already has a work plan for this year.")})
    plan = WorkPlan(
        operation=body.operation,
        body=body,
        year=year,
        title=(title or "").strip(),
        strategy=(strategy or "").strip(),
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    audit_create(actor=by, instance=plan, operation=body.operation)
    return plan


@transaction.atomic
def workplan_update(*, plan: WorkPlan, by: User, title: str, strategy: str = "") -> WorkPlan:
    _require_editor(by, plan.body)
    before = snapshot(plan)
    plan.title = (title or "").strip()
    plan.strategy = (strategy or "").strip()
    plan.full_clean()
    plan.save()
    audit_update(actor=by, instance=plan, operation=plan.operation, before=before)
    return plan


@transaction.atomic
def objective_add(*, plan: WorkPlan, by: User, title: str, code: str = "") -> WorkObjective:
    _require_editor(by, plan.body)
    objective = WorkObjective(plan=plan, code=(code or "").strip(), title=(title or "").strip())
    objective.full_clean()
    objective.save()
    audit_create(actor=by, instance=objective, operation=plan.operation)
    return objective


def _check_activity(activity: WorkActivity, plan: WorkPlan) -> None:
    errors: dict[str, str] = {}
    if activity.objective.plan_id != plan.pk:
        errors["objective"] = _("This objective belongs to another plan.")
    if activity.starts_on and activity.ends_on:
        if activity.ends_on < activity.starts_on:
            errors["ends_on"] = _("The end comes before the start.")
        elif activity.starts_on.year > plan.year or activity.ends_on.year < plan.year:
            errors["starts_on"] = _("The activity must run during the plan's year.")
    lead = activity.lead_organisation
    if lead is not None and not plan.operation.organisations.filter(pk=lead.pk).exists():
        errors["lead_organisation"] = _("This organisation does not take part in the operation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def work_activity_add(*, objective: WorkObjective, by: User, **fields: Any) -> WorkActivity:
    unknown = set(fields) - (ACTIVITY_FIELDS - {"objective"})
    if unknown:
        raise TypeError(f"work_activity_add() got unknown field(s): {sorted(unknown)}")
    plan = objective.plan
    _require_editor(by, plan.body)
    activity = WorkActivity(objective=objective, **fields)
    activity.title = (activity.title or "").strip()
    _check_activity(activity, plan)
    activity.full_clean(validate_constraints=False)
    activity.save()
    audit_create(actor=by, instance=activity, operation=plan.operation)
    return activity


@transaction.atomic
def work_activity_update(*, activity: WorkActivity, by: User, **fields: Any) -> WorkActivity:
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"work_activity_update() got unknown field(s): {sorted(unknown)}")
    plan = activity.objective.plan
    _require_editor(by, plan.body)
    before = snapshot(activity)
    for name, value in fields.items():
        setattr(activity, name, value)
    _check_activity(activity, plan)
    activity.full_clean(validate_constraints=False)
    activity.save()
    audit_update(actor=by, instance=activity, operation=plan.operation, before=before)
    return activity


@transaction.atomic
def work_review_record(
    *,
    activity: WorkActivity,
    by: User,
    year: int,
    quarter: int,
    progress: int,
    status: str,
    comment: str = "",
) -> WorkReview:
    """Record the quarter's review (replacing an earlier review of the same quarter). The
    activity takes the progress and status of its latest reviewed quarter."""
    plan = activity.objective.plan
    _require_editor(by, plan.body)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("A quarter is 1, 2, 3 or 4.")})
    if year != plan.year:
        raise ValidationError({"year": _("Review the quarters of the plan's year.")})
    if quarter_start(year, quarter) > timezone.localdate():
        raise ValidationError({"quarter": _("This quarter has not started yet.")})
    review = WorkReview.objects.filter(activity=activity, year=year, quarter=quarter).first()
    before = snapshot(review) if review is not None else None
    if review is None:
        review = WorkReview(activity=activity, year=year, quarter=quarter)
    review.progress = progress
    review.status = status
    review.comment = (comment or "").strip()
    review.reviewed_by = by
    review.full_clean(validate_unique=False, validate_constraints=False)
    review.save()
    operation = plan.operation
    if before is None:
        audit_create(actor=by, instance=review, operation=operation)
    else:
        audit_update(actor=by, instance=review, operation=operation, before=before)
    latest = activity.reviews.order_by("-year", "-quarter").first()
    if latest is not None and (latest.progress, latest.status) != (
        activity.progress,
        activity.status,
    ):
        activity_before = snapshot(activity)
        activity.progress = latest.progress
        activity.status = latest.status
        activity.save(update_fields=["progress", "status", "updated_at"])
        audit_update(actor=by, instance=activity, operation=operation, before=activity_before)
    return review


@transaction.atomic
def work_activity_action_point_open(
    *,
    activity: WorkActivity,
    by: User,
    title: str = "",
    owner_organisation: Organisation | None = None,
    due_date: datetime.date | None = None,
) -> int:
    """Open an action point in the coordination workspace that carries the activity out."""
    plan = activity.objective.plan
    _require_editor(by, plan.body)
    point_id = coordination_link.action_point_open(
        operation=plan.operation,
        by=by,
        title=(title or "").strip() or activity.title,
        description=_("Work plan %(plan)s: %(activity)s")
        % {"plan": plan.title, "activity": activity.title},
        owner_organisation=owner_organisation or activity.lead_organisation,
        due_date=due_date or activity.ends_on,
        body=plan.body,
    )
    _append_action_point(activity, by, point_id)
    return point_id


@transaction.atomic
def work_activity_action_point_link(
    *, activity: WorkActivity, by: User, action_point_id: int
) -> WorkActivity:
    """Link an existing action point of the operation to the activity."""
    plan = activity.objective.plan
    _require_editor(by, plan.body)
    if not action_point_in_operation(plan.operation, action_point_id):
        raise ValidationError({"action_point": _("No such action point in this operation.")})
    if action_point_id in activity.action_point_ids:
        raise ValidationError({"action_point": _("This action point is already linked.")})
    _append_action_point(activity, by, action_point_id)
    return activity


def _append_action_point(activity: WorkActivity, by: User, point_id: int) -> None:
    before = snapshot(activity)
    activity.action_point_ids = [*activity.action_point_ids, point_id]
    activity.save(update_fields=["action_point_ids", "updated_at"])
    audit_update(
        actor=by, instance=activity, operation=activity.objective.plan.operation, before=before
    )


@transaction.atomic
def work_activity_session_link(
    *, activity: WorkActivity, by: User, session: TrainingSession, remove: bool = False
) -> WorkActivity:
    """Link (or unlink) a training session of the operation that carries the activity out."""
    plan = activity.objective.plan
    _require_editor(by, plan.body)
    if session.operation_id != plan.operation_id:
        raise ValidationError({"session": _("This session belongs to another operation.")})
    if remove:
        activity.sessions.remove(session)
    else:
        activity.sessions.add(session)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=activity,
        operation=plan.operation,
        summary=(_("Training unlinked: %(s)s") if remove else _("Training linked: %(s)s"))
        % {"s": str(session)[:200]},
        after={"session": session.pk, "linked": not remove},
    )
    return activity
