"""Fix in place: the rows of a checked monitoring upload that have problems, as an editable table
(50 rows a page); saving checks the whole file again with the corrections and shows the new
check. The file as uploaded stays downloadable (audited: it may hold personal data).

Only those who may import and see the upload's rows reach them (403 / 404), as for the annotated
workbook.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from tutela.core.downloads import stored_file_download
from tutela.core.imports.corrections import record_fixable
from tutela.core.models import AuditEntry
from tutela.core.services.audit import audit_write
from tutela.core.views.common import current_user
from tutela.core.views.import_fix import fix_page
from tutela.monitoring.services import import_corrections
from tutela.monitoring.views.imports import _record_with_content


@login_required
@require_http_methods(["GET", "POST"])
def import_fix(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, record = _record_with_content(request, slug, pk)
    if not record_fixable(record):
        raise Http404
    return fix_page(
        request,
        record=record,
        namespace="monitoring",
        services=import_corrections,
        render_page=lambda context: render(
            request,
            "core/imports/fix.html",
            {"operation": operation, "nav_active": "monitoring", **context},
        ),
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
        actor=current_user(request),
        action=AuditEntry.Action.EXPORT,
        instance=record,
        operation=operation,
        summary=f"Monitoring upload {record.file_name} downloaded as uploaded"[:300],
        request=request,
    )
    return stored_file_download(record.file, record.file_name)
