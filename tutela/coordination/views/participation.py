"""Pages across a body's meetings: the participation rates of its members, and the calendar feeds
(a secret .ics address per body) members subscribe to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.coordination.forms.meetings import (
    ParticipationForm,
)
from tutela.coordination.selectors import meetings as selectors
from tutela.coordination.services import ics
from tutela.coordination.views.meetings import _render
from tutela.core import access
from tutela.core.forms.directory import valid_filters
from tutela.core.models import Body
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import operation_for as _operation


@login_required
@require_GET
def participation(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = ParticipationForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    body = (
        filters.get("body")
        or Body.objects.filter(operation=operation, parent=None).order_by("kind", "name").first()
    )
    result = (
        selectors.participation_rates(body, since=filters.get("since"), until=filters.get("until"))
        if body is not None
        else None
    )
    return _render(
        request,
        "coordination/participation.html",
        operation,
        form=form,
        result=result,
        filtered=bool(filters),
        filters_label=_("Choose a body"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feeds(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers issue the secret feed address of a body (shown once)."""
    operation = _operation(request, slug)
    access.require_manager(_user(request), operation)
    new_address = None
    new_body = None
    if request.method == "POST":
        new_body = get_object_or_404(Body, operation=operation, pk=request.POST.get("body"))
        token = ics.calendar_feed_token_issue(body=new_body, by=_user(request))
        new_address = request.build_absolute_uri(
            reverse("coordination:calendar_feed", args=[operation.slug, token])
        )
    bodies = (
        Body.objects.filter(operation=operation)
        .select_related("calendar_feed")
        .order_by("kind", "name")
    )
    return _render(
        request,
        "coordination/calendar_feeds.html",
        operation,
        bodies=bodies,
        new_address=new_address,
        new_body=new_body,
    )


@require_GET
def calendar_feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The body's meetings for calendar apps (no session: the token is the key)."""
    body = ics.calendar_feed_body(token)
    if body is None or body.operation.slug != slug:
        raise Http404
    response = HttpResponse(
        ics.body_feed_ics(body, ics.feed_meetings(body)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=900"
    return response
