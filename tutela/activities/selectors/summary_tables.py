"""Which summary rows stand for the 5W rows a user may count, for tables and maps.

Large operations keep summary tables (models.summaries, services.summaries). A table or map
whose dimensions and filters they hold is answered from them: the same visibility rules and
filters, applied to rows that are already sums (monthly) or already the rows the counting rule
picks (cumulative), so that the result is the same as from the 5W rows. Anything else (row
status filter, months inside the period for a cumulative table, stale tables...) is answered
from the 5W rows. Nothing here writes: freshness is the write paths' job."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from tutela.activities.models import ActivitySettings, MonthlySummary, PickedSummary, SummaryState
from tutela.activities.models.summary_grains import MONTHLY_GRAINS, PICKED_GRAINS, hidden_key
from tutela.activities.selectors.filters import (
    Filters,
    apply_scope_filters,
    organisation_filter_hidden,
)
from tutela.activities.selectors.visibility import ORGANISATION_ROLES
from tutela.core import access
from tutela.core.models import Operation, User

# The summary column each dimension needs.
DIMENSION_COLUMNS = {
    "organisation": "organisation_id",
    "organisation_type": "organisation_id",
    "body": "body_id",
    "activity": "activity_id",
    "indicator": "indicator_id",
    "admin1": "admin1_id",
    "admin2": "admin2_id",
    "admin3": "admin3_id",
    "month": "month",
    "population_group": "population_group_id",
}


def summary_state(operation: Operation) -> SummaryState | None:
    """The operation's summary tables when they are fresh and filled, else None (then reads go to
    the 5W rows). Only reads: the write that made them stale queued their rebuild
    (services.summaries.summaries_invalidate)."""
    state = SummaryState.objects.filter(operation=operation).first()
    if state is None or not state.is_fresh or not state.enabled:
        return None
    return state


def _filter_columns(filters: Filters) -> set[str] | None:
    """The summary columns the filters need; None when no summary table holds them."""
    if filters.status or filters.site:
        # No summary table keeps the site (its grains stop at admin 2 and 3).
        return None
    columns: set[str] = set()
    if filters.month_from or filters.month_to:
        columns.add("month")
    if filters.body is not None:
        columns.add("body_id")
    if filters.activity is not None:
        columns.add("activity_id")
    if filters.organisation is not None:
        columns.add("organisation_id")
    if filters.area is not None:
        level = filters.area.level
        columns.add(f"admin{level}_id" if 1 <= level <= 3 else "area_id")
    if filters.population_group is not None:
        columns.add("population_group_id")
    return columns


@dataclass(frozen=True)
class SummaryRows:
    """Summary rows standing for the 5W rows a user may count (see summary_rows)."""

    rows: QuerySet[Any]
    grain: str


def summary_rows(
    *,
    state: SummaryState | None,
    user: User,
    operation: Operation,
    filters: Filters,
    dims: Sequence[str],
    rule: str,
    hidden_areas: set[int] = frozenset(),  # type: ignore[assignment]
    columns: Iterable[str] = (),
    monthly: bool | None = None,
) -> SummaryRows | None:
    """The summary rows standing for the 5W rows the user may count, filtered, for a table by
    `dims` under `rule` (monthly sums for tables by month and the "new people only" rule, picks
    otherwise; `monthly` forces the monthly sums), from the smallest grain that holds every
    column needed (also `columns`); None when the summary tables cannot answer (then the 5W rows
    do)."""
    if state is None or not state.enabled:
        return None
    roles = access.roles_in(user, operation)
    if not roles:
        return None
    needed = _filter_columns(filters)
    if needed is None:
        return None
    if any(d not in DIMENSION_COLUMNS for d in dims):
        # A dimension no summary table keeps (the site): the 5W rows answer.
        return None
    needed |= {DIMENSION_COLUMNS[d] for d in dims} | set(columns)
    cluster_wide = access.is_cluster_wide(user, operation)
    if not cluster_wide and user.organisation_id is not None:
        # Partners see their own rows at any status; disclosure control leaves them out.
        needed.add("organisation_id")
    if "organisation" in dims and not _built_with(state, hidden_areas):
        return None
    # An organisation filter leaves out the areas where names are hidden (by the summary's
    # `named` flag, which must have been computed from the same areas).
    unnamed = organisation_filter_hidden(user, operation, filters)
    if unnamed and not _built_with(state, unnamed):
        return None
    if monthly is None:
        monthly = "month" in dims or rule == ActivitySettings.CumulativeRule.NEW_ONLY
    by_indicator = "indicator" in dims
    if not monthly:
        if not _picks_answer(state, rule, filters):
            return None
        needed.discard("month")
    best = _smallest_grain(state, needed, monthly=monthly, by_indicator=by_indicator)
    if best is None:
        return None
    model: type[MonthlySummary] | type[PickedSummary] = MonthlySummary if monthly else PickedSummary
    rows: QuerySet[Any] = model.objects.filter(operation_id=state.rows_key, grain=best)
    organisation_roles = bool(roles & ORGANISATION_ROLES) and user.organisation_id is not None
    if monthly:
        rows = _visible_monthly(rows, user, filters, cluster_wide, organisation_roles)
    else:
        rows = _visible_picks(rows, user, filters, cluster_wide, organisation_roles, by_indicator)
    rows = apply_scope_filters(rows, operation, filters, unnamed_areas=unnamed, summary=True)
    return SummaryRows(rows=rows, grain=best)


def _built_with(state: SummaryState, hidden_areas: set[int]) -> bool:
    """Whether the tables were built with these areas as the ones where partner names are hidden
    (no areas: nothing to check)."""
    return not hidden_areas or hidden_key(hidden_areas) == state.hidden_key


def _picks_answer(state: SummaryState, rule: str, filters: Filters) -> bool:
    """Whether the picks answer a cumulative table: made under the same rule, over the whole
    period (a narrower one needs the 5W rows)."""
    if state.rule != rule:
        return False
    first, last = state.first_month, state.last_month
    return not (
        (filters.month_from and (first is None or filters.month_from > first))
        or (filters.month_to and (last is None or filters.month_to < last))
    )


def _smallest_grain(
    state: SummaryState, needed: set[str], *, monthly: bool, by_indicator: bool
) -> str | None:
    """The grain with the fewest rows that holds every needed column; None if none does."""
    grains = MONTHLY_GRAINS if monthly else PICKED_GRAINS
    best: str | None = None
    for grain in grains:
        if grain.name not in state.grain_rows:
            continue
        if not monthly and by_indicator and grain.source:
            continue  # per-indicator picks are kept in "p0" only
        columns = {*grain.columns, "month"} if monthly else set(grain.columns)
        if needed <= columns and (
            best is None or state.grain_rows[grain.name] < state.grain_rows[best]
        ):
            best = grain.name
    return best


def _visible_monthly(
    rows: QuerySet[Any],
    user: User,
    filters: Filters,
    cluster_wide: bool,
    organisation_roles: bool,
) -> QuerySet[Any]:
    """Monthly sums the user may count: validated rows, their own organisation's at any status
    (cluster-wide roles: every row), within the months asked for."""
    if filters.validated_only:
        rows = rows.filter(validated=True)
    if not cluster_wide:
        seen = Q(validated=True)
        if organisation_roles:
            seen |= Q(organisation_id=user.organisation_id)
        rows = rows.filter(seen)
    if filters.month_from:
        rows = rows.filter(month__gte=filters.month_from)
    if filters.month_to:
        rows = rows.filter(month__lte=filters.month_to)
    return rows


def _visible_picks(
    rows: QuerySet[Any],
    user: User,
    filters: Filters,
    cluster_wide: bool,
    organisation_roles: bool,
    by_indicator: bool,
) -> QuerySet[Any]:
    """Picks the user may count: made over all rows or over validated rows only, as they see."""
    suffix = "_ki" if by_indicator else ""
    every, validated = f"in_all{suffix}", f"in_validated{suffix}"
    if filters.validated_only or not (cluster_wide or organisation_roles):
        return rows.filter(**{validated: True})
    if cluster_wide:
        return rows.filter(**{every: True})
    # A key belongs to one organisation: its pick over all rows for the partner's own
    # organisation, over validated rows for the others.
    mine = Q(organisation_id=user.organisation_id)
    return rows.filter((mine & Q(**{every: True})) | (~mine & Q(**{validated: True})))
