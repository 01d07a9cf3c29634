"""The cluster's case statistics (every role of the operation; counts only, disclosure-
controlled), the supervisor's password-protected caseload export, the user's tasks, and the
retention runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tutela.cases import access
from tutela.cases.forms.referrals import CaseloadExportForm
from tutela.cases.models import RetentionRun
from tutela.cases.selectors.statistics import case_statistics
from tutela.cases.selectors.tasks import tasks_for_user
from tutela.cases.services.exports import XLSX, caseload_export
from tutela.cases.services.retention import closed_before, retention_months
from tutela.cases.views.common import case_page, staff_operation
from tutela.core.forms.directory import apply_validation_error
from tutela.core.views.common import current_user, download, operation_for, paginate


@login_required
@require_GET
def home(request: HttpRequest, slug: str) -> HttpResponse:
    """The menu's "Cases": the case list for case management staff, the statistics for the
    other roles (who never see a case)."""
    operation = operation_for(request, slug)
    if access.is_case_staff(current_user(request), operation):
        return redirect("cases:list", slug=slug)
    return redirect("cases:statistics", slug=slug)


@login_required
@require_GET
def statistics(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if not access.can_see_statistics(current_user(request), operation):
        raise PermissionDenied
    return case_page(request, "cases/statistics.html", operation, stats=case_statistics(operation))


@login_required
@require_http_methods(["GET", "POST"])
def caseload_download(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    if not access.can_export(user, operation, "caseload"):
        raise PermissionDenied
    form = CaseloadExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            content = caseload_export(
                operation=operation,
                by=user,
                password=form.cleaned_data["password"],
                include_identifying=form.cleaned_data["include_identifying"],
                override_reason=form.cleaned_data.get("override_reason") or "",
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            stamp = timezone.localdate().isoformat()
            return download(content, f"cases-{operation.slug}-{stamp}.xlsx", XLSX)
    response = case_page(request, "cases/export.html", operation, form=form)
    if request.method == "POST":
        response.status_code = 400
    return response


@login_required
@require_GET
def tasks(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    return case_page(
        request,
        "cases/tasks.html",
        operation,
        tasks=tasks_for_user(current_user(request), operation),
        today=timezone.localdate(),
    )


@login_required
@require_GET
def retention(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if not access.can_see_retention(current_user(request), operation):
        raise PermissionDenied
    runs = RetentionRun.objects.filter(operation=operation).select_related("by")
    return case_page(
        request,
        "cases/retention.html",
        operation,
        page=paginate(request, runs),
        months=retention_months(operation),
        closed_before=closed_before(operation),
    )
