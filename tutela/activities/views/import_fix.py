"""Fix in place: the rows of a checked 5W upload that have problems, as an editable table (50 rows
a page); saving checks the whole file again with the corrections and shows the new check.

Only those who may enter rows for the operation and see the upload reach it (403 / 404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET, require_http_methods

from tutela.activities.services import import_corrections
from tutela.activities.views.imports import record_for, reporting_operation
from tutela.activities.views.reporting import operation_for, page
from tutela.core.downloads import stored_file_download
from tutela.core.views.import_fix import fix_page


@login_required
@require_http_methods(["GET", "POST"])
def import_fix(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = reporting_operation(request, slug)
    record = record_for(request, operation, pk)
    if not import_corrections.import_fixable(record):
        raise Http404
    return fix_page(
        request,
        record=record,
        namespace="activities",
        services=import_corrections,
        render_page=lambda context: page(request, "core/imports/fix.html", operation, **context),
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
