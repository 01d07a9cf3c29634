"""Calendar files (.ics, RFC 5545 / iTIP RFC 5546) for meetings, and each body's calendar feed.

- An invitation is a VCALENDAR with METHOD:REQUEST and one VEVENT whose UID is the meeting's
  `uid` and whose SEQUENCE is its `ics_sequence`: calendar apps replace the event they already
  have when a later SEQUENCE arrives with the same UID, so an update is just a new REQUEST.
- A cancellation is METHOD:CANCEL with STATUS:CANCELLED (same UID, bumped SEQUENCE).
- The feed is a METHOD:PUBLISH calendar of the body's meetings, read by calendar apps that cannot
  sign in: its address carries a random token of which only a hash is stored
  (`CalendarFeed.token_hash`). Issuing a new token retires the old address.

Times are written in UTC ("Z"), so that no VTIMEZONE is needed.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from tutela.coordination.models import CalendarFeed, Meeting
from tutela.core.models import AuditEntry, Body, User
from tutela.core.services.audit import audit_write

PRODID = "-//Tutela//Coordination//EN"
CONTENT_TYPE = "text/calendar"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'no-reply@tutela.local'}")
    organizer.params["cn"] = vText(name or "Tutela")
    return organizer


def meeting_description(meeting: Meeting) -> str:
    """The event's description: the body, the online link and the agenda, in the meeting's
    language."""
    with translation.override(meeting.language):
        lines = [str(meeting.body)]
        if meeting.online_link:
            lines.append(_("Online: %(link)s") % {"link": meeting.online_link})
        items = list(meeting.agenda.select_related("presenter"))
        if items:
            lines += ["", _("Agenda:")]
            for number, item in enumerate(items, start=1):
                presenter = f" ({item.presenter.acronym})" if item.presenter else ""
                lines.append(f"{number}. {item.title}{presenter}")
    return "\n".join(lines)


def _event(meeting: Meeting, *, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.ics_sequence)
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.online_link:
        event.add("url", meeting.online_link)
    event.add("description", meeting_description(meeting))
    event.add("organizer", _organizer())
    is_cancelled = cancelled or meeting.status == Meeting.Status.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    return event


def _calendar(method: str, name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def meeting_ics(meeting: Meeting, *, method: str = "REQUEST") -> bytes:
    """One meeting as an invitation (REQUEST) or a cancellation (CANCEL)."""
    calendar = _calendar(method)
    calendar.add_component(_event(meeting, cancelled=method == "CANCEL"))
    return bytes(calendar.to_ical())


def body_feed_ics(body: Body, meetings: Iterable[Meeting]) -> bytes:
    """The body's calendar: its meetings (cancelled ones marked so, for apps that had them)."""
    calendar = _calendar("PUBLISH", name=str(body))
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return bytes(calendar.to_ical())


# --- Feed tokens ----------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_token_issue(*, body: Body, by: User | None) -> str:
    """A new secret for the body's feed; the previous address stops working. Returns the token
    (shown once in the feed's address; only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    feed, created = CalendarFeed.objects.get_or_create(
        body=body, defaults={"token_hash": _hash(token), "created_by": by}
    )
    if not created:
        feed.token_hash = _hash(token)
        feed.created_by = by
        feed.save(update_fields=["token_hash", "created_by", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=feed,
        operation=body.operation,
        summary=f"Calendar feed address issued: {body}",
    )
    return token


def calendar_feed_body(token: str) -> Body | None:
    """The body whose feed the token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("body", "body__operation")
        .filter(token_hash=_hash(token), body__operation__is_active=True)
        .first()
    )
    return feed.body if feed is not None else None


def feed_meetings(body: Body) -> Any:
    """What the feed lists: the body's meetings from 90 days ago on."""
    since = timezone.now() - datetime.timedelta(days=90)
    return (
        Meeting.objects.filter(body=body, starts_at__gte=since)
        .select_related("body")
        .prefetch_related("agenda__presenter")
        .order_by("starts_at")
    )
