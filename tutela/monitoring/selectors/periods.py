"""Periods of the incident atoms: blocks may span the months of a quarter, never two quarters
(`selectors.atoms.INCIDENT_POOL`), so a view reads the atoms of its period widened to whole
quarters and keeps the blocks lying wholly inside its period."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.month_names import month_abbr
from tutela.monitoring.models import IncidentSummary
from tutela.monitoring.selectors.base import POOLED, AnalysisFilters, add_months, block_filter


def quarter_of(month: datetime.date) -> datetime.date:
    """The first month of the quarter of `month`."""
    return datetime.date(month.year, month.month - (month.month - 1) % 3, 1)


def whole_quarters(filters: AnalysisFilters) -> AnalysisFilters:
    """`filters` with its period widened to whole quarters (the atoms pooled for a view)."""
    first, last = filters.month_from, filters.month_to
    return filters.with_months(
        quarter_of(first) if first else None, add_months(quarter_of(last), 2) if last else None
    )


def held_period(operation_id: int, filters: AnalysisFilters) -> AnalysisFilters:
    """`filters` with each end of its period moved to its quarter's end when the months between
    hold no counted incident of the operation (whoever reads): a block pooled across that
    quarter is then made of months the view holds only, and inside it. The pages' default
    period ends at the last month with incidents, mid-quarter most often: without this, the
    current quarter's pooled small groups were left out of it. One lookup of the summary's
    (operation, month) index, when an end is not a quarter's."""
    widened = whole_quarters(filters)
    first, last = filters.month_from, filters.month_to
    before: list[datetime.date] = []
    after: list[datetime.date] = []
    if first is not None and widened.month_from is not None:
        before = [
            add_months(first, -i) for i in (1, 2) if add_months(first, -i) >= widened.month_from
        ]
    if last is not None and widened.month_to is not None:
        after = [add_months(last, i) for i in (1, 2) if add_months(last, i) <= widened.month_to]
    if not before and not after:
        return filters
    held = set(
        IncidentSummary.objects.filter(
            operation_id=operation_id, month__in=before + after, incidents__gt=0
        ).values_list("month", flat=True)
    )
    if before and not held.intersection(before):
        first = widened.month_from
    if after and not held.intersection(after):
        last = widened.month_to
    return filters.with_months(first, last)


def view_predicate(filters: AnalysisFilters) -> Callable[[dict[str, Any]], bool] | None:
    """Is a block wholly inside the view: its area, risk and verification filters
    (`block_filter`) and its period (a block pooled across the months of a quarter is inside
    only when the whole quarter is)? None when every block is."""
    base = block_filter(filters)
    first, last = filters.month_from, filters.month_to
    if whole_quarters(filters) == filters:
        return base

    def predicate(key: dict[str, Any]) -> bool:
        month = key["month"]
        if month == POOLED:
            start, end = key["quarter"], add_months(key["quarter"], 2)
        else:
            start = end = month
        if first is not None and start < first:
            return False
        if last is not None and end > last:
            return False
        return base is None or base(key)

    return predicate


def quarter_label(quarter: datetime.date) -> str:
    """ "Q3 2026" / "T3 2026" in the active language."""
    return _("Q%(quarter)s %(year)s") % {
        "quarter": (quarter.month - 1) // 3 + 1,
        "year": quarter.year,
    }


def quarter_rows(months: list[datetime.date]) -> tuple[list[datetime.date], list[str]]:
    """The quarters of a period's `months` (in order) and their labels: "Q1 2026" ("T1 2026"),
    or, for a quarter the period holds only part of, its months ("déc. 2025", "oct. 2026 –
    nov. 2026"): such a row counts only those months' blocks."""
    keys: list[datetime.date] = []
    labels: list[str] = []
    for quarter in sorted({quarter_of(m) for m in months}):
        held = [m for m in months if quarter_of(m) == quarter]
        keys.append(quarter)
        if len(held) == 3:
            labels.append(quarter_label(quarter))
        elif len(held) == 1:
            labels.append(month_abbr(held[0]))
        else:
            labels.append(f"{month_abbr(held[0])} – {month_abbr(held[-1])}")
    return keys, labels
