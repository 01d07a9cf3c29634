"""Community monitoring analysis: the share of community reports (one per community, month and
respondent type) that report each risk, by area or by month.

Disclosure control as every monitoring aggregate (`selectors.base`): atoms of reports by month ×
admin1 × admin2 × risk × visible (and, for the denominators, month × admin1 × admin2 × visible);
small atoms of reports the user may not see are withheld, then suppress_table. A share is shown
only where both its count and the number of reports it divides by are shown. GBV risks reported
by an organisation are counted only when it shares GBV aggregates (or is the user's own).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils.translation import gettext as _

from tutela.core.models import Operation
from tutela.monitoring.models import CommunityReport, CommunityRisk
from tutela.monitoring.selectors.base import (
    POOLED,
    AnalysisFilters,
    Atoms,
    Reader,
    Table,
    Viewer,
    block_filter,
    build_table,
    check_filters,
    filters_of,
    month_label,
    risk_label,
    risks_of,
    viewer_for,
)
from tutela.monitoring.selectors.incidents import area_key, areas_at, period_months


def _report_q(viewer: Viewer, filters: AnalysisFilters, prefix: str = "") -> Q:
    """Period and own-organisation filters (area and risk apply to the blocks)."""
    p = prefix
    q = Q(**{f"{p}operation": viewer.operation})
    if filters.month_from:
        q &= Q(**{f"{p}month__gte": filters.month_from})
    if filters.month_to:
        q &= Q(**{f"{p}month__lte": filters.month_to})
    if filters.organisation is not None:
        q &= Q(**{f"{p}organisation": filters.organisation})
    return q


def _visible(viewer: Viewer, prefix: str, *, gbv_field: str | None) -> Any:
    if viewer.sees_everything:
        return Value(True, output_field=BooleanField())
    conditions = Q()
    if viewer.own_organisation_id is not None:
        conditions |= Q(**{f"{prefix}organisation_id": viewer.own_organisation_id})
    if viewer.is_analyst:
        conditions |= Q(**{gbv_field: False}) if gbv_field else Q(pk__isnull=False)
    if not conditions:
        return Value(False, output_field=BooleanField())
    return Case(
        When(conditions, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


# Small groups of reports the user may not see are pooled across admin 2, then admin 1.
COMMUNITY_POOL = ("admin2_id", "admin1_id")


@dataclass
class CommunityShares:
    counts: Table
    reports: Table
    # shares[row index][risk index]: percent, or None where hidden or nothing monitored.
    shares: list[list[float | None]]
    by: str
    controlled: bool
    threshold: int


def community_risk_shares(
    *,
    user: Reader,
    operation: Operation,
    filters: AnalysisFilters | None = None,
    by: str = "area",
    level: int = 1,
) -> CommunityShares:
    """Rows are areas of `level` (by="area", over the period) or months (by="month")."""
    filters = filters_of(filters)
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    risk_q = _report_q(viewer, filters, prefix="report__")
    risk_q &= Q(risk__is_gbv=False) | Q(report__organisation_id__in=viewer.gbv_counted_for)
    risk_rows = (
        CommunityRisk.objects.filter(risk_q)
        .annotate(visible=_visible(viewer, "report__", gbv_field="risk__is_gbv"))
        .values("report__month", "report__admin1_id", "report__admin2_id", "risk_id", "visible")
        .annotate(n=Count("report_id", distinct=True))
        .order_by()
    )
    report_rows = (
        CommunityReport.objects.filter(_report_q(viewer, filters))
        .annotate(visible=_visible(viewer, "", gbv_field=None))
        .values("month", "admin1_id", "admin2_id", "visible")
        .annotate(n=Count("id"))
        .order_by()
    )
    view = block_filter(dataclasses.replace(filters, verified_only=False), risk="risk_id")
    risk_atoms = Atoms.from_values(
        [
            {
                "month": r["report__month"],
                "admin1_id": r["report__admin1_id"],
                "admin2_id": r["report__admin2_id"],
                "risk_id": r["risk_id"],
                "visible": r["visible"],
                "n": r["n"],
            }
            for r in risk_rows
        ],
        threshold=viewer.threshold,
        pool_order=COMMUNITY_POOL,
    )
    report_atoms = Atoms.from_values(
        list(report_rows), threshold=viewer.threshold, pool_order=COMMUNITY_POOL
    )
    # Both tables are controlled if either holds records the user may not see.
    controlled = risk_atoms.has_hidden or report_atoms.has_hidden
    risk_atoms = risk_atoms.inside(view)
    report_atoms = report_atoms.inside(
        block_filter(dataclasses.replace(filters, risk=None, verified_only=False))
    )
    risk_atoms.controlled = report_atoms.controlled = controlled
    if by == "month":
        months = period_months(filters, report_atoms)
        row_keys: list[Any] = months
        row_labels = [month_label(m) for m in months]

        def row_of(k: dict[str, Any]) -> Any:
            return k["month"]

        header = _("Month")
        row_hxl = "#date+month"
    else:
        areas = areas_at(operation, level, filters.area)
        key = area_key(level)
        row_keys = [a.pk for a in areas]
        row_labels = [a.name for a in areas]

        def row_of(k: dict[str, Any]) -> Any:
            return k[key]

        header = operation.level_label(level)
        row_hxl = f"#adm{level}+name"
    risks = [r for r in risks_of(operation) if filters.risk is None or r == filters.risk]
    counts = build_table(
        title=_("Community reports mentioning each risk"),
        atoms=risk_atoms,
        row_of=row_of,
        col_of=lambda k: k["risk_id"],
        row_keys=row_keys,
        row_labels=row_labels,
        col_keys=[r.pk for r in risks],
        col_labels=[risk_label(r) for r in risks],
        additive_columns=False,
        row_header=header,
        row_hxl=row_hxl,
        value_hxl="#indicator+reports+num",
    )
    reports = build_table(
        title=_("Community reports"),
        atoms=report_atoms,
        row_of=row_of,
        col_of=lambda k: "reports",
        row_keys=row_keys,
        row_labels=row_labels,
        col_keys=["reports"],
        col_labels=[_("Reports")],
        row_header=header,
        row_hxl=row_hxl,
        value_hxl="#indicator+reports+num",
    )
    shares: list[list[float | None]] = []
    denominators = dict(zip(reports.row_keys, reports.column(0), strict=True))
    for row_key, cells in zip(counts.row_keys, counts.cells, strict=True):
        denominator = denominators.get(row_key)
        shares.append(
            [
                round(100 * c / denominator, 1)
                if c is not None and denominator and key != POOLED
                else None
                for c, key in zip(cells, counts.col_keys, strict=True)
            ]
        )
    return CommunityShares(
        counts=counts,
        reports=reports,
        shares=shares,
        by=by,
        controlled=controlled,
        threshold=viewer.threshold,
    )
