"""Fix in place: the rows of a checked monitoring upload that have problems, as an editable table
(50 rows a page); saving checks the whole file again with the corrections and shows the new
check. The file as uploaded stays downloadable (audited: it may hold personal data).

Only those who may import and see the upload's rows reach them (403 / 404), as for the annotated
workbook.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.core.downloads import stored_file_download
from tutela.core.imports.corrections import (
    FIX_PAGE_SIZE,
    MAX_CORRECTED_CELLS,
    fix_changes,
    record_fixable,
)
from tutela.core.imports.problems import ImportFileError
from tutela.core.models import AuditEntry
from tutela.core.services.audit import audit_write
from tutela.core.views.common import current_user, paginate
from tutela.monitoring.services import import_corrections
from tutela.monitoring.views.imports import _record_with_content


@login_required
@require_http_methods(["GET", "POST"])
def import_fix(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, record = _record_with_content(request, slug, pk)
    if not record_fixable(record):
        raise Http404
    here = reverse("monitoring:import_fix", kwargs={"slug": slug, "pk": pk})
    detail = reverse("monitoring:import_detail", kwargs={"slug": slug, "pk": pk})
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
        return redirect("monitoring:import_detail", slug=slug, pk=new.pk)
    return render(
        request,
        "core/imports/fix.html",
        {
            "operation": operation,
            "nav_active": "monitoring",
            "record": record,
            "detail_url": detail,
            "original_url": reverse("monitoring:import_original", kwargs={"slug": slug, "pk": pk}),
            "columns": fix.columns,
            "rows": paginate(request, fix.rows, FIX_PAGE_SIZE),
            "corrected": fix.corrected,
            "max_corrected": MAX_CORRECTED_CELLS,
        },
    )


@login_required
@require_GET
def import_original(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """The file as it was uploaded (corrections made in the browser are never written into it),
    while it is kept; audited, as it may hold personal data."""
    operation, record = _record_with_content(request, slug, pk)
    if not record.file:
        raise Http404
    audit_write(
        actor=request.user,
        action=AuditEntry.Action.EXPORT,
        instance=record,
        operation=operation,
        summary=f"Monitoring upload {record.file_name} downloaded as uploaded"[:300],
        request=request,
    )
    return stored_file_download(record.file, record.file_name)
