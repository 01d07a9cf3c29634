"""Early-warning signals: the list (evidence for each, with the disclosure control for the
requesting user), a scan run by a manager, and a signal dismissed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tutela.core import access
from tutela.core.models import Operation
from tutela.core.views.common import current_user, operation_for, paginate
from tutela.monitoring import selectors
from tutela.monitoring.models import EarlyWarningSignal
from tutela.monitoring.services import early_warning


def _context(request: HttpRequest, operation: Operation, **extra: Any) -> dict[str, Any]:
    return {
        "operation": operation,
        "is_manager": access.is_manager(current_user(request), operation),
        "nav_active": "monitoring",
        **extra,
    }


def _signal(request: HttpRequest, operation: Operation, pk: int) -> EarlyWarningSignal:
    access.require_manager(current_user(request), operation)
    return access.get_scoped_or_404(
        EarlyWarningSignal.objects.filter(operation=operation).select_related(
            "area", "risk", "operation"
        ),
        pk=pk,
    )


@login_required
@require_GET
def signals_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    status = request.GET.get("status", "new")
    queryset = EarlyWarningSignal.objects.filter(operation=operation).select_related("area", "risk")
    if status in EarlyWarningSignal.Status.values:
        queryset = queryset.filter(status=status)
    else:
        status = ""
    page = paginate(request, queryset.order_by("-month", "p_value", "pk"))
    views = selectors.signals_for_user(
        user=current_user(request), operation=operation, signals=list(page.object_list)
    )
    config = early_warning.settings_for(operation)
    return render(
        request,
        "monitoring/analysis/signals.html",
        _context(
            request,
            operation,
            page=page,
            signals=views,
            status=status,
            statuses=EarlyWarningSignal.Status.choices,
            config=config,
            prior=early_warning.PRIOR,
        ),
    )


@login_required
@require_POST
def signals_run(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    access.require_manager(current_user(request), operation)
    result = early_warning.early_warning_scan(operation=operation, by=current_user(request))
    messages.success(
        request,
        _(
            "Scan of %(month)s done: %(tested)s area × risk pairs tested, %(count)s signal(s), "
            "%(new)s new."
        )
        % {
            "month": result.month.strftime("%Y-%m"),
            "tested": result.tested,
            "count": len(result.signals),
            "new": len(result.new),
        },
    )
    return redirect("monitoring:signals", slug=operation.slug)


@login_required
@require_POST
def signal_dismiss(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = operation_for(request, slug)
    signal = _signal(request, operation, pk)
    early_warning.signal_dismiss(signal=signal, by=current_user(request))
    messages.success(request, _("Signal dismissed."))
    return redirect("monitoring:signals", slug=operation.slug)
