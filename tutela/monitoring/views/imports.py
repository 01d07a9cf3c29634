"""Monitoring import pages: upload a file of incidents or community monitoring rows (dry run or
import), the result of an upload (counts, problems by row and column, the annotated workbook,
"import for real"), the column and value mapping of a file and the import history. The saved
mappings are in `import_mappings`, the import profiles and XLSForms in `import_profiles`.

The work is done by tutela.monitoring.services.imports; these views check access, hand it the
file and show what it found. A user imports for their own organisation; coordinators and IMOs
also for the organisations that delegated monitoring imports to them. The rows of a file
(problems quoting cell values, the annotated workbook) are shown only to the uploader and the
organisation the file is for.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core import access
from tutela.core.imports import pages as import_pages
from tutela.core.imports import place_aliases, value_lists
from tutela.core.imports.corrections import record_fixable
from tutela.core.imports.problem_workbooks import problems_workbook_state
from tutela.core.imports.problems import ImportFileError
from tutela.core.models import Operation, PopulationGroup, ProtectionRisk
from tutela.core.views.common import current_user, operation_for, paginate
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.access import (
    can_see_content,
    mappings_for_user,
)
from tutela.monitoring.forms.imports import (
    MappingForm,
    UploadForm,
)
from tutela.monitoring.imports import fields
from tutela.monitoring.models import (
    Kind,
    MonitoringImport,
    PerpetratorCategory,
    ReferralService,
    Source,
    VerificationStatus,
    ViolationType,
)
from tutela.monitoring.services import import_uploads
from tutela.monitoring.services import imports as service
from tutela.monitoring.services.import_mappings import mapping_save
from tutela.monitoring.services.import_profiles import (
    profiles_for,
)

PROBLEMS_PAGE_SIZE = import_pages.PROBLEMS_PAGE_SIZE
# The Job that prepares the annotated workbook of a big upload.
PROBLEMS_JOB = "monitoring_problems"


def page(request: HttpRequest, template: str, operation: Operation, **context: Any) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "monitoring")
    return render(request, template, context)


def importing_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not monitoring_access.can_import(current_user(request), operation):
        raise PermissionDenied
    return operation


def _record(request: HttpRequest, operation: Operation, pk: int) -> MonitoringImport:
    return monitoring_access.import_get_for_user(current_user(request), operation, pk)


def _record_with_content(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Operation, MonitoringImport]:
    """The operation and an upload whose rows the user may see (404 otherwise)."""
    operation = importing_operation(request, slug)
    record = _record(request, operation, pk)
    if not can_see_content(current_user(request), record):
        raise Http404
    return operation, record


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    operation = importing_operation(request, slug)
    user = current_user(request)
    manager = access.is_manager(user, operation)
    mappings = mappings_for_user(user, operation)
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else Kind.INCIDENTS
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        organisations=monitoring_access.import_organisations(user, operation),
        mappings=mappings,
        choose_organisation=manager,
        initial={"dry_run": True, "kind": kind, "profile": request.GET.get("profile", "")},
        profiles={
            k: {name: p.label() for name, p in profiles_for(operation, k).items()}
            for k in Kind.values
        },
    )
    if request.method == "POST" and form.is_valid():
        record = import_pages.form_upload_start(
            form,
            start=import_uploads.import_monitoring_start,
            by=user,
            operation=operation,
            organisation=form.cleaned_data.get("organisation"),
            kind=form.cleaned_data["kind"],
            profile=form.cleaned_data.get("profile") or "",
        )
        return redirect("monitoring:import_detail", slug=slug, pk=record.pk)
    return page(
        request,
        "monitoring/imports/upload.html",
        operation,
        form=form,
        recent=list(
            monitoring_access.imports_for_user(user, operation)[: import_pages.RECENT_UPLOADS]
        ),
    )


@login_required
@require_GET
def import_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = importing_operation(request, slug)
    records = monitoring_access.imports_for_user(current_user(request), operation)
    return page(request, "monitoring/imports/list.html", operation, page=paginate(request, records))


@login_required
@require_GET
def import_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = importing_operation(request, slug)
    record = _record(request, operation, pk)
    content = can_see_content(current_user(request), record)
    problems = import_pages.record_problems(record)
    if not content:
        # Counts only: the rows' values belong to the reporting organisation.
        problems = [p for p in problems if p.row is None and p.code != "unused_columns"]
    return page(
        request,
        "monitoring/imports/detail.html",
        operation,
        record=record,
        content=content,
        pending=record.status == MonitoringImport.Status.PENDING,
        problems=paginate(request, problems, PROBLEMS_PAGE_SIZE),
        more_problems=content and import_pages.more_problems(record),
        can_commit=content and import_pages.committable(record),
        can_map=content and bool(record.file),
        can_fix=content and record_fixable(record),
        needs_mapping=import_pages.needs_mapping(record),
        problems_workbook=problems_workbook_state(record, kind=PROBLEMS_JOB),
        **(
            place_aliases.suggestions_context(
                record,
                operation=operation,
                user=current_user(request),
                accept_url=reverse("monitoring:import_places", kwargs={"slug": slug, "pk": pk}),
            )
            if content
            else {}
        ),
    )


@login_required
@require_GET
def import_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """htmx: the progress of a queued import; the page reloads once it is done."""
    operation = importing_operation(request, slug)
    record = _record(request, operation, pk)
    return import_pages.progress_response(
        request,
        record,
        progress_url=reverse("monitoring:import_progress", kwargs={"slug": slug, "pk": pk}),
        context={"operation": operation},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_annotated(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The upload back as xlsx with its problem cells highlighted and commented (POST: prepare it
    in the background, for a big upload)."""
    operation, record = _record_with_content(request, slug, pk)
    return import_pages.annotated_download(
        request,
        record,
        build=service.import_annotated_workbook,
        detail_url=reverse("monitoring:import_detail", kwargs={"slug": slug, "pk": pk}),
        kind=PROBLEMS_JOB,
        builder="tutela.monitoring.services.imports.import_annotated_workbook",
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Import for real the file of a clean dry run."""
    operation, record = _record_with_content(request, slug, pk)
    if import_pages.commit_refused(request, record):
        return redirect("monitoring:import_detail", slug=slug, pk=pk)
    new = import_pages.record_restart(
        record,
        start=import_uploads.import_monitoring_start,
        by=current_user(request),
        operation=operation,
        kind=record.kind,
        dry_run=False,
    )
    return redirect("monitoring:import_detail", slug=slug, pk=new.pk)


@login_required
@require_POST
def import_places(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remember the place suggestions accepted on the check page as place aliases of the
    operation (managers only), then check the stored file again."""
    operation, record = _record_with_content(request, slug, pk)
    if not record.file or record.status == MonitoringImport.Status.PENDING:
        raise Http404
    return place_aliases.accept_and_recheck(
        request,
        record,
        operation=operation,
        detail="monitoring:import_detail",
        restart=lambda: import_pages.record_restart(
            record,
            start=import_uploads.import_monitoring_start,
            by=current_user(request),
            operation=operation,
            kind=record.kind,
            dry_run=True,
        ),
    )


# --- column and value mapping --------------------------------------------------------------------


def value_choices(operation: Operation) -> dict[str, list[tuple[str, str]]]:
    def listed(model: Any) -> list[tuple[str, str]]:
        items = model.objects.filter(operation=operation)
        if hasattr(model, "is_active"):
            items = items.filter(is_active=True)
        return [(i.code, f"{i.code} — {i.name}") for i in items.order_by("code")]

    risks = listed(ProtectionRisk)
    violations = listed(ViolationType)
    groups = listed(PopulationGroup)
    return {
        "risks": risks + violations,
        "violations": violations,
        "perpetrator": listed(PerpetratorCategory),
        "perpetrators": listed(PerpetratorCategory),
        "services": listed(ReferralService),
        "source": listed(Source),
        "verification": listed(VerificationStatus),
        "population_group": groups,
        "affected_groups": groups,
        "respondent": [(c, en) for c, en, _fr, _s in fields.RESPONDENTS],
        "access_to_services": [(c, en) for c, en, _fr, _s in fields.ACCESS],
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Say which field each column of the file holds and what the file's own words mean; saved
    under a name, then the file is checked again with it (nothing saved)."""
    operation = importing_operation(request, slug)
    record = _record(request, operation, pk)
    if not record.file or not can_see_content(current_user(request), record):
        raise Http404
    headers_posted = None
    if request.method == "POST":
        headers_posted = {
            key: request.POST.get(key, "") for key in request.POST if key.startswith("col_")
        }
    try:
        with record.file.open("rb") as handle:
            # The values to map are those the import will read: with the cells corrected in
            # the browser.
            inspection = import_uploads.import_inspect(
                operation=operation,
                kind=record.kind,
                file=handle,
                file_name=record.file_name,
                mapping=record.mapping,
                corrections=record.corrections,
            )
            if headers_posted is not None:
                # The unknown values of the columns as just chosen.
                chosen = {
                    inspection.table.headers[int(key[4:])]: value
                    for key, value in headers_posted.items()
                    if key[4:].isdigit() and int(key[4:]) < len(inspection.table.headers)
                }
                inspection = import_uploads.import_inspect(
                    operation=operation,
                    kind=record.kind,
                    file=handle,
                    file_name=record.file_name,
                    mapping=record.mapping,
                    columns=chosen,
                    corrections=record.corrections,
                )
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("monitoring:import_detail", slug=slug, pk=pk)
    fieldset = inspection.fieldset
    labels = {f.name: str(f.label) for f in fieldset.fields}
    choices = value_choices(operation)

    def mapping_form(data: Any) -> MappingForm:
        return MappingForm(
            data,
            headers=inspection.table.headers,
            field_choices=[(f.name, f"{f.label} ({f.name})") for f in fieldset.fields],
            initial_columns=dict(inspection.match.columns),
            unknown=inspection.unknown,
            value_choices=choices,
            field_labels=labels,
            initial_values=record.mapping.values if record.mapping else None,
            initial={
                "name": record.mapping.name
                if record.mapping
                else os.path.splitext(record.file_name)[0][:100]
            },
        )

    form = mapping_form(request.POST or None)
    navigating = value_lists.values_navigation(request)
    accepted = 0
    scope = value_lists.accept_scope(request.POST, form.value_rows) if navigating else None
    if scope is not None:
        # "Accept the suggestions": the form again with them chosen; nothing is saved yet.
        data, accepted = value_lists.accept_suggestions(request.POST, scope)
        form = mapping_form(data)
    if navigating:
        value_lists.unchecked(form)
    elif import_pages.mapping_ready(request, form, inspection.unknown):
        try:
            mapping = mapping_save(
                by=current_user(request),
                operation=operation,
                organisation=record.organisation,
                kind=record.kind,
                name=form.cleaned_data["name"],
                columns=form.mapping_columns(),
                values=form.mapping_values(record.mapping.values if record.mapping else None),
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            new = import_pages.mapping_recheck(
                request,
                record,
                mapping,
                start=import_uploads.import_monitoring_start,
                by=current_user(request),
                operation=operation,
                kind=record.kind,
            )
            return redirect("monitoring:import_detail", slug=slug, pk=new.pk)
    return page(
        request,
        "monitoring/imports/mapping.html",
        operation,
        record=record,
        form=form,
        inspection=inspection,
        asked=",".join(sorted(inspection.unknown)),
        required=[labels.get(n, n) for n in fieldset.required],
        **value_lists.values_context(form, form.value_rows, request.POST or request.GET, accepted),
    )
