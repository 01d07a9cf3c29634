"""Everything planning reads from the 5W module, and the only module of planning that imports it.

Planning reads; it never writes 5W data. Keeping the reads here means the dependency can be
inverted later (the 5W publishing an interface planning consumes) by changing this one file.

What is read:
- the operation's planning figures (people in need, targeted, severity), which the 5W coverage
  pages use too;
- the activity catalogue and its indicators (to link plan indicators, projects and proposals);
- people reached (or other quantities) from the 5W rows the user may count, by the 5W's counting
  rule and visibility rules, with small counts suppressed where the figures leave an organisation;
- the 5W rows tied to a project;
- partner presence and the gap list (for the checks of pooled-fund proposals).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.expressions import Combinable

from tutela.activities import selectors as fivew
from tutela.activities.models import Activity, Indicator, PlanningFigure
from tutela.activities.selectors.aggregates import aggregate, rule_text, sum_groups
from tutela.activities.selectors.planning import planning_by_area
from tutela.activities.selectors.summary_tables import (
    SummaryRows,
    summary_rows,
    summary_state,
)
from tutela.activities.selectors.visibility import activity_settings
from tutela.core import access
from tutela.core.disclosure import suppress_counts, threshold_for
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup

# --- catalogue and planning figures ------------------------------------------------------------


def catalogue_activities(operation: Operation) -> QuerySet[Activity]:
    return Activity.objects.filter(operation=operation, is_active=True).select_related("body")


def catalogue_indicators(operation: Operation) -> QuerySet[Indicator]:
    return Indicator.objects.filter(
        activity__operation=operation, activity__is_active=True
    ).select_related("activity")


def activity_labels(ids: Iterable[int]) -> dict[int, str]:
    return {a.pk: f"{a.code} — {a.name}" for a in Activity.objects.filter(pk__in=list(ids))}


@dataclass
class FigureTotal:
    body: Body
    people_in_need: int
    targeted: int
    areas: int


def planning_figure_totals(operation: Operation, year: int) -> list[FigureTotal]:
    """People in need and targeted per cluster/AoR for the year, from the figures given at the
    finest level each area has (an area's figures are added up over its areas only where it has
    none of its own: see the 5W's planning_by_area)."""
    bodies = {b.pk: b for b in Body.objects.filter(operation=operation)}
    out = []
    for body_id in (
        PlanningFigure.objects.filter(operation=operation, year=year)
        .values_list("body_id", flat=True)
        .distinct()
        .order_by()
    ):
        body = bodies.get(body_id)
        if body is None:
            continue
        by_area, _note = planning_by_area(
            operation, level=1, year=year, body=body, population_group=None
        )
        out.append(
            FigureTotal(
                body=body,
                people_in_need=sum(v["people_in_need"] for v in by_area.values()),
                targeted=sum(v["targeted"] for v in by_area.values()),
                areas=len(by_area),
            )
        )
    out.sort(key=lambda t: (t.body.kind != Body.Kind.CLUSTER, t.body.name))
    return out


def severity_by_area(operation: Operation, *, level: int, year: int) -> dict[int, int | None]:
    by_area, _note = planning_by_area(
        operation, level=level, year=year, body=None, population_group=None
    )
    return {area_id: values.get("severity") for area_id, values in by_area.items()}


def planning_figures_exist(operation: Operation, year: int) -> bool:
    return PlanningFigure.objects.filter(operation=operation, year=year).exists()


# --- people reached ----------------------------------------------------------------------------


def year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 1)


@dataclass
class Reached:
    """Reached figures: `values` by key (None where hidden as a small count), `rule_text` the
    counting rule as stated on pages and exports."""

    values: dict[Any, int | None]
    rule: str
    rule_text: str
    by_month: bool
    suppressed: bool
    threshold: int
    source: str = "rows"
    # Unsuppressed values, for sorting and gap rules; never shown.
    raw: dict[Any, int] = field(default_factory=dict, repr=False)


def _link_filter(activity_ids: Sequence[int], indicator_ids: Sequence[int]) -> Q:
    link = Q(pk__in=[])
    if activity_ids:
        link |= Q(activity_id__in=list(activity_ids))
    if indicator_ids:
        link |= Q(indicator_id__in=list(indicator_ids))
    return link


def reached_by_link(
    *,
    user: Any,
    operation: Operation,
    year: int,
    activity_ids: Sequence[int],
    indicator_ids: Sequence[int],
    measure: str = "total",
    dims: Sequence[str] = (),
    extra: Q | None = None,
) -> tuple[list[dict[str, Any]], str, bool, str]:
    """ONE query: the measure by (activity, indicator, *dims) over the year's 5W rows the user may
    count that belong to the given activities or indicators, by the operation's counting rule
    (picks per partner × activity × place × population group × indicator, or monthly sums when
    `dims` has the month). Returns (groups, rule, needs suppression, source)."""
    settings = activity_settings(operation)
    rule = settings.cumulative_rule
    month_from, month_to = year_range(year)
    filters = fivew.Filters(month_from=month_from, month_to=month_to)
    link = _link_filter(activity_ids, indicator_ids)
    names = ["activity", "indicator", *dims]
    # Aliases that name no field of the rows: {alias: field}.
    exprs: dict[str, Combinable | str] = {
        f"k_{name}": f"{name}_id" if name != "month" else "month" for name in names
    }
    state = summary_state(operation) if extra is None else None
    summary = summary_rows(
        state=state,
        user=user,
        operation=operation,
        filters=filters,
        dims=names,
        rule=rule,
    )
    if summary is not None:
        rows: QuerySet[Any] = summary.rows.filter(link)
        groups = sum_groups(rows, dims=exprs, measures=[measure])
        disclose = summary_needs_disclosure_control(
            user, operation, SummaryRows(rows=rows, grain=summary.grain)
        )
        return _named(groups, names), rule, disclose, f"summary:{summary.grain}"
    report_rows = fivew.apply_filters(
        fivew.visible_rows(user, operation), operation, filters, user=user
    )
    report_rows = report_rows.filter(link)
    if extra is not None:
        report_rows = report_rows.filter(extra)
    groups = aggregate(report_rows, dims=exprs, rule=rule, measures=[measure])
    disclose = needs_disclosure_control(user, operation, report_rows)
    return _named(groups, names), rule, disclose, "rows"


def needs_disclosure_control(user: Any, operation: Operation, rows: QuerySet[Any]) -> bool:
    """True when 5W `rows` include sensitive-activity rows of another organisation that the user
    could not see one by one: the framework's counts then go through small-count suppression.

    Known gap: the 5W pivot cuts such rows into blocks safe against differencing
    (tutela.activities.selectors.disclosure); the framework still suppresses each table on its
    own, so two framework views of a sensitive activity could be differenced."""
    if access.is_cluster_wide(user, operation):
        return False
    others = rows.filter(activity__is_sensitive=True)
    if user.organisation_id:
        others = others.exclude(organisation_id=user.organisation_id)
    return others.exists()


def summary_needs_disclosure_control(user: Any, operation: Operation, summary: SummaryRows) -> bool:
    """needs_disclosure_control over summary rows (the activity's sensitivity is a column)."""
    if access.is_cluster_wide(user, operation):
        return False
    others = summary.rows.filter(sensitive=True)
    if user.organisation_id:
        others = others.exclude(organisation_id=user.organisation_id)
    return others.exists()


def _named(groups: list[dict[str, Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    """Groups keyed by dimension names ("activity", "admin1"...) instead of their aliases."""
    return [
        {
            **{k: v for k, v in g.items() if not k.startswith("k_")},
            **{n: g[f"k_{n}"] for n in names},
        }
        for g in groups
    ]


def reached_series(
    *,
    user: Any,
    operation: Operation,
    groups: list[dict[str, Any]],
    key: Any,
    rule: str,
    disclose: bool,
    source: str,
    measure: str,
    by_month: bool,
    select: Any = None,
) -> Reached:
    """Add up `groups` (from reached_by_link) into values per `key(group)` (groups that `select`
    refuses left out) and suppress small values where the figures leave an organisation."""
    raw: dict[Any, int] = {}
    for group in groups:
        if select is not None and not select(group):
            continue
        k = key(group)
        raw[k] = raw.get(k, 0) + int(group.get(measure) or 0)
    threshold = threshold_for(operation)
    values: dict[Any, int | None] = dict(raw)
    if disclose and raw:
        values = dict(suppress_counts(raw, threshold=threshold).values)
    return Reached(
        values=values,
        rule=rule,
        rule_text=rule_text(rule, by_month=by_month),
        by_month=by_month,
        suppressed=disclose,
        threshold=threshold,
        source=source,
        raw=raw,
    )


def counting_rule(operation: Operation, *, by_month: bool = False) -> str:
    return rule_text(activity_settings(operation).cumulative_rule, by_month=by_month)


# --- 5W rows tied to a project -------------------------------------------------------------------


def project_rows(user: Any, operation: Operation, *, project_id: int, code: str) -> Q:
    """The filter of the 5W rows reported against a project: tied to it, or carrying its code
    from before the project was registered."""
    del user, operation
    return Q(project_id=project_id) | Q(project_id__isnull=True, project_code__iexact=code)


def project_reached(
    *, user: Any, operation: Operation, project_id: int, code: str, organisation_ids: set[int]
) -> dict[str, Any]:
    """What was reported against a project in the 5W, as the user may see it: people reached by
    activity (by the counting rule) and by month, and the rows the user may list."""
    link = project_rows(user, operation, project_id=project_id, code=code)
    rows = (
        fivew.visible_rows(user, operation)
        .filter(organisation_id__in=sorted(organisation_ids))
        .filter(link)
    )
    settings = activity_settings(operation)
    rule = settings.cumulative_rule
    by_activity = aggregate(rows, dims={"a": "activity_id"}, rule=rule, measures=["total"])
    by_month = sum_groups(rows, dims={"m": "month"}, measures=["total"])
    overall = aggregate(rows, dims={}, rule=rule, measures=["total"])
    disclose = needs_disclosure_control(user, operation, rows)
    threshold = threshold_for(operation)
    activity_values: dict[Any, int | None] = {g["a"]: g["total"] for g in by_activity}
    month_values: dict[Any, int | None] = {g["m"]: g["total"] for g in by_month}
    total: int | None = overall[0]["total"] if overall else 0
    if disclose:
        series = suppress_counts(
            {k: int(v or 0) for k, v in activity_values.items()}, threshold=threshold
        )
        activity_values = dict(series.values)
        month_values = dict(
            suppress_counts(
                {k: int(v or 0) for k, v in month_values.items()}, threshold=threshold
            ).values
        )
        total = None if total is not None and 0 < total < threshold else total
    listable = (
        fivew.listable_rows(user, operation)
        .filter(organisation_id__in=sorted(organisation_ids))
        .filter(link)
        .select_related("activity", "area", "population_group", "organisation")
        .order_by("-month", "activity__code", "area__pcode")
    )
    return {
        "by_activity": [
            (activity, activity_values.get(activity.pk))
            for activity in Activity.objects.filter(pk__in=list(activity_values)).order_by("code")
        ],
        "by_month": sorted(month_values.items()),
        "total": total,
        "rule_text": rule_text(rule, by_month=False),
        "month_rule_text": rule_text(rule, by_month=True),
        "suppressed": disclose,
        "threshold": threshold,
        "rows": listable,
    }


# --- presence and gaps, for proposal checks -------------------------------------------------------


@dataclass
class AreaCheck:
    area: AdminArea
    partners: int
    # Partner acronyms; None where names are hidden (insecure area).
    organisations: list[str] | None
    # Partners reporting the proposal's activities there; None where names are hidden.
    same_activities: list[str] | None
    already_there: bool
    severity: int | None
    is_gap: bool
    gap_reasons: list[str]


def area_checks(
    *,
    user: Any,
    operation: Operation,
    areas: Sequence[AdminArea],
    activity_ids: Sequence[int],
    organisation_id: int,
    year: int,
) -> list[AreaCheck]:
    """For each area of a proposal: who already works there (5W presence) and who reports the
    same activities there (overlap), its severity and whether it is on the gap list — as the user
    may see them."""
    out = []
    levels = sorted({a.level for a in areas if 1 <= a.level <= 3})
    month_from, month_to = year_range(year)
    presence: dict[int, dict[int, Any]] = {}
    same: dict[int, dict[int, set[str] | None]] = {}
    gap_areas: dict[int, dict[int, list[str]]] = {}
    severity: dict[int, dict[int, int | None]] = {}
    for level in levels:
        result = fivew.presence(
            user=user, operation=operation, level=level, month_from=month_from, month_to=month_to
        )
        presence[level] = {a.area_id: a for a in result.areas}
        overlap: dict[int, set[str] | None] = {}
        for activity_id in activity_ids:
            by_activity = fivew.presence(
                user=user,
                operation=operation,
                level=level,
                filters=fivew.Filters(
                    activity=Activity(pk=activity_id),
                    month_from=month_from,
                    month_to=month_to,
                ),
            )
            for item in by_activity.areas:
                if not item.partners:
                    continue
                if item.organisations is None:
                    overlap[item.area_id] = None
                elif overlap.get(item.area_id, set()) is not None:
                    current = overlap.setdefault(item.area_id, set())
                    assert current is not None
                    current.update(item.organisations)
        same[level] = overlap
        found = fivew.gaps(user=user, operation=operation, level=level, year=year)
        gap_areas[level] = {g.area.area_id: g.reasons for g in found.gaps}
        severity[level] = {a.area_id: a.severity for a in found.coverage.areas}
    own = Organisation.objects.filter(pk=organisation_id).values_list("acronym", flat=True).first()
    for area in areas:
        level = area.level
        found_presence = presence.get(level, {}).get(area.pk)
        organisations = found_presence.organisations if found_presence is not None else []
        overlap_names = same.get(level, {}).get(area.pk, set())
        out.append(
            AreaCheck(
                area=area,
                partners=found_presence.partners if found_presence is not None else 0,
                organisations=organisations,
                same_activities=sorted(overlap_names) if overlap_names is not None else None,
                already_there=bool(own and organisations and own in organisations),
                severity=severity.get(level, {}).get(area.pk),
                is_gap=area.pk in gap_areas.get(level, {}),
                gap_reasons=gap_areas.get(level, {}).get(area.pk, []),
            )
        )
    return out


def population_groups(operation: Operation) -> QuerySet[PopulationGroup]:
    return PopulationGroup.objects.filter(operation=operation)
