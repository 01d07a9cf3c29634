"""The response plan itself and its requirements. The plan is edited while it is a draft or under
mid-year revision; each write is one transaction with its audit entry.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, Body, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Plan,
    PlanRequirement,
)


def require_editable(plan: Plan) -> None:
    if not plan.is_editable:
        raise ValidationError(
            _("The plan is %(stage)s: start a mid-year revision to change it.")
            % {"stage": plan.get_stage_display().lower()},
            code="locked",
        )


def check_body(operation: Operation, body: Body | None) -> None:
    if body is not None and body.operation_id != operation.pk:
        raise ValidationError({"body": _("Choose a cluster or AoR of this operation.")})


@transaction.atomic
def plan_create(
    *,
    operation: Operation,
    by: User,
    year: int,
    title: str,
    body: Body,
    kind: str = Plan.Kind.HRP,
    code: str = "",
) -> Plan:
    access.require_plan_editor(by, operation)
    check_body(operation, body)
    if Plan.objects.filter(operation=operation, year=year).exists():
        raise ValidationError({"year": _("The operation already has a plan for this year.")})
    plan = Plan(
        operation=operation,
        year=year,
        title=(title or "").strip(),
        body=body,
        kind=kind,
        code=(code or "").strip(),
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    audit_create(actor=by, instance=plan, operation=operation)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: Plan,
    by: User,
    title: str | None = None,
    kind: str | None = None,
    code: str | None = None,
    body: Body | None = None,
) -> Plan:
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    before = snapshot(plan)
    if title is not None:
        plan.title = title.strip()
    if kind is not None:
        plan.kind = kind
    if code is not None:
        plan.code = code.strip()
    if body is not None:
        check_body(plan.operation, body)
        plan.body = body
    plan.full_clean()
    plan.save()
    audit_update(actor=by, instance=plan, operation=plan.operation, before=before)
    return plan


# --- requirements --------------------------------------------------------------------------------


@transaction.atomic
def requirement_set(
    *, plan: Plan, by: User, body: Body, amount_usd: Decimal
) -> PlanRequirement | None:
    """The plan's requirements for a cluster or AoR (0 removes them)."""
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    check_body(plan.operation, body)
    if amount_usd is None or amount_usd < 0:
        raise ValidationError({"amount_usd": _("Give an amount of 0 or more.")})
    existing = PlanRequirement.objects.filter(plan=plan, body=body).first()
    if not amount_usd:
        if existing is not None:
            before = snapshot(existing)
            pk = existing.pk
            existing.delete()
            audit_write(
                actor=by,
                action=AuditEntry.Action.DELETE,
                operation=plan.operation,
                entity_type=PlanRequirement._meta.label_lower,
                entity_id=str(pk),
                summary=f"Requirements of {body.code or body.name} removed from {plan}",
                before=before,
            )
        return None
    if existing is None:
        requirement = PlanRequirement(plan=plan, body=body, amount_usd=amount_usd)
        requirement.full_clean()
        requirement.save()
        audit_create(actor=by, instance=requirement, operation=plan.operation)
        return requirement
    before = snapshot(existing)
    existing.amount_usd = amount_usd
    existing.full_clean()
    existing.save()
    audit_update(actor=by, instance=existing, operation=plan.operation, before=before)
    return existing
