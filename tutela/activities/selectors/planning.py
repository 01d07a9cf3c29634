"""Planning figures (people in need, targeted, severity) per admin area, for coverage."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.activities.models import PlanningFigure
from tutela.core.models import AdminArea, Body, Operation, PopulationGroup
from tutela.core.selectors import country_pcodes


def planning_year(operation: Operation, month_to: datetime.date | None) -> int:
    if month_to:
        return month_to.year
    latest = (
        PlanningFigure.objects.filter(operation=operation)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or timezone.localdate().year


def _ancestors_at(operation: Operation, level: int) -> dict[int, int]:
    """area id -> its ancestor (or itself) at `level`, for areas at that level or below."""
    info = {
        pk: (parent_id, lvl)
        for pk, parent_id, lvl in AdminArea.objects.filter(
            country_pcode__in=country_pcodes(operation), level__gte=level
        ).values_list("pk", "parent_id", "level")
    }
    out: dict[int, int] = {}
    for pk in info:
        current: int | None = pk
        while current is not None and current in info and info[current][1] > level:
            current = info[current][0]
        if current is not None and current in info and info[current][1] == level:
            out[pk] = current
    return out


def planning_by_area(
    operation: Operation,
    *,
    level: int,
    year: int,
    body: Body | None,
    population_group: PopulationGroup | None,
) -> tuple[dict[int, dict[str, Any]], str]:
    """PiN, targeted and severity per area of `level`. Figures given at that level are used as
    they are; where an area has none, the figures of the areas inside it are added up.

    People in need cannot be added across the cluster and its AoRs (the same people): without a
    body, the cluster's own figures are used, or the largest AoR figure where the cluster has
    none."""
    figures = PlanningFigure.objects.filter(operation=operation, year=year)
    if population_group is not None:
        figures = figures.filter(population_group=population_group)
    note = ""
    if body is not None:
        figures = figures.filter(body=body)
    else:
        cluster_ids = list(
            Body.objects.filter(
                operation=operation, kind=Body.Kind.CLUSTER, parent=None
            ).values_list("pk", flat=True)
        )
        if figures.filter(body_id__in=cluster_ids).exists():
            figures = figures.filter(body_id__in=cluster_ids)
            note = _("People in need and targets: the cluster's overall figures.")
        else:
            note = _(
                "People in need and targets: the largest figure of any AoR per area and "
                "population group (AoR figures overlap and are not added up)."
            )
    ancestors = _ancestors_at(operation, level)
    # (area at level) -> {"direct": {...}, "below": {...}} per (body, population group).
    direct: dict[int, dict[tuple[int, int | None], list[int]]] = {}
    below: dict[int, dict[tuple[int, int | None], list[int]]] = {}
    rows = figures.values_list(
        "area_id",
        "area__level",
        "body_id",
        "population_group_id",
        "people_in_need",
        "targeted",
        "severity",
    )
    for area_id, area_level, body_id, group_id, pin, targeted, severity in rows:
        target = ancestors.get(area_id)
        if target is None:
            continue
        bucket = direct if area_level == level else below
        entry = bucket.setdefault(target, {}).setdefault((body_id, group_id), [0, 0, 0])
        entry[0] += pin
        entry[1] += targeted
        entry[2] = max(entry[2], severity or 0)
    out: dict[int, dict[str, Any]] = {}
    for area_id in set(direct) | set(below):
        by_key = direct.get(area_id) or below[area_id]
        # Per population group: the one body (filtered), or the largest across AoRs.
        per_group: dict[int | None, list[int]] = {}
        for (_body_id, key_group), (group_pin, group_targeted, group_severity) in by_key.items():
            current = per_group.setdefault(key_group, [0, 0, 0])
            if body is None:
                current[0] = max(current[0], group_pin)
                current[1] = max(current[1], group_targeted)
            else:
                current[0] += group_pin
                current[1] += group_targeted
            current[2] = max(current[2], group_severity)
        out[area_id] = {
            "people_in_need": sum(v[0] for v in per_group.values()),
            "targeted": sum(v[1] for v in per_group.values()),
            "severity": max((v[2] for v in per_group.values()), default=0) or None,
        }
    return out, note
