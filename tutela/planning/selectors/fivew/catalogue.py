"""The 5W activity catalogue, its indicators, population groups, and the planning figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from tutela.activities.models import Activity, Indicator, PlanningFigure
from tutela.activities.selectors.planning import planning_by_area
from tutela.core.models import Body, Operation, PopulationGroup


def catalogue_activities(operation: Operation) -> QuerySet[Activity]:
    return Activity.objects.filter(operation=operation, is_active=True).select_related("body")


def catalogue_indicators(operation: Operation) -> QuerySet[Indicator]:
    return Indicator.objects.filter(
        activity__operation=operation, activity__is_active=True
    ).select_related("activity")


def activity_labels(ids: Iterable[int]) -> dict[int, str]:
    return {a.pk: f"{a.code} — {a.name}" for a in Activity.objects.filter(pk__in=list(ids))}


@dataclass
class FigureTotal:
    body: Body
    people_in_need: int
    targeted: int
    areas: int


def planning_figure_totals(operation: Operation, year: int) -> list[FigureTotal]:
    """People in need and targeted per cluster/AoR for the year, from the figures given at the
    finest level each area has (an area's figures are added up over its areas only where it has
    none of its own: see the 5W's planning_by_area)."""
    bodies = {b.pk: b for b in Body.objects.filter(operation=operation)}
    out = []
    for body_id in (
        PlanningFigure.objects.filter(operation=operation, year=year)
        .values_list("body_id", flat=True)
        .distinct()
        .order_by()
    ):
        body = bodies.get(body_id)
        if body is None:
            continue
        by_area, _note = planning_by_area(
            operation, level=1, year=year, body=body, population_group=None
        )
        out.append(
            FigureTotal(
                body=body,
                people_in_need=sum(v["people_in_need"] for v in by_area.values()),
                targeted=sum(v["targeted"] for v in by_area.values()),
                areas=len(by_area),
            )
        )
    out.sort(key=lambda t: (t.body.kind != Body.Kind.CLUSTER, t.body.name))
    return out


def severity_by_area(operation: Operation, *, level: int, year: int) -> dict[int, int | None]:
    by_area, _note = planning_by_area(
        operation, level=level, year=year, body=None, population_group=None
    )
    return {area_id: values.get("severity") for area_id, values in by_area.items()}


def planning_figures_exist(operation: Operation, year: int) -> bool:
    return PlanningFigure.objects.filter(operation=operation, year=year).exists()


def population_groups(operation: Operation) -> QuerySet[PopulationGroup]:
    return PopulationGroup.objects.filter(operation=operation)
