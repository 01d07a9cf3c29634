"""The operation's audit log, for its managers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tutela.core import selectors
from tutela.core.forms.directory import AuditFilterForm
from tutela.core.views.common import current_user, managed_operation, paginate


@login_required
@require_GET
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = AuditFilterForm(request.GET or None, operation=operation)
    filters = form.filters()
    page = paginate(
        request, selectors.audit_entries(operation, filters, user=current_user(request))
    )
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
