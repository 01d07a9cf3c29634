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
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.db.models.expressions import Combinable

from tutela.activities import selectors as fivew
from tutela.activities.models import Activity, Indicator, PlanningFigure
from tutela.activities.selectors import disclosure
from tutela.activities.selectors.aggregates import aggregate, rule_text, sum_groups
from tutela.activities.selectors.names import POOLED_LABEL as POOLED_LABEL
from tutela.activities.selectors.planning import planning_by_area
from tutela.activities.selectors.summary_tables import summary_rows, summary_state
from tutela.activities.selectors.visibility import activity_settings, hidden_name_area_ids
from tutela.core import access
from tutela.core.disclosure import suppress_counts, threshold_for
from tutela.core.disclosure_blocks import POOLED as POOLED
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
    # The values' total (None where hidden); a sum over months where `by_month`.
    total: int | None
    rule: str
    rule_text: str
    by_month: bool
    suppressed: bool
    threshold: int
    source: str = "rows"
    rounded: bool = False
    # Unsuppressed values, for sorting and gap rules; never shown.
    raw: dict[Any, int] = field(default_factory=dict, repr=False)


def _link_filter(activity_ids: Sequence[int], indicator_ids: Sequence[int]) -> Q:
    link = Q(pk__in=[])
    if activity_ids:
        link |= Q(activity_id__in=list(activity_ids))
    if indicator_ids:
        link |= Q(indicator_id__in=list(indicator_ids))
    return link


@dataclass
class ReachedGroups:
    """The measure by (activity, indicator, *dims) from reached_by_link: `groups` are dicts keyed
    by dimension name ("activity", "indicator", "admin1", "month"...), a value being POOLED in a
    group of whole blocks pooled across that dimension. `controlled`: the figures count rows the
    user may not see one by one (in whole blocks) and go through small-count suppression;
    `rounded`: those blocks were brought down to a multiple of the threshold."""

    groups: list[dict[str, Any]]
    rule: str
    controlled: bool
    source: str
    rounded: bool = False


def reached_by_link(
    *,
    user: Any,
    operation: Operation,
    year: int,
    activity_ids: Sequence[int],
    indicator_ids: Sequence[int],
    measure: str = "total",
    dims: Sequence[str] = (),
) -> ReachedGroups:
    """The measure by (activity, indicator, *dims) over the year's 5W rows the user may count that
    belong to the given activities or indicators, by the operation's counting rule (picks per
    partner × activity × place × population group × indicator, or monthly sums when `dims` has
    the month).

    Disclosure control is the 5W pivot's (tutela.activities.selectors.disclosure): rows the user
    may not see one by one (sensitive activities of other organisations) are counted only in the
    whole blocks the pivot cuts for the same period, so that every figure is a sum of whole
    blocks plus rows the user may list, and an indicator linked to one activity shows exactly the
    5W pivot's figure for it. Two framework views (two indicators, an area and its child areas,
    the framework and the pivot) then never differ by a small count of hidden rows. The blocks
    are those of the pivot by activity (by activity and indicator where plan indicators are
    linked to 5W indicators, as the pivot by indicator)."""
    state = summary_state(operation)
    key = _cache_key(
        state=state,
        user=user,
        operation=operation,
        parts=(year, sorted(activity_ids), sorted(indicator_ids), measure, list(dims)),
    )
    if key is not None:
        found = cache.get(key)
        if isinstance(found, ReachedGroups):
            return found
    result = _reached_by_link(
        user=user,
        operation=operation,
        state=state,
        year=year,
        activity_ids=activity_ids,
        indicator_ids=indicator_ids,
        measure=measure,
        dims=dims,
    )
    if key is not None:
        cache.set(key, result, CACHE_SECONDS)
    return result


# Results of reached_by_link are kept this long at most (their key changes with the 5W data
# anyway, see _cache_key).
CACHE_SECONDS = 600


def _cache_key(
    *, state: Any, user: Any, operation: Operation, parts: tuple[Any, ...]
) -> str | None:
    """The cache key of a reached_by_link result, or None when it must not be cached.

    Results are cached only while the 5W summary tables are fresh: their state's `version` is
    bumped by every write that can change a 5W figure (rows, submission statuses, the catalogue
    and its sensitivity, the counting rule, the areas where names are hidden; see
    activities.services.summaries.summaries_invalidate), so a key holding it changes with the
    data. What the user may count and see one by one depends on their roles and organisation
    only; the threshold is the operation's."""
    if state is None or not state.enabled or not state.is_fresh:
        return None
    roles = ",".join(sorted(access.roles_in(user, operation)))
    text = repr(
        (
            operation.pk,
            state.version,
            state.built_version,
            # A database made again (tests, restores) can repeat ids and versions; not the time
            # of the build.
            state.built_at.isoformat() if state.built_at else None,
            state.rows_sign,
            threshold_for(operation),
            roles,
            getattr(user, "organisation_id", None),
            parts,
        )
    )
    return "planning:reached:" + hashlib.sha256(text.encode()).hexdigest()


def _reached_by_link(
    *,
    user: Any,
    operation: Operation,
    state: Any,
    year: int,
    activity_ids: Sequence[int],
    indicator_ids: Sequence[int],
    measure: str,
    dims: Sequence[str],
) -> ReachedGroups:
    settings = activity_settings(operation)
    rule = settings.cumulative_rule
    month_from, month_to = year_range(year)
    filters = fivew.Filters(month_from=month_from, month_to=month_to)
    link = _link_filter(activity_ids, indicator_ids)
    by_indicator = bool(indicator_ids)
    names = ["activity", *(["indicator"] if by_indicator else []), *dims]
    measures = [measure]
    # Aliases that name no field of the rows.
    exprs: dict[str, Combinable | str] = {
        f"d{i}": f"{name}_id" if name != "month" else "month" for i, name in enumerate(names)
    }
    counted = fivew.visible_rows(user, operation)
    blocks = _hidden_blocks(user, operation, counted, filters, rule, names)
    summary = summary_rows(
        state=state, user=user, operation=operation, filters=filters, dims=names, rule=rule
    )
    if summary is not None:
        rows: QuerySet[Any] = summary.rows.filter(link)
        if blocks is not None:
            hidden = disclosure.hidden_summary_q(user, operation)
            if hidden is not None:
                rows = rows.exclude(hidden)
        groups = sum_groups(rows, dims=exprs, measures=measures)
        source = f"summary:{summary.grain}"
    else:
        report_rows = fivew.apply_filters(counted, operation, filters, user=user).filter(link)
        if blocks is not None:
            hidden = disclosure.hidden_rows_q(user, operation)
            if hidden is not None:
                report_rows = report_rows.exclude(hidden)
        groups = aggregate(report_rows, dims=exprs, rule=rule, measures=measures)
        source = "rows"
    if blocks is not None:
        groups = disclosure.merge(groups, disclosure.fold(blocks, names, measures), names, measures)
    activities, indicators = set(activity_ids), set(indicator_ids)
    named = []
    for group in groups:
        item = {name: group[f"d{i}"] for i, name in enumerate(names)}
        item.setdefault("indicator", None)
        # Blocks of other activities, or pooled across the activity (and the indicator), are
        # not the indicator's.
        if item["activity"] in activities or (
            item["indicator"] is not None and item["indicator"] in indicators
        ):
            item[measure] = int(group.get(measure) or 0)
            named.append(item)
    return ReachedGroups(
        groups=named,
        rule=rule,
        controlled=blocks is not None,
        source=source,
        rounded=blocks is not None and blocks.rounded,
    )


def _hidden_blocks(
    user: Any,
    operation: Operation,
    counted: QuerySet[Any],
    filters: Any,
    rule: str,
    names: Sequence[str],
) -> Any:
    """The pivot's blocks of the rows the user may not see one by one, for a table by `names`
    over the period of `filters`; None when the period holds no such row (no control)."""
    if disclosure.hidden_rows_q(user, operation) is None:
        return None
    blocks = disclosure.hidden_blocks(
        user=user,
        operation=operation,
        visible=counted,
        filters=filters,
        rule=rule,
        monthly="month" in names,
        by_indicator="indicator" in names,
        unnamed=hidden_name_area_ids(user, operation),
        threshold=threshold_for(operation),
    )
    if blocks is None or not blocks.controlled:
        return None
    return blocks


def reached_series(
    *,
    operation: Operation,
    reached: ReachedGroups,
    key: Any,
    measure: str,
    by_month: bool,
) -> Reached:
    """Add up the groups of reached_by_link into values per `key(group)` and hide small values
    where the figures count rows the user may not see one by one (the values, with their total,
    as a one-row table: primary and complementary suppression)."""
    raw: dict[Any, int] = {}
    for group in reached.groups:
        k = key(group)
        raw[k] = raw.get(k, 0) + int(group.get(measure) or 0)
    threshold = threshold_for(operation)
    values: dict[Any, int | None] = dict(raw)
    total: int | None = sum(raw.values())
    if reached.controlled and raw:
        series = suppress_counts(raw, threshold=threshold)
        values, total = dict(series.values), series.total
    return Reached(
        values=values,
        total=total,
        rule=reached.rule,
        rule_text=rule_text(reached.rule, by_month=by_month),
        by_month=by_month,
        suppressed=reached.controlled,
        threshold=threshold,
        source=reached.source,
        rounded=reached.rounded,
        raw=raw,
    )


def counting_rule_code(operation: Operation) -> str:
    return str(activity_settings(operation).cumulative_rule)


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
    activity (by the counting rule) and by month, and the rows the user may list.

    The project is not a dimension of the 5W's disclosure blocks, so rows the user may not see
    one by one (sensitive activities of other organisations) are not counted here at all
    (`left_out`, stated whether or not the project has any, so that the note says nothing about
    them): counted, they could be differenced against the 5W pivot or the framework. The
    cluster-wide roles see every row, and an organisation its own."""
    link = project_rows(user, operation, project_id=project_id, code=code)
    rows = (
        fivew.visible_rows(user, operation)
        .filter(organisation_id__in=sorted(organisation_ids))
        .filter(link)
    )
    hidden = disclosure.hidden_rows_q(user, operation)
    left_out = hidden is not None
    if hidden is not None:
        rows = rows.exclude(hidden)
    settings = activity_settings(operation)
    rule = settings.cumulative_rule
    by_activity = aggregate(rows, dims={"a": "activity_id"}, rule=rule, measures=["total"])
    by_month = sum_groups(rows, dims={"m": "month"}, measures=["total"])
    overall = aggregate(rows, dims={}, rule=rule, measures=["total"])
    activity_values: dict[Any, int | None] = {g["a"]: g["total"] for g in by_activity}
    month_values: dict[Any, int | None] = {g["m"]: g["total"] for g in by_month}
    total: int | None = overall[0]["total"] if overall else 0
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
        "left_out": left_out,
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
