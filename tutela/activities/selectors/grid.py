"""What the web grid of 5W rows offers in its selects: the operation's activities and their
indicators, population groups, partners and admin areas (forms.grid builds the cells)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tutela.activities.models import Activity, Indicator
from tutela.core.models import AdminArea, Operation, PopulationGroup

Options = list[tuple[str, str]]


@dataclass(frozen=True)
class GridOptions:
    """The option lists of the grid's selects for one operation, as (value, label) pairs."""

    activities: Options
    # Activity code -> whether it is reported by sex and age.
    sexage: dict[str, bool]
    indicators: dict[str, Options]
    groups: Options
    partners: Options
    countries: list[str]
    regions: Options


def grid_options(operation: Operation) -> GridOptions:
    """The grid's option lists, read once per request."""
    activities = list(
        Activity.objects.filter(operation=operation, is_active=True)
        .select_related("body")
        .prefetch_related("indicators")
        .order_by("code")
    )
    countries = list(operation.countries.values_list("pcode", flat=True))
    return GridOptions(
        activities=[(a.code, f"{a.code} — {a.name}") for a in activities],
        sexage={a.code: a.by_sex_age for a in activities},
        indicators={
            a.code: [(i.code, f"{i.code} — {i.name}") for i in a.indicators.all()]
            for a in activities
        },
        groups=[
            (g.code, f"{g.code} — {g.name}")
            for g in PopulationGroup.objects.filter(operation=operation).order_by("code")
        ],
        partners=[
            (acronym, acronym)
            for acronym in operation.organisations.order_by("acronym").values_list(
                "acronym", flat=True
            )
        ],
        countries=countries,
        regions=[
            (pcode, f"{name} — {pcode}")
            for pcode, name in AdminArea.objects.filter(country_pcode__in=countries, level=1)
            .order_by("name")
            .values_list("pcode", "name")
        ],
    )


def grid_area_children_of(countries: Iterable[str], parents: set[str]) -> dict[str, Options]:
    """P-code -> its direct children as options, for every P-code in `parents` (one query)."""
    result: dict[str, Options] = {p: [] for p in parents}
    if not parents:
        return result
    rows = (
        AdminArea.objects.filter(parent__pcode__in=parents, country_pcode__in=list(countries))
        .order_by("name")
        .values_list("parent__pcode", "pcode", "name")
    )
    for parent, pcode, name in rows:
        result[parent].append((pcode, f"{name} — {pcode}"))
    return result


def grid_area_children(operation: Operation, parent: str) -> list[tuple[str, str]]:
    countries = list(operation.countries.values_list("pcode", flat=True))
    return [
        (pcode, f"{name} — {pcode}")
        for pcode, name in AdminArea.objects.filter(
            parent__pcode=parent, country_pcode__in=countries
        )
        .order_by("name")
        .values_list("pcode", "name")
    ]


def grid_indicator_options(operation: Operation, activity_code: str) -> list[tuple[str, str]]:
    indicators = Indicator.objects.filter(
        activity__operation=operation, activity__code=activity_code.strip().upper()
    ).order_by("code")
    return [(i.code, f"{i.code} — {i.name}") for i in indicators]
