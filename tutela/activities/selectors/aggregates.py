"""Dimensions and measures of the 5W tables, the counting rule and the SQL that applies it.

Counting rule. Partners report people reached each month and the same people come back month after
month, so monthly totals are never added up across months. A table that is not broken down by
month applies the operation's cumulative rule (ActivitySettings.cumulative_rule) per partner ×
activity × location × site × population group first, in SQL (rows without a site are one site):
- max_month: the month with the most people reached (its whole row, so that the sex and age bands
  still add up to the total);
- latest: the latest month reported;
- new_only: months are added up (partners report only people reached for the first time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, QuerySet, Sum, Window
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, RowNumber
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.activities.models import ActivityReport, ActivitySettings
from tutela.activities.models.fields import BY_NAME, SEX_AGE
from tutela.core.models import Operation


@dataclass(frozen=True)
class Dimension:
    name: str
    label: Promise
    field: str


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("organisation", gettext_lazy("Organisation"), "organisation_id"),
        Dimension("organisation_type", gettext_lazy("Organisation type"), "organisation__type"),
        Dimension("body", gettext_lazy("Cluster / AoR"), "body_id"),
        Dimension("activity", gettext_lazy("Activity"), "activity_id"),
        Dimension("indicator", gettext_lazy("Indicator"), "indicator_id"),
        Dimension("admin1", gettext_lazy("Admin 1"), "admin1_id"),
        Dimension("admin2", gettext_lazy("Admin 2"), "admin2_id"),
        Dimension("admin3", gettext_lazy("Admin 3"), "admin3_id"),
        Dimension("month", gettext_lazy("Month"), "month"),
        Dimension("population_group", gettext_lazy("Population group"), "population_group_id"),
        # By its key: the code when given, else the name (see ActivityReport.site_key).
        Dimension("site", gettext_lazy("Site"), "site_key"),
    )
}
MAX_DIMENSIONS = 3

# People counts (sex and age bands, total, disability) and other units.
MEASURES: tuple[str, ...] = (*SEX_AGE, "total", "with_disability", "quantity")
PEOPLE_MEASURES: tuple[str, ...] = (*SEX_AGE, "total", "with_disability")
# The key the cumulative rule works on: one partner, activity, place (and site) and population
# group. People reached at two sites of an activity are counted at each site, as at two places.
RULE_KEY = ("organisation_id", "activity_id", "area_id", "population_group_id", "site_key")


def dimension_label(operation: Operation, name: str) -> str:
    if name in ("admin1", "admin2", "admin3"):
        return operation.level_label(int(name[-1]))
    return str(DIMENSIONS[name].label)


def measure_label(name: str) -> str:
    return str(BY_NAME[name].label)


def rule_text(rule: str, *, by_month: bool) -> str:
    """The counting rule, as stated on pages and in exports."""
    caveat = _(
        "Someone reached by several activities, partners or sites can be counted more than "
        "once when rows are added up."
    )
    if by_month:
        text = _(
            "Figures are per month: each month counts the people reached that month. Monthly "
            "figures are not added up across months."
        )
    elif rule == ActivitySettings.CumulativeRule.NEW_ONLY:
        text = _(
            "People reached over the period: months are added up, because partners report only "
            "people reached for the first time each month."
        )
    elif rule == ActivitySettings.CumulativeRule.LATEST:
        text = _(
            "People reached over the period: for each partner, activity, location, site and "
            "population group, the latest month reported is counted once (partners report "
            "running totals); monthly figures are never added up across months."
        )
    else:
        text = _(
            "People reached over the period: for each partner, activity, location, site and "
            "population group, the month with the most people reached is counted once, and these "
            "are added up; monthly figures are never added up across months."
        )
    return f"{text} {caveat}"


def sum_groups(
    rows: QuerySet[Any], *, dims: Mapping[str, Combinable | str], measures: Sequence[str]
) -> list[dict[str, Any]]:
    """ONE SQL query: plain sums of `measures` grouped by `dims` ({alias: field or expression}),
    over 5W rows or summary rows. Returns one dict per group: aliases and measures."""
    exprs = {alias: F(e) if isinstance(e, str) else e for alias, e in dims.items()}
    sums = {f"m_{m}": Coalesce(Sum(m), 0) for m in measures}
    if not exprs:
        grouped = [rows.order_by().aggregate(**sums)]
    else:
        grouped = list(rows.annotate(**exprs).values(*exprs).annotate(**sums).order_by())
    return [
        {**{a: g[a] for a in exprs}, **{m: int(g[f"m_{m}"] or 0) for m in measures}}
        for g in grouped
    ]


def aggregate(
    rows: QuerySet[ActivityReport],
    *,
    dims: dict[str, Combinable | str],
    rule: str,
    measures: Sequence[str] = MEASURES,
) -> list[dict[str, Any]]:
    """ONE SQL query: the sums of `measures` grouped by `dims` ({alias: field or expression}),
    counting people by `rule` unless the month is among the dimensions (then months are kept
    apart and plain sums are right). Returns one dict per group: aliases and measures."""
    by_month = any(
        expression == "month" or (isinstance(expression, F) and expression.name == "month")
        for expression in dims.values()
    )
    exprs = {alias: F(e) if isinstance(e, str) else e for alias, e in dims.items()}
    if by_month or rule == ActivitySettings.CumulativeRule.NEW_ONLY:
        return sum_groups(rows, dims=exprs, measures=measures)

    # One row per key (and per indicator, where the table shows indicators): pick it with a
    # window function in a subquery, then add up the picked rows by the table's dimensions.
    partition = [F(name) for name in RULE_KEY]
    if "indicator_id" in {getattr(e, "name", None) for e in exprs.values()}:
        partition.append(F("indicator_id"))
    if rule == ActivitySettings.CumulativeRule.LATEST:
        order = [F("month").desc(), F("pk").desc()]
    else:
        order = [F("total").desc(), F("quantity").desc(nulls_last=True), F("month").desc()]
    inner = (
        rows.annotate(**exprs)
        .annotate(pick=Window(RowNumber(), partition_by=partition, order_by=order))
        .values(*exprs, *measures, "pick")
        .order_by()
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    aliases = list(exprs)
    select = ", ".join([quote(a) for a in aliases] + [f"SUM({quote(m)})" for m in measures])
    group = f" GROUP BY {', '.join(quote(a) for a in aliases)}" if aliases else ""
    # Only generated aliases and field names are formatted in; values are bound parameters.
    outer = f"SELECT {select} FROM ({sql}) picked WHERE {quote('pick')} = 1{group}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        fetched = cursor.fetchall()
    out = []
    n = len(aliases)
    for record in fetched:
        item = dict(zip(aliases, record[:n], strict=True))
        item.update({m: int(v or 0) for m, v in zip(measures, record[n:], strict=True)})
        out.append(item)
    return out
