"""Downloads of the 5W: the per-organisation Excel template and the rows as XLSX or CSV.

Thin views: access through `tutela.core.access` and the export helpers (404 for an operation the
user has no role in, 403 for an organisation's template the user may not have), then one call.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from tutela.activities.services import exports
from tutela.activities.services.xlsx_template import template_filename, template_workbook
from tutela.core.views.common import current_user, download, operation_for


def _language(request: HttpRequest) -> str:
    codes = {code for code, _label in settings.LANGUAGES}
    asked = (request.GET.get("lang") or "").strip().lower()
    if asked in codes:
        return asked
    current = (getattr(request, "LANGUAGE_CODE", "") or get_language() or "en")[:2]
    return current if current in codes else "en"


@login_required
@require_GET
def template_download(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    organisation = exports.template_organisation_for(
        current_user(request), operation, request.GET.get("org", "")
    )
    try:
        round_ = exports.round_for_month(operation, request.GET.get("month", ""))
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    content = template_workbook(
        operation=operation,
        organisation=organisation,
        language=_language(request),
        round=round_,
    )
    filename = template_filename(
        operation, organisation, month=round_.month if round_ is not None else None
    )
    return download(content, filename, exports.CONTENT_TYPES["xlsx"])


@login_required
@require_GET
def rows_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    operation = operation_for(request, slug)
    if fmt not in exports.FORMATS:
        raise Http404
    try:
        content, filename, _count = exports.rows_export_for_user(
            by=current_user(request),
            operation=operation,
            format=fmt,
            params=request.GET,
            language=_language(request),
            request=request,
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return download(content, filename, exports.CONTENT_TYPES[fmt])
