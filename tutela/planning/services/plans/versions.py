"""The plan's versions and stages. Saving a version freezes a copy of everything: a first draft
(the plan stays a draft), the final plan (locked), and the mid-year revision (locked again).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Plan,
    PlanVersion,
)
from tutela.planning.selectors import fivew

# --- versions and stages -------------------------------------------------------------------------


def plan_content(plan: Plan) -> dict[str, Any]:
    """Everything a version freezes, as plain data (names in every language)."""
    objectives = [
        {
            "id": o.pk,
            "kind": o.kind,
            "code": o.code,
            "name_en": o.name_en,
            "name_fr": o.name_fr,
            "name_es": o.name_es,
            "parent": o.parent.code if o.parent else "",
        }
        for o in plan.objectives.select_related("parent").order_by("kind", "order", "code")
    ]
    indicators = []
    for indicator in plan.indicators.select_related("objective", "body").prefetch_related(
        "activities", "fivew_indicators", "targets__area", "targets__population_group"
    ):
        indicators.append(
            {
                "id": indicator.pk,
                "code": indicator.code,
                "objective": indicator.objective.code,
                "name_en": indicator.name_en,
                "name_fr": indicator.name_fr,
                "name_es": indicator.name_es,
                "unit": indicator.unit,
                "body": indicator.body.code if indicator.body else "",
                "baseline": indicator.baseline,
                "target": indicator.target,
                "activities": sorted(a.code for a in indicator.activities.all()),
                "fivew_indicators": sorted(i.code for i in indicator.fivew_indicators.all()),
                "targets": [
                    {
                        "pcode": t.area.pcode,
                        "area": t.area.name,
                        "population_group": t.population_group.code if t.population_group else "",
                        "baseline": t.baseline,
                        "target": t.target,
                    }
                    for t in indicator.targets.all()
                ],
            }
        )
    requirements = [
        {"body": r.body.code or r.body.name, "amount_usd": str(r.amount_usd)}
        for r in plan.requirements.select_related("body")
    ]
    figures = [
        {
            "body": t.body.code or t.body.name,
            "people_in_need": t.people_in_need,
            "targeted": t.targeted,
        }
        for t in fivew.planning_figure_totals(plan.operation, plan.year)
    ]
    return {
        "title": plan.title,
        "kind": plan.kind,
        "code": plan.code,
        "year": plan.year,
        "objectives": objectives,
        "indicators": indicators,
        "requirements": requirements,
        "planning_figures": figures,
    }


# Which stage a version can be saved in, and the stage it leaves the plan in.
_VERSION_STAGES: dict[str, tuple[str, str]] = {
    PlanVersion.Kind.FIRST_DRAFT: (Plan.Stage.DRAFT, Plan.Stage.DRAFT),
    PlanVersion.Kind.FINAL: (Plan.Stage.DRAFT, Plan.Stage.FINAL),
    PlanVersion.Kind.MID_YEAR: (Plan.Stage.REVISION, Plan.Stage.REVISED),
}


@transaction.atomic
def plan_version_save(*, plan: Plan, by: User, kind: str, note: str = "") -> PlanVersion:
    """Freeze the plan as a first draft, the final plan, or its mid-year revision."""
    access.require_plan_editor(by, plan.operation)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if kind not in _VERSION_STAGES:
        raise ValidationError({"kind": _("Unknown kind of version.")})
    needed, after_stage = _VERSION_STAGES[kind]
    if plan.stage != needed:
        raise ValidationError(
            _("A %(kind)s cannot be saved while the plan is %(stage)s.")
            % {
                "kind": PlanVersion.Kind(kind).label.lower(),
                "stage": plan.get_stage_display().lower(),
            },
            code="stage",
        )
    if kind != PlanVersion.Kind.FIRST_DRAFT and not plan.indicators.exists():
        raise ValidationError(_("The plan has no indicator yet."), code="empty")
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        kind=kind,
        note=(note or "").strip(),
        content=plan_content(plan),
        created_by=by,
    )
    before = snapshot(plan)
    plan.stage = after_stage
    plan.save(update_fields=["stage", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=plan,
        operation=plan.operation,
        summary=f"Plan version {number} saved ({kind}): {plan}",
        before={"stage": before["stage"]},
        after={"stage": plan.stage, "version": number, "kind": kind, "note": version.note},
    )
    return version


@transaction.atomic
def plan_revision_start(*, plan: Plan, by: User) -> Plan:
    """Open the final plan for its mid-year revision."""
    access.require_plan_editor(by, plan.operation)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.stage != Plan.Stage.FINAL:
        raise ValidationError(_("Only the final plan goes into a mid-year revision."), code="stage")
    before = snapshot(plan)
    plan.stage = Plan.Stage.REVISION
    plan.save(update_fields=["stage", "updated_at"])
    audit_update(actor=by, instance=plan, operation=plan.operation, before=before)
    return plan
