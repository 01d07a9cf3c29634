"""Submitting an organisation's 5W report for a round, and its review by the managers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tutela.activities import access as activities_access
from tutela.activities.forms import ReviewForm
from tutela.activities.models import ActivityReport, ReportingRound, Submission
from tutela.activities.selectors.revisions import rows_changed_after_submission
from tutela.activities.services import rounds as round_services
from tutela.activities.services import submissions as submission_services
from tutela.activities.views.reporting.common import organisation_for, page
from tutela.activities.views.reporting.rows import check_rows, grid_url
from tutela.core import access
from tutela.core.models import Operation, Organisation

# Re-exported: the configuration and import views import them from here.
from tutela.core.views.common import current_user, operation_for


def _submission_context(
    request: HttpRequest, slug: str, month: str, acronym: str
) -> tuple[Operation, ReportingRound, Organisation, Submission | None]:
    operation = operation_for(request, slug)
    round = round_services.round_get(operation, month)
    organisation = organisation_for(request, operation, acronym)
    submission = activities_access.submission_get_for_user(
        current_user(request), round, organisation
    )
    return operation, round, organisation, submission


@login_required
@require_POST
def submission_submit(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    operation = operation_for(request, slug)
    round = round_services.round_get(operation, month)
    organisation = organisation_for(request, operation, request.POST.get("org"))
    user = current_user(request)
    try:
        submission_services.submission_submit(
            by=user, round=round, organisation=organisation, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(grid_url(slug, month, organisation, user))
    messages.success(
        request, _("Submitted for review. The information management officer will check it.")
    )
    return redirect(
        "activities:submission_detail", slug=slug, month=month, acronym=organisation.acronym
    )


@login_required
@require_GET
def submission_detail(request: HttpRequest, slug: str, month: str, acronym: str) -> HttpResponse:
    """An organisation's rows of the round, read-only, with the problems and outlier warnings the
    import engine finds in them, and the review actions for managers."""
    operation, round, organisation, submission = _submission_context(request, slug, month, acronym)
    user = current_user(request)
    rows: list[ActivityReport] = (
        list(submission_services.submission_rows(submission)) if submission else []
    )
    checks = check_rows(by=user, operation=operation, round=round, rows=rows)
    changes = rows_changed_after_submission(submission, rows)
    manager = access.is_manager(user, operation)
    reviewable = (
        manager
        and submission is not None
        and round.status != ReportingRound.Status.LOCKED
        and submission.status in (submission_services.VALIDATABLE | submission_services.RETURNABLE)
    )
    return page(
        request,
        "activities/reporting/submission_detail.html",
        operation,
        round=round,
        month=month,
        organisation=organisation,
        submission=submission,
        rows=rows,
        row_lines=[(row, changes.get(row.pk)) for row in rows],
        changed_count=len(changes),
        checks=checks,
        review_form=ReviewForm() if reviewable else None,
        can_validate=reviewable
        and submission is not None
        and submission.status in submission_services.VALIDATABLE,
        can_submit=activities_access.can_report(user, round, organisation)
        and bool(rows)
        and (submission is None or submission.status in submission_services.SUBMITTABLE),
        can_edit=activities_access.can_report(user, round, organisation),
        org_query=("?" + urlencode({"org": organisation.acronym}))
        if user.organisation_id != organisation.pk
        else "",
    )


@login_required
@require_POST
def submission_review(request: HttpRequest, slug: str, month: str, acronym: str) -> HttpResponse:
    operation, round, organisation, submission = _submission_context(request, slug, month, acronym)
    access.require_manager(request.user, operation)
    if submission is None:
        raise Http404
    form = ReviewForm(request.POST)
    detail = redirect(
        "activities:submission_detail", slug=slug, month=month, acronym=organisation.acronym
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return detail
    user = current_user(request)
    review: Callable[..., Any]
    if form.cleaned_data["action"] == "validate":
        review = submission_services.submission_validate
        done = _("Report validated; the partner has been told.")
    else:
        review = submission_services.submission_return
        done = _("Report returned to the partner with your comment.")
    try:
        review(
            by=user, submission=submission, comment=form.cleaned_data["comment"], request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("activities:round_detail", slug=slug, month=month)
