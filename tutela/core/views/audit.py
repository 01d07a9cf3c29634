"""The operation's audit log, for its managers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tutela.core import access, selectors
from tutela.core.forms.directory import AuditFilterForm
from tutela.core.views.directory import paginate


@login_required
@require_GET
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    operation = access.operation_get_for_user(request.user, slug)
    access.require_manager(request.user, operation)
    form = AuditFilterForm(request.GET or None, operation=operation)
    filters = form.filters()
    page = paginate(request, selectors.audit_entries(operation, filters, user=request.user))
    rows = [(entry, selectors.audit_changes(entry)) for entry in page.object_list]
    return render(
        request,
        "core/audit/log.html",
        {
            "operation": operation,
            "is_manager": True,
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": bool(filters),
        },
    )
