"""5W reporting pages: home (rounds and who has reported), rounds, the web grid, submission review,
and the small htmx endpoints that fill the grid's cascading selects.

Views are thin: they check access through `tutela.core.access` and the rounds service, call one
service and render. Operations the user has no role in, and organisations whose rows the user may
not see, answer 404; pages the user may know of but not use (managers' actions), 403.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.activities import access as activities_access
from tutela.activities.access import can_write_rows_of
from tutela.activities.forms import DeadlineForm, ReviewForm, RoundForm
from tutela.activities.forms import grid as grid_forms
from tutela.activities.models import ActivityReport, ReportingRound, Submission
from tutela.activities.selectors import ROW_AREA_GEOMETRY
from tutela.activities.selectors.revisions import rows_changed_after_submission
from tutela.activities.services import rounds as round_services
from tutela.activities.services import submissions as submission_services
from tutela.activities.services.rows import report_row_delete, report_rows_save
from tutela.core import access
from tutela.core.forms.directory import apply_validation_error
from tutela.core.models import Operation, Organisation, User

# Re-exported: the configuration and import views import them from here.
from tutela.core.views.common import current_user, operation_for, paginate

PAGE_SIZE = 50


# --- shared helpers (also used by the configuration and import views) ----------------------------


def managed_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    access.require_manager(request.user, operation)
    return operation


def page(request: HttpRequest, template: str, operation: Operation, **context: Any) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("is_manager", access.is_manager(request.user, operation))
    context.setdefault("nav_active", "5w")
    return render(request, template, context)


def organisation_for(
    request: HttpRequest, operation: Operation, acronym: str | None
) -> Organisation:
    """The organisation whose rows the page shows: `acronym` (managers and cluster-wide roles may
    name any organisation of the operation) or the user's own. 404 when the user may not see it."""
    user = current_user(request)
    if acronym:
        organisation = operation.organisations.filter(acronym__iexact=acronym.strip()).first()
    elif user.organisation_id:
        organisation = operation.organisations.filter(pk=user.organisation_id).first()
    else:
        organisation = None
    if organisation is None or not activities_access.can_view_organisation(
        user, operation, organisation
    ):
        raise Http404
    return organisation


def month_key(round: ReportingRound) -> str:
    return round.month.strftime("%Y-%m")


# --- home and rounds -----------------------------------------------------------------------------


@login_required
@require_GET
def reporting_home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    user = current_user(request)
    rounds_page = paginate(request, round_services.round_list(operation))
    overviews = round_services.round_overviews(user, operation, list(rounds_page.object_list))
    return page(
        request,
        "activities/reporting/home.html",
        operation,
        page=rounds_page,
        overviews=overviews,
        cluster_wide=access.is_cluster_wide(user, operation),
        own_organisation=user.organisation
        if user.organisation_id and operation.organisations.filter(pk=user.organisation_id).exists()
        else None,
        form=RoundForm() if access.is_manager(user, operation) else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    today = datetime.date.today()  # noqa: DTZ011 (a calendar month, in server time)
    initial = {"month": today.replace(day=1), "deadline": today.replace(day=1)}
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = round_services.round_open(
                by=current_user(request), operation=operation, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Round %(month)s opened.") % {"month": month_key(created)})
            return redirect("activities:round_detail", slug=slug, month=month_key(created))
    return page(request, "activities/reporting/round_form.html", operation, form=form)


@login_required
@require_GET
def round_detail(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """The submissions of a round: every organisation's status for cluster-wide roles (who has not
    reported yet), the user's own organisation's otherwise."""
    operation = operation_for(request, slug)
    user = current_user(request)
    round = round_services.round_get(operation, month)
    overview = round_services.round_overviews(user, operation, [round])[0]
    manager = access.is_manager(user, operation)
    return page(
        request,
        "activities/reporting/round_detail.html",
        operation,
        round=round,
        month=month_key(round),
        overview=overview,
        actions=[
            (action, label)
            for action, label in ROUND_ACTIONS
            if round.status in round_services.TRANSITIONS[action][0]
        ]
        if manager
        else [],
        deadline_form=DeadlineForm(initial={"deadline": round.deadline}) if manager else None,
    )


ROUND_ACTIONS = (
    ("close", _("Close (only managers can then change rows)")),
    ("lock", _("Lock (nobody can change rows)")),
    ("reopen", _("Reopen")),
)


@login_required
@require_POST
def round_action(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    round = round_services.round_get(operation, month)
    action = request.POST.get("action", "")
    if action not in round_services.TRANSITIONS:
        raise Http404
    try:
        round = round_services.round_transition(
            by=current_user(request), round=round, action=action, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Round %(month)s is now %(status)s.")
            % {"month": month, "status": round.get_status_display().lower()},
        )
    return redirect("activities:round_detail", slug=slug, month=month)


@login_required
@require_POST
def round_deadline(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    round = round_services.round_get(operation, month)
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            round_services.round_update(
                by=current_user(request),
                round=round,
                deadline=form.cleaned_data["deadline"],
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Deadline changed."))
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect("activities:round_detail", slug=slug, month=month)


# --- the grid ------------------------------------------------------------------------------------


def _grid_context(
    request: HttpRequest, slug: str, month: str
) -> tuple[Operation, ReportingRound, Organisation, bool]:
    operation = operation_for(request, slug)
    round = round_services.round_get(operation, month)
    organisation = organisation_for(request, operation, request.GET.get("org"))
    editable = activities_access.can_report(current_user(request), round, organisation)
    return operation, round, organisation, editable


def _grid_url(slug: str, month: str, organisation: Organisation, user: User) -> str:
    url = reverse("activities:rows_grid", kwargs={"slug": slug, "month": month})
    if user.organisation_id != organisation.pk:
        url += "?" + urlencode({"org": organisation.acronym})
    return url


def rows_of(round: ReportingRound, organisation: Organisation) -> QuerySet[ActivityReport]:
    return (
        ActivityReport.objects.filter(
            operation_id=round.operation_id, organisation=organisation, month=round.month
        )
        .select_related(
            "activity",
            "indicator",
            "area",
            "admin1",
            "admin2",
            "admin3",
            "population_group",
            "implementing_partner",
        )
        .defer(*ROW_AREA_GEOMETRY)
        .order_by("activity__code", "area__pcode", "population_group__code", "pk")
    )


def _flash_saved(request: HttpRequest, result: Any) -> None:
    messages.success(
        request,
        _("Saved: %(created)d new row(s), %(updated)d updated, %(unchanged)d unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    warnings = [p for p in result.problems if getattr(p, "severity", "") == "warning"]
    for problem in warnings[:10]:
        messages.warning(
            request,
            _("Line %(line)s: %(message)s")
            % {"line": problem.row or "—", "message": problem.message},
        )
    if len(warnings) > 10:
        messages.warning(
            request, _("… and %(count)d more warning(s).") % {"count": len(warnings) - 10}
        )


@login_required
@require_http_methods(["GET", "POST"])
def rows_grid(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """The organisation's rows of the round, edited many at a time. A POST saves every filled line
    through the import engine (all or nothing); on a problem nothing is saved and the page comes
    back with the values as entered and the messages next to their cells."""
    operation, round, organisation, editable = _grid_context(request, slug, month)
    user = current_user(request)
    submission = submission_services.submission_find(round, organisation)
    existing = list(rows_of(round, organisation))
    other_problems: list[Any] = []
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        lines = grid_forms.grid_lines_from_post(request.POST, existing)
        rows = grid_forms.grid_rows_for_save(lines, month=month, organisation=organisation.acronym)
        if not rows:
            messages.info(request, _("Nothing to save: every line is empty."))
            return redirect(_grid_url(slug, month, organisation, user))
        result = report_rows_save(
            by=user, operation=operation, organisation=organisation, rows=rows, source="web"
        )
        if not result.rejected:
            _flash_saved(request, result)
            return redirect(_grid_url(slug, month, organisation, user))
        errors = grid_forms.grid_attach_problems(lines, result.problems)
        other_problems = grid_forms.grid_unplaced_problems(lines, result.problems)
        messages.error(
            request,
            _("Nothing was saved: correct the %(count)d problem(s) shown next to the cells.")
            % {"count": errors},
        )
        lines = grid_forms.grid_pad(lines, grid_forms.GRID_EMPTY_LINES_AFTER_ERROR)
    else:
        changes = rows_changed_after_submission(submission, existing)
        lines = [grid_forms.grid_line_from_row(i, row) for i, row in enumerate(existing)]
        for line in lines:
            line.changed = changes.get(line.row_id or 0)
        if editable:
            lines = grid_forms.grid_pad(lines, grid_forms.GRID_EMPTY_LINES)
    catalogue = grid_forms.GridCatalogue(operation)
    catalogue.fill(lines, editable=editable)
    org_query = (
        "?" + urlencode({"org": organisation.acronym})
        if user.organisation_id != organisation.pk
        else ""
    )
    return page(
        request,
        "activities/reporting/grid.html",
        operation,
        round=round,
        month=month,
        organisation=organisation,
        submission=submission,
        editable=editable,
        lines=lines,
        columns=grid_forms.GRID_COLUMNS,
        other_problems=other_problems,
        org_query=org_query,
        lines_url=reverse("activities:grid_lines", kwargs={"slug": slug, "month": month})
        + org_query,
        can_submit=editable
        and bool(existing)
        and (submission is None or submission.status in submission_services.SUBMITTABLE),
    )


@login_required
@require_GET
def grid_lines(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """htmx: `count` more empty lines (default 10) numbered from `start`, for the grid."""
    operation, round, organisation, editable = _grid_context(request, slug, month)
    if not editable:
        raise PermissionDenied
    try:
        start = max(0, min(int(request.GET.get("start", "0")), grid_forms.GRID_MAX_LINES))
        count = max(1, min(int(request.GET.get("count", "10")), 50))
    except ValueError:
        start, count = 0, 10
    lines = [
        grid_forms.GridLine(index=start + i)
        for i in range(count)
        if start + i < grid_forms.GRID_MAX_LINES
    ]
    grid_forms.GridCatalogue(operation).fill(lines, editable=True)
    return render(
        request,
        "activities/reporting/_grid_lines.html",
        {"operation": operation, "lines": lines, "editable": True, "month": month},
    )


@login_required
@require_http_methods(["GET", "POST"])
def row_delete(request: HttpRequest, slug: str, month: str, pk: int) -> HttpResponse:
    operation, round, organisation, editable = _grid_context(request, slug, month)
    row = rows_of(round, organisation).filter(pk=pk).first()
    if row is None:
        raise Http404
    if not editable:
        raise PermissionDenied
    user = current_user(request)
    back = _grid_url(slug, month, organisation, user)
    if request.method == "POST":
        try:
            report_row_delete(by=user, row=row)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Row deleted."))
        return redirect(back)
    return page(
        request,
        "activities/reporting/row_delete.html",
        operation,
        round=round,
        month=month,
        organisation=organisation,
        row=row,
        back=back,
    )


ROUND_STATUS_CODES = frozenset({"round_closed", "round_locked", "no_round"})


def check_rows(
    *, by: User, operation: Operation, round: ReportingRound, rows: list[ActivityReport]
) -> list[dict[str, Any]]:
    """Problems and outlier warnings the import engine finds in stored rows (a dry run that
    changes nothing), for the review page."""
    if not rows:
        return []
    lines = [grid_forms.grid_line_from_row(i, row) for i, row in enumerate(rows)]
    organisation = rows[0].organisation
    data = grid_forms.grid_rows_for_save(
        lines, month=round.month.strftime("%Y-%m"), organisation=organisation.acronym
    )
    # A dry run that changes nothing: a reviewer checks rows they may not write themselves (as
    # the command line would check them).
    checker = by if can_write_rows_of(by, operation, organisation) else None
    try:
        result = report_rows_save(
            by=checker,
            operation=operation,
            organisation=organisation,
            rows=data,
            dry_run=True,
            source="web",
        )
    except PermissionDenied:
        return []
    labels = {c.name: c.label for c in grid_forms.GRID_COLUMNS}
    checks = []
    for problem in result.problems:
        # Stored rows of a closed or locked round: that the round refuses changes is no problem
        # of the rows.
        if problem.code in ROUND_STATUS_CODES:
            continue
        row = rows[problem.row - 1] if problem.row and 0 < problem.row <= len(rows) else None
        checks.append(
            {
                "line": problem.row or "",
                "row": row,
                "label": labels.get(problem.field, problem.column or problem.field),
                "message": problem.message,
                "suggestion": getattr(problem, "suggestion", ""),
                "severity": problem.severity,
            }
        )
    return checks


# --- htmx option lists ---------------------------------------------------------------------------


def _trigger_value(request: HttpRequest, name: str) -> str:
    """The parameter `name`, or the value of the select that triggered the htmx request (sent
    under its own input name, e.g. rows-3-admin1_pcode)."""
    value = request.GET.get(name)
    if value is None:
        trigger = request.headers.get("HX-Trigger-Name", "")
        value = request.GET.get(trigger, "") if trigger else ""
    return (value or "").strip()[:40]


@login_required
@require_GET
def area_options(request: HttpRequest, slug: str) -> HttpResponse:
    """htmx: <option>s for the admin areas directly below `parent` (a P-code), within the
    operation's countries; only the empty option when the parent is empty or unknown."""
    operation = operation_for(request, slug)
    parent = _trigger_value(request, "parent").upper()
    options = grid_forms.grid_area_children(operation, parent) if parent else []
    return render(
        request,
        "activities/reporting/_options.html",
        {"options": options, "blank": _("— choose —") if options else "—"},
    )


@login_required
@require_GET
def indicator_options(request: HttpRequest, slug: str) -> HttpResponse:
    """htmx: <option>s for the indicators of the activity `activity` (a code)."""
    operation = operation_for(request, slug)
    code = _trigger_value(request, "activity")
    options = grid_forms.grid_indicator_options(operation, code) if code else []
    return render(
        request,
        "activities/reporting/_options.html",
        {"options": options, "blank": _("— choose —") if options else "—"},
    )


# --- submissions ---------------------------------------------------------------------------------


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
        return redirect(_grid_url(slug, month, organisation, user))
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
