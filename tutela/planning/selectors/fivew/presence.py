"""Partner presence and gaps by area, for the checks of pooled-fund proposals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tutela.activities import selectors as fivew
from tutela.activities.models import Activity
from tutela.core.models import AdminArea, Operation, Organisation, User
from tutela.planning.selectors.fivew.reached import year_range


@dataclass
class AreaCheck:
    area: AdminArea
    partners: int
    # Partner acronyms; None where names are hidden (insecure area).
    organisations: list[str] | None
    # Partners reporting the proposal's activities there; None where names are hidden.
    same_activities: list[str] | None
    already_there: bool
    severity: int | None
    is_gap: bool
    gap_reasons: list[str]


def area_checks(
    *,
    user: User,
    operation: Operation,
    areas: Sequence[AdminArea],
    activity_ids: Sequence[int],
    organisation_id: int,
    year: int,
) -> list[AreaCheck]:
    """For each area of a proposal: who already works there (5W presence) and who reports the
    same activities there (overlap), its severity and whether it is on the gap list — as the user
    may see them."""
    out = []
    levels = sorted({a.level for a in areas if 1 <= a.level <= 3})
    month_from, month_to = year_range(year)
    presence: dict[int, dict[int, Any]] = {}
    same: dict[int, dict[int, set[str] | None]] = {}
    gap_areas: dict[int, dict[int, list[str]]] = {}
    severity: dict[int, dict[int, int | None]] = {}
    for level in levels:
        result = fivew.presence(
            user=user, operation=operation, level=level, month_from=month_from, month_to=month_to
        )
        presence[level] = {a.area_id: a for a in result.areas}
        overlap: dict[int, set[str] | None] = {}
        for activity_id in activity_ids:
            by_activity = fivew.presence(
                user=user,
                operation=operation,
                level=level,
                filters=fivew.Filters(
                    activity=Activity(pk=activity_id),
                    month_from=month_from,
                    month_to=month_to,
                ),
            )
            for item in by_activity.areas:
                if not item.partners:
                    continue
                if item.organisations is None:
                    overlap[item.area_id] = None
                elif overlap.get(item.area_id, set()) is not None:
                    current = overlap.setdefault(item.area_id, set())
                    assert current is not None
                    current.update(item.organisations)
        same[level] = overlap
        found = fivew.gaps(user=user, operation=operation, level=level, year=year)
        gap_areas[level] = {g.area.area_id: g.reasons for g in found.gaps}
        severity[level] = {a.area_id: a.severity for a in found.coverage.areas}
    own = Organisation.objects.filter(pk=organisation_id).values_list("acronym", flat=True).first()
    for area in areas:
        level = area.level
        found_presence = presence.get(level, {}).get(area.pk)
        organisations = found_presence.organisations if found_presence is not None else []
        overlap_names = same.get(level, {}).get(area.pk, set())
        out.append(
            AreaCheck(
                area=area,
                partners=found_presence.partners if found_presence is not None else 0,
                organisations=organisations,
                same_activities=sorted(overlap_names) if overlap_names is not None else None,
                already_there=bool(own and organisations and own in organisations),
                severity=severity.get(level, {}).get(area.pk),
                is_gap=area.pk in gap_areas.get(level, {}),
                gap_reasons=gap_areas.get(level, {}).get(area.pk, []),
            )
        )
    return out
