"""Pages of funding: requirements against funding received by organisation, area and activity
(with a chart and exports), the list of flows, flows entered by hand, and the FTS import. Everyone
with a role reads; the operation's managers write and import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core import svgcharts
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.imports import pages as import_pages
from tutela.core.models import Operation
from tutela.core.views.common import current_user, download, operation_for, paginate, post_action
from tutela.planning import access, charts, exports
from tutela.planning.forms.funding import (
    BY_LABELS,
    CoverageForm,
    FlowFilterForm,
    FlowForm,
    FtsUploadForm,
)
from tutela.planning.models import FundingFlow, FundingImport
from tutela.planning.selectors import funding as selectors
from tutela.planning.services import fts_import
from tutela.planning.services import funding as services
from tutela.planning.views.common import page


def _coverage_args(request: HttpRequest, operation: Operation) -> tuple[int, str, int]:
    form = CoverageForm(request.GET or None)
    data = valid_filters(form)
    years = selectors.funding_years(operation)
    year = data.get("year") or (years[0] if years else timezone.localdate().year)
    by = data.get("by") or "organisation"
    level = int(data.get("level") or 1)
    return int(year), str(by), level


@login_required
@require_GET
def funding_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    year, by, level = _coverage_args(request, operation)
    coverage = selectors.funding_coverage(operation, year=year, by=by, level=level)
    query = f"year={year}&by={by}&level={level}"
    return page(
        request,
        "planning/funding.html",
        operation,
        coverage=coverage,
        chart=_coverage_svg(coverage),
        summary=selectors.funding_summary(operation, year),
        form=CoverageForm(initial={"year": year, "by": by, "level": level}),
        by_label=BY_LABELS[by],
        level_label=operation.level_label(level),
        query=query,
        rule=exports.coverage_rule(by),
        can_manage=access.can_manage_funding(current_user(request), operation),
        years=selectors.funding_years(operation),
    )


def _coverage_svg(coverage: Any) -> SafeString:
    """The page's chart, inline (a few KB in the page instead of a PNG request, issue 14): the
    same rows as the PNG of `funding_chart`."""
    rows = [r for r in coverage.rows if r.requirements or r.funded][: charts.MAX_BARS]
    return svgcharts.coverage_chart_svg(
        [(r.code or r.label or "—", float(r.requirements), float(r.funded)) for r in rows],
        name=_(
            "Bar chart: requirements and funding received, largest requirements first. The "
            "table below gives the figures."
        ),
        legend=(_("Requirements"), _("Funding received")),
        colors=(charts.REQUIRED_COLOR, charts.FUNDED_COLOR),
    )


@login_required
@require_GET
def funding_chart(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if fmt not in ("png", "svg"):
        raise Http404
    year, by, level = _coverage_args(request, operation)
    coverage = selectors.funding_coverage(operation, year=year, by=by, level=level)
    rows = [r for r in coverage.rows if r.requirements or r.funded]
    title = _("Requirements and funding %(year)s by %(by)s") % {
        "year": year,
        "by": str(BY_LABELS[by]).lower(),
    }
    content = charts.coverage_chart(
        [r.code or r.label or "—" for r in rows],
        [r.requirements for r in rows],
        [r.funded for r in rows],
        title,
        fmt=fmt,
    )
    return download(
        content,
        f"{operation.slug}-funding-{year}-{by}.{fmt}",
        "image/png" if fmt == "png" else "image/svg+xml",
        inline=True,
    )


@login_required
@require_GET
def funding_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if fmt not in exports.FORMATS:
        raise Http404
    year, by, level = _coverage_args(request, operation)
    coverage = selectors.funding_coverage(operation, year=year, by=by, level=level)
    return exports.export_response(
        operation=operation,
        by=current_user(request),
        name=f"funding-{year}-by-{by}",
        columns=exports.coverage_columns(by, level),
        rows=exports.coverage_lines(coverage),
        fmt=fmt,
        notes=[exports.coverage_rule(by)],
        entity_type="planning.fundingflow",
        request=request,
    )


# --- flows ---------------------------------------------------------------------------------------


@login_required
@require_GET
def flow_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    form = FlowFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    return page(
        request,
        "planning/flow_list.html",
        operation,
        form=form,
        filtered=bool(filters),
        page=paginate(request, selectors.flow_list(operation, filters)),
        can_manage=access.can_manage_funding(current_user(request), operation),
        query=request.GET.urlencode(),
    )


@login_required
@require_GET
def flow_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if fmt not in exports.FORMATS:
        raise Http404
    form = FlowFilterForm(request.GET or None, operation=operation)
    flows = list(selectors.flow_list(operation, valid_filters(form)))
    return exports.export_response(
        operation=operation,
        by=current_user(request),
        name="funding-flows",
        columns=exports.flow_columns(),
        rows=exports.flow_lines(flows),
        fmt=fmt,
        entity_type="planning.fundingflow",
        request=request,
    )


def _flows_url(operation: Operation) -> str:
    return reverse("planning:flows", args=[operation.slug])


@login_required
@require_http_methods(["GET", "POST"])
def flow_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_funding_manager(current_user(request), operation)
    form = FlowForm(request.POST or None, operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            services.funding_flow_record(
                operation=operation, by=current_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Funding recorded."))
            return redirect(_flows_url(operation))
    return page(request, "planning/flow_form.html", operation, form=form, flow=None)


@login_required
@require_http_methods(["GET", "POST"])
def flow_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_funding_manager(current_user(request), operation)
    flow = get_object_or_404(FundingFlow, operation=operation, pk=pk)
    initial: dict[str, Any] = {
        "donor": flow.donor.name,
        "amount_usd": flow.amount_usd,
        "status": flow.status,
        "year": flow.year,
        "organisation": flow.organisation,
        "project": flow.project,
        "description": flow.description,
        "decision_date": flow.decision_date,
        "original_amount": flow.original_amount,
        "original_currency": flow.original_currency,
    }
    form = FlowForm(request.POST or None, operation=operation, initial=initial)
    if flow.source == FundingFlow.Source.FTS:
        # From FTS: only its organisation and project can be set here.
        for name in list(form.fields):
            if name not in ("organisation", "project"):
                del form.fields[name]
    if request.method == "POST" and form.is_valid():
        try:
            services.funding_flow_update(flow=flow, by=current_user(request), **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Funding saved."))
            return redirect(_flows_url(operation))
    return page(request, "planning/flow_form.html", operation, form=form, flow=flow)


@login_required
@require_POST
def flow_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_funding_manager(current_user(request), operation)
    flow = get_object_or_404(FundingFlow, operation=operation, pk=pk)
    return post_action(
        request,
        lambda: services.funding_flow_delete(flow=flow, by=current_user(request)),
        success=_("Funding removed."),
        then=_flows_url(operation),
    )


# --- FTS import ----------------------------------------------------------------------------------


def _import_url(record: FundingImport) -> str:
    return reverse("planning:fts_import", args=[record.operation.slug, record.pk])


@login_required
@require_http_methods(["GET", "POST"])
def fts_upload(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_funding_manager(current_user(request), operation)
    form = FtsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        record = fts_import.funding_import_start(
            by=current_user(request),
            operation=operation,
            year=form.cleaned_data["year"],
            file=uploaded,
            file_name=uploaded.name,
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect(_import_url(record))
    recent = FundingImport.objects.filter(operation=operation).select_related("user")[
        : import_pages.RECENT_UPLOADS
    ]
    return page(request, "planning/fts_upload.html", operation, form=form, recent=recent)


def _record(request: HttpRequest, slug: str, pk: int) -> FundingImport:
    operation = operation_for(request, slug)
    access.require_funding_manager(current_user(request), operation)
    return get_object_or_404(
        FundingImport.objects.select_related("operation", "user", "job"),
        operation=operation,
        pk=pk,
    )


@login_required
@require_GET
def fts_import_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    record = _record(request, slug, pk)
    progress_url = reverse("planning:fts_import_progress", args=[slug, pk])
    return page(
        request,
        "planning/fts_import.html",
        record.operation,
        record=record,
        problems=paginate(
            request, import_pages.record_problems(record), import_pages.PROBLEMS_PAGE_SIZE
        ),
        more_problems=import_pages.more_problems(record),
        committable=import_pages.committable(record),
        progress_url=progress_url,
        saved_text=_("The flows were imported."),
    )


@login_required
@require_GET
def fts_import_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    record = _record(request, slug, pk)
    progress_url = reverse("planning:fts_import_progress", args=[slug, pk])
    return import_pages.progress_response(
        request, record, progress_url=progress_url, context={"operation": record.operation}
    )


@login_required
@require_POST
def fts_import_commit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Import for real the file of a dry run without errors."""
    record = _record(request, slug, pk)
    if import_pages.commit_refused(request, record):
        return redirect(_import_url(record))
    with record.file.open("rb") as handle:
        new = fts_import.funding_import_start(
            by=current_user(request),
            operation=record.operation,
            year=record.year,
            file=handle,
            file_name=record.file_name,
            dry_run=False,
        )
    return redirect(_import_url(new))


@login_required
@require_http_methods(["GET", "POST"])
def fts_import_annotated(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The upload back as xlsx with its problem cells marked (POST: prepared by the task worker,
    for a big upload)."""
    record = _record(request, slug, pk)
    return import_pages.annotated_download(
        request,
        record,
        build=fts_import.funding_import_annotated,
        detail_url=_import_url(record),
        kind="fts_problems",
        builder="tutela.planning.services.fts_import.funding_import_annotated",
    )
