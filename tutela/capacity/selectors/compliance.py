"""Reporting compliance and partner performance, per organisation and 5W round: on time, late,
missing or returned (and how many times), with incidents reported, meetings attended and alerts
answered in the round's month; a partner's scorecard and the cluster's dashboard over time.

Everything is read through selectors/compliance_sources.py. A round's state for an organisation:
- on time / late: first handed in on or before the deadline (the round's date, local time) or
  after it; "first" because a report returned for correction and handed in again keeps its
  original timeliness;
- returned: it is back with the organisation for correction right now;
- missing: nothing handed in and the deadline has passed; pending: the deadline has not.
Timeliness is the share of the expected organisations (those taking part in the operation) that
handed in on time; completeness, the share that handed in at all.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tutela.capacity.selectors import compliance_sources as sources
from tutela.core.disclosure import suppress_counts, threshold_for
from tutela.core.models import Operation, Organisation

# How many rounds the scorecard and the dashboard show (a year of monthly reporting).
ROUNDS_SHOWN = 12

ON_TIME = "on_time"
LATE = "late"
RETURNED = "returned"
MISSING = "missing"
PENDING = "pending"
STATE_LABELS = {
    ON_TIME: _("On time"),
    LATE: _("Late"),
    RETURNED: _("Returned"),
    MISSING: _("Missing"),
    PENDING: _("Not yet due"),
}
HANDED_IN = frozenset({"submitted", "validated", "returned"})


@dataclass
class Cell:
    round: sources.RoundFact
    state: str
    first_submitted: datetime.date | None
    days_late: int
    times_returned: int
    on_time: bool
    activity: sources.ActivityFact

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def reported(self) -> bool:
        return self.first_submitted is not None


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _cell(
    round: sources.RoundFact,
    fact: sources.SubmissionFact | None,
    activity: sources.ActivityFact,
    today: datetime.date,
) -> Cell:
    first = None
    if fact is not None and fact.first_submitted_at is not None and fact.status in HANDED_IN:
        first = timezone.localtime(fact.first_submitted_at).date()
    on_time = first is not None and first <= round.deadline
    if fact is not None and fact.status == RETURNED:
        state = RETURNED
    elif first is None:
        state = MISSING if today > round.deadline else PENDING
    else:
        state = ON_TIME if on_time else LATE
    return Cell(
        round=round,
        state=state,
        first_submitted=first,
        days_late=max((first - round.deadline).days, 0) if first else 0,
        times_returned=fact.times_returned if fact else 0,
        on_time=on_time,
        activity=activity,
    )


def _rounds(operation: Operation) -> list[sources.RoundFact]:
    return sources.reporting_rounds(operation)[-ROUNDS_SHOWN:]


@dataclass
class Scorecard:
    organisation: Organisation
    cells: list[Cell]

    @property
    def due(self) -> list[Cell]:
        return [c for c in self.cells if c.state != PENDING]

    @property
    def timeliness(self) -> int | None:
        return _percent(sum(c.on_time for c in self.due), len(self.due))

    @property
    def completeness(self) -> int | None:
        return _percent(sum(c.reported for c in self.due), len(self.due))

    @property
    def times_returned(self) -> int:
        return sum(c.times_returned for c in self.cells)

    @property
    def participation(self) -> int | None:
        held = sum(c.activity.meetings_held for c in self.cells)
        attended = sum(
            min(c.activity.meetings_attended, c.activity.meetings_held) for c in self.cells
        )
        return _percent(attended, held)

    @property
    def alerts_answered(self) -> int | None:
        received = sum(c.activity.alerts_received for c in self.cells)
        return _percent(sum(c.activity.alerts_answered for c in self.cells), received)


def scorecard(operation: Operation, organisation: Organisation) -> Scorecard:
    rounds = _rounds(operation)
    facts = {
        f.round_id: f
        for f in sources.submissions([r.id for r in rounds], organisation_id=organisation.pk)
    }
    activity = sources.activity_by_month(
        operation, [r.month for r in rounds], organisation_id=organisation.pk
    )
    today = timezone.localdate()
    return Scorecard(
        organisation=organisation,
        cells=[
            _cell(
                r,
                facts.get(r.id),
                activity.get((organisation.pk, r.month), sources.ActivityFact()),
                today,
            )
            for r in rounds
        ],
    )


@dataclass
class RoundSummary:
    round: sources.RoundFact
    expected: int
    # None: hidden by disclosure control (for those who do not see organisations).
    counts: dict[str, int | None]
    on_time: int
    reported: int
    # Rates hidden with the counts they would give back.
    rates_hidden: bool = False

    @property
    def timeliness(self) -> int | None:
        return None if self.rates_hidden else _percent(self.on_time, self.expected)

    @property
    def completeness(self) -> int | None:
        return None if self.rates_hidden else _percent(self.reported, self.expected)

    @property
    def due(self) -> bool:
        return (self.counts.get(PENDING) or 0) < self.expected or self.expected == 0


def _protected(summary: RoundSummary, threshold: int) -> RoundSummary:
    """The round's counts of organisations per state as those who do not see organisations get
    them (a donor, a partner): small counts suppressed like every other aggregate
    (tutela.core.disclosure), so that a partner knowing its own state, or a donor knowing who
    took part, cannot tell which organisation was late, returned or missing. The number expected
    is the operation's organisations, known from the directory: when it is itself under the
    threshold every non-zero count is hidden. The rates are shown only when no count of the round
    is hidden and the on-time and handed-in counts, and their complements, are not small."""

    def small(n: int) -> bool:
        return 0 < n < threshold

    counts = dict(summary.counts)
    if summary.expected < threshold:
        shown: dict[str, int | None] = {k: (None if v else v) for k, v in counts.items()}
    else:
        shown = dict(
            suppress_counts({k: v or 0 for k, v in counts.items()}, threshold=threshold).values
        )
    hidden = any(v is None for v in shown.values())
    derived = (summary.on_time, summary.reported)
    rates_hidden = hidden or any(small(n) or small(summary.expected - n) for n in derived)
    return RoundSummary(
        round=summary.round,
        expected=summary.expected,
        counts=shown,
        on_time=summary.on_time,
        reported=summary.reported,
        rates_hidden=rates_hidden,
    )


@dataclass
class Dashboard:
    rounds: list[sources.RoundFact]
    summaries: list[RoundSummary]
    # Only for those who see organisations: one scorecard per organisation.
    scorecards: list[Scorecard] = field(default_factory=list)


def expected_organisations(operation: Operation) -> list[Organisation]:
    return list(operation.organisations.order_by("acronym"))


def dashboard(operation: Operation, *, by_organisation: bool) -> Dashboard:
    """Per round, the counts of each state and the timeliness and completeness rates; with
    `by_organisation`, each organisation's row too (for coordinators and IMOs only); without,
    small counts suppressed (`_protected`)."""
    rounds = _rounds(operation)
    organisations = expected_organisations(operation)
    threshold = threshold_for(operation)
    facts = {
        (f.round_id, f.organisation_id): f for f in sources.submissions([r.id for r in rounds])
    }
    activity = (
        sources.activity_by_month(operation, [r.month for r in rounds]) if by_organisation else {}
    )
    today = timezone.localdate()
    cards = [
        Scorecard(
            organisation=org,
            cells=[
                _cell(
                    r,
                    facts.get((r.id, org.pk)),
                    activity.get((org.pk, r.month), sources.ActivityFact()),
                    today,
                )
                for r in rounds
            ],
        )
        for org in organisations
    ]
    summaries = []
    for index, r in enumerate(rounds):
        cells = [card.cells[index] for card in cards]
        counts: dict[str, int | None] = {state: 0 for state in STATE_LABELS}
        for c in cells:
            counts[c.state] = (counts[c.state] or 0) + 1
        summary = RoundSummary(
            round=r,
            expected=len(cells),
            counts=counts,
            on_time=sum(c.on_time for c in cells),
            reported=sum(c.reported for c in cells),
        )
        summaries.append(summary if by_organisation else _protected(summary, threshold))
    return Dashboard(
        rounds=rounds, summaries=summaries, scorecards=cards if by_organisation else []
    )


# HXL hashtags of the export's columns (https://hxlstandard.org/standard/dictionary/).
EXPORT_COLUMNS: list[tuple[Promise, str]] = [
    (_("Organisation"), "#org+acronym"),
    (_("Month"), "#date+month"),
    (_("Deadline"), "#date+deadline"),
    (_("State"), "#status+report"),
    (_("First handed in"), "#date+reported"),
    (_("Days late"), "#indicator+days_late+num"),
    (_("Times returned"), "#indicator+returned+num"),
    (_("Incidents reported"), "#indicator+incidents+num"),
    (_("Meetings held"), "#indicator+meetings_held+num"),
    (_("Meetings attended"), "#indicator+meetings_attended+num"),
    (_("Alerts received"), "#indicator+alerts_received+num"),
    (_("Alerts answered"), "#indicator+alerts_answered+num"),
]


def export_headers() -> tuple[list[str], list[str]]:
    return [str(label) for label, _tag in EXPORT_COLUMNS], [tag for _l, tag in EXPORT_COLUMNS]


def export_rows(board: Dashboard) -> list[list[object]]:
    rows: list[list[object]] = []
    for card in board.scorecards:
        for c in card.cells:
            rows.append(
                [
                    card.organisation.acronym,
                    c.round.month.strftime("%Y-%m"),
                    c.round.deadline.isoformat(),
                    c.state,
                    c.first_submitted.isoformat() if c.first_submitted else "",
                    c.days_late,
                    c.times_returned,
                    c.activity.incidents,
                    c.activity.meetings_held,
                    c.activity.meetings_attended,
                    c.activity.alerts_received,
                    c.activity.alerts_answered,
                ]
            )
    return rows
