"""Monthly reporting rounds: opened, closed, locked and reopened by the coordination team.

Who may change rows of a round: `tutela.activities.access.can_report`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.activities.models import ActivitySettings, ReportingRound, Submission
from tutela.core import access
from tutela.core.models import Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

Status = ReportingRound.Status

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "close": (frozenset({Status.OPEN}), Status.CLOSED),
    "lock": (frozenset({Status.OPEN, Status.CLOSED}), Status.LOCKED),
    "reopen": (frozenset({Status.CLOSED, Status.LOCKED}), Status.OPEN),
}


def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def month_parse(text: str) -> datetime.date | None:
    """ "2026-03" -> date(2026, 3, 1); None when it is not a month."""
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 (a date, no time)
    except (TypeError, ValueError):
        return None


# --- reads ---------------------------------------------------------------------------------------


def round_list(operation: Operation) -> QuerySet[ReportingRound]:
    return ReportingRound.objects.filter(operation=operation).order_by("-month")


def round_get(operation: Operation, month: str) -> ReportingRound:
    """The round of `month` ("YYYY-MM") in the operation; 404 when there is none."""
    day = month_parse(month)
    found = None if day is None else round_list(operation).filter(month=day).first()
    if found is None:
        raise Http404
    return found


def reporting_organisations(operation: Operation) -> QuerySet[Organisation]:
    """The organisations taking part in the operation (those expected to report)."""
    return operation.organisations.order_by("acronym")


@dataclass
class OrganisationStatus:
    organisation: Organisation
    submission: Submission | None
    rows: int

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else ""

    @property
    def has_reported(self) -> bool:
        return self.status in {Submission.Status.SUBMITTED, Submission.Status.VALIDATED}


@dataclass
class RoundOverview:
    round: ReportingRound
    organisations: list[OrganisationStatus] = field(default_factory=list)

    @property
    def not_reported(self) -> list[Organisation]:
        return [o.organisation for o in self.organisations if not o.has_reported]

    @property
    def reported_count(self) -> int:
        return sum(1 for o in self.organisations if o.has_reported)

    @property
    def counts(self) -> dict[str, int]:
        result = {status: 0 for status in Submission.Status.values}
        for item in self.organisations:
            if item.submission is not None:
                result[item.submission.status] += 1
        return result


def round_overviews(
    user: User, operation: Operation, rounds: list[ReportingRound]
) -> list[RoundOverview]:
    """Per round, each organisation's submission status and row count: all organisations of the
    operation for cluster-wide roles, the user's own otherwise. Three queries whatever the number
    of rounds."""
    if access.is_cluster_wide(user, operation):
        organisations = list(reporting_organisations(operation))
    elif user.organisation_id and operation.organisations.filter(pk=user.organisation_id).exists():
        organisations = [user.organisation] if user.organisation is not None else []
    else:
        organisations = []
    org_ids = [o.pk for o in organisations]
    round_ids = [r.pk for r in rounds]
    submissions = {
        (s.round_id, s.organisation_id): s
        for s in Submission.objects.filter(round_id__in=round_ids, organisation_id__in=org_ids)
        .annotate(row_count=Count("rows"))
        .select_related("reviewed_by", "submitted_by")
    }
    overviews = []
    for round in rounds:
        overview = RoundOverview(round=round)
        for organisation in organisations:
            submission = submissions.get((round.pk, organisation.pk))
            rows = getattr(submission, "row_count", 0) if submission else 0
            overview.organisations.append(OrganisationStatus(organisation, submission, rows))
        overviews.append(overview)
    return overviews


# --- writes --------------------------------------------------------------------------------------


def _check_dates(round: ReportingRound) -> None:
    errors: dict[str, str] = {}
    if round.month and round.month.day != 1:
        round.month = month_start(round.month)
    if round.month and round.deadline and round.deadline <= round.month:
        errors["deadline"] = _("The deadline must be after the first day of the month reported.")
    clash = ReportingRound.objects.filter(operation_id=round.operation_id, month=round.month)
    if round.pk is not None:
        clash = clash.exclude(pk=round.pk)
    if round.month and clash.exists():
        errors["month"] = _("There is already a round for %(month)s.") % {
            "month": round.month.strftime("%Y-%m")
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def round_open(
    *,
    by: User,
    operation: Operation,
    month: datetime.date,
    deadline: datetime.date,
    request: Any = None,
) -> ReportingRound:
    """Open a reporting round for `month` (any day of it) with a deadline after its start."""
    access.require_manager(by, operation)
    round = ReportingRound(
        operation=operation, month=month_start(month), deadline=deadline, status=Status.OPEN
    )
    _check_dates(round)
    round.full_clean()
    round.save()
    audit_create(actor=by, instance=round, operation=operation, request=request)
    return round


@transaction.atomic
def round_update(
    *, by: User, round: ReportingRound, deadline: datetime.date, request: Any = None
) -> ReportingRound:
    """Move the deadline of a round."""
    access.require_manager(by, round.operation)
    before = snapshot(round)
    round.deadline = deadline
    _check_dates(round)
    round.full_clean()
    round.save()
    audit_update(
        actor=by, instance=round, operation=round.operation, before=before, request=request
    )
    return round


@transaction.atomic
def round_transition(
    *, by: User, round: ReportingRound, action: str, request: Any = None
) -> ReportingRound:
    """Change a round's status: close (open -> closed), lock (open or closed -> locked),
    reopen (closed or locked -> open)."""
    access.require_manager(by, round.operation)
    if action not in TRANSITIONS:
        raise ValueError(f"unknown round action {action!r}")
    # Lock the row: two managers clicking at once must not both pass the status check.
    list(ReportingRound.objects.select_for_update().filter(pk=round.pk).values_list("pk"))
    round.refresh_from_db(fields=["status"])
    sources, target = TRANSITIONS[action]
    if round.status not in sources:
        raise ValidationError(
            _("A %(status)s round cannot be changed this way.")
            % {"status": round.get_status_display().lower()}
        )
    before = snapshot(round)
    round.status = target
    round.full_clean()
    round.save(update_fields=["status", "updated_at"])
    audit_update(
        actor=by, instance=round, operation=round.operation, before=before, request=request
    )
    return round


def round_close(*, by: User, round: ReportingRound, request: Any = None) -> ReportingRound:
    return round_transition(by=by, round=round, action="close", request=request)


def round_lock(*, by: User, round: ReportingRound, request: Any = None) -> ReportingRound:
    return round_transition(by=by, round=round, action="lock", request=request)


def round_reopen(*, by: User, round: ReportingRound, request: Any = None) -> ReportingRound:
    return round_transition(by=by, round=round, action="reopen", request=request)


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def rounds_open_due(today: datetime.date | None = None) -> int:
    """Open the month's reporting round of every operation whose 5W settings ask for it, once
    the month is within `rounds_open_days_before_end` days of its end; the deadline is
    `rounds_deadline_day` of the next month. Run daily by the scheduler (activities.schedules).

    Idempotent and never twice: a month that already has a round (open, closed or locked by a
    manager since) is left alone, and two schedulers racing meet the round's unique month.
    Returns how many rounds were opened; each is audited (actor: none, the scheduler)."""
    today = today or timezone.localdate()
    month = month_start(today)
    month_end = _month_end(today)
    opened = 0
    due = ActivitySettings.objects.filter(rounds_open_days_before_end__isnull=False).exclude(
        operation__reporting_rounds__month=month
    )
    for settings in due.select_related("operation"):
        days = settings.rounds_open_days_before_end or 0
        if (month_end - today).days > days:
            continue
        deadline = (month_end + datetime.timedelta(days=1)).replace(
            day=settings.rounds_deadline_day
        )
        try:
            with transaction.atomic():
                round = ReportingRound.objects.create(
                    operation=settings.operation, month=month, deadline=deadline, status=Status.OPEN
                )
                audit_create(actor=None, instance=round, operation=settings.operation)
        except IntegrityError:
            # Another scheduler opened it first.
            continue
        opened += 1
    return opened
