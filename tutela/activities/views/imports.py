"""5W upload pages: upload a file (dry run or import), the result of an upload (counts, problems
by row and column, the annotated workbook, "import for real"), the column-mapping page for files
that are not Tutela's template, the import history, and the planning figures upload.

The work is done by the import engine (`tutela.activities.services.imports`); these views check
access, hand it the file and show what it found.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.activities.access import can_enter_rows, writable_organisations
from tutela.activities.forms import CONSTANT_FIELDS, MappingForm, PlanningUploadForm, UploadForm
from tutela.activities.models import Activity, ActivityReport, ColumnMapping, ImportRecord
from tutela.activities.models import fields as fivew
from tutela.activities.services import imports as import_services
from tutela.activities.services.planning_import import planning_import_file
from tutela.activities.validation import POPULATION_SYNONYMS
from tutela.activities.validation.synonyms import (
    MODALITY_SYNONYMS,
    STATUS_SYNONYMS,
    choice_lookup,
)
from tutela.activities.views.reporting import (
    current_user,
    managed_operation,
    operation_for,
    page,
    paginate,
)
from tutela.core import access
from tutela.core.forms.directory import apply_validation_error
from tutela.core.imports import pages as import_pages
from tutela.core.imports import place_aliases, value_lists
from tutela.core.imports.problem_workbooks import problems_workbook_state
from tutela.core.imports.problems import ImportFileError, Problem
from tutela.core.models import Operation, Organisation, PopulationGroup
from tutela.core.pcodes import name_key

# Problems listed on the result page (the annotated workbook has all of them).
PROBLEMS_PAGE_SIZE = import_pages.PROBLEMS_PAGE_SIZE
# The Job that prepares the annotated workbook of a big upload.
PROBLEMS_JOB = "5w_problems"


def _reporting_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not can_enter_rows(current_user(request), operation):
        raise PermissionDenied
    return operation


def _upload_organisation(
    request: HttpRequest, operation: Operation, chosen: Organisation | None
) -> Organisation | None:
    """Managers import for the organisation they choose (or the one named on each row);
    everyone else for their own organisation."""
    user = current_user(request)
    if access.is_manager(user, operation):
        return chosen
    if (
        not user.organisation_id
        or not operation.organisations.filter(pk=user.organisation_id).exists()
    ):
        raise PermissionDenied
    return user.organisation


def _record_for(request: HttpRequest, operation: Operation, pk: int) -> ImportRecord:
    record = import_services.import_list_for_user(current_user(request), operation).filter(pk=pk)
    found = record.first()
    if found is None:
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _reporting_operation(request, slug)
    user = current_user(request)
    manager = access.is_manager(user, operation)
    preselected = None
    if manager and request.GET.get("org"):
        preselected = operation.organisations.filter(acronym__iexact=request.GET["org"]).first()
    own = None if manager else _upload_organisation(request, operation, None)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        organisations=writable_organisations(user, operation),
        # Managers may use any mapping of the operation; others their own and the shared ones.
        mappings=ColumnMapping.objects.filter(operation=operation, kind=import_services.KIND)
        if manager
        else import_services.mappings_for(operation, own),
        choose_organisation=manager,
        initial={"dry_run": True, "organisation": preselected},
    )
    if request.method == "POST" and form.is_valid():
        organisation = _upload_organisation(
            request, operation, form.cleaned_data.get("organisation")
        )
        record = import_pages.form_upload_start(
            form,
            start=import_services.import_5w_start,
            by=user,
            operation=operation,
            organisation=organisation,
        )
        return redirect("activities:import_detail", slug=slug, pk=record.pk)
    return page(
        request,
        "activities/imports/upload.html",
        operation,
        form=form,
        recent=list(
            import_services.import_list_for_user(user, operation)[: import_pages.RECENT_UPLOADS]
        ),
    )


@login_required
@require_GET
def import_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Uploads of the operation: every organisation's for cluster-wide roles, the user's own
    organisation's otherwise."""
    operation = operation_for(request, slug)
    records = import_services.import_list_for_user(current_user(request), operation)
    return page(request, "activities/imports/list.html", operation, page=paginate(request, records))


@login_required
@require_GET
def import_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    record = _record_for(request, operation, pk)
    problems = import_pages.record_problems(record)
    pending = record.status == ImportRecord.Status.PENDING
    return page(
        request,
        "activities/imports/detail.html",
        operation,
        record=record,
        pending=pending,
        problems=paginate(request, problems, PROBLEMS_PAGE_SIZE),
        more_problems=import_pages.more_problems(record),
        file_problems=[p for p in problems if p.row is None],
        can_commit=import_pages.committable(record)
        and can_enter_rows(current_user(request), operation),
        needs_mapping=import_pages.needs_mapping(record) and bool(record.file),
        can_map=bool(record.file) and can_enter_rows(current_user(request), operation),
        problems_workbook=problems_workbook_state(record, kind=PROBLEMS_JOB),
        **place_aliases.suggestions_context(
            record,
            operation=operation,
            user=current_user(request),
            accept_url=reverse("activities:import_places", kwargs={"slug": slug, "pk": pk}),
        ),
    )


@login_required
@require_POST
def import_places(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remember the place suggestions accepted on the check page as place aliases of the
    operation (managers only), then check the stored file again."""
    operation = _reporting_operation(request, slug)
    record = _record_for(request, operation, pk)
    if not record.file or record.status == ImportRecord.Status.PENDING:
        raise Http404
    try:
        saved = place_aliases.accept_posted(request, record, operation=operation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("activities:import_detail", slug=slug, pk=pk)
    if not saved:
        messages.info(request, _("No place was chosen."))
        return redirect("activities:import_detail", slug=slug, pk=pk)
    messages.success(
        request,
        ngettext(
            "%(count)d place remembered; the file was checked again.",
            "%(count)d places remembered; the file was checked again.",
            saved,
        )
        % {"count": saved},
    )
    new = import_pages.record_restart(
        record,
        start=import_services.import_5w_start,
        by=current_user(request),
        operation=operation,
        dry_run=True,
    )
    return redirect("activities:import_detail", slug=slug, pk=new.pk)


@login_required
@require_GET
def import_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """htmx: the progress of a queued import; once it is done the page reloads to show the
    result."""
    operation = operation_for(request, slug)
    record = _record_for(request, operation, pk)
    return import_pages.progress_response(
        request,
        record,
        progress_url=reverse("activities:import_progress", kwargs={"slug": slug, "pk": pk}),
        context={"operation": operation},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_annotated(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The uploaded file back as xlsx with its problem cells highlighted and commented (POST:
    prepare it in the background, for a big upload)."""
    operation = operation_for(request, slug)
    record = _record_for(request, operation, pk)
    return import_pages.annotated_download(
        request,
        record,
        build=import_services.import_annotated_workbook,
        detail_url=reverse("activities:import_detail", kwargs={"slug": slug, "pk": pk}),
        kind=PROBLEMS_JOB,
        builder="tutela.activities.services.imports.import_annotated_workbook",
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Import for real the file of a clean dry run."""
    operation = _reporting_operation(request, slug)
    record = _record_for(request, operation, pk)
    if import_pages.commit_refused(request, record):
        return redirect("activities:import_detail", slug=slug, pk=pk)
    new = import_pages.record_restart(
        record,
        start=import_services.import_5w_start,
        by=current_user(request),
        operation=operation,
        dry_run=False,
    )
    return redirect("activities:import_detail", slug=slug, pk=new.pk)


# --- column mapping ------------------------------------------------------------------------------


def _known_keys(operation: Operation) -> dict[str, set[str]]:
    """Values the importer recognises without a value mapping (codes and names)."""
    activities: set[str] = set()
    for code, en, fr, es in Activity.objects.filter(operation=operation).values_list(
        "code", "name_en", "name_fr", "name_es"
    ):
        activities |= {name_key(code), name_key(en), name_key(fr), name_key(es or "")}
    groups: set[str] = set()
    for code, en, fr, es, hxl in PopulationGroup.objects.filter(operation=operation).values_list(
        "code", "name_en", "name_fr", "name_es", "hxl_attribute"
    ):
        groups |= {name_key(code), name_key(en), name_key(fr), name_key(es or ""), name_key(hxl)}
        groups |= {name_key(s) for s in POPULATION_SYNONYMS.get(code.upper(), ())}
    return {
        "activity": activities - {""},
        "population_group": groups - {""},
        "status": set(choice_lookup(ActivityReport.Status.choices, STATUS_SYNONYMS)),
        "modality": set(choice_lookup(ActivityReport.Modality.choices, MODALITY_SYNONYMS)),
    }


# Coded fields whose words the mapping page asks about (every coded field of the 5W row but the
# organisation, which partners do not choose).
VALUE_FIELDS = ("activity", "population_group", "status", "modality")


def _posted_columns(data: Any, count: int) -> dict[int, str]:
    """column index -> field, as chosen on the mapping form."""
    return {i: data.get(f"col_{i}", "") for i in range(count) if data.get(f"col_{i}")}


def _distinct(table: Any, index: int) -> list[tuple[str, int]]:
    """Every distinct value of the column with its count, the most frequent first."""
    return value_lists.distinct_counts(
        cells[index] if index < len(cells) else None for _number, cells in table.rows
    )


def _value_choices(operation: Operation) -> dict[str, list[tuple[str, str]]]:
    return {
        "activity": [
            (a.code, f"{a.code} — {a.name}")
            for a in Activity.objects.filter(operation=operation, is_active=True).order_by("code")
        ],
        "population_group": [
            (g.code, f"{g.code} — {g.name}")
            for g in PopulationGroup.objects.filter(operation=operation).order_by("code")
        ],
        "status": [(str(v), str(label)) for v, label in ActivityReport.Status.choices],
        "modality": [(str(v), str(label)) for v, label in ActivityReport.Modality.choices],
    }


def _constant_choices(operation: Operation, *, manager: bool) -> dict[str, list[tuple[str, str]]]:
    """Values a mapping may give every row of a field the file lacks; the organisation only for
    managers (partners import for their own)."""
    choices = _value_choices(operation)
    out: dict[str, list[tuple[str, str]]] = {}
    for name in CONSTANT_FIELDS:
        if name == "organisation":
            if manager:
                out[name] = [
                    (o.acronym, f"{o.acronym} — {o.name}")
                    for o in operation.organisations.order_by("acronym")
                ]
        else:
            out[name] = choices[name]
    return out


def _suggested_name(record: ImportRecord) -> str:
    stem = os.path.splitext(os.path.basename(record.file_name))[0]
    return stem[:100] or _("My file")


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Say which field each column of the file holds, and what the file's own words for
    activities and population groups mean; saved under a name and used for this file and the
    next ones."""
    operation = _reporting_operation(request, slug)
    record = _record_for(request, operation, pk)
    user = current_user(request)
    if not record.file:
        raise Http404
    try:
        with record.file.open("rb") as handle:
            inspection = import_services.import_inspect(
                file=handle,
                file_name=record.file_name,
                mapping=record.mapping,
                need_organisation=record.organisation is None,
            )
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("activities:import_detail", slug=slug, pk=pk)
    table = inspection.table
    headers = table.headers
    initial_columns = {headers[i]: name for i, name in inspection.match.columns.items()}
    # The columns holding activities and population groups: as posted, or as matched.
    chosen = {
        name: index
        for index, name in (
            _posted_columns(request.POST, len(headers))
            if request.method == "POST"
            else inspection.match.columns
        ).items()
        if name in VALUE_FIELDS
    }
    known = _known_keys(operation)
    unknown = {
        name: [(v, n) for v, n in _distinct(table, index) if name_key(v) not in known[name]]
        for index, name in ((i, n) for n, i in chosen.items())
    }
    unknown = {name: values for name, values in unknown.items() if values}
    value_choices = _value_choices(operation)
    data: Any = request.POST or None
    navigating = value_lists.values_navigation(request)
    accepted = 0
    manager = access.is_manager(user, operation)
    form = _mapping_form(
        data, headers, initial_columns, unknown, value_choices, record, operation, manager=manager
    )
    scope = value_lists.accept_scope(request.POST, form.value_rows) if navigating else None
    if scope is not None:
        # "Accept the suggestions": the form again with them chosen; nothing is saved yet.
        data, accepted = value_lists.accept_suggestions(request.POST, scope)
        form = _mapping_form(
            data,
            headers,
            initial_columns,
            unknown,
            value_choices,
            record,
            operation,
            manager=manager,
        )
    preview = None
    if navigating:
        value_lists.unchecked(form)
    elif request.method == "POST" and "preview" in request.POST:
        # "Preview": what the columns as chosen make of the first rows; nothing is saved.
        if form.is_valid():
            preview = import_services.mapping_preview(
                table, form.mapping_columns(), form.mapping_values()
            )
    elif request.method == "GET" and record.mapping is not None:
        preview = import_services.mapping_preview(
            table, record.mapping.columns, record.mapping.values
        )
    if not navigating and preview is None and import_pages.mapping_ready(request, form, unknown):
        organisation = record.organisation
        if organisation is None and not access.is_manager(user, operation):
            organisation = user.organisation
        try:
            mapping = import_services.mapping_save(
                by=user,
                operation=operation,
                organisation=organisation,
                name=form.cleaned_data["name"],
                columns=form.mapping_columns(),
                values=form.mapping_values(record.mapping.values if record.mapping else None),
                sheet=inspection.table.sheet,
                header_row=inspection.table.header_row,
                request=request,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            new = import_pages.mapping_recheck(
                request,
                record,
                mapping,
                start=import_services.import_5w_start,
                by=user,
                operation=operation,
            )
            return redirect("activities:import_detail", slug=slug, pk=new.pk)
    return page(
        request,
        "activities/imports/mapping.html",
        operation,
        record=record,
        form=form,
        inspection=inspection,
        sample=inspection.sample,
        asked=",".join(sorted(unknown)),
        required=[fivew.BY_NAME[name].label for name in fivew.REQUIRED],
        preview=preview,
        **value_lists.values_context(form, form.value_rows, request.POST or request.GET, accepted),
    )


def _mapping_form(
    data: Any,
    headers: list[str],
    initial_columns: dict[str, str],
    unknown: dict[str, list[tuple[str, int]]],
    value_choices: dict[str, list[tuple[str, str]]],
    record: ImportRecord,
    operation: Operation,
    *,
    manager: bool = False,
) -> MappingForm:
    form = MappingForm(
        data,
        columns=headers,
        initial_columns=initial_columns,
        unknown_values=unknown,
        value_choices=value_choices,
        initial_values=record.mapping.values if record.mapping else None,
        constant_choices=_constant_choices(operation, manager=manager),
        initial={"name": record.mapping.name if record.mapping else _suggested_name(record)},
    )
    form.fields["name"].required = True
    return form


# --- planning figures ----------------------------------------------------------------------------


@login_required
@require_POST
def planning_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Import planning figures (PiN, targeted, severity) from CSV/XLSX, with a dry run."""
    operation = managed_operation(request, slug)
    form = PlanningUploadForm(request.POST, request.FILES)
    record: ImportRecord | None = None
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        record = planning_import_file(
            by=current_user(request),
            operation=operation,
            file=uploaded,
            file_name=uploaded.name,
            year=form.cleaned_data["year"],
            dry_run=form.cleaned_data["dry_run"],
        )
    return page(
        request,
        "activities/imports/planning_result.html",
        operation,
        form=form,
        record=record,
        problems=[Problem.from_dict(p) for p in (record.problems if record else [])],
    )
