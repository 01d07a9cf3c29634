"""Reporting compliance pages: the cluster dashboard (organisation by organisation for
coordinators and IMOs, aggregates for everyone else), a partner's scorecard, the export and the
reminders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity import compliance_export
from tutela.capacity.forms.compliance import ReminderSettingsForm
from tutela.capacity.selectors import compliance as selectors
from tutela.capacity.selectors import compliance_sources as sources
from tutela.capacity.services import compliance as services
from tutela.capacity.views.common import button, capacity_page
from tutela.core import access
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import download
from tutela.core.views.common import operation_for as _operation


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    detail = capacity_access.can_see_compliance_detail(_user(request), operation)
    own_id = capacity_access.own_organisation_id(_user(request), operation)
    return capacity_page(
        request,
        "capacity/compliance_dashboard.html",
        operation,
        board=selectors.dashboard(operation, by_organisation=detail),
        detail=detail,
        own_id=own_id,
        labels=selectors.STATE_LABELS,
        reminder_form=ReminderSettingsForm(
            initial={"reminder_days": services.reminder_days(operation)}
        )
        if access.is_manager(_user(request), operation)
        else None,
    )


@login_required
@require_POST
def reminder_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Coordinators and IMOs set how many days before a 5W deadline the reminders go out."""
    operation = _operation(request, slug)
    access.require_manager(_user(request), operation)
    form = ReminderSettingsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    else:
        services.compliance_settings_update(
            operation=operation,
            by=_user(request),
            reminder_days=form.cleaned_data["reminder_days"],
            request=request,
        )
        messages.success(request, _("Reminder lead time saved."))
    return redirect("capacity:compliance", slug=slug)


@login_required
@require_GET
def scorecard(request: HttpRequest, slug: str, organisation: int) -> HttpResponse:
    operation = _operation(request, slug)
    found = capacity_access.scorecard_organisation(_user(request), operation, organisation)
    return capacity_page(
        request,
        "capacity/compliance_scorecard.html",
        operation,
        card=selectors.scorecard(operation, found),
    )


@login_required
@require_GET
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    operation = _operation(request, slug)
    if not capacity_access.can_see_compliance_detail(_user(request), operation):
        raise PermissionDenied
    if fmt not in compliance_export.FORMATS:
        raise Http404
    content, filename = compliance_export.compliance_export(
        operation=operation, by=_user(request), fmt=fmt
    )
    return download(content, filename, compliance_export.CONTENT_TYPES[fmt])


@login_required
@require_POST
def remind(request: HttpRequest, slug: str, round: int) -> HttpResponse:
    operation = _operation(request, slug)
    if not capacity_access.can_see_compliance_detail(_user(request), operation):
        raise PermissionDenied
    found = sources.round_get(operation, round)
    if found is None:
        raise Http404
    return button(
        request,
        lambda: services.reporting_reminders_send(
            operation=operation, round=found, by=_user(request)
        ),
        success=lambda result: (
            _("Reminders sent to %(n)s organisation(s).") % {"n": result["organisations"]}
        ),
        then=reverse("capacity:compliance", args=[slug]),
    )
