"""Fix in place: the rows of a checked 5W upload that have problems, as an editable table (50 rows
a page); saving checks the whole file again with the corrections and shows the new check.

Only those who may enter rows for the operation and see the upload reach it (403 / 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.activities.services import import_corrections
from tutela.activities.views.imports import record_for, reporting_operation
from tutela.activities.views.reporting import current_user, operation_for, page, paginate
from tutela.core.downloads import stored_file_download
from tutela.core.imports.corrections import FIX_PAGE_SIZE, MAX_CORRECTED_CELLS, fix_changes
from tutela.core.imports.problems import ImportFileError


@login_required
@require_http_methods(["GET", "POST"])
def import_fix(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = reporting_operation(request, slug)
    record = record_for(request, operation, pk)
    if not import_corrections.import_fixable(record):
        raise Http404
    here = reverse("activities:import_fix", kwargs={"slug": slug, "pk": pk})
    detail = reverse("activities:import_detail", kwargs={"slug": slug, "pk": pk})
    try:
        fix = import_corrections.import_fix_table(record=record)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect(detail)
    if request.method == "POST":
        changes = fix_changes(request.POST, fix.rows)
        if not changes:
            messages.info(request, _("No cell was changed."))
            return redirect(f"{here}?page={request.POST.get('page', '1')}")
        try:
            new = import_corrections.import_corrections_save(
                record=record, by=current_user(request), changes=changes, fix=fix
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(f"{here}?page={request.POST.get('page', '1')}")
        messages.success(
            request,
            _(
                "%(count)d cell(s) corrected; the whole file was checked again with the "
                "corrections (nothing saved yet)."
            )
            % {"count": len(changes)},
        )
        return redirect("activities:import_detail", slug=slug, pk=new.pk)
    return page(
        request,
        "core/imports/fix.html",
        operation,
        record=record,
        detail_url=detail,
        original_url=reverse("activities:import_original", kwargs={"slug": slug, "pk": pk}),
        columns=fix.columns,
        rows=paginate(request, fix.rows, FIX_PAGE_SIZE),
        corrected=fix.corrected,
        max_corrected=MAX_CORRECTED_CELLS,
    )


@login_required
@require_GET
def import_original(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """The file as it was uploaded (corrections made in the browser are never written into it),
    while it is kept; for those who may see the upload."""
    operation = operation_for(request, slug)
    record = record_for(request, operation, pk)
    if not record.file:
        raise Http404
    return stored_file_download(record.file, record.file_name)
