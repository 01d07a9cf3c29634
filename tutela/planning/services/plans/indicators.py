"""The plan's objectives and indicators: their links to the 5W and their targets by area and
population group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AdminArea, AuditEntry, Body, PopulationGroup, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    IndicatorTarget,
    Objective,
    Plan,
    PlanIndicator,
)
from tutela.planning.selectors import fivew
from tutela.planning.services.plans.plan import check_body, require_editable

# --- objectives ----------------------------------------------------------------------------------


def _objective_check(objective: Objective) -> None:
    parent = objective.parent
    if objective.kind == Objective.Kind.STRATEGIC and parent is not None:
        raise ValidationError(
            {"parent": _("A strategic objective contributes to nothing above it.")}
        )
    if parent is not None and (
        parent.plan_id != objective.plan_id or parent.kind != Objective.Kind.STRATEGIC
    ):
        raise ValidationError(
            {"parent": _("A cluster objective contributes to a strategic objective of the plan.")}
        )


@transaction.atomic
def objective_create(
    *,
    plan: Plan,
    by: User,
    kind: str,
    code: str,
    name_en: str,
    name_fr: str,
    name_es: str = "",
    parent: Objective | None = None,
    order: int = 0,
) -> Objective:
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    objective = Objective(
        plan=plan,
        kind=kind,
        code=(code or "").strip(),
        name_en=(name_en or "").strip(),
        name_fr=(name_fr or "").strip(),
        name_es=(name_es or "").strip(),
        parent=parent,
        order=order or 0,
    )
    _objective_check(objective)
    if Objective.objects.filter(plan=plan, code__iexact=objective.code).exists():
        raise ValidationError({"code": _("Another objective of the plan has this code.")})
    objective.full_clean()
    objective.save()
    audit_create(actor=by, instance=objective, operation=plan.operation)
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by: User, **fields: Any) -> Objective:
    plan = objective.plan
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    before = snapshot(objective)
    for name in ("kind", "code", "name_en", "name_fr", "name_es", "parent", "order"):
        if name in fields:
            value = fields[name]
            setattr(objective, name, value.strip() if isinstance(value, str) else value)
    if objective.parent_id == objective.pk:
        raise ValidationError({"parent": _("An objective cannot contribute to itself.")})
    if objective.kind == Objective.Kind.CLUSTER and objective.children.exists():
        raise ValidationError(
            {"kind": _("Cluster objectives contribute to this objective: keep it strategic.")}
        )
    _objective_check(objective)
    if (
        Objective.objects.filter(plan=plan, code__iexact=objective.code)
        .exclude(pk=objective.pk)
        .exists()
    ):
        raise ValidationError({"code": _("Another objective of the plan has this code.")})
    objective.full_clean()
    objective.save()
    audit_update(actor=by, instance=objective, operation=plan.operation, before=before)
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, by: User) -> None:
    plan = objective.plan
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    if objective.indicators.exists() or objective.children.exists():
        raise ValidationError(
            _("Remove or move its indicators and the objectives contributing to it first.")
        )
    before = snapshot(objective)
    pk, summary = objective.pk, str(objective)
    objective.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=plan.operation,
        entity_type=Objective._meta.label_lower,
        entity_id=str(pk),
        summary=summary,
        before=before,
    )


# --- indicators ----------------------------------------------------------------------------------


def _check_links(
    plan: Plan, activities: Iterable[Any] | None, fivew_indicators: Iterable[Any] | None
) -> None:
    operation = plan.operation
    allowed_activities = set(fivew.catalogue_activities(operation).values_list("pk", flat=True))
    if activities is not None and any(a.pk not in allowed_activities for a in activities):
        raise ValidationError({"activities": _("Choose activities of this operation's catalogue.")})
    if fivew_indicators is not None:
        allowed = set(fivew.catalogue_indicators(operation).values_list("pk", flat=True))
        if any(i.pk not in allowed for i in fivew_indicators):
            raise ValidationError(
                {"fivew_indicators": _("Choose 5W indicators of this operation's catalogue.")}
            )


INDICATOR_FIELDS = (
    "objective",
    "code",
    "name_en",
    "name_fr",
    "name_es",
    "unit",
    "body",
    "baseline",
    "target",
    "order",
)


def _indicator_check(indicator: PlanIndicator) -> None:
    if indicator.objective.plan_id != indicator.plan_id:
        raise ValidationError({"objective": _("Choose an objective of this plan.")})
    check_body(indicator.plan.operation, indicator.body)
    if (
        PlanIndicator.objects.filter(plan_id=indicator.plan_id, code__iexact=indicator.code)
        .exclude(pk=indicator.pk)
        .exists()
    ):
        raise ValidationError({"code": _("Another indicator of the plan has this code.")})


@transaction.atomic
def indicator_create(
    *,
    plan: Plan,
    by: User,
    objective: Objective,
    code: str,
    name_en: str,
    name_fr: str,
    name_es: str = "",
    unit: str = PlanIndicator.Unit.PEOPLE,
    body: Body | None = None,
    baseline: int = 0,
    target: int = 0,
    order: int = 0,
    activities: Sequence[Any] = (),
    fivew_indicators: Sequence[Any] = (),
) -> PlanIndicator:
    """A plan indicator, filled from the 5W rows of `activities` and of `fivew_indicators`."""
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    _check_links(plan, activities, fivew_indicators)
    indicator = PlanIndicator(
        plan=plan,
        objective=objective,
        code=(code or "").strip(),
        name_en=(name_en or "").strip(),
        name_fr=(name_fr or "").strip(),
        name_es=(name_es or "").strip(),
        unit=unit,
        body=body,
        baseline=baseline or 0,
        target=target or 0,
        order=order or 0,
    )
    _indicator_check(indicator)
    indicator.full_clean()
    indicator.save()
    indicator.activities.set(activities)
    indicator.fivew_indicators.set(fivew_indicators)
    audit_create(actor=by, instance=indicator, operation=plan.operation)
    return indicator


@transaction.atomic
def indicator_update(
    *,
    indicator: PlanIndicator,
    by: User,
    activities: Sequence[Any] | None = None,
    fivew_indicators: Sequence[Any] | None = None,
    **fields: Any,
) -> PlanIndicator:
    plan = indicator.plan
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    _check_links(plan, activities, fivew_indicators)
    before = snapshot(indicator)
    for name in INDICATOR_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(indicator, name, value.strip() if isinstance(value, str) else value)
    _indicator_check(indicator)
    indicator.full_clean()
    indicator.save()
    if activities is not None:
        indicator.activities.set(activities)
    if fivew_indicators is not None:
        indicator.fivew_indicators.set(fivew_indicators)
    audit_update(actor=by, instance=indicator, operation=plan.operation, before=before)
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: PlanIndicator, by: User) -> None:
    plan = indicator.plan
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    before = snapshot(indicator)
    pk, summary = indicator.pk, str(indicator)
    indicator.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=plan.operation,
        entity_type=PlanIndicator._meta.label_lower,
        entity_id=str(pk),
        summary=summary,
        before=before,
    )


@transaction.atomic
def indicator_targets_save(
    *, indicator: PlanIndicator, by: User, targets: Sequence[dict[str, Any]]
) -> list[IndicatorTarget]:
    """Replace the indicator's targets by area and population group: `targets` is a list of
    {"area": AdminArea, "population_group": PopulationGroup | None, "baseline": int,
    "target": int}. One area × group once."""
    plan = indicator.plan
    access.require_plan_editor(by, plan.operation)
    require_editable(plan)
    countries = set(plan.operation.countries.values_list("country_pcode", flat=True))
    seen: set[tuple[int, int | None]] = set()
    clean: list[IndicatorTarget] = []
    for index, item in enumerate(targets, start=1):
        area: AdminArea = item["area"]
        group: PopulationGroup | None = item.get("population_group")
        if area.country_pcode not in countries:
            raise ValidationError(
                _("Line %(line)s: %(area)s is not in the operation's countries.")
                % {"line": index, "area": area.pcode}
            )
        if group is not None and group.operation_id != plan.operation_id:
            raise ValidationError(
                _("Line %(line)s: choose a population group of this operation.") % {"line": index}
            )
        key = (area.pk, group.pk if group else None)
        if key in seen:
            raise ValidationError(
                _("Line %(line)s repeats an area and population group.") % {"line": index}
            )
        seen.add(key)
        target = IndicatorTarget(
            indicator=indicator,
            area=area,
            population_group=group,
            baseline=int(item.get("baseline") or 0),
            target=int(item.get("target") or 0),
        )
        target.full_clean(validate_unique=False, validate_constraints=False)
        clean.append(target)
    before = [
        [t.area_id, t.population_group_id, t.baseline, t.target]
        for t in indicator.targets.order_by("area_id", "population_group_id")
    ]
    indicator.targets.all().delete()
    IndicatorTarget.objects.bulk_create(clean)
    after = [[t.area_id, t.population_group_id, t.baseline, t.target] for t in clean]
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=indicator,
        operation=plan.operation,
        summary=f"Targets of {indicator.code}: {len(clean)} areas × groups",
        before={"targets": before},
        after={"targets": sorted(after, key=lambda t: (t[0], t[1] or 0))},
    )
    return clean
