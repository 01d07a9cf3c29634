"""Community monitoring analysis: the share of community reports (one per community, month and
respondent type) that report each risk, by area or by month.

Disclosure control as every monitoring aggregate (`selectors.base`): atoms of reports by month ×
admin1 × admin2 × risk × visible (and, for the denominators, month × admin1 × admin2 × visible);
small atoms of reports the user may not see are withheld, then suppress_table. A share is shown
only where both its count and the number of reports it divides by are shown. GBV risks reported
by an organisation are counted only when it shares GBV aggregates (or is the user's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils.translation import gettext as _

from tutela.core.models import Operation
from tutela.monitoring.models import CommunityReport, CommunityRisk
from tutela.monitoring.selectors.base import (
    AnalysisFilters,
    Atoms,
    Table,
    Viewer,
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
    p = prefix
    q = Q(**{f"{p}operation": viewer.operation})
    if filters.month_from:
        q &= Q(**{f"{p}month__gte": filters.month_from})
    if filters.month_to:
        q &= Q(**{f"{p}month__lte": filters.month_to})
    if filters.area is not None:
        field = {1: "admin1", 2: "admin2"}.get(filters.area.level, "area")
        q &= Q(**{f"{p}{field}": filters.area})
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
    user: Any,
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
    if filters.risk is not None:
        risk_q &= Q(risk=filters.risk)
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
    )
    report_atoms = Atoms.from_values(list(report_rows), threshold=viewer.threshold)
    # Both tables are controlled if either holds records the user may not see.
    controlled = risk_atoms.has_hidden or report_atoms.has_hidden
    risk_atoms.has_hidden = report_atoms.has_hidden = controlled
    if by == "month":
        months = period_months(filters, report_atoms)
        row_keys: list[Any] = months
        row_labels = [month_label(m) for m in months]

        def row_of(k: dict[str, Any]) -> Any:
            return k["month"]

        header = _("Month")
    else:
        areas = areas_at(operation, level, filters.area)
        key = area_key(level)
        row_keys = [a.pk for a in areas]
        row_labels = [a.name for a in areas]

        def row_of(k: dict[str, Any]) -> Any:
            return k[key]

        header = operation.level_label(level)
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
    )
    shares: list[list[float | None]] = []
    for cells, denominator in zip(counts.cells, reports.column(0), strict=True):
        shares.append(
            [
                round(100 * c / denominator, 1) if c is not None and denominator else None
                for c in cells
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
