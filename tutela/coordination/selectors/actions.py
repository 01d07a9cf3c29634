"""Reads of action points: lists with filters, "my action points", overdue counts by organisation,
one action point with its history. Everyone with a role in the operation reads action points; the
callers have checked that (tutela.core.access.operation_get_for_user)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tutela.coordination.models import ActionPoint, ActionPointEvent
from tutela.core.models import Operation, Organisation, User

# Action points still to be done.
OPEN_STATUSES = (ActionPoint.Status.OPEN, ActionPoint.Status.IN_PROGRESS)

# Open points first (closed_at empty), by due date (undated last), then the closed ones.
OPEN_FIRST = (
    F("closed_at").desc(nulls_first=True),
    F("due_date").asc(nulls_last=True),
    "id",
)

# The fields an event's `changes` may name, with how the history labels them.
FIELD_LABELS = {f.name: f.verbose_name for f in ActionPoint._meta.concrete_fields}


def _base(operation: Operation) -> QuerySet[ActionPoint]:
    return ActionPoint.objects.filter(operation=operation).select_related(
        "owner_organisation", "owner", "body"
    )


def action_point_list(
    operation: Operation,
    *,
    status: str = "",
    organisation: Organisation | None = None,
    body: Any = None,
    source: str = "",
    overdue: bool = False,
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet[ActionPoint]:
    """Action points of the operation: open ones first (by due date), then the closed ones."""
    today = today or timezone.localdate()
    points = _base(operation)
    if status == "open_all":
        points = points.filter(status__in=OPEN_STATUSES)
    elif status:
        points = points.filter(status=status)
    if organisation is not None:
        points = points.filter(owner_organisation=organisation)
    if body is not None:
        points = points.filter(body=body)
    if source:
        points = points.filter(source_kind=source)
    if overdue:
        points = points.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    if q:
        points = points.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return points.order_by(*OPEN_FIRST)


def my_action_points(
    user: User, operation: Operation, *, include_closed: bool = False
) -> QuerySet[ActionPoint]:
    """Action points owned by the user or by the user's organisation."""
    mine = Q(owner=user)
    if user.organisation_id is not None:
        mine |= Q(owner_organisation_id=user.organisation_id)
    points = _base(operation).filter(mine)
    if not include_closed:
        points = points.filter(status__in=OPEN_STATUSES)
    return points.order_by(*OPEN_FIRST)


@dataclass(frozen=True)
class OverdueRow:
    organisation: Organisation | None
    overdue: int
    open: int
    oldest_due: datetime.date | None


def overdue_by_organisation(
    operation: Operation, today: datetime.date | None = None
) -> list[OverdueRow]:
    """Per owner organisation (None: no owner organisation), how many open action points are
    overdue, out of how many open; most overdue first. Organisations with nothing overdue are
    left out."""
    today = today or timezone.localdate()
    rows = (
        ActionPoint.objects.filter(operation=operation, status__in=OPEN_STATUSES)
        .values("owner_organisation")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_date__lt=today)),
            oldest_due=Min("due_date", filter=Q(due_date__lt=today)),
        )
        .filter(overdue__gt=0)
    )
    organisations = Organisation.objects.in_bulk(
        [row["owner_organisation"] for row in rows if row["owner_organisation"]]
    )
    result = [
        OverdueRow(
            organisation=organisations.get(row["owner_organisation"]),
            overdue=row["overdue"],
            open=row["open"],
            oldest_due=row["oldest_due"],
        )
        for row in rows
    ]
    result.sort(
        key=lambda row: (
            -row.overdue,
            row.organisation.acronym if row.organisation else "~",
        )
    )
    return result


def action_point_get(operation: Operation, pk: int) -> ActionPoint:
    try:
        return (
            _base(operation)
            .select_related("meeting", "alert", "mission", "pau", "created_by")
            .get(pk=pk)
        )
    except ActionPoint.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class HistoryChange:
    field: str
    label: str
    before: Any
    after: Any


def action_point_history(action_point: ActionPoint) -> list[tuple[ActionPointEvent, list[Any]]]:
    """The events, oldest first, each with its changes labelled for display."""
    events = list(action_point.events.select_related("by").order_by("created_at", "id"))
    history = []
    for event in events:
        changes = []
        if event.kind != ActionPointEvent.Kind.REMINDER:
            for field, values in (event.changes or {}).items():
                before, after = (
                    (values + [None, None])[:2]
                    if isinstance(values, list)
                    else (
                        None,
                        values,
                    )
                )
                if field == "status":
                    before = ActionPoint.Status(before).label if before else before
                    after = ActionPoint.Status(after).label if after else after
                elif field == "priority":
                    before = ActionPoint.Priority(before).label if before else before
                    after = ActionPoint.Priority(after).label if after else after
                changes.append(
                    HistoryChange(field, str(FIELD_LABELS.get(field, field)), before, after)
                )
        history.append((event, changes))
    return history


def is_overdue(action_point: ActionPoint, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(
        action_point.status in OPEN_STATUSES
        and action_point.due_date is not None
        and action_point.due_date < today
    )
