"""The 5W web grid of an organisation's rows in a round, row deletion, and the small htmx endpoints
that fill the grid's cascading selects."""

from __future__ import annotations

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
from django.views.decorators.http import require_GET, require_http_methods

from tutela.activities import access as activities_access
from tutela.activities.access import can_write_rows_of
from tutela.activities.forms import grid as grid_forms
from tutela.activities.models import ActivityReport, ReportingRound
from tutela.activities.selectors import with_row_relations
from tutela.activities.selectors.revisions import rows_changed_after_submission
from tutela.activities.services import rounds as round_services
from tutela.activities.services import submissions as submission_services
from tutela.activities.services.rows import report_row_delete, report_rows_save
from tutela.activities.views.reporting.common import organisation_for, page
from tutela.core.models import Operation, Organisation, User

# Re-exported: the configuration and import views import them from here.
from tutela.core.views.common import current_user, operation_for


def _grid_context(
    request: HttpRequest, slug: str, month: str
) -> tuple[Operation, ReportingRound, Organisation, bool]:
    operation = operation_for(request, slug)
    round = round_services.round_get(operation, month)
    organisation = organisation_for(request, operation, request.GET.get("org"))
    editable = activities_access.can_report(current_user(request), round, organisation)
    return operation, round, organisation, editable


def grid_url(slug: str, month: str, organisation: Organisation, user: User) -> str:
    url = reverse("activities:rows_grid", kwargs={"slug": slug, "month": month})
    if user.organisation_id != organisation.pk:
        url += "?" + urlencode({"org": organisation.acronym})
    return url


def rows_of(round: ReportingRound, organisation: Organisation) -> QuerySet[ActivityReport]:
    rows = ActivityReport.objects.filter(
        operation_id=round.operation_id, organisation=organisation, month=round.month
    )
    return with_row_relations(
        rows,
        joined=("activity", "area", "population_group"),
        by_id=("indicator", "implementing_partner", "admin1", "admin2", "admin3"),
    ).order_by("activity__code", "area__pcode", "population_group__code", "pk")


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
            return redirect(grid_url(slug, month, organisation, user))
        result = report_rows_save(
            by=user, operation=operation, organisation=organisation, rows=rows, source="web"
        )
        if not result.rejected:
            _flash_saved(request, result)
            return redirect(grid_url(slug, month, organisation, user))
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
    back = grid_url(slug, month, organisation, user)
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
