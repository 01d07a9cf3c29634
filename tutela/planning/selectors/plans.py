"""Reads of the response plan: its monitoring framework filled from the 5W (reached against
target for every indicator, and for one indicator by area, population group and month), and the
comparison of a version with the one before.

Reached figures follow the 5W's counting rule (stated with every figure): people reached in
different months are never added up; over the plan's year each partner × activity × place ×
population group (× 5W indicator) counts once, by the operation's cumulative rule. By month, each
month shows the people reached that month. Figures that include other organisations' sensitive
activities are disclosure-controlled: small counts are hidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from tutela.core.disclosure import threshold_for
from tutela.core.models import AdminArea, Operation, PopulationGroup, User
from tutela.planning.models import IndicatorTarget, Plan, PlanIndicator, PlanVersion
from tutela.planning.selectors import fivew


def plan_list(operation: Operation) -> QuerySet[Plan]:
    return Plan.objects.filter(operation=operation).select_related("body").order_by("-year")


def pct(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def indicators_of(plan: Plan) -> list[PlanIndicator]:
    return list(
        plan.indicators.select_related("objective", "body").prefetch_related(
            "activities", "fivew_indicators"
        )
    )


@dataclass
class IndicatorProgress:
    indicator: PlanIndicator
    reached: int | None
    linked: bool

    @property
    def pct(self) -> float | None:
        return pct(self.reached, self.indicator.target)


@dataclass
class Framework:
    plan: Plan
    rows: list[IndicatorProgress]
    rule_text: str
    suppressed: bool
    threshold: int
    sources: list[str] = field(default_factory=list)
    # Rows the user may not see one by one are counted in blocks brought down to a multiple of
    # the threshold (figures over the year by a rule that picks one month).
    rounded: bool = False

    def by_objective(self) -> list[tuple[Any, list[IndicatorProgress]]]:
        grouped: dict[int, list[IndicatorProgress]] = {}
        objectives = {}
        for row in self.rows:
            grouped.setdefault(row.indicator.objective_id, []).append(row)
            objectives[row.indicator.objective_id] = row.indicator.objective
        return [(objectives[k], grouped[k]) for k in grouped]


def _links(indicator: PlanIndicator) -> tuple[set[int], set[int]]:
    return (
        {a.pk for a in indicator.activities.all()},
        {i.pk for i in indicator.fivew_indicators.all()},
    )


def plan_framework(*, user: User, plan: Plan) -> Framework:
    """Reached against target for every indicator of the plan, from the 5W rows of the plan's
    year: a few queries (per unit, people or other), whatever the number of indicators."""
    operation = plan.operation
    indicators = indicators_of(plan)
    links = {i.pk: _links(i) for i in indicators}
    raw: dict[int, int] = {}
    suppressed = rounded = False
    sources = []
    # One query per unit, and apart for indicators linked to 5W indicators: their figures are
    # cut in the blocks of the 5W pivot by indicator, the others' in those of the pivot by
    # activity, each as its own breakdowns are (so that no two figures of one indicator come
    # from different blocks).
    for measure, people, through_indicators in (
        ("total", True, False),
        ("total", True, True),
        ("quantity", False, False),
        ("quantity", False, True),
    ):
        wanted = [
            i
            for i in indicators
            if i.counts_people == people
            and (links[i.pk][0] or links[i.pk][1])
            and bool(links[i.pk][1]) == through_indicators
        ]
        if not wanted:
            continue
        activity_ids = sorted({a for i in wanted for a in links[i.pk][0]})
        indicator_ids = sorted({x for i in wanted for x in links[i.pk][1]})
        reached = fivew.reached_by_link(
            user=user,
            operation=operation,
            year=plan.year,
            activity_ids=activity_ids,
            indicator_ids=indicator_ids,
            measure=measure,
        )
        sources.append(reached.source)
        suppressed = suppressed or reached.controlled
        rounded = rounded or reached.rounded
        for indicator in wanted:
            acts, inds = links[indicator.pk]
            raw[indicator.pk] = sum(
                g[measure]
                for g in reached.groups
                if g["activity"] in acts or (g["indicator"] is not None and g["indicator"] in inds)
            )
    threshold = threshold_for(operation)
    rows = []
    for indicator in indicators:
        acts, inds = links[indicator.pk]
        value: int | None = raw.get(indicator.pk, 0) if (acts or inds) else None
        if suppressed and value is not None and 0 < value < threshold:
            # Each indicator's figure is published alone (no total across indicators): small
            # ones are hidden; the breakdowns of one indicator apply the full suppression.
            value = None
        rows.append(
            IndicatorProgress(indicator=indicator, reached=value, linked=bool(acts or inds))
        )
    return Framework(
        plan=plan,
        rows=rows,
        rule_text=fivew.counting_rule(operation),
        suppressed=suppressed,
        threshold=threshold,
        sources=sources,
        rounded=rounded,
    )


@dataclass
class BreakdownRow:
    key: Any
    label: str
    code: str
    target: int | None
    baseline: int | None
    reached: int | None

    @property
    def pct(self) -> float | None:
        return pct(self.reached, self.target)


@dataclass
class Breakdown:
    dim: str
    rows: list[BreakdownRow]
    total: int | None
    rule_text: str
    suppressed: bool
    threshold: int
    by_month: bool
    rounded: bool = False


def target_level(indicator: PlanIndicator) -> int:
    """The admin level most of the indicator's targets are set at (1 without targets)."""
    levels = Counter(
        level
        for level in indicator.targets.values_list("area__level", flat=True)
        if 1 <= level <= 3
    )
    return levels.most_common(1)[0][0] if levels else 1


def _area_targets(indicator: PlanIndicator, level: int) -> tuple[dict[int, int], dict[int, int]]:
    """Target and baseline per area of `level`: an area's all-groups target where it has one,
    the sum of its population groups' otherwise."""
    all_groups: dict[int, tuple[int, int]] = {}
    by_group: dict[int, list[int]] = {}
    for target in IndicatorTarget.objects.filter(indicator=indicator, area__level=level):
        if target.population_group_id is None:
            all_groups[target.area_id] = (target.target, target.baseline)
        else:
            entry = by_group.setdefault(target.area_id, [0, 0])
            entry[0] += target.target
            entry[1] += target.baseline
    targets = {k: v[0] for k, v in by_group.items()}
    baselines = {k: v[1] for k, v in by_group.items()}
    for area_id, (target_value, baseline_value) in all_groups.items():
        targets[area_id] = target_value
        baselines[area_id] = baseline_value
    return targets, baselines


def _group_targets(indicator: PlanIndicator) -> tuple[dict[int, int], dict[int, int]]:
    targets: dict[int, int] = {}
    baselines: dict[int, int] = {}
    for target in IndicatorTarget.objects.filter(
        indicator=indicator, population_group__isnull=False
    ):
        group_id = target.population_group_id
        assert group_id is not None
        targets[group_id] = targets.get(group_id, 0) + target.target
        baselines[group_id] = baselines.get(group_id, 0) + target.baseline
    return targets, baselines


def indicator_breakdown(
    *, user: User, indicator: PlanIndicator, dim: str, level: int | None = None
) -> Breakdown:
    """Reached against target for one indicator by admin area ("area", at `level` or the level of
    its targets), population group ("population_group") or month ("month")."""
    if dim == "area":
        level = level or target_level(indicator)
        fivew_dim = f"admin{level}"
    elif dim in ("population_group", "month"):
        fivew_dim = dim
    else:
        raise ValueError(f"Unknown breakdown {dim!r}")
    by_month = dim == "month"
    reached = _reached_by(user, indicator, fivew_dim, by_month=by_month)
    if dim == "area":
        assert level is not None
        rows = _area_rows(indicator, level, reached)
    elif dim == "population_group":
        rows = _group_rows(indicator, reached)
    else:
        rows = _month_rows(reached)
    if fivew.POOLED in reached.values:
        # Small groups of rows the user may not see, pooled across areas (or groups) into whole
        # blocks: on a line of their own, so that the rows add up to the total.
        rows.append(
            BreakdownRow(
                key=fivew.POOLED,
                label=str(fivew.POOLED_LABEL),
                code=fivew.POOLED,
                target=None,
                baseline=None,
                reached=reached.values[fivew.POOLED],
            )
        )
    # Months are not added up (by_month): the figure over the year is the framework's, by the
    # rule.
    total = None if by_month else reached.total
    return Breakdown(
        dim=dim,
        rows=rows,
        total=total,
        rule_text=reached.rule_text,
        suppressed=reached.suppressed,
        threshold=reached.threshold,
        by_month=by_month,
        rounded=reached.rounded,
    )


def _reached_by(
    user: User, indicator: PlanIndicator, fivew_dim: str, *, by_month: bool
) -> fivew.Reached:
    """What the 5W reports for the indicator's linked activities and indicators, by `fivew_dim`."""
    plan = indicator.plan
    operation = plan.operation
    acts, inds = _links(indicator)
    measure = "total" if indicator.counts_people else "quantity"
    if acts or inds:
        groups = fivew.reached_by_link(
            user=user,
            operation=operation,
            year=plan.year,
            activity_ids=sorted(acts),
            indicator_ids=sorted(inds),
            measure=measure,
            dims=[fivew_dim],
        )
    else:
        groups = fivew.ReachedGroups(
            groups=[], rule=fivew.counting_rule_code(operation), controlled=False, source="rows"
        )
    return fivew.reached_series(
        operation=operation,
        reached=groups,
        key=lambda g: g[fivew_dim],
        measure=measure,
        by_month=by_month,
    )


def _area_rows(indicator: PlanIndicator, level: int, reached: fivew.Reached) -> list[BreakdownRow]:
    targets, baselines = _area_targets(indicator, level)
    keys = set(targets) | {k for k in reached.values if k is not None and k != fivew.POOLED}
    areas = {a.pk: a for a in AdminArea.objects.filter(pk__in=keys)}
    rows = []
    for key in sorted(keys, key=lambda k: areas[k].pcode if k in areas else ""):
        area = areas.get(key)
        rows.append(
            BreakdownRow(
                key=key,
                label=area.name if area else "—",
                code=area.pcode if area else "",
                target=targets.get(key),
                baseline=baselines.get(key),
                reached=reached.values.get(key, 0),
            )
        )
    return rows


def _group_rows(indicator: PlanIndicator, reached: fivew.Reached) -> list[BreakdownRow]:
    targets, baselines = _group_targets(indicator)
    keys = set(targets) | {k for k in reached.values if k is not None and k != fivew.POOLED}
    groups_by_id = {g.pk: g for g in PopulationGroup.objects.filter(pk__in=keys)}
    rows = []
    for key in sorted(keys, key=lambda k: groups_by_id[k].code if k in groups_by_id else ""):
        group = groups_by_id.get(key)
        rows.append(
            BreakdownRow(
                key=key,
                label=group.name if group else "—",
                code=group.code if group else "",
                target=targets.get(key),
                baseline=baselines.get(key),
                reached=reached.values.get(key, 0),
            )
        )
    return rows


def _month_rows(reached: fivew.Reached) -> list[BreakdownRow]:
    return [
        BreakdownRow(
            key=key,
            label=f"{key:%Y-%m}",
            code=f"{key:%Y-%m}",
            target=None,
            baseline=None,
            reached=reached.values.get(key),
        )
        for key in sorted(k for k in reached.values if k is not None)
    ]


def indicator_get(plan: Plan, pk: int) -> PlanIndicator:

    found = (
        plan.indicators.select_related("objective", "body", "plan")
        .prefetch_related(
            "activities",
            "fivew_indicators",
            Prefetch(
                "targets",
                queryset=IndicatorTarget.objects.select_related("area", "population_group"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass
class TargetChange:
    code: str
    name: str
    before: int | None
    after: int | None


def version_changes(version: PlanVersion) -> list[TargetChange]:
    """Indicators whose overall target changed from the previous version (added or removed
    ones too)."""
    previous = (
        PlanVersion.objects.filter(plan_id=version.plan_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return []
    old = {i["code"]: i for i in previous.content.get("indicators", [])}
    new = {i["code"]: i for i in version.content.get("indicators", [])}
    changes = []
    for code in sorted(set(old) | set(new)):
        before = old.get(code, {}).get("target")
        after = new.get(code, {}).get("target")
        if before != after:
            item = new.get(code) or old[code]
            changes.append(TargetChange(code, item.get("name_en", ""), before, after))
    return changes


def area_choices(operation: Operation, levels: Sequence[int] = (1, 2)) -> QuerySet[AdminArea]:
    countries = list(operation.countries.values_list("country_pcode", flat=True))
    return AdminArea.objects.filter(country_pcode__in=countries, level__in=list(levels)).order_by(
        "pcode"
    )
