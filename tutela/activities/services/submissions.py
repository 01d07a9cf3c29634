"""An organisation's report for a round: submitted by the partner, validated or returned with a
comment by the information management officer (or the coordinator).

draft / returned --submit--> submitted --validate--> validated
                               submitted / validated --return (comment)--> returned

Rows of a validated submission become visible to everyone in the cluster (the analysis selectors
apply that rule from the status kept here). Returns and validations are e-mailed to the
organisation's users who hold a role in the operation, each in their own language.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.activities.access import can_report
from tutela.activities.models import Activity, ActivityReport, ReportingRound, Submission
from tutela.activities.models.fields import SEX_AGE
from tutela.activities.services.summaries import Slices, summaries_apply
from tutela.activities.validation.rules import sex_age_problems
from tutela.core import access
from tutela.core.models import Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot
from tutela.core.services.mail import mail_enqueue

Status = Submission.Status
SUBMITTABLE = frozenset({Status.DRAFT, Status.RETURNED})
VALIDATABLE = frozenset({Status.SUBMITTED})
RETURNABLE = frozenset({Status.SUBMITTED, Status.VALIDATED})


# --- reads ---------------------------------------------------------------------------------------


def submission_find(round: ReportingRound, organisation: Organisation) -> Submission | None:
    return Submission.objects.filter(round=round, organisation=organisation).first()


# The order of an organisation's rows in the grid and the review page: line numbers follow it.
ROW_ORDER = ("activity__code", "area__pcode", "population_group__code", "pk")


def submission_rows(submission: Submission) -> QuerySet[ActivityReport]:
    return (
        ActivityReport.objects.filter(submission=submission)
        .select_related(
            "activity", "indicator", "area", "admin1", "admin2", "admin3", "population_group"
        )
        .order_by(*ROW_ORDER)
    )


def _refuse_rows_against_rules(submission: Submission) -> None:
    """The rules every path applies to a row (tutela.activities.validation.rules), applied to the
    stored rows before they are submitted or validated: rows saved before a rule existed, or
    written by a path that skipped it, are refused here too, naming their line in the grid."""
    rows = (
        ActivityReport.objects.filter(submission=submission)
        .order_by(*ROW_ORDER)
        .values_list("indicator__code", "indicator__unit", *SEX_AGE)
    )
    problems = sex_age_problems(
        (number, code or "", unit or Activity.Unit.PEOPLE, values)
        for number, (code, unit, *values) in enumerate(rows, start=1)
    )
    if problems:
        raise ValidationError(problems)


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def submission_get_or_create(
    *, by: User, round: ReportingRound, organisation: Organisation
) -> Submission:
    """The organisation's submission for the round, created as a draft the first time."""
    existing = submission_find(round, organisation)
    if existing is not None:
        return existing
    if not operation_has_organisation(round.operation, organisation):
        raise ValidationError(
            _("%(organisation)s does not take part in this operation.")
            % {"organisation": organisation.acronym}
        )
    submission = Submission(round=round, organisation=organisation, status=Status.DRAFT)
    submission.full_clean()
    submission.save()
    audit_create(actor=by, instance=submission, operation=round.operation)
    return submission


def operation_has_organisation(operation: Operation, organisation: Organisation) -> bool:
    return operation.organisations.filter(pk=organisation.pk).exists()


def _locked(submission: Submission) -> Submission:
    """The submission, its row locked for the transaction and its status re-read, so that two
    reviewers clicking at once do not both pass the status check."""
    list(Submission.objects.select_for_update().filter(pk=submission.pk).values_list("pk"))
    submission.refresh_from_db(fields=["status"])
    return submission


@transaction.atomic
def submission_submit(
    *, by: User, round: ReportingRound, organisation: Organisation, request: Any = None
) -> Submission:
    """The partner hands the month's rows to the coordination team for review."""
    if not can_report(by, round, organisation):
        raise PermissionDenied(_("This round does not accept changes from you."))
    submission = _locked(submission_get_or_create(by=by, round=round, organisation=organisation))
    if submission.status not in SUBMITTABLE:
        raise ValidationError(
            _("This report is %(status)s: it cannot be submitted again.")
            % {"status": submission.get_status_display().lower()}
        )
    if not submission.rows.exists():
        raise ValidationError(_("Enter at least one row before submitting."))
    _refuse_rows_against_rules(submission)
    before = snapshot(submission)
    submission.status = Status.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.submitted_by = by
    submission.full_clean()
    submission.save()
    audit_update(
        actor=by, instance=submission, operation=round.operation, before=before, request=request
    )
    return submission


def _require_reviewer(by: User, submission: Submission) -> None:
    access.require_manager(by, submission.round.operation)
    # Read from the database: the round may have been locked since it was loaded.
    status = ReportingRound.objects.filter(pk=submission.round_id).values_list("status", flat=True)
    if status.get() == ReportingRound.Status.LOCKED:
        raise ValidationError(_("The round is locked: reopen it first."))


@transaction.atomic
def submission_validate(
    *, by: User, submission: Submission, comment: str = "", request: Any = None
) -> Submission:
    """The information management officer accepts the organisation's rows."""
    _require_reviewer(by, submission)
    submission = _locked(submission)
    if submission.status not in VALIDATABLE:
        raise ValidationError(_("Only a submitted report can be validated."))
    _refuse_rows_against_rules(submission)
    before = snapshot(submission)
    submission.status = Status.VALIDATED
    submission.comment = (comment or "").strip()
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = by
    submission.full_clean()
    submission.save()
    operation = submission.round.operation
    # Its rows count differently now (validated or not).
    summaries_apply(operation=operation, slices=Slices().add_rows(submission.rows.all()))
    audit_update(actor=by, instance=submission, operation=operation, before=before, request=request)
    submission_notify(submission=submission)
    return submission


@transaction.atomic
def submission_return(
    *, by: User, submission: Submission, comment: str, request: Any = None
) -> Submission:
    """Send the report back to the partner with what to correct (the comment is required)."""
    _require_reviewer(by, submission)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs correcting.")})
    submission = _locked(submission)
    if submission.status not in RETURNABLE:
        raise ValidationError(_("Only a submitted or validated report can be returned."))
    before = snapshot(submission)
    submission.status = Status.RETURNED
    submission.comment = comment
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = by
    submission.full_clean()
    submission.save()
    operation = submission.round.operation
    # Its rows count differently now (validated or not).
    summaries_apply(operation=operation, slices=Slices().add_rows(submission.rows.all()))
    audit_update(actor=by, instance=submission, operation=operation, before=before, request=request)
    submission_notify(submission=submission)
    return submission


# --- notification --------------------------------------------------------------------------------


def submission_recipients(submission: Submission) -> QuerySet[User]:
    """Active users of the organisation holding a role in the operation."""
    return (
        User.objects.filter(
            organisation=submission.organisation,
            is_active=True,
            operation_roles__operation=submission.round.operation,
        )
        .distinct()
        .order_by("email")
    )


def submission_notify(*, submission: Submission) -> int:
    """Queue the review e-mail, rendered once per language, one outbox message per recipient.
    Returns the number of messages queued.

    Queued in the outbox inside the caller's transaction: the e-mail is only sent if the review
    is committed."""
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in submission_recipients(submission):
        by_language[user.language or settings.LANGUAGE_CODE].append(user)
    round = submission.round
    month = round.month.strftime("%Y-%m")
    path = reverse(
        "activities:submission_detail",
        kwargs={
            "slug": round.operation.slug,
            "month": month,
            "acronym": submission.organisation.acronym,
        },
    )
    context = {
        "submission": submission,
        "operation": round.operation,
        "month": round.month,
        "url": settings.BASE_URL + path,
        "validated": submission.status == Status.VALIDATED,
    }
    queued = 0
    for language, users in sorted(by_language.items()):
        with translation.override(language):
            subject = render_to_string("activities/reporting/email/review_subject.txt", context)
            body = render_to_string("activities/reporting/email/review.txt", context)
        messages = mail_enqueue(
            operation=round.operation,
            kind="activities.submission_review",
            subject=subject,
            text=body,
            to_users=users,
        )
        queued += len(messages)
    return queued
