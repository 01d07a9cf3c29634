"""The one module through which the capacity app reaches the coordination workspace: the CCPM
action plan and the work plan turn their items into action points there, and show those action
points' status and page.

Everything else in this app imports tutela.core only. Keeping the dependency here means it can
later be inverted (coordination registering these functions in tutela.core.extensions) by
changing this module alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from tutela.coordination.models import ActionPoint
from tutela.coordination.services.actions import action_point_create
from tutela.core.models import Body, Operation, Organisation, User


@dataclass(frozen=True)
class ActionPointState:
    id: int
    title: str
    status: str
    status_label: str
    due_date: datetime.date | None
    url: str


def action_point_open(
    *,
    operation: Operation,
    by: User,
    title: str,
    description: str = "",
    owner_organisation: Organisation | None = None,
    due_date: datetime.date | None = None,
    body: Body | None = None,
) -> int:
    """Create an action point (through coordination's own service, so its rules, history and
    audit apply) and return its id."""

    point = action_point_create(
        operation=operation,
        by=by,
        title=title,
        description=description,
        owner_organisation=owner_organisation,
        due_date=due_date,
        body=body,
        source_kind=ActionPoint.SourceKind.OTHER,
    )
    return int(point.pk)


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
