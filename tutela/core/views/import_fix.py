"""The fix table's page (fix in place), the same for every importer: GET shows a page of the rows
with problems; POST saves the changed cells as corrections, which checks the whole file again,
and sends the user to the new check. Each app gives its own access, URL names, services and page
frame (activities.views.import_fix, monitoring.views.import_fix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tutela.core.imports.corrections import FIX_PAGE_SIZE, MAX_CORRECTED_CELLS, fix_changes
from tutela.core.imports.problems import ImportFileError
from tutela.core.models import User
from tutela.core.views.common import current_user, paginate


class CorrectionServices(Protocol):
    """An importer's services for fix in place (e.g. activities.services.import_corrections)."""

    def import_fix_table(self, *, record: Any) -> Any: ...

    def import_corrections_save(self, *, record: Any, by: User, changes: Any, fix: Any) -> Any: ...


def fix_page(
    request: HttpRequest,
    *,
    record: Any,
    namespace: str,
    services: CorrectionServices,
    render_page: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """The page of `record` (an upload the user may fix; the caller checked access and that it
    is fixable). `namespace`: the app's URL names (`<namespace>:import_fix`, `import_detail`,
    `import_original`); `render_page`: renders core/imports/fix.html in the app's frame."""
    names = {"slug": record.operation.slug, "pk": record.pk}
    here = reverse(f"{namespace}:import_fix", kwargs=names)
    detail = reverse(f"{namespace}:import_detail", kwargs=names)
    try:
        fix = services.import_fix_table(record=record)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect(detail)
    if request.method == "POST":
        again = f"{here}?page={request.POST.get('page', '1')}"
        changes = fix_changes(request.POST, fix.rows)
        if not changes:
            messages.info(request, _("No cell was changed."))
            return redirect(again)
        try:
            new = services.import_corrections_save(
                record=record, by=current_user(request), changes=changes, fix=fix
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(again)
        messages.success(
            request,
            _(
                "%(count)d cell(s) corrected; the whole file was checked again with the "
                "corrections (nothing saved yet)."
            )
            % {"count": len(changes)},
        )
        return redirect(f"{namespace}:import_detail", slug=record.operation.slug, pk=new.pk)
    return render_page(
        {
            "record": record,
            "detail_url": detail,
            "original_url": reverse(f"{namespace}:import_original", kwargs=names),
            "columns": fix.columns,
            "rows": paginate(request, fix.rows, FIX_PAGE_SIZE),
            "corrected": fix.corrected,
            "max_corrected": MAX_CORRECTED_CELLS,
        }
    )
