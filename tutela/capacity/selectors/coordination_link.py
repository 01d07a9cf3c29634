"""What capacity shows of the coordination workspace's action points: their status and page,
read for the CCPM action plan and the work plan. The writes (opening an action point) are in
services/coordination_link.py; these two modules are the only ones of this app that reach
tutela.coordination."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from tutela.coordination.models import ActionPoint
from tutela.core.models import Operation


@dataclass(frozen=True)
class ActionPointState:
    id: int
    title: str
    status: str
    status_label: str
    due_date: datetime.date | None
    url: str


def action_point_url(operation: Operation, pk: int) -> str:
    try:
        return reverse("coordination:action_point_detail", args=[operation.slug, pk])
    except NoReverseMatch:
        return ""


def action_points_state(operation: Operation, ids: Iterable[int]) -> dict[int, ActionPointState]:
    """The current state of action points of the operation, by id (unknown ids left out)."""

    wanted = [pk for pk in ids if pk]
    if not wanted:
        return {}
    return {
        point.pk: ActionPointState(
            id=point.pk,
            title=point.title,
            status=point.status,
            status_label=str(point.get_status_display()),
            due_date=point.due_date,
            url=action_point_url(operation, point.pk),
        )
        for point in ActionPoint.objects.filter(operation=operation, pk__in=wanted)
    }


def action_point_in_operation(operation: Operation, pk: int) -> bool:

    return ActionPoint.objects.filter(operation=operation, pk=pk).exists()
