"""People reached (or other quantities) from the 5W rows the user may count, by the 5W's counting
rule and visibility rules, small counts suppressed where figures leave an organisation."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.db.models.expressions import Combinable

from tutela.activities import selectors as fivew
from tutela.activities.selectors import disclosure
from tutela.activities.selectors.aggregates import aggregate, rule_text, sum_groups
from tutela.activities.selectors.summary_tables import summary_rows, summary_state
from tutela.activities.selectors.visibility import activity_settings, hidden_name_area_ids
from tutela.core import access
from tutela.core.disclosure import suppress_counts, threshold_for
from tutela.core.models import Operation, User


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
    user: User,
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
    *, state: Any, user: User, operation: Operation, parts: tuple[Any, ...]
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
    user: User,
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
    # Only the blocks of these activities and indicators are kept below.
    kept = [("activity_id", list(activity_ids))]
    if by_indicator:
        kept.append(("indicator_id", list(indicator_ids)))
    blocks = _hidden_blocks(user, operation, counted, filters, rule, names, measures, kept)
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
    user: User,
    operation: Operation,
    counted: QuerySet[Any],
    filters: Any,
    rule: str,
    names: Sequence[str],
    measures: Sequence[str],
    kept: Sequence[tuple[str, Sequence[int]]],
) -> Any:
    """The pivot's blocks of the rows the user may not see one by one, for a table by `names`
    over the period of `filters`; None when the period holds no such row (no control). Only
    blocks lying in one of `kept` ((atom dimension, values) pairs) are asked for: the hidden
    rows read are narrowed to them (`activities.selectors.narrowing`)."""
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
        # Only folded by the table's dimensions below (monthly blocks month by month).
        fold_by=(names, measures),
        kept_if_any=kept,
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
