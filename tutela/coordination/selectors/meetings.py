"""Reads for the meetings pages, the API and the coordination home: meeting lists, attendance
tick lists, participation rates per organisation and quarter, and the dashboard."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tutela.coordination.models import (
    ActionPoint,
    Alert,
    Attendance,
    Meeting,
    Minutes,
    Recommendation,
)
from tutela.core import access
from tutela.core.models import Body, Contact, Operation, Organisation, User

OPEN_ACTION_POINT_STATUSES = (ActionPoint.Status.OPEN, ActionPoint.Status.IN_PROGRESS)
PENDING_RECOMMENDATION_STATUSES = ("issued", "acknowledged", "in_progress")


# --- Meetings -------------------------------------------------------------------------------------


def meeting_list(
    operation: Operation,
    *,
    body: Body | None = None,
    when: str = "",
    status: str = "",
) -> QuerySet[Meeting]:
    """The operation's meetings: upcoming ones soonest first, past ones latest first."""
    meetings = Meeting.objects.filter(operation=operation).select_related("body", "series")
    if body is not None:
        meetings = meetings.filter(body=body)
    if status:
        meetings = meetings.filter(status=status)
    now = timezone.now()
    if when == "upcoming":
        return meetings.filter(ends_at__gte=now).order_by("starts_at", "pk")
    if when == "past":
        return meetings.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return meetings.order_by("-starts_at", "-pk")


def meeting_get(operation: Operation, pk: int) -> Meeting:
    """A meeting of the operation (404 otherwise), with what its page shows."""
    try:
        return (
            Meeting.objects.select_related("body", "series", "operation", "created_by")
            .prefetch_related("agenda__presenter", "agenda__action_point", "documents")
            .get(operation=operation, pk=pk)
        )
    except Meeting.DoesNotExist:
        raise Http404 from None


def meeting_month(operation: Operation, year: int, month: int) -> dict[datetime.date, list[Any]]:
    """The month's meetings by local day (the calendar view)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    days: dict[datetime.date, list[Any]] = defaultdict(list)
    for meeting in (
        Meeting.objects.filter(operation=operation, starts_at__gte=start, starts_at__lt=end)
        .select_related("body")
        .order_by("starts_at")
    ):
        days[timezone.localtime(meeting.starts_at).date()].append(meeting)
    return dict(days)


def meeting_minutes(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).select_related("approved_by").first()


def member_organisation_ids(body: Body) -> set[int]:
    """The body's current member organisations (memberships that have not ended)."""
    today = timezone.localdate()
    return set(
        body.memberships.filter(Q(until__isnull=True) | Q(until__gte=today)).values_list(
            "organisation_id", flat=True
        )
    )


# --- Attendance -----------------------------------------------------------------------------------


@dataclass
class TickContact:
    contact: Contact
    present: bool


@dataclass
class TickRow:
    organisation: Organisation
    member: bool
    present: bool
    contacts: list[TickContact] = field(default_factory=list)


def attendance_tick_list(meeting: Meeting) -> list[TickRow]:
    """One row per organisation (the body's current members, and any other organisation recorded
    present), with the contacts attached to the body, each ticked as recorded."""
    recorded = list(meeting.attendance.all())
    present_orgs = {a.organisation_id for a in recorded if a.present}
    present_contacts = {a.contact_id for a in recorded if a.present and a.contact_id}
    member_ids = member_organisation_ids(meeting.body)
    contacts = list(
        Contact.objects.filter(operation=meeting.operation, is_active=True)
        .filter(Q(bodies=meeting.body) | Q(pk__in=present_contacts))
        .distinct()
        .order_by("name")
    )
    org_ids = member_ids | present_orgs | {c.organisation_id for c in contacts}
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids)}
    rows = {
        pk: TickRow(organisation=org, member=pk in member_ids, present=pk in present_orgs)
        for pk, org in organisations.items()
    }
    for contact in contacts:
        rows[contact.organisation_id].contacts.append(
            TickContact(contact=contact, present=contact.pk in present_contacts)
        )
    return sorted(rows.values(), key=lambda r: (not r.member, r.organisation.acronym.lower()))


@dataclass
class AttendanceLine:
    organisation: Organisation
    present: bool
    names: list[str]


def attendance_by_organisation(meeting: Meeting) -> list[AttendanceLine]:
    """What was recorded, by organisation: present or absent, and who came."""
    lines: dict[int, AttendanceLine] = {}
    for row in meeting.attendance.select_related("organisation", "contact").order_by(
        "organisation__acronym", "contact__name"
    ):
        line = lines.setdefault(row.organisation_id, AttendanceLine(row.organisation, False, []))
        if row.present:
            line.present = True
            if row.contact is not None:
                line.names.append(row.contact.name)
    return sorted(lines.values(), key=lambda line: (not line.present, line.organisation.acronym))


# --- Participation --------------------------------------------------------------------------------


def quarter_of(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


@dataclass
class Cell:
    attended: int
    held: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.held if self.held else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return round(rate * 100) if rate is not None else None


@dataclass
class ParticipationRow:
    organisation: Organisation
    member: bool
    cells: list[Cell]
    total: Cell


@dataclass
class Participation:
    body: Body
    quarters: list[str]
    held: list[int]
    rows: list[ParticipationRow]


def participation_rates(
    body: Body, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> Participation:
    """Per organisation and quarter: meetings of the body attended / meetings of the body held
    (status "held") while the organisation was a member (membership `since`..`until` covering the
    meeting's day), so that an organisation is not counted absent from meetings held before it
    joined or after it left; a meeting attended without being a member counts as held for it
    too. Organisations: the current members, and any that were members at a meeting or attended."""
    meetings = Meeting.objects.filter(body=body, status=Meeting.Status.HELD)
    if since is not None:
        meetings = meetings.filter(starts_at__date__gte=since)
    if until is not None:
        meetings = meetings.filter(starts_at__date__lte=until)
    starts = dict(meetings.values_list("pk", "starts_at"))
    quarter_of_meeting = {pk: quarter_of(start) for pk, start in starts.items()}
    day_of_meeting = {pk: timezone.localtime(start).date() for pk, start in starts.items()}
    quarters = sorted(set(quarter_of_meeting.values()))
    held_by_quarter: dict[str, int] = defaultdict(int)
    for quarter in quarter_of_meeting.values():
        held_by_quarter[quarter] += 1
    attended_pairs = set(
        Attendance.objects.filter(meeting_id__in=list(quarter_of_meeting), present=True)
        .values_list("meeting_id", "organisation_id")
        .distinct()
    )
    expected_pairs = {
        (meeting_id, org_id)
        for org_id, joined, left in body.memberships.values_list(
            "organisation_id", "since", "until"
        )
        for meeting_id, day in day_of_meeting.items()
        if (joined is None or joined <= day) and (left is None or left >= day)
    }
    attended: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for meeting_id, org_id in attended_pairs:
        attended[org_id][quarter_of_meeting[meeting_id]] += 1
    held: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for meeting_id, org_id in expected_pairs | attended_pairs:
        held[org_id][quarter_of_meeting[meeting_id]] += 1
    member_ids = member_organisation_ids(body)
    organisations = Organisation.objects.filter(pk__in=member_ids | set(held)).order_by("acronym")
    rows = []
    for org in organisations:
        cells = [Cell(attended[org.pk][q], held[org.pk][q]) for q in quarters]
        rows.append(
            ParticipationRow(
                organisation=org,
                member=org.pk in member_ids,
                cells=cells,
                total=Cell(sum(c.attended for c in cells), sum(c.held for c in cells)),
            )
        )
    rows.sort(key=lambda r: (-(r.total.rate or 0), r.organisation.acronym.lower()))
    return Participation(
        body=body, quarters=quarters, held=[held_by_quarter[q] for q in quarters], rows=rows
    )


# --- Coordination home ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    upcoming: list[Meeting]
    my_action_points: list[ActionPoint]
    my_action_points_count: int
    my_overdue_count: int
    open_alerts: list[Alert]
    pending_recommendations: list[Recommendation]
    pending_recommendations_count: int
    draft_minutes: list[Minutes]


def dashboard(user: User, operation: Operation) -> Dashboard:
    today = timezone.localdate()
    mine_filter = Q(owner=user)
    if getattr(user, "organisation_id", None):
        mine_filter |= Q(owner_organisation_id=user.organisation_id)
    mine = ActionPoint.objects.filter(
        mine_filter, operation=operation, status__in=OPEN_ACTION_POINT_STATUSES
    )
    counts = mine.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    pending = Recommendation.objects.filter(
        operation=operation, status__in=PENDING_RECOMMENDATION_STATUSES
    )
    draft_minutes: list[Minutes] = []
    if access.is_manager(user, operation):
        draft_minutes = list(
            Minutes.objects.filter(meeting__operation=operation, status=Minutes.Status.DRAFT)
            .select_related("meeting", "meeting__body")
            .order_by("-meeting__starts_at")[:5]
        )
    return Dashboard(
        upcoming=list(
            meeting_list(
                operation, when="upcoming", status=Meeting.Status.SCHEDULED
            ).prefetch_related(Prefetch("agenda"))[:5]
        ),
        my_action_points=list(
            mine.select_related("body", "owner_organisation").order_by("due_date", "pk")[:8]
        ),
        my_action_points_count=counts["total"],
        my_overdue_count=counts["overdue"],
        open_alerts=list(
            Alert.objects.filter(operation=operation, status=Alert.Status.SENT).order_by(
                "-occurred_on", "-pk"
            )[:5]
        ),
        pending_recommendations=list(pending.order_by("issued_on", "pk")[:5]),
        pending_recommendations_count=pending.count(),
        draft_minutes=draft_minutes,
    )
