"""Pages of a meeting's minutes: writing them, turning a decision into an action point, approving,
circulating and exporting them."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.meetings import (
    MeetingActionPointForm,
    MinutesForm,
)
from tutela.coordination.models import ActionPoint, Meeting, Minutes
from tutela.coordination.selectors import meetings as selectors
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.services.actions import action_point_create
from tutela.coordination.views.meetings import _detail_url, _meeting, _posted_form, _render
from tutela.core import access
from tutela.core.models import AuditEntry, Operation
from tutela.core.services.audit import audit_write
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import (
    download,
    post_action,
    save_form,
)


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, meeting = _meeting(request, slug, pk)
    if not coordination_access.can_manage_body(_user(request), operation, meeting.body):
        raise PermissionDenied
    minutes = selectors.meeting_minutes(meeting)
    form = MinutesForm(
        request.POST or None,
        initial={"text": minutes.text, "decisions": minutes.decisions} if minutes else None,
    )
    save = partial(minutes_services.minutes_save, meeting=meeting, by=_user(request))
    to_minutes = reverse("coordination:minutes_edit", args=[operation.slug, meeting.pk])
    saved = save_form(request, form, save, success=_("Minutes saved."), then=to_minutes)
    return saved or _render(
        request,
        "coordination/minutes_form.html",
        operation,
        meeting=meeting,
        minutes=minutes,
        form=form,
        preview=minutes_services.minutes_html(minutes) if minutes else None,
        action_point_form=MeetingActionPointForm(operation=operation, auto_id="ap_%s"),
        action_points=ActionPoint.objects.filter(meeting=meeting)
        .select_related("owner_organisation")
        .order_by("due_date", "pk"),
        is_manager=access.is_manager(_user(request), operation),
    )


@login_required
@require_POST
def minutes_action_point(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record an action point raised in the meeting (through the action points service)."""

    operation, meeting = _meeting(request, slug, pk)
    form = MeetingActionPointForm(request.POST, operation=operation)
    create = partial(action_point_create, operation=operation, by=_user(request), meeting=meeting)
    added = _("Action point added.")
    to_list = reverse("coordination:minutes_edit", args=[slug, meeting.pk]) + "#action-points"
    return _posted_form(request, form, create, success=added, then=to_list, guard=meeting)


def _minutes(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, Meeting, Minutes]:
    operation, meeting = _meeting(request, slug, pk)
    minutes = selectors.meeting_minutes(meeting)
    if minutes is None:
        raise Http404
    return operation, meeting, minutes


@login_required
@require_POST
def minutes_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _op, meeting, minutes = _minutes(request, slug, pk)
    return post_action(
        request,
        lambda: minutes_services.minutes_approve(minutes=minutes, by=_user(request)),
        success=_("Minutes approved."),
        then=_detail_url(meeting, "minutes"),
    )


@login_required
@require_POST
def minutes_circulate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _op, meeting, minutes = _minutes(request, slug, pk)
    return post_action(
        request,
        lambda: minutes_services.minutes_circulate(minutes=minutes, by=_user(request)),
        success=lambda count: _("Minutes circulated to %(count)s addresses.") % {"count": count},
        then=_detail_url(meeting, "minutes"),
    )


@login_required
@require_GET
def minutes_export(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    if fmt not in {"docx", "pdf"}:
        raise Http404
    operation, meeting, minutes = _minutes(request, slug, pk)
    if not coordination_access.minutes_visible(_user(request), meeting, minutes):
        raise Http404
    if fmt == "docx":
        content = minutes_services.minutes_docx(meeting, minutes)
        content_type = minutes_services.DOCX_CONTENT_TYPE
    else:
        content = minutes_services.minutes_pdf(meeting, minutes)
        content_type = minutes_services.PDF_CONTENT_TYPE
    audit_write(
        actor=_user(request),
        action=AuditEntry.Action.EXPORT,
        instance=minutes,
        operation=operation,
        summary=f"Minutes exported ({fmt}): {meeting}",
        request=request,
    )
    return download(content, f"{minutes_services.export_filename(meeting)}.{fmt}", content_type)
