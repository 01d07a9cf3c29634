"""A meeting's agenda: items added, removed and reordered by the body's managers, and the body's
open action points put on it ("Follow-up of action point: ...") when the meeting is created and
again when the invitations go out. Rules: services/meetings.py."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.access import require
from tutela.coordination.models import (
    ActionPoint,
    AgendaItem,
    Meeting,
)
from tutela.coordination.services.actions import open_action_points_for_body
from tutela.core.models import AuditEntry, Body, Organisation, User
from tutela.core.services.audit import audit_create, audit_write, snapshot


def _open_action_points(body: Body) -> QuerySet[ActionPoint]:
    return open_action_points_for_body(body)


def agenda_add_action_points(*, meeting: Meeting) -> list[AgendaItem]:
    """Put the body's open action points that are not on the agenda yet at its end (action points
    raised in this very meeting excepted). Run inside the callers' transactions."""
    if meeting.status != Meeting.Status.SCHEDULED:
        return []
    already = set(
        meeting.agenda.exclude(action_point=None).values_list("action_point_id", flat=True)
    )
    points = [
        point
        for point in _open_action_points(meeting.body)
        if point.pk not in already and point.meeting_id != meeting.pk
    ]
    if not points:
        return []
    order = (meeting.agenda.aggregate(m=Max("order"))["m"] or 0) + 1
    items = []
    with translation.override(meeting.language):
        for point in points:
            title = _("Follow-up of action point: %(title)s") % {"title": point.title}
            items.append(
                AgendaItem(
                    meeting=meeting,
                    order=order,
                    title=title[:300],
                    presenter=point.owner_organisation,
                    action_point=point,
                )
            )
            order += 1
    return AgendaItem.objects.bulk_create(items)


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    by: User,
    title: str,
    presenter: Organisation | None = None,
    duration_minutes: int | None = None,
    notes: str = "",
) -> AgendaItem:
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if presenter is not None and not presenter.operations.filter(pk=meeting.operation_id).exists():
        raise ValidationError({"presenter": _("This organisation is not part of the operation.")})
    order = (meeting.agenda.aggregate(m=Max("order"))["m"] or 0) + 1
    item = AgendaItem(
        meeting=meeting,
        order=order,
        title=(title or "").strip(),
        presenter=presenter,
        duration_minutes=duration_minutes,
        notes=(notes or "").strip(),
    )
    item.full_clean()
    item.save()
    audit_create(actor=by, instance=item, operation=meeting.operation)
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User) -> None:
    meeting = item.meeting
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=item,
        operation=meeting.operation,
        before=snapshot(item),
    )
    item.delete()


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, by: User, item_ids: Sequence[int]) -> list[AgendaItem]:
    """Put the agenda in the order given (every item of the meeting, once)."""
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    items = {item.pk: item for item in meeting.agenda.all()}
    if sorted(item_ids) != sorted(items):
        raise ValidationError(_("The new order must list every agenda item once."))
    before = [pk for pk, _item in sorted(items.items(), key=lambda kv: (kv[1].order, kv[0]))]
    for order, pk in enumerate(item_ids, start=1):
        items[pk].order = order
    AgendaItem.objects.bulk_update(list(items.values()), ["order"])
    if list(item_ids) != before:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=meeting,
            operation=meeting.operation,
            before={"agenda": before},
            after={"agenda": list(item_ids)},
            summary=f"Agenda reordered: {meeting}",
        )
    return [items[pk] for pk in item_ids]


def agenda_item_move(*, item: AgendaItem, by: User, direction: str) -> list[AgendaItem]:
    """Move an item one place up or down (the page's buttons)."""
    ids = list(item.meeting.agenda.order_by("order", "id").values_list("id", flat=True))
    index = ids.index(item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return agenda_reorder(meeting=item.meeting, by=by, item_ids=ids)
