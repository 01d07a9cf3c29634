"""Meetings of coordination bodies: one-off and recurring meetings, agenda, documents,
attendance, and the calendar invitations sent to the body's members.

Rules (see tutela.core.access for roles):
- Everyone with a role in the operation reads meetings (the views and API check that).
- Managers (coordinator, IMO) and the focal points of the meeting's body (or of a body above it)
  create, edit, cancel meetings and record their agenda, documents and attendance
  (`coordination.access.can_manage_body`).
- A body's open action points go on its meetings' agendas automatically ("Follow-up of action
  point: ..."): when a meeting is created (the first meeting of a series), and again when the
  invitations go out, so that the agenda sent is current.
- Invitations are e-mailed (not digested) to the body's members' contacts with an .ics file
  (METHOD:REQUEST, the meeting's UID and SEQUENCE). Once invitations are out, a change of time,
  place or title bumps the SEQUENCE and sends the update; a cancellation sends METHOD:CANCEL.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.access import require
from tutela.coordination.models import (
    ActionPoint,
    AgendaItem,
    Meeting,
    MeetingSeries,
)
from tutela.coordination.services.agenda import agenda_add_action_points
from tutela.coordination.services.invitations import _send_calendar
from tutela.core.models import Body, Operation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

MAX_OCCURRENCES = 120


CALENDAR_FIELDS = frozenset({"title", "starts_at", "ends_at", "location", "online_link"})


EDITABLE_FIELDS = CALENDAR_FIELDS | {"language"}


OPEN_ACTION_POINT_STATUSES = (ActionPoint.Status.OPEN, ActionPoint.Status.IN_PROGRESS)


def _new_uid() -> str:
    return f"{uuid.uuid4()}@tutela"


def _check_body(operation: Operation, body: Body) -> None:
    if body.operation_id != operation.pk:
        raise ValidationError({"body": _("This body is not part of the operation.")})


def _language(operation: Operation, language: str) -> str:
    return language or operation.default_language or "fr"


def _meeting_save_new(meeting: Meeting, by: User) -> Meeting:
    meeting.uid = _new_uid()
    meeting.full_clean()
    meeting.save()
    audit_create(actor=by, instance=meeting, operation=meeting.operation)
    return meeting


@transaction.atomic
def meeting_create(
    *,
    operation: Operation,
    by: User,
    body: Body,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    duration_minutes: int | None = None,
    location: str = "",
    online_link: str = "",
    language: str = "",
    agenda: Sequence[str] = (),
    add_action_points: bool = True,
) -> Meeting:
    """Schedule a one-off meeting (`ends_at`, or `duration_minutes`, default two hours). The
    body's open action points are added to its agenda after the items given."""
    _check_body(operation, body)
    require(coordination_access.can_manage_body(by, operation, body))
    if ends_at is None:
        ends_at = starts_at + datetime.timedelta(minutes=duration_minutes or 120)
    meeting = Meeting(
        operation=operation,
        body=body,
        title=(title or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=(location or "").strip(),
        online_link=(online_link or "").strip(),
        language=_language(operation, language),
        created_by=by,
    )
    _validate_times(meeting)
    _meeting_save_new(meeting, by)
    for order, item_title in enumerate((t.strip() for t in agenda if t.strip()), start=1):
        AgendaItem.objects.create(meeting=meeting, order=order, title=item_title[:300])
    if add_action_points:
        agenda_add_action_points(meeting=meeting)
    return meeting


def _validate_times(meeting: Meeting) -> None:
    if meeting.starts_at and meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})


@transaction.atomic
def meeting_update(*, meeting: Meeting, by: User, notify: bool = True, **fields: Any) -> Meeting:
    """Edit a meeting (one occurrence of a series included: it keeps its place in the series).
    Once invitations are out, a change of title, time, place or link bumps the calendar
    SEQUENCE and sends the update to the members."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"meeting_update() got unknown field(s): {sorted(unknown)}")
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    before = snapshot(meeting)
    changed: set[str] = set()
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(meeting, field) != value:
            setattr(meeting, field, value)
            changed.add(field)
    if not changed:
        return meeting
    _validate_times(meeting)
    calendar_change = bool(changed & CALENDAR_FIELDS)
    if calendar_change:
        meeting.ics_sequence += 1
    meeting.full_clean()
    meeting.save()
    audit_update(actor=by, instance=meeting, operation=meeting.operation, before=before)
    if calendar_change and notify and meeting.invitations_sent_at is not None:
        _send_calendar(meeting, method="REQUEST", update=True)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, notify: bool = True) -> Meeting:
    """Cancel a meeting; members who were invited receive a calendar cancellation."""
    require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status == Meeting.Status.CANCELLED:
        return meeting
    if meeting.status == Meeting.Status.HELD:
        raise ValidationError(_("A meeting that has been held cannot be cancelled."))
    before = snapshot(meeting)
    meeting.status = Meeting.Status.CANCELLED
    meeting.ics_sequence += 1
    meeting.save()
    audit_update(actor=by, instance=meeting, operation=meeting.operation, before=before)
    if notify and meeting.invitations_sent_at is not None:
        _send_calendar(meeting, method="CANCEL")
    return meeting


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> datetime.date:
    """The nth (1-5) given weekday of the month; the last one when the month has fewer."""
    first = datetime.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = 1 + offset + 7 * (nth - 1)
    last_day = calendar.monthrange(year, month)[1]
    while day > last_day:
        day -= 7
    return datetime.date(year, month, day)


def series_occurrences(
    *, frequency: str, first_starts_at: datetime.datetime, until: datetime.date
) -> list[datetime.datetime]:
    """The start times of a series: weekly, every two weeks, or monthly on the same weekday of
    the month (the 2nd Tuesday...), from the first meeting to the end date included, at the same
    local time of day."""
    local = timezone.localtime(first_starts_at)
    tz = local.tzinfo
    clock = local.time().replace(tzinfo=None)
    starts: list[datetime.datetime] = []
    day = local.date()
    nth = (day.day - 1) // 7 + 1
    index = 0
    while day <= until and len(starts) < MAX_OCCURRENCES:
        starts.append(datetime.datetime.combine(day, clock, tzinfo=tz))
        index += 1
        if frequency == MeetingSeries.Frequency.WEEKLY:
            day = local.date() + datetime.timedelta(weeks=index)
        elif frequency == MeetingSeries.Frequency.FORTNIGHTLY:
            day = local.date() + datetime.timedelta(weeks=2 * index)
        elif frequency == MeetingSeries.Frequency.MONTHLY:
            month = local.month - 1 + index
            day = _nth_weekday(local.year + month // 12, month % 12 + 1, local.weekday(), nth)
        else:
            raise ValidationError({"frequency": _("Unknown frequency.")})
    return starts


@transaction.atomic
def series_create(
    *,
    operation: Operation,
    by: User,
    body: Body,
    title: str,
    frequency: str,
    first_starts_at: datetime.datetime,
    until: datetime.date,
    duration_minutes: int = 120,
    location: str = "",
    online_link: str = "",
    language: str = "",
) -> MeetingSeries:
    """A recurring meeting and its meetings, generated up to the end date. The body's open
    action points go on the first meeting's agenda."""
    _check_body(operation, body)
    require(coordination_access.can_manage_body(by, operation, body))
    series = MeetingSeries(
        operation=operation,
        body=body,
        title=(title or "").strip(),
        frequency=frequency,
        first_starts_at=first_starts_at,
        duration_minutes=duration_minutes,
        until=until,
        location=(location or "").strip(),
        language=_language(operation, language),
        created_by=by,
    )
    series.full_clean()
    if until < timezone.localtime(first_starts_at).date():
        raise ValidationError({"until": _("The end date is before the first meeting.")})
    starts = series_occurrences(frequency=frequency, first_starts_at=first_starts_at, until=until)
    series.save()
    audit_create(actor=by, instance=series, operation=operation)
    for index, start in enumerate(starts):
        meeting = Meeting(
            operation=operation,
            body=body,
            series=series,
            title=series.title,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=duration_minutes),
            location=series.location,
            online_link=(online_link or "").strip(),
            language=series.language,
            created_by=by,
        )
        _meeting_save_new(meeting, by)
        if index == 0:
            agenda_add_action_points(meeting=meeting)
    return series


@transaction.atomic
def series_cancel_rest(
    *, series: MeetingSeries, by: User, after: datetime.datetime | None = None
) -> int:
    """Cancel the series' scheduled meetings from `after` (default: now) on, and end the series
    there. Returns how many meetings were cancelled."""
    require(coordination_access.can_manage_body(by, series.operation, series.body))
    after = after or timezone.now()
    meetings = list(
        series.meetings.filter(starts_at__gte=after, status=Meeting.Status.SCHEDULED).order_by(
            "starts_at"
        )
    )
    for meeting in meetings:
        meeting_cancel(meeting=meeting, by=by)
    last_day = timezone.localtime(after).date() - datetime.timedelta(days=1)
    if last_day < series.until:
        before = snapshot(series)
        series.until = max(last_day, timezone.localtime(series.first_starts_at).date())
        series.save(update_fields=["until", "updated_at"])
        audit_update(actor=by, instance=series, operation=series.operation, before=before)
    return len(meetings)
