"""The records of the 5W rows a user may only count in whole blocks (other organisations' rows
of sensitive activities: `selectors.disclosure`), summed by the atom dimensions: from the 5W rows
of the period (`grouped_records`, by the counting rule's picks unless additive), or read from the
summary tables' picks where they can answer (`hidden_picks`, `picked_records`)."""

from __future__ import annotations

from collections.abc import Collection
from operator import itemgetter
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    F,
    IntegerField,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce

from tutela.activities.models import (
    ActivityReport,
    PickedSummary,
    Submission,
    SummaryState,
)
from tutela.activities.models.fields import SEX_AGE
from tutela.activities.selectors.aggregates import aggregate
from tutela.activities.selectors.filters import Filters
from tutela.activities.selectors.names import month_value
from tutela.core import access
from tutela.core.models import Operation, User

# The measures each record carries, after its dimensions.
STORED = (*SEX_AGE, "total", "with_disability", "quantity")


def period_rows(
    rows: QuerySet[ActivityReport], filters: Filters, *, row_filters: bool
) -> QuerySet[ActivityReport]:
    if filters.month_from:
        rows = rows.filter(month__gte=filters.month_from)
    if filters.month_to:
        rows = rows.filter(month__lte=filters.month_to)
    if row_filters:
        if filters.status:
            rows = rows.filter(status=filters.status)
        if filters.validated_only:
            rows = rows.filter(submission__status=Submission.Status.VALIDATED)
    return rows


def atom_dimensions(
    *, monthly: bool, by_indicator: bool, unnamed: Collection[int]
) -> dict[str, Any]:
    """{atom dimension: field or expression} of the atoms."""
    organisation: Combinable | str = "organisation_id"
    if unnamed:
        organisation = Case(
            When(area_id__in=sorted(unnamed), then=Value(None)),
            default=F("organisation_id"),
            output_field=IntegerField(),
        )
    dims: dict[str, Any] = {}
    if monthly:
        dims["month"] = "month"
    dims.update(
        {
            "organisation_id": organisation,
            "org_type": "organisation__type",
            "body_id": "body_id",
            "activity_id": "activity_id",
            "admin1_id": "admin1_id",
            "admin2_id": "admin2_id",
            "admin3_id": "admin3_id",
            "area_id": "area_id",
            "population_group_id": "population_group_id",
            "site_key": "site_key",
        }
    )
    if by_indicator:
        dims["indicator_id"] = "indicator_id"
    if monthly:
        dims["status"] = "status"
        dims["validated"] = Case(
            When(submission__status=Submission.Status.VALIDATED, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    return dims


def _aliased(dims: dict[str, Any]) -> dict[str, Any]:
    # SQL aliases may not be field names.
    return {f"k_{name}": expression for name, expression in dims.items()}


def grouped_records(
    rows: QuerySet[ActivityReport], dims: dict[str, Any], *, rule: str, additive: bool
) -> list[tuple[Any, ...]]:
    """The hidden 5W `rows` by the atom dimensions: the dimensions' values then the `STORED`
    measures. Under a picking rule (not `additive`) the picks summed, one record per group;
    `additive`: one record per row, as the database gives them (the month as ISO text, the flag
    as 0/1 or a bool: `plain_value` makes them plain), left for `pooled_atoms` to sum (a GROUP
    BY over a dozen columns cost SQLite more than reading the rows)."""
    names = tuple(dims)
    if additive:
        return _summed(rows, _aliased(dims), grouped=False)
    grouped = aggregate(rows, dims=_aliased(dims), rule=rule, measures=STORED)
    return [
        (
            *(plain_value(n, group[f"k_{n}"]) for n in names),
            *(group[m] for m in STORED),
        )
        for group in grouped
    ]


def picked_records(picks: QuerySet[PickedSummary], dims: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The picks by the atom dimensions in ONE query, one record per pick (no month or flag
    among them), left for `pooled_atoms` to sum as the additive `grouped_records` are: the picks
    are nearly one per atom key, and sorting them for a GROUP BY cost PostgreSQL half the query
    at 1,000,000 5W rows."""
    return _summed(picks, _aliased(dims), grouped=False)


def _summed(
    rows: QuerySet[Any], aliased: dict[str, Any], *, grouped: bool = True
) -> list[tuple[Any, ...]]:
    """ONE query: `rows` summed (`STORED` measures) by the aliased dimensions, fetched as plain
    tuples (the aliases' values then the sums), without Django's per-value conversions; or, not
    `grouped`, the rows' own values (the month as text: no date made per row)."""
    expressions = {a: F(e) if isinstance(e, str) else e for a, e in aliased.items()}
    if grouped:
        # As 64-bit integers: PostgreSQL sums bigint columns (the summary tables') as numeric,
        # which arrive as Decimals, slow to make arrays of.
        sums: dict[str, Any] = {
            f"m_{m}": Cast(Coalesce(Sum(m), 0), output_field=BigIntegerField()) for m in STORED
        }
        query = rows.annotate(**expressions).values(*aliased).annotate(**sums).order_by()
    else:
        if "k_month" in expressions:
            expressions["k_month"] = Cast("month", output_field=CharField())
        sums = {f"m_{m}": F(m) for m in STORED}
        query = rows.annotate(**expressions, **sums).values(*aliased, *sums).order_by()
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        at = [columns.index(a) for a in (*aliased, *sums)]
        records = cursor.fetchall()
        if at == list(range(len(columns))):
            return list(map(tuple, records))
        return list(map(itemgetter(*at), records))


def hidden_picks(
    user: User, operation: Operation, filters: Filters, rule: str, by_indicator: bool
) -> QuerySet[PickedSummary] | None:
    """The rows the counting rule picks among the user's hidden rows of the period, read from the
    summary tables' picks (grain "p0": one row per pick, as `aggregate`'s window function picks
    them) instead of picked again from the 5W rows; None when the picks cannot answer (tables
    stale or off, built under another rule, a period narrower than theirs, a status filter).

    Hidden rows are other organisations' rows (sensitive activities), which a non-cluster-wide
    user counts only once validated (visibility.visible_rows): their picks are the picks over
    validated rows (`in_validated`; per indicator too where the atoms are: `in_validated_ki`)."""
    if filters.status or not access.roles_in(user, operation):
        # No role: the user counts no row (visibility.visible_rows), hence no hidden one.
        return None
    state = SummaryState.objects.filter(operation=operation).first()
    if state is None or not state.is_fresh or not state.enabled or "p0" not in state.grain_rows:
        return None
    if state.rule != rule:
        return None
    first, last = state.first_month, state.last_month
    if (filters.month_from and (first is None or filters.month_from > first)) or (
        filters.month_to and (last is None or filters.month_to < last)
    ):
        return None
    picks = PickedSummary.objects.filter(
        operation_id=state.rows_key,
        grain="p0",
        sensitive=True,
        **{"in_validated_ki" if by_indicator else "in_validated": True},
    )
    own = getattr(user, "organisation_id", None)
    if own:
        picks = picks.exclude(organisation_id=own)
    return picks


def plain_value(name: str, value: Any) -> Any:
    """A dimension's value as the database gives it, made plain: the month a date (SQLite gives
    text), the validation flag a bool (SQLite gives the CASE as 0/1)."""
    if name == "month":
        return month_value(value)
    return bool(value) if name == "validated" and value is not None else value
