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
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tutela.coordination import access as coordination_access
from tutela.coordination.models import (
    ActionPoint,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingDocument,
    MeetingSeries,
)
from tutela.coordination.selectors.meetings import member_organisation_ids
from tutela.coordination.services import ics
from tutela.coordination.services.actions import open_action_points_for_body
from tutela.core.models import AuditEntry, Body, Contact, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import mail_enqueue

MAX_OCCURRENCES = 120
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Extension -> how the file starts (None: not checked, e.g. plain text).
_ZIP = (b"PK\x03\x04",)
DOCUMENT_TYPES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF",),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    "odt": _ZIP,
    "ods": _ZIP,
    "odp": _ZIP,
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "txt": None,
    "csv": None,
}
ATTENDANCE_SHEET_TYPES = frozenset({"pdf", "png", "jpg", "jpeg"})
CALENDAR_FIELDS = frozenset({"title", "starts_at", "ends_at", "location", "online_link"})
EDITABLE_FIELDS = CALENDAR_FIELDS | {"language"}
OPEN_ACTION_POINT_STATUSES = (ActionPoint.Status.OPEN, ActionPoint.Status.IN_PROGRESS)


# --- Who may do what ------------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Meetings -------------------------------------------------------------------------------------


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
    _require(coordination_access.can_manage_body(by, operation, body))
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
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
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
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
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


# --- Series ---------------------------------------------------------------------------------------


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
    _require(coordination_access.can_manage_body(by, operation, body))
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
    _require(coordination_access.can_manage_body(by, series.operation, series.body))
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


# --- Agenda ---------------------------------------------------------------------------------------


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
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
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
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
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
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
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


# --- Documents ------------------------------------------------------------------------------------


def _check_upload(upload: UploadedFile, kind: str) -> str:
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = (
        ATTENDANCE_SHEET_TYPES
        if kind == MeetingDocument.Kind.ATTENDANCE_SHEET
        else set(DOCUMENT_TYPES)
    )
    if extension not in allowed:
        raise ValidationError(
            {
                "file": _("Files of this type are not accepted. Accepted: %(types)s.")
                % {"types": ", ".join(sorted(allowed))}
            },
            code="file_type",
        )
    if upload.size is not None and upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": DOCUMENT_MAX_BYTES // 2**20}
            },
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    signatures = DOCUMENT_TYPES[extension]
    if signatures is not None:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in signatures):
            raise ValidationError(
                {
                    "file": _("The file's content does not match its type (.%(ext)s).")
                    % {"ext": extension}
                },
                code="file_content",
            )
    return name


@transaction.atomic
def document_upload(
    *,
    meeting: Meeting,
    by: User,
    file: UploadedFile,
    kind: str = MeetingDocument.Kind.DOCUMENT,
    title: str = "",
) -> MeetingDocument:
    """Attach a document, presentation or signed attendance sheet (PDF or image) to a meeting,
    within size and type limits."""
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if kind not in MeetingDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    name = _check_upload(file, kind)
    document = MeetingDocument(
        meeting=meeting,
        kind=kind,
        title=(title or "").strip() or name.rsplit("/", 1)[-1][:200],
        uploaded_by=by,
    )
    document.file.save(name.rsplit("/", 1)[-1], file, save=False)
    document.full_clean()
    document.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=document,
        operation=meeting.operation,
        after=_document_snapshot(document),
    )
    return document


def _document_snapshot(document: MeetingDocument) -> dict[str, Any]:
    # A FieldFile is not JSON: the audit log records the stored file's name.
    return {
        **snapshot(document, fields=["meeting", "kind", "title", "uploaded_by"]),
        "file": document.file.name,
    }


@transaction.atomic
def document_remove(*, document: MeetingDocument, by: User) -> None:
    meeting = document.meeting
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=document,
        operation=meeting.operation,
        before=_document_snapshot(document),
    )
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Attendance -----------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    by: User,
    organisations: Iterable[Organisation] = (),
    contacts: Iterable[Contact] = (),
) -> list[Attendance]:
    """Record who attended (replacing what was recorded before): the organisations ticked, and
    the people ticked (their organisation counts as present). The body's member organisations
    not present are recorded absent. The meeting is then marked held."""
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Attendance cannot be recorded for a cancelled meeting."))
    if timezone.localdate() < timezone.localtime(meeting.starts_at).date():
        raise ValidationError(_("Attendance can be recorded from the day of the meeting."))
    operation = meeting.operation
    contacts = list(contacts)
    organisations = list(organisations)
    if any(c.operation_id != operation.pk for c in contacts):
        raise ValidationError({"contacts": _("This contact is not part of the operation.")})
    valid_orgs = set(Organisation.objects.filter(operations=operation).values_list("pk", flat=True))
    if any(o.pk not in valid_orgs for o in organisations):
        raise ValidationError(
            {"organisations": _("This organisation is not part of the operation.")}
        )
    before = sorted(meeting.attendance.values_list("organisation_id", "contact_id", "present"))
    rows: dict[tuple[int, int | None], bool] = {}
    for contact in contacts:
        rows[(contact.organisation_id, contact.pk)] = True
    present_orgs = {o.pk for o in organisations} | {c.organisation_id for c in contacts}
    for org_id in present_orgs:
        if not any(key[0] == org_id for key in rows):
            rows[(org_id, None)] = True
    for org_id in member_organisation_ids(meeting.body):
        if org_id not in present_orgs:
            rows[(org_id, None)] = False
    meeting.attendance.all().delete()
    created = Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            organisation_id=org_id,
            contact_id=contact_id,
            present=present,
            recorded_by=by,
        )
        for (org_id, contact_id), present in sorted(
            rows.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
        )
    )
    after = sorted((o, c, p) for (o, c), p in rows.items())
    meeting_before = snapshot(meeting)
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=meeting,
        operation=operation,
        before={"attendance": [list(r) for r in before], **meeting_before},
        after={"attendance": [list(r) for r in after], **snapshot(meeting)},
        summary=f"Attendance recorded: {meeting}",
    )
    return created


# --- Invitations ----------------------------------------------------------------------------------


def meeting_recipient_contacts(meeting: Meeting) -> QuerySet[Contact]:
    """Who receives the invitations: the active contacts (with an e-mail address) attached to
    the body, and, for member organisations that have nobody attached to the body, their active
    contacts in the operation."""
    body = meeting.body
    member_orgs = member_organisation_ids(body)
    contacts = Contact.objects.filter(operation=meeting.operation, is_active=True)
    attached = contacts.filter(bodies=body)
    covered = set(attached.values_list("organisation_id", flat=True))
    uncovered = member_orgs - covered
    return (
        contacts.filter(Q(bodies=body) | Q(organisation_id__in=uncovered))
        .distinct()
        .select_related("organisation")
    )


def meeting_recipient_addresses(meeting: Meeting) -> list[str]:
    seen: dict[str, None] = {}
    for contact in meeting_recipient_contacts(meeting):
        address = (contact.email or "").strip()
        if address and "@" in address:
            seen.setdefault(address.lower(), None)
    return list(seen)


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    return (
        f"{date_format(start, 'DATE_FORMAT')} {date_format(start, 'TIME_FORMAT')}"
        f"–{date_format(end, 'TIME_FORMAT')} ({timezone.get_current_timezone_name()})"
    )


def _calendar_mail(meeting: Meeting, *, method: str, update: bool) -> tuple[str, str]:
    """Subject and text of an invitation, update or cancellation, in the meeting's language."""
    with translation.override(meeting.language):
        values = {"title": meeting.title, "body": meeting.body.name, "when": _when(meeting)}
        if method == "CANCEL":
            subject = _("Cancelled: %(title)s") % values
            intro = _("The meeting %(title)s (%(body)s) planned on %(when)s is cancelled.") % values
        elif update:
            subject = _("Updated invitation: %(title)s") % values
            intro = (
                _("The meeting %(title)s (%(body)s) has changed. It now takes place on %(when)s.")
                % values
            )
        else:
            subject = _("Invitation: %(title)s") % values
            intro = _("You are invited to the meeting %(title)s (%(body)s) on %(when)s.") % values
        lines = [intro, ""]
        if method != "CANCEL":
            if meeting.location:
                lines.append(_("Location: %(location)s") % {"location": meeting.location})
            lines += ["", ics.meeting_description(meeting), ""]
            lines.append(_("The calendar invitation is attached (.ics)."))
    return subject, "\n".join(lines)


def _send_calendar(meeting: Meeting, *, method: str, update: bool = False) -> int:
    addresses = meeting_recipient_addresses(meeting)
    if not addresses:
        return 0
    subject, text = _calendar_mail(meeting, method=method, update=update)
    name = "cancellation.ics" if method == "CANCEL" else "invitation.ics"
    mail_enqueue(
        operation=meeting.operation,
        kind="meeting_cancellation" if method == "CANCEL" else "meeting_invitation",
        subject=subject,
        text=text,
        to_addresses=addresses,
        attachments=[(name, ics.meeting_ics(meeting, method=method), ics.CONTENT_TYPE)],
        digestible=False,
    )
    return len(addresses)


@transaction.atomic
def meeting_invitations_send(*, meeting: Meeting, by: User) -> int:
    """E-mail the invitation (.ics) to the body's members; sending again sends the current
    version with a new SEQUENCE. Returns the number of recipients."""
    _require(coordination_access.can_manage_body(by, meeting.operation, meeting.body))
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError(_("Invitations can only be sent for a scheduled meeting."))
    if not meeting_recipient_addresses(meeting):
        raise ValidationError(
            _("No member of this body has an active contact with an e-mail address.")
        )
    agenda_add_action_points(meeting=meeting)
    before = snapshot(meeting)
    resend = meeting.invitations_sent_at is not None
    if resend:
        meeting.ics_sequence += 1
    meeting.invitations_sent_at = timezone.now()
    meeting.save(update_fields=["ics_sequence", "invitations_sent_at", "updated_at"])
    count = _send_calendar(meeting, method="REQUEST", update=resend)
    audit_update(actor=by, instance=meeting, operation=meeting.operation, before=before)
    return count
