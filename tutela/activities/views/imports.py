"""5W upload pages: upload a file (dry run or import), the result of an upload (counts, problems
by row and column, the annotated workbook, "import for real"), the import history, and the
planning figures upload (the column-mapping page is in `import_mapping`).

The work is done by the import engine (`tutela.activities.services.imports`); these views check
access, hand it the file and show what it found.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.activities.access import can_enter_rows, writable_organisations
from tutela.activities.forms import PlanningUploadForm, UploadForm
from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.activities.services import imports as import_services
from tutela.activities.services.import_corrections import import_fixable
from tutela.activities.services.import_profiles import profiles_for
from tutela.activities.services.planning_import import planning_import_file
from tutela.activities.views.reporting import (
    current_user,
    managed_operation,
    operation_for,
    page,
    paginate,
)
from tutela.core import access
from tutela.core.imports import pages as import_pages
from tutela.core.imports import place_aliases
from tutela.core.imports.problem_workbooks import problems_workbook_state
from tutela.core.imports.problems import Problem
from tutela.core.models import Operation, Organisation

# Problems listed on the result page (the annotated workbook has all of them).
PROBLEMS_PAGE_SIZE = import_pages.PROBLEMS_PAGE_SIZE
# The Job that prepares the annotated workbook of a big upload.
PROBLEMS_JOB = "5w_problems"


def reporting_operation(request: HttpRequest, slug: str) -> Operation:
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


def record_for(request: HttpRequest, operation: Operation, pk: int) -> ImportRecord:
    record = import_services.import_list_for_user(current_user(request), operation).filter(pk=pk)
    found = record.first()
    if found is None:
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    operation = reporting_operation(request, slug)
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
        profiles={name: p.label() for name, p in profiles_for(operation).items()},
        initial={
            "dry_run": True,
            "organisation": preselected,
            "profile": request.GET.get("profile", ""),
        },
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
            profile=form.cleaned_data.get("profile") or "",
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
    record = record_for(request, operation, pk)
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
        can_fix=import_fixable(record) and can_enter_rows(current_user(request), operation),
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
    operation = reporting_operation(request, slug)
    record = record_for(request, operation, pk)
    if not record.file or record.status == ImportRecord.Status.PENDING:
        raise Http404
    return place_aliases.accept_and_recheck(
        request,
        record,
        operation=operation,
        detail="activities:import_detail",
        restart=lambda: import_pages.record_restart(
            record,
            start=import_services.import_5w_start,
            by=current_user(request),
            operation=operation,
            dry_run=True,
        ),
    )


@login_required
@require_GET
def import_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """htmx: the progress of a queued import; once it is done the page reloads to show the
    result."""
    operation = operation_for(request, slug)
    record = record_for(request, operation, pk)
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
    record = record_for(request, operation, pk)
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
    operation = reporting_operation(request, slug)
    record = record_for(request, operation, pk)
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
