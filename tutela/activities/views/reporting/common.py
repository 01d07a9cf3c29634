"""Helpers of the 5W pages, shared with the configuration and import views."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tutela.activities import access as activities_access
from tutela.activities.models import ReportingRound
from tutela.core import access
from tutela.core.models import Operation, Organisation
from tutela.core.views.common import current_user, operation_for

PAGE_SIZE = 50


def managed_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    access.require_manager(request.user, operation)
    return operation


def page(request: HttpRequest, template: str, operation: Operation, **context: Any) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("is_manager", access.is_manager(request.user, operation))
    context.setdefault("nav_active", "5w")
    return render(request, template, context)


def organisation_for(
    request: HttpRequest, operation: Operation, acronym: str | None
) -> Organisation:
    """The organisation whose rows the page shows: `acronym` (managers and cluster-wide roles may
    name any organisation of the operation) or the user's own. 404 when the user may not see it."""
    user = current_user(request)
    if acronym:
        organisation = operation.organisations.filter(acronym__iexact=acronym.strip()).first()
    elif user.organisation_id:
        organisation = operation.organisations.filter(pk=user.organisation_id).first()
    else:
        organisation = None
    if organisation is None or not activities_access.can_view_organisation(
        user, operation, organisation
    ):
        raise Http404
    return organisation


def month_key(round: ReportingRound) -> str:
    return round.month.strftime("%Y-%m")
