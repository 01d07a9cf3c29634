"""Figures of the Protection Analysis Update: two periods compared, and breakdowns of the incidents
by one of their fields. Read under the same filters, sharing rules and suppression of small
counts as the other analysis selectors."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from tutela.core.hxl import attribute as hxl_attribute
from tutela.core.models import Operation
from tutela.monitoring.models import (
    Incident,
)
from tutela.monitoring.selectors.atoms import (
    incident_atoms,
)
from tutela.monitoring.selectors.base import (
    POOLED,
    AnalysisFilters,
    Atoms,
    Reader,
    Table,
    add_months,
    block_filter,
    build_table,
    check_filters,
    counted_incidents,
    counted_incidents_q,
    risk_label,
    risks_of,
    verified_expression,
    verified_status_ids,
    viewer_for,
    visible_expression,
)
from tutela.monitoring.selectors.incidents import area_grain, area_key, areas_at


def _comparison_columns(
    filters: AnalysisFilters, previous_from: datetime.date, previous_to: datetime.date
) -> tuple[AnalysisFilters, Any]:
    window = filters.with_months(previous_from, filters.month_to)
    current_from = filters.month_from

    def column(k: dict[str, Any]) -> Any:
        # A block pooled across the months of a quarter (the view holds the whole quarter).
        first = last = k["month"]
        if first == POOLED:
            first, last = k["quarter"], add_months(k["quarter"], 2)
        if current_from is None or first >= current_from:
            return "current"
        if previous_from <= first and last <= previous_to:
            return "previous"
        return None

    return window, column


def period_comparison(
    *,
    user: Reader,
    operation: Operation,
    filters: AnalysisFilters,
    previous_from: datetime.date,
    previous_to: datetime.date,
    by: str = "risk",
    level: int = 1,
    coarsen: bool = True,
) -> Table:
    """Incidents per main risk (or per area of `level`) in the filters' period ("current") and
    in previous_from..previous_to ("previous"): the trend's blocks (a block pooled across the
    months of a quarter counts in a period that holds the whole quarter), both columns
    suppressed together as one table. By admin 2, answered by admin 1
    instead when admin 2 would pool too much (`area_grain`)."""
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    window, column = _comparison_columns(filters, previous_from, previous_to)
    atoms = incident_atoms(viewer, window)

    def make(level: int) -> Table:
        if by == "area":
            areas = areas_at(operation, level, filters.area)
            key = area_key(level)
            row_keys: list[Any] = [a.pk for a in areas]
            row_labels = [a.name for a in areas]
        else:
            risks = [r for r in risks_of(operation) if filters.risk is None or r == filters.risk]
            key = "primary_risk_id"
            row_keys = [r.pk for r in risks]
            row_labels = [risk_label(r) for r in risks]
        return build_table(
            title=_("Incidents in the period and the previous period"),
            atoms=atoms,
            row_of=lambda k: k[key],
            col_of=column,
            row_keys=row_keys,
            row_labels=row_labels,
            col_keys=["current", "previous"],
            col_labels=[_("Period"), _("Previous period")],
            row_hxl=f"#adm{level}+name" if by == "area" else "#event+type+risk+name",
            value_hxl="#event+num",
        )

    if by != "area":
        return make(level)
    return area_grain(operation, level, make, coarsen=coarsen)[0]


# Incident fields a breakdown can be made on, and what it measures.
BREAKDOWNS = {
    "perpetrator": ("perpetrator_id", "incidents"),
    "displacement": ("displacement_caused", "incidents"),
    "households": ("displacement_caused", "households"),
    "service": ("service", "incidents"),
}


def incident_breakdown(
    *,
    user: Reader,
    operation: Operation,
    filters: AnalysisFilters,
    previous_from: datetime.date,
    previous_to: datetime.date,
    dimension: str,
) -> Table:
    """Incidents (or displaced households) by one more field of the records (`BREAKDOWNS`), in
    the period and the previous one. Its own atoms: the trend's dimensions plus that field,
    pooled across it last, so that blocks are cut the same way whatever the view's filters;
    rows are the field's values (None: not recorded), columns current / previous, suppressed
    together. Incidents with several referral services count once under each."""
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    window, column = _comparison_columns(filters, previous_from, previous_to)
    field_name, measure = BREAKDOWNS[dimension]
    verified = verified_expression(verified_status_ids(operation))
    if dimension == "service":
        through = Incident.services.through
        queryset: Any = (
            through.objects.filter(counted_incidents_q(viewer, window, prefix="incident__"))
            .annotate(
                verified=verified_expression(verified_status_ids(operation), prefix="incident__"),
                visible=visible_expression(viewer, prefix="incident__"),
                month=F("incident__month"),
                a1=F("incident__admin1_id"),
                a2=F("incident__admin2_id"),
                rk=F("incident__primary_risk_id"),
                value=F("referralservice_id"),
            )
            .values("month", "a1", "a2", "rk", "verified", "visible", "value")  # type: ignore[misc]
            .annotate(n=Count("id"))
        )
    else:
        queryset = (
            counted_incidents(viewer, window)
            .annotate(
                verified=verified,
                visible=visible_expression(viewer),
                a1=F("admin1_id"),
                a2=F("admin2_id"),
                rk=F("primary_risk_id"),
                value=F(field_name),
            )
            .values("month", "a1", "a2", "rk", "verified", "visible", "value")
        )
        if dimension in ("displacement", "households"):
            # Only the records that caused displacement are shown (the row "yes"): the others
            # would only form blocks pooled across this dimension, which that row never holds.
            queryset = queryset.filter(displacement_caused=True)
        if measure == "households":
            queryset = queryset.annotate(n=Sum("displaced_households"))
        else:
            queryset = queryset.annotate(n=Count("id"))
    atoms = Atoms.from_values(
        queryset.order_by(),
        threshold=viewer.threshold,
        pool_order=("verified", "a2", "rk", "a1", "value"),
    ).inside(block_filter(window, admin1="a1", admin2="a2", risk="rk"))
    values = sorted(
        {k["value"] for k, _n in atoms.blocks()} - {POOLED}, key=lambda v: (v is None, str(v))
    )
    return build_table(
        title=dimension,
        atoms=atoms,
        row_of=lambda k: k["value"],
        col_of=column,
        row_keys=values,
        row_labels=[str(v) for v in values],
        col_keys=["current", "previous"],
        col_labels=[_("Period"), _("Previous period")],
        row_hxl=f"#meta+category+{hxl_attribute(dimension)}",
        value_hxl="#event+num",
    )
