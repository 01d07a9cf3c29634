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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tutela.core.disclosure import threshold_for
from tutela.core.models import AdminArea, Operation, PopulationGroup, ProtectionRisk, User
from tutela.monitoring.access import gbv_sharing_organisations
from tutela.monitoring.models import (
    AgeBand,
    PerpetratorCategory,
    ReferralService,
)
from tutela.monitoring.pau.fivew import capacities_from_fivew
from tutela.monitoring.selectors.base import PUBLICATION, AnalysisFilters
from tutela.monitoring.selectors.community import community_risk_shares
from tutela.monitoring.selectors.comparisons import incident_breakdown, period_comparison
from tutela.monitoring.selectors.incidents import (
    affected_groups,
    areas_at,
    incident_trend,
    max_pooled_share,
    populations,
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
    return set(gbv_sharing_organisations(operation))


def _change(current: int | None, previous: int | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return round(100.0 * (current - previous) / previous, 1)


def pau_figures(
    *,
    operation: Operation,
    period: Period,
    scope: AdminArea | None = None,
    presence_user: User | None = None,
) -> dict[str, Any]:
    """Every figure of the PAU for `period` (and the previous period, for comparison) and
    `scope` (an admin 1 area, or None for the operation). `presence_user`: whose view of the 5W
    gives the partners present per area (existing capacities)."""

    threshold = threshold_for(operation)
    previous = period.previous()
    sharing = sharing_organisations(operation)
    # Every incident figure comes from the selectors, for a reader outside every organisation
    # (PUBLICATION): the same blocks and suppression as the dashboard, so the published PAU
    # cannot be differenced against what a user sees on the pages.
    current = AnalysisFilters(
        month_from=period.start, month_to=period.end.replace(day=1), area=scope
    )
    prev_from, prev_to = previous.start, previous.end.replace(day=1)
    common: dict[str, Any] = {
        "user": PUBLICATION,
        "operation": operation,
        "filters": current,
        "previous_from": prev_from,
        "previous_to": prev_to,
    }
    by_risk = period_comparison(**common, by="risk")
    level = 2 if scope is not None else 1
    by_area = period_comparison(**common, by="area", level=level)
    # By admin 1 instead of admin 2 when admin 2 would pool too much (selectors.area_grain).
    asked, level = level, by_area.extra["grain"]["used"]
    people_now = affected_groups(user=PUBLICATION, operation=operation, filters=current)
    people_before = affected_groups(
        user=PUBLICATION, operation=operation, filters=current.with_months(prev_from, prev_to)
    )

    def flagged(table: Any) -> tuple[int | None, int | None]:
        for row_key, _label, cells, _total in table.rows():
            if row_key not in (POOLED_KEY, None) and bool(row_key):
                return cells[0], cells[1]
        return 0, 0

    key_figures = []
    for name, (cur, prev) in (
        ("incidents", (by_risk.col_totals[0], by_risk.col_totals[1])),
        ("people", (people_now.by_sex_age.grand_total, people_before.by_sex_age.grand_total)),
        ("displacement", flagged(incident_breakdown(**common, dimension="displacement"))),
        ("households", flagged(incident_breakdown(**common, dimension="households"))),
    ):
        key_figures.append(
            {"key": name, "current": cur, "previous": prev, "change": _change(cur, prev)}
        )

    risks = {r.pk: r for r in ProtectionRisk.objects.filter(operation=operation)}
    risk_rows: list[dict[str, Any]] = []
    for row_key, _label, (cur, prev), _total in by_risk.rows():
        if cur == 0 and prev == 0:
            continue
        if row_key == POOLED_KEY:
            risk_rows.append(
                {
                    "code": "",
                    "names": dict(POOLED_RISK_NAMES),
                    "pooled": True,
                    "is_gbv": False,
                    "current": cur,
                    "previous": prev,
                    "change": _change(cur, prev),
                }
            )
            continue
        risk = risks[int(row_key)]  # type: ignore[call-overload]
        risk_rows.append(
            {
                "code": risk.code,
                "names": names(risk),
                "is_gbv": risk.is_gbv,
                "current": cur,
                "previous": prev,
                "change": _change(cur, prev),
            }
        )
    # Largest first (suppressed ones last); the pool of small groups is not a risk: never ranked,
    # always after the risks.
    risk_rows.sort(
        key=lambda r: (
            is_pooled(r),
            r["current"] is None,
            -int(r["current"] or 0),
            str(r["code"]),
        )
    )

    # Month by month (the PAU's chart of months; a pool of months is no month: left out).
    trend = incident_trend(
        user=PUBLICATION,
        operation=operation,
        filters=current.with_months(prev_from, current.month_to),
        coarsen=False,
    )
    month_rows = [
        {
            "month": m.isoformat()[:7],
            "count": total,
            "current": m >= period.start,
        }
        for m, total in zip(trend.row_keys, trend.row_totals, strict=True)
        if isinstance(m, datetime.date)
    ]

    areas = areas_at(operation, level, scope)
    area_cells = {k: cells for k, _label, cells, _total in by_area.rows()}
    population = populations(operation, [a.pk for a in areas], period.end.year)
    area_rows = []
    for area in sorted(areas, key=lambda a: a.pcode):
        cur, prev = area_cells.get(area.pk, [0, 0])
        pop = population.get(area.pk)
        area_rows.append(
            {
                "pcode": area.pcode,
                "name": area.name,
                "current": cur,
                "previous": prev,
                "change": _change(cur, prev),
                "population": pop,
                "rate": round(cur * 10_000 / pop, 2) if cur is not None and pop else None,
            }
        )
    perpetrator_rows = _perpetrators(
        operation, incident_breakdown(**common, dimension="perpetrator")
    )
    people = _people(operation, people_now)
    services = _services(operation, incident_breakdown(**common, dimension="service"))
    community = _community(operation, current)
    capacities = capacities_from_fivew(operation, period, scope, presence_user)

    return {
        "period": period.code,
        "previous_period": previous.code,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "scope": {"pcode": scope.pcode, "name": scope.name} if scope is not None else None,
        "area_level": level,
        "area_grain": {
            "asked": asked,
            "used": level,
            "asked_label": operation.level_label(asked),
            "used_label": operation.level_label(level),
            "share": round(max_pooled_share() * 100),
        },
        "threshold": threshold,
        "gbv_sharing_organisations": len(sharing),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "key_figures": key_figures,
        "by_risk": risk_rows,
        "by_risk_totals": {"current": by_risk.col_totals[0], "previous": by_risk.col_totals[1]},
        "by_month": month_rows,
        "by_area": area_rows,
        "perpetrators": perpetrator_rows,
        "people": people,
        "services": services,
        "community": community,
        "capacities": capacities,
    }


POOLED_KEY = "*"
# What a pool of small groups is, said as such: never the name of a category.
POOLED_NAMES = {
    "en": "Other (small groups pooled)",
    "fr": "Autres (petits groupes regroupés)",
    "es": "Otros (grupos pequeños agrupados)",
}
POOLED_RISK_NAMES = {
    "en": "Other incidents, risk not shown (small groups pooled)",
    "fr": "Autres incidents, risque non précisé (petits groupes regroupés)",
    "es": "Otros incidentes, riesgo no indicado (grupos pequeños agrupados)",
}
# The names figures stored with earlier versions gave a pool.
_OLD_POOLED_NAMES = {"Pooled small groups", "Petits groupes regroupés", "Grupos pequeños agrupados"}


def is_pooled(entry: Mapping[str, Any]) -> bool:
    """Is this figures entry a pool of small groups (not a risk, group or category)? Also for
    figures stored by earlier versions, which marked a pool by its name or the code "*"."""
    if entry.get("pooled") or entry.get("code") == "*":
        return True
    return (entry.get("names") or {}).get("en") in _OLD_POOLED_NAMES


NOT_RECORDED = {"en": "Not recorded", "fr": "Non renseigné", "es": "No registrado"}


def _perpetrators(operation: Operation, table: Any) -> list[dict[str, Any]]:
    by_id = {c.pk: c for c in PerpetratorCategory.objects.filter(operation=operation)}
    out = []
    for pk, _label, (cur, prev), _total in table.rows():
        if cur == 0 and prev == 0:
            continue
        if pk == POOLED_KEY:
            entry_names, code = dict(POOLED_NAMES), "*"
        elif pk is None or pk not in by_id:
            entry_names, code = dict(NOT_RECORDED), ""
        else:
            entry_names, code = names(by_id[pk]), by_id[pk].code
        out.append({"code": code, "names": entry_names, "current": cur, "previous": prev})
    return out


def _people(operation: Operation, groups: Any) -> dict[str, Any]:
    """People affected by sex × age band (the most affected groups), with disability, and by
    population group, in the period (`selectors.affected_groups` for publication)."""
    table = groups.by_sex_age
    bands = {b.pk: b for b in AgeBand.objects.filter(operation=operation)}
    sex_names = {
        "F": {"en": "Female", "fr": "Femmes", "es": "Mujeres"},
        "M": {"en": "Male", "fr": "Hommes", "es": "Hombres"},
    }
    age_bands = [
        {"code": "*", "names": dict(POOLED_NAMES)}
        if k == POOLED_KEY
        else {"code": bands[k].code, "names": names(bands[k])}
        for k in table.col_keys
    ]
    sexes = [
        {"code": "*", "names": dict(POOLED_NAMES)}
        if k == POOLED_KEY
        else {"code": k, "names": sex_names[str(k)]}
        for k in table.row_keys
    ]
    by_code = {g.pk: g for g in PopulationGroup.objects.filter(operation=operation)}
    group_rows = []
    for k, _label, cells, _total in groups.by_population_group.rows():
        if cells[0] == 0:
            continue
        if k == POOLED_KEY:
            entry_names, code = dict(POOLED_NAMES), "*"
        elif k in by_code:
            entry_names, code = names(by_code[k]), by_code[k].code
        else:
            entry_names, code = dict(NOT_RECORDED), ""
        group_rows.append({"code": code, "names": entry_names, "people": cells[0]})
    disability = dict(zip(groups.by_disability.row_keys, groups.by_disability.cells, strict=True))
    return {
        "age_bands": age_bands,
        "sexes": sexes,
        "cells": table.cells,
        "row_totals": table.row_totals,
        "col_totals": table.col_totals,
        "total": table.grand_total,
        "with_disability": disability.get(True, [0])[0],
        "by_group": group_rows,
    }


def _services(operation: Operation, table: Any) -> list[dict[str, Any]]:
    services = {s.pk: s for s in ReferralService.objects.filter(operation=operation)}
    out = []
    for pk, _label, cells, _total in table.rows():
        if cells[0] == 0:
            continue
        if pk in services:
            out.append(
                {"code": services[pk].code, "names": names(services[pk]), "incidents": cells[0]}
            )
        elif pk == POOLED_KEY:
            out.append({"code": "*", "names": dict(POOLED_NAMES), "incidents": cells[0]})
    return out


def _community(operation: Operation, filters: Any) -> dict[str, Any]:
    """Share of the community reports (one per community, month and type of respondent) that
    report each risk, over the period and scope: the community analysis page's figures for a
    reader outside every organisation (`selectors.community`, the same blocks and suppression),
    so that PAUs of nested scopes or periods cannot be differenced into a small count."""
    level = 2 if filters.area is not None else 1
    shares = community_risk_shares(
        user=PUBLICATION, operation=operation, filters=filters, by="area", level=level
    )
    total = shares.reports.grand_total
    if total == 0:
        return {"unit": "reports", "reports": 0, "risks": []}
    risks = {r.pk: r for r in ProtectionRisk.objects.filter(operation=operation)}
    rows: list[dict[str, Any]] = []
    for key, reporting in zip(shares.counts.col_keys, shares.counts.col_totals, strict=True):
        if key == POOLED_KEY or reporting == 0:
            continue
        risk = risks[int(key)]  # type: ignore[call-overload]
        share = round(100.0 * reporting / total, 1) if reporting is not None and total else None
        rows.append({"code": risk.code, "names": names(risk), "reports": reporting, "share": share})
    rows.sort(key=lambda r: (r["share"] is None, -float(r["share"] or 0)))
    return {"unit": "reports", "reports": total, "risks": rows}
