"""Coverage of admin areas against planning figures, and the gap list drawn from it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from tutela.activities.selectors.aggregates import rule_text
from tutela.activities.selectors.filters import Filters, apply_filters
from tutela.activities.selectors.partners import (
    level_areas,
    partner_pairs,
    partner_source,
)
from tutela.activities.selectors.pivots import pivot
from tutela.activities.selectors.planning import planning_by_area, planning_year
from tutela.activities.selectors.summary_tables import summary_state
from tutela.activities.selectors.visibility import activity_settings, visible_rows
from tutela.core.models import Body, Operation, PopulationGroup, User


@dataclass
class AreaCoverage:
    area_id: int
    pcode: str
    name: str
    parent_pcode: str
    # People reached by the counting rule; None when hidden as a small count.
    reached: int | None
    targeted: int | None
    people_in_need: int | None
    severity: int | None
    partners: int
    # Percentages (reached ÷ targeted, reached ÷ PiN); None without figures or when hidden.
    pct_targeted: float | None
    pct_pin: float | None


@dataclass
class CoverageResult:
    level: int
    year: int
    areas: list[AreaCoverage]
    rule: str
    rule_text: str
    has_planning: bool
    suppressed: bool
    threshold: int
    planning_note: str
    # Figures of rows the user may not see were rounded down to multiples of the threshold.
    rounded: bool = False


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def coverage(
    *,
    user: User,
    operation: Operation,
    level: int,
    body: Body | None = None,
    population_group: PopulationGroup | None = None,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    year: int | None = None,
    use_summaries: bool = True,
) -> CoverageResult:
    """Per admin area of `level`: people reached (by the counting rule), targeted, people in
    need and severity (planning figures of the year), the number of partners, and the ratios.

    People reached are the pivot table's by area (`pivots.pivot`), with the same disclosure
    control: a map, a coverage table or a gap list cannot be differenced against a table."""
    filters = Filters(
        body=body, population_group=population_group, month_from=month_from, month_to=month_to
    )
    settings = activity_settings(operation)
    table = pivot(
        user=user,
        operation=operation,
        rows_by=[f"admin{level}"],
        filters=filters,
        measures=("total",),
        use_summaries=use_summaries,
    )
    # By P-code; a "pooled small groups" line, or rows without an area of that level, are no area.
    reached_by_pcode = {row.codes[0]: row.values["total"] for row in table.rows if row.codes[0]}
    rows = apply_filters(visible_rows(user, operation), operation, filters, user=user)
    state = summary_state(operation) if use_summaries else None
    source = partner_source(state, user, operation, filters, level)
    partners = partner_pairs(source if source is not None else rows, level)
    year = year or planning_year(operation, month_to)
    planning, note = planning_by_area(
        operation, level=level, year=year, body=body, population_group=population_group
    )
    areas = level_areas(operation, level)
    out = []
    for area in areas:
        plan = planning.get(area["pk"], {})
        value = reached_by_pcode.get(area["pcode"], 0)
        out.append(
            AreaCoverage(
                area_id=area["pk"],
                pcode=area["pcode"],
                name=area["name"],
                parent_pcode=area["parent__pcode"] or "",
                reached=value,
                targeted=plan.get("targeted"),
                people_in_need=plan.get("people_in_need"),
                severity=plan.get("severity"),
                partners=len(partners.get(area["pk"], ())),
                pct_targeted=_pct(value, plan.get("targeted")),
                pct_pin=_pct(value, plan.get("people_in_need")),
            )
        )
    return CoverageResult(
        level=level,
        year=year,
        areas=out,
        rule=settings.cumulative_rule,
        rule_text=rule_text(settings.cumulative_rule, by_month=False),
        has_planning=bool(planning),
        suppressed=table.suppressed,
        threshold=table.threshold,
        planning_note=note if planning else "",
        rounded=table.rounded,
    )


@dataclass
class Gap:
    area: AreaCoverage
    reasons: list[str]


@dataclass
class GapResult:
    level: int
    year: int
    threshold_pct: float
    min_severity: int
    gaps: list[Gap]
    has_planning: bool
    coverage: CoverageResult


DEFAULT_GAP_THRESHOLD = 25.0
GAP_MIN_SEVERITY = 3


def gaps(
    *,
    user: User,
    operation: Operation,
    level: int,
    body: Body | None = None,
    population_group: PopulationGroup | None = None,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    year: int | None = None,
    threshold_pct: float = DEFAULT_GAP_THRESHOLD,
    min_severity: int = GAP_MIN_SEVERITY,
) -> GapResult:
    """Areas of high severity (3 or more) where the people reached cover less than
    `threshold_pct` % of the people in need, or where no partner works at all: most severe
    first, then least covered."""
    result = coverage(
        user=user,
        operation=operation,
        level=level,
        body=body,
        population_group=population_group,
        month_from=month_from,
        month_to=month_to,
        year=year,
    )
    found = []
    for area in result.areas:
        if area.severity is None or area.severity < min_severity:
            continue
        reasons = []
        if area.partners == 0:
            reasons.append(_("No partner reports activities here."))
        elif area.people_in_need and area.reached is None:
            # Decided on the published figures only: a hidden figure says nothing either way.
            reasons.append(
                _("The people reached here are not shown (small numbers): check coverage.")
            )
        elif area.people_in_need and area.pct_pin is not None and area.pct_pin < threshold_pct:
            reasons.append(
                _("People reached cover %(pct)s%% of the people in need (below %(threshold)s%%).")
                % {
                    "pct": formats.number_format(area.pct_pin, decimal_pos=1),
                    "threshold": formats.number_format(threshold_pct, decimal_pos=0),
                }
            )
        if reasons:
            found.append(Gap(area=area, reasons=reasons))
    found.sort(key=lambda g: (-(g.area.severity or 0), g.area.pct_pin or 0.0, g.area.pcode))
    return GapResult(
        level=level,
        year=result.year,
        threshold_pct=threshold_pct,
        min_severity=min_severity,
        gaps=found,
        has_planning=result.has_planning,
        coverage=result,
    )
