"""The one module through which the capacity app reads the records that reporting compliance is
measured from: the 5W reporting rounds and submissions (activities), incidents reported
(monitoring), meetings held and attended, and alerts received and answered (coordination).

Read-only: it returns plain facts (dataclasses of numbers and dates), never the other apps'
models, so that the rest of the capacity app imports tutela.core only and this dependency can
later be inverted by changing this module alone. No personal data leaves it: counts and dates per
organisation, nothing about the people in the records.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tutela.activities.models import ReportingRound, Submission
from tutela.coordination.models import AlertRecipient, Attendance, Meeting
from tutela.core.models import AuditEntry, Membership, Operation
from tutela.monitoring.models import Incident

SUBMISSION_ENTITY = "activities.submission"


@dataclass(frozen=True)
class RoundFact:
    id: int
    month: datetime.date
    deadline: datetime.date
    status: str


@dataclass(frozen=True)
class SubmissionFact:
    round_id: int
    organisation_id: int
    # draft / submitted / validated / returned (activities.Submission.Status)
    status: str
    # When it was first handed in (from the audit log; the submission's own stamp moves when a
    # returned report is handed in again).
    first_submitted_at: datetime.datetime | None
    times_returned: int


@dataclass(frozen=True)
class ActivityFact:
    """Per organisation and month: incidents reported, meetings held of the bodies it belongs
    to and attended, alerts received, acknowledged and answered."""

    incidents: int = 0
    meetings_held: int = 0
    meetings_attended: int = 0
    alerts_received: int = 0
    alerts_acknowledged: int = 0
    alerts_answered: int = 0


def reporting_rounds(
    operation: Operation, *, since: datetime.date | None = None
) -> list[RoundFact]:
    """The operation's 5W reporting rounds, oldest first."""

    rounds = ReportingRound.objects.filter(operation=operation)
    if since is not None:
        rounds = rounds.filter(month__gte=since)
    return [
        RoundFact(id=pk, month=month, deadline=deadline, status=status)
        for pk, month, deadline, status in rounds.order_by("month").values_list(
            "pk", "month", "deadline", "status"
        )
    ]


def round_get(operation: Operation, round_id: int) -> RoundFact | None:

    found = (
        ReportingRound.objects.filter(operation=operation, pk=round_id)
        .values_list("pk", "month", "deadline", "status")
        .first()
    )
    if found is None:
        return None
    return RoundFact(id=found[0], month=found[1], deadline=found[2], status=found[3])


def open_rounds_due(operation: Operation, *, until: datetime.date) -> list[RoundFact]:
    """Open rounds whose deadline has not passed and falls on or before `until`."""

    today = timezone.localdate()
    return [
        RoundFact(id=pk, month=month, deadline=deadline, status=status)
        for pk, month, deadline, status in ReportingRound.objects.filter(
            operation=operation,
            status=ReportingRound.Status.OPEN,
            deadline__gte=today,
            deadline__lte=until,
        ).values_list("pk", "month", "deadline", "status")
    ]


def submissions(
    round_ids: Iterable[int], *, organisation_id: int | None = None
) -> list[SubmissionFact]:

    ids = list(round_ids)
    if not ids:
        return []
    found = Submission.objects.filter(round_id__in=ids)
    if organisation_id is not None:
        found = found.filter(organisation_id=organisation_id)
    rows = list(found.values_list("pk", "round_id", "organisation_id", "status", "submitted_at"))
    entity_ids = [str(pk) for pk, *_rest in rows]
    history = {
        int(item["entity_id"]): item
        for item in AuditEntry.objects.filter(
            entity_type=SUBMISSION_ENTITY,
            entity_id__in=entity_ids,
            action=AuditEntry.Action.UPDATE,
        )
        .values("entity_id")
        .annotate(
            first_submitted=Min("created_at", filter=Q(after__status="submitted")),
            returned=Count("pk", filter=Q(after__status="returned")),
        )
    }
    facts = []
    for pk, round_id, org_id, status, submitted_at in rows:
        seen = history.get(pk, {})
        first = seen.get("first_submitted") or submitted_at
        if submitted_at is not None and first is not None:
            first = min(first, submitted_at)
        facts.append(
            SubmissionFact(
                round_id=round_id,
                organisation_id=org_id,
                status=status,
                first_submitted_at=first,
                times_returned=int(seen.get("returned") or 0),
            )
        )
    return facts


def _month(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def activity_by_month(
    operation: Operation,
    months: Iterable[datetime.date],
    *,
    organisation_id: int | None = None,
) -> dict[tuple[int, datetime.date], ActivityFact]:
    """(organisation id, first day of month) -> what the organisation did that month."""

    wanted = sorted({_month(m) for m in months})
    if not wanted:
        return {}
    first = wanted[0]
    last = wanted[-1]
    end = datetime.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    counts: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def org_filter(field: str) -> Q:
        return Q(**{field: organisation_id}) if organisation_id is not None else Q()

    incidents = Incident.objects.filter(
        org_filter("organisation_id"),
        operation=operation,
        reported_on__gte=first,
        reported_on__lt=end,
    )
    for org_id, reported_on in incidents.values_list("organisation_id", "reported_on"):
        counts[(org_id, _month(reported_on))]["incidents"] += 1

    meetings = {
        pk: (body_id, timezone.localtime(starts_at).date())
        for pk, body_id, starts_at in Meeting.objects.filter(
            operation=operation, status=Meeting.Status.HELD
        )
        .filter(starts_at__date__gte=first, starts_at__date__lt=end)
        .values_list("pk", "body_id", "starts_at")
    }
    # An organisation is expected at a meeting of a body it was a member of on the meeting's
    # day (membership `since`..`until`), not at one held before it joined or after it left.
    members: dict[int, list[tuple[int, datetime.date | None, datetime.date | None]]] = defaultdict(
        list
    )
    for body_id, org_id, since, until in Membership.objects.filter(
        org_filter("organisation_id"), body__operation=operation
    ).values_list("body_id", "organisation_id", "since", "until"):
        members[body_id].append((org_id, since, until))
    expected: set[tuple[int, int]] = set()
    for meeting_id, (body_id, day) in meetings.items():
        for org_id, since, until in members[body_id]:
            if (since is None or since <= day) and (until is None or until >= day):
                expected.add((meeting_id, org_id))
    attended = set(
        Attendance.objects.filter(
            org_filter("organisation_id"), meeting_id__in=list(meetings), present=True
        ).values_list("meeting_id", "organisation_id")
    )
    # A meeting attended by an organisation that was not a member counts as held for it too, so
    # that attendance never exceeds the meetings held.
    for meeting_id, org_id in expected | attended:
        counts[(org_id, _month(meetings[meeting_id][1]))]["meetings_held"] += 1
    for meeting_id, org_id in attended:
        counts[(org_id, _month(meetings[meeting_id][1]))]["meetings_attended"] += 1

    recipients = AlertRecipient.objects.filter(
        org_filter("organisation_id"),
        alert__operation=operation,
        alert__sent_at__isnull=False,
        alert__sent_at__date__gte=first,
        alert__sent_at__date__lt=end,
    ).values_list("organisation_id", "alert__sent_at", "acknowledged_at", "responded_at")
    for org_id, sent_at, acknowledged_at, responded_at in recipients:
        key = (org_id, _month(timezone.localtime(sent_at).date()))
        counts[key]["alerts_received"] += 1
        counts[key]["alerts_acknowledged"] += int(acknowledged_at is not None)
        counts[key]["alerts_answered"] += int(responded_at is not None)

    return {key: ActivityFact(**values) for key, values in counts.items() if key[1] in set(wanted)}


def round_url(operation: Operation, round: RoundFact) -> str:
    """The address of the round's 5W reporting page (empty if the page is not installed)."""

    try:
        return reverse("activities:round_detail", args=[operation.slug, f"{round.month:%Y-%m}"])
    except NoReverseMatch:
        return ""
