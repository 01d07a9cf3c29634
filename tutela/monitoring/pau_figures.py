"""The figures of a Protection Analysis Update, computed for publication.

A PAU leaves the organisations, so its figures are those a reader outside every organisation may
see: merged duplicates are not counted; GBV incidents are counted only for the organisations that
signed a sharing agreement (`SharingAgreement.shares_gbv_aggregates`); every table goes through
`core.disclosure.suppress_table` with the operation's threshold (small counts and the cells that
would give them away are published as None, shown "–").

    figures = pau_figures(operation=op, period=parse_period("2026Q3"), scope=mopti)

The result is plain JSON (it is stored with each version, so that a version shows the figures its
text was written against): names are kept in English and French, and picked when rendering.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.disclosure import suppress_counts, suppress_table, threshold_for
from tutela.core.models import AdminArea, Operation
from tutela.monitoring.models import (
    AgeBand,
    AreaPopulation,
    CommunityReport,
    CommunityRisk,
    Incident,
    IncidentPeople,
    PerpetratorCategory,
    ProtectionRisk,
    ReferralService,
    SharingAgreement,
)

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """A quarter ("2026Q3") or a month ("2026-07"); start and end are inclusive dates."""

    code: str
    start: datetime.date
    end: datetime.date
    is_quarter: bool

    @property
    def months(self) -> list[datetime.date]:
        out = []
        month = self.start
        while month <= self.end:
            out.append(month)
            month = _add_months(month, 1)
        return out

    def previous(self) -> Period:
        if self.is_quarter:
            start = _add_months(self.start, -3)
            return parse_period(f"{start.year}Q{(start.month - 1) // 3 + 1}")
        start = _add_months(self.start, -1)
        return parse_period(f"{start.year}-{start.month:02d}")

    def label(self) -> str:
        """In the active language: "Q3 2026" / "T3 2026", or "July 2026"."""
        if self.is_quarter:
            return _("Q%(quarter)s %(year)s") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        from django.utils.formats import date_format

        return date_format(self.start, "F Y")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """ "2026Q3" (also "2026-Q3", "2026q3") or "2026-07"; ValueError otherwise."""
    value = (text or "").strip()
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        start = datetime.date(year, 3 * quarter - 2, 1)
        end_month = 3 * quarter
        end = datetime.date(year, end_month, calendar.monthrange(year, end_month)[1])
        return Period(f"{year}Q{quarter}", start, end, True)
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 1900 < year < 2200:
            start = datetime.date(year, month, 1)
            end = datetime.date(year, month, calendar.monthrange(year, month)[1])
            return Period(f"{year}-{month:02d}", start, end, False)
    raise ValueError(f"not a period: {text!r} (expected e.g. 2026Q3 or 2026-07)")


def names(item: Any) -> dict[str, str]:
    return {
        "en": item.name_en,
        "fr": item.name_fr or item.name_en,
        "es": getattr(item, "name_es", "") or item.name_en,
    }


def label(entry: Mapping[str, Any], language: str) -> str:
    """The name of a figures entry in `language`."""
    value = entry.get("names") or {}
    return str(value.get(language[:2]) or value.get("en") or entry.get("code") or "")


def sharing_organisations(operation: Operation) -> set[int]:
    """Organisations whose GBV incidents may be counted in aggregates outside them."""
    try:
        from tutela.monitoring.access import gbv_sharing_organisations
    except ImportError:
        return set(
            SharingAgreement.objects.filter(
                operation=operation, shares_gbv_aggregates=True
            ).values_list("organisation_id", flat=True)
        )
    return set(gbv_sharing_organisations(operation))


def publishable_incidents(operation: Operation, sharing: Iterable[int]) -> QuerySet[Incident]:
    """Incidents a published product may count: not merged; GBV only from sharing
    organisations."""
    return Incident.objects.filter(operation=operation, merged_into__isnull=True).filter(
        Q(is_gbv=False) | Q(organisation_id__in=list(sharing))
    )


def _pair_table(
    keys: list[Any], current: Mapping[Any, int], previous: Mapping[Any, int], threshold: int
) -> tuple[list[tuple[int | None, int | None]], tuple[int | None, int | None]]:
    """Rows of (current, previous) and the totals, suppressed together as one table."""
    if not keys:
        return [], (0, 0)
    table = suppress_table(
        [[current.get(k, 0), previous.get(k, 0)] for k in keys], threshold=threshold
    )
    rows = [(cells[0], cells[1]) for cells in table.cells]
    return rows, (table.col_totals[0], table.col_totals[1])


def _change(current: int | None, previous: int | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return round(100.0 * (current - previous) / previous, 1)


def pau_figures(
    *,
    operation: Operation,
    period: Period,
    scope: AdminArea | None = None,
    presence_user: Any = None,
) -> dict[str, Any]:
    """Every figure of the PAU for `period` (and the previous period, for comparison) and
    `scope` (an admin 1 area, or None for the operation). `presence_user`: whose view of the 5W
    gives the partners present per area (existing capacities)."""
    threshold = threshold_for(operation)
    previous = period.previous()
    sharing = sharing_organisations(operation)
    base = publishable_incidents(operation, sharing)
    if scope is not None:
        base = base.filter(admin1=scope)
    area_field = "admin2" if scope is not None else "admin1"
    window = base.filter(month__gte=previous.start, month__lte=period.end)

    # One grouped pass over the incidents of both periods; every marginal comes from it.
    grouped = window.values("month", "primary_risk", area_field, "perpetrator").annotate(
        n=Count("id"),
        people=Sum("people_affected"),
        displaced=Count("id", filter=Q(displacement_caused=True)),
        households=Sum("displaced_households"),
    )
    by_month: dict[datetime.date, int] = defaultdict(int)
    by_risk: dict[str, dict[int, int]] = {"cur": defaultdict(int), "prev": defaultdict(int)}
    by_area: dict[str, dict[int, int]] = {"cur": defaultdict(int), "prev": defaultdict(int)}
    by_perp: dict[str, dict[int | None, int]] = {"cur": defaultdict(int), "prev": defaultdict(int)}
    totals: dict[str, dict[str, int]] = {"cur": defaultdict(int), "prev": defaultdict(int)}
    for row in grouped.order_by():
        key = "cur" if row["month"] >= period.start else "prev"
        count = row["n"]
        by_month[row["month"]] += count
        by_risk[key][row["primary_risk"]] += count
        if row[area_field] is not None:
            by_area[key][row[area_field]] += count
        by_perp[key][row["perpetrator"]] += count
        totals[key]["incidents"] += count
        totals[key]["people"] += row["people"] or 0
        totals[key]["displacement"] += row["displaced"]
        totals[key]["households"] += row["households"] or 0

    # Key figures: each pair (current, previous) is a one-row table.
    key_figures = []
    for name, caption in (
        ("incidents", "incidents"),
        ("people", "people"),
        ("displacement", "displacement"),
        ("households", "households"),
    ):
        series = suppress_counts(
            {"cur": totals["cur"][name], "prev": totals["prev"][name]}, threshold=threshold
        )
        cur, prev = series.values["cur"], series.values["prev"]
        key_figures.append(
            {"key": caption, "current": cur, "previous": prev, "change": _change(cur, prev)}
        )

    risks = list(ProtectionRisk.objects.filter(operation=operation).order_by("order", "code"))
    risk_keys = [r.pk for r in risks if by_risk["cur"].get(r.pk) or by_risk["prev"].get(r.pk)]
    risk_by_id = {r.pk: r for r in risks}
    rows, risk_totals = _pair_table(risk_keys, by_risk["cur"], by_risk["prev"], threshold)
    risk_rows: list[dict[str, Any]] = [
        {
            "code": risk_by_id[pk].code,
            "names": names(risk_by_id[pk]),
            "is_gbv": risk_by_id[pk].is_gbv,
            "current": cur,
            "previous": prev,
            "change": _change(cur, prev),
        }
        for pk, (cur, prev) in zip(risk_keys, rows, strict=True)
    ]
    # Largest first (suppressed ones last).
    risk_rows.sort(key=lambda r: (r["current"] is None, -int(r["current"] or 0), str(r["code"])))

    months = [*previous.months, *period.months]
    month_series = suppress_counts(
        {m.isoformat()[:7]: by_month.get(m, 0) for m in months}, threshold=threshold
    )
    month_rows = [
        {"month": m, "count": c, "current": m >= period.start.isoformat()[:7]}
        for m, c in month_series.values.items()
    ]

    area_rows = _areas(operation, scope, by_area, threshold, period)
    perpetrator_rows = _perpetrators(operation, by_perp, threshold)
    people = _people(
        operation, base.filter(month__gte=period.start, month__lte=period.end), threshold
    )
    services = _services(
        operation, base.filter(month__gte=period.start, month__lte=period.end), threshold
    )
    community = _community(operation, period, scope, sharing, threshold)
    capacities = _capacities(operation, period, scope, presence_user)

    return {
        "period": period.code,
        "previous_period": previous.code,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "scope": {"pcode": scope.pcode, "name": scope.name} if scope is not None else None,
        "area_level": 2 if scope is not None else 1,
        "threshold": threshold,
        "gbv_sharing_organisations": len(sharing),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "key_figures": key_figures,
        "by_risk": risk_rows,
        "by_risk_totals": {"current": risk_totals[0], "previous": risk_totals[1]},
        "by_month": month_rows,
        "by_area": area_rows,
        "perpetrators": perpetrator_rows,
        "people": people,
        "services": services,
        "community": community,
        "capacities": capacities,
    }


def _areas(
    operation: Operation,
    scope: AdminArea | None,
    by_area: Mapping[str, Mapping[int, int]],
    threshold: int,
    period: Period,
) -> list[dict[str, Any]]:
    from tutela.core.selectors import country_pcodes

    if scope is not None:
        areas = AdminArea.objects.filter(parent=scope)
    else:
        areas = AdminArea.objects.filter(country_pcode__in=country_pcodes(operation), level=1)
    area_list = list(areas.order_by("pcode").values("pk", "pcode", "name"))
    keys = [a["pk"] for a in area_list]
    rows, _totals = _pair_table(keys, by_area["cur"], by_area["prev"], threshold)
    population: dict[int, int] = {}
    for area_id, value in (
        AreaPopulation.objects.filter(
            operation=operation, area_id__in=keys, year__lte=period.end.year
        )
        .order_by("area_id", "year")
        .values_list("area_id", "population")
    ):
        # Ordered by year: the latest year up to the period wins.
        population[area_id] = value
    out = []
    for area, (cur, prev) in zip(area_list, rows, strict=True):
        pop = population.get(area["pk"])
        rate = round(cur * 10_000 / pop, 2) if cur is not None and pop else None
        out.append(
            {
                "pcode": area["pcode"],
                "name": area["name"],
                "current": cur,
                "previous": prev,
                "change": _change(cur, prev),
                "population": pop,
                "rate": rate,
            }
        )
    return out


def _perpetrators(
    operation: Operation, by_perp: Mapping[str, Mapping[int | None, int]], threshold: int
) -> list[dict[str, Any]]:
    categories = list(PerpetratorCategory.objects.filter(operation=operation))
    keys: list[int | None] = [
        c.pk for c in categories if by_perp["cur"].get(c.pk) or by_perp["prev"].get(c.pk)
    ]
    if by_perp["cur"].get(None) or by_perp["prev"].get(None):
        keys.append(None)
    rows, _totals = _pair_table(keys, by_perp["cur"], by_perp["prev"], threshold)
    by_id = {c.pk: c for c in categories}
    out = []
    for pk, (cur, prev) in zip(keys, rows, strict=True):
        if pk is None:
            entry_names = {"en": "Not recorded", "fr": "Non renseigné", "es": "No registrado"}
            code = ""
        else:
            entry_names, code = names(by_id[pk]), by_id[pk].code
        out.append({"code": code, "names": entry_names, "current": cur, "previous": prev})
    return out


def _people(operation: Operation, incidents: QuerySet[Incident], threshold: int) -> dict[str, Any]:
    """People affected by sex × age band (the most affected groups), with disability, and by
    population group, in the period."""
    rows = (
        IncidentPeople.objects.filter(incident__in=incidents)
        .values("sex", "age_band", "with_disability", "population_group")
        .annotate(n=Sum("count"))
        .order_by()
    )
    by_cell: dict[tuple[str, int], int] = defaultdict(int)
    disability: dict[bool, int] = defaultdict(int)
    by_group: dict[int | None, int] = defaultdict(int)
    for row in rows:
        by_cell[(row["sex"], row["age_band"])] += row["n"] or 0
        disability[row["with_disability"]] += row["n"] or 0
        by_group[row["population_group"]] += row["n"] or 0
    bands = list(AgeBand.objects.filter(operation=operation).order_by("order", "min_age"))
    sexes = ["F", "M"]
    table = suppress_table(
        [[by_cell.get((sex, band.pk), 0) for band in bands] for sex in sexes],
        threshold=threshold,
    )
    from tutela.activities.models.catalogue import PopulationGroup

    groups = {g.pk: g for g in PopulationGroup.objects.filter(operation=operation)}
    group_keys = [k for k in by_group if by_group[k]]
    group_keys.sort(key=lambda k: (k is None, groups[k].code if k in groups else ""))
    group_series = suppress_counts({str(k): by_group[k] for k in group_keys}, threshold=threshold)
    group_rows = []
    for k in group_keys:
        if k is None or k not in groups:
            entry_names = {"en": "Not recorded", "fr": "Non renseigné", "es": "No registrado"}
            code = ""
        else:
            entry_names, code = names(groups[k]), groups[k].code
        group_rows.append(
            {"code": code, "names": entry_names, "people": group_series.values[str(k)]}
        )
    dis = suppress_counts({"with": disability.get(True, 0)}, threshold=threshold)
    return {
        "age_bands": [{"code": b.code, "names": names(b)} for b in bands],
        "sexes": [
            {"code": "F", "names": {"en": "Female", "fr": "Femmes", "es": "Mujeres"}},
            {"code": "M", "names": {"en": "Male", "fr": "Hommes", "es": "Hombres"}},
        ],
        "cells": table.cells,
        "row_totals": table.row_totals,
        "col_totals": table.col_totals,
        "total": table.grand_total,
        "with_disability": dis.values["with"],
        "by_group": group_rows,
    }


def _services(
    operation: Operation, incidents: QuerySet[Incident], threshold: int
) -> list[dict[str, Any]]:
    through = Incident.services.through
    rows = (
        through.objects.filter(incident__in=incidents)
        .values("referralservice")
        .annotate(n=Count("incident", distinct=True))
        .order_by()
    )
    counts: dict[int, int] = {row["referralservice"]: row["n"] for row in rows}
    services = [s for s in ReferralService.objects.filter(operation=operation) if counts.get(s.pk)]
    series = suppress_counts({s.pk: counts[s.pk] for s in services}, threshold=threshold)
    return [{"code": s.code, "names": names(s), "incidents": series.values[s.pk]} for s in services]


def _community(
    operation: Operation,
    period: Period,
    scope: AdminArea | None,
    sharing: set[int],
    threshold: int,
) -> dict[str, Any]:
    """Share of the communities interviewed that report each risk (Project 21 style)."""
    reports = CommunityReport.objects.filter(
        operation=operation, month__gte=period.start, month__lte=period.end
    )
    if scope is not None:
        reports = reports.filter(admin1=scope)
    # A community is its name within its area (several interviews a month count once).
    communities = reports.values("area_id", "community").distinct().count()
    if not communities:
        return {"communities": 0, "risks": []}
    pairs = (
        CommunityRisk.objects.filter(report__in=reports)
        .filter(Q(risk__is_gbv=False) | Q(report__organisation_id__in=list(sharing)))
        .values_list("risk", "report__area_id", "report__community")
        .distinct()
        .order_by()
    )
    counts: dict[int, int] = defaultdict(int)
    for risk_id, _area, _community in pairs:
        counts[risk_id] += 1
    risks = [r for r in ProtectionRisk.objects.filter(operation=operation) if counts.get(r.pk)]
    series = suppress_counts(
        {"__all__": communities, **{str(r.pk): counts[r.pk] for r in risks}}, threshold=threshold
    )
    total = series.values["__all__"]
    rows: list[dict[str, Any]] = []
    for risk in risks:
        reporting = series.values[str(risk.pk)]
        share = round(100.0 * reporting / communities, 1) if reporting is not None else None
        rows.append(
            {"code": risk.code, "names": names(risk), "communities": reporting, "share": share}
        )
    rows.sort(key=lambda r: (r["share"] is None, -float(r["share"] or 0)))
    return {"communities": total, "risks": rows}


def _capacities(
    operation: Operation, period: Period, scope: AdminArea | None, user: Any
) -> dict[str, Any]:
    """Partners present per area from the 5W (counts only: names can be sensitive). Without a
    user (the command line), every 5W row of the operation is read, as a server administrator
    would."""
    if user is None:
        from tutela.core.models import User

        user = User(email="system@tutela.invalid", is_superuser=True, is_active=True)
    try:
        from tutela.activities.selectors import presence

        result = presence(
            user=user,
            operation=operation,
            level=2 if scope is not None else 1,
            month_from=period.start,
            month_to=period.end,
        )
    except Exception:  # noqa: BLE001 - the 5W is optional for a PAU; no capacity table then.
        return {"available": False, "areas": []}
    areas = [
        {"pcode": a.pcode, "name": a.name, "partners": a.partners}
        for a in result.areas
        if scope is None or a.parent_pcode == scope.pcode
    ]
    return {"available": any(a["partners"] for a in areas), "areas": areas}
