"""Meeting pages: the coordination home, the meeting list and month view, the meeting form
(one-off or recurring), the meeting page (agenda, documents, attendance, invitations), the
minutes editor and its exports, participation rates, and the bodies' calendar feeds.

Access: everyone with a role in the operation reads meetings (404 for others) and approved
minutes; managers and the body's focal points do the rest (the services refuse others: 403);
only managers approve minutes and issue calendar feed addresses. The feed itself is read by
calendar apps with the secret token in its address, without signing in.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.meetings import (
    AgendaItemForm,
    DocumentForm,
    MeetingFilterForm,
    MeetingForm,
)
from tutela.coordination.models import AgendaItem, Meeting, MeetingDocument
from tutela.coordination.selectors import meetings as selectors
from tutela.coordination.services import agenda as agenda_services
from tutela.coordination.services import ics
from tutela.coordination.services import invitations as invitation_services
from tutela.coordination.services import meeting_records as record_services
from tutela.coordination.services import meetings as services
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.views.common import coordination_page
from tutela.core import access
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.models import Contact, Operation, Organisation
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import (
    download,
    error_messages,
    paginate,
    post_action,
    stored_file_download,
)
from tutela.core.views.common import operation_for as _operation

PAGE_SIZE = 50


def _render(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    return coordination_page(request, template, operation, context)


def _meeting(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, Meeting]:
    operation = _operation(request, slug)
    return operation, selectors.meeting_get(operation, pk)


def _detail_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("coordination:meeting_detail", args=[meeting.operation.slug, meeting.pk])
    return f"{url}#{anchor}" if anchor else url


def _form_errors(request: HttpRequest, form: Any) -> None:
    """A form posted from the meeting page: its errors are shown there as messages."""
    for field_errors in form.errors.as_data().values():
        for error in field_errors:
            error_messages(request, error)


def _posted_form(
    request: HttpRequest,
    form: Any,
    save: Callable[..., object],
    *,
    success: str,
    then: str,
    guard: Meeting | None = None,
) -> HttpResponse:
    """A form posted from the meeting (or minutes) page: the service's answer, or the form's
    errors, are shown there as messages. With `guard`, an invalid form from someone who may
    not manage that meeting answers 403 rather than showing the errors."""
    if form.is_valid():
        return post_action(request, partial(save, **form.cleaned_data), success=success, then=then)
    if guard is not None and not coordination_access.can_manage_body(
        _user(request), guard.operation, guard.body
    ):
        raise PermissionDenied
    _form_errors(request, form)
    return redirect(then)


@login_required
@require_GET
def home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    return _render(
        request,
        "coordination/home.html",
        operation,
        dashboard=selectors.dashboard(_user(request), operation),
        can_create=coordination_access.can_create(_user(request), operation),
        today=timezone.localdate(),
    )


@login_required
@require_GET
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = MeetingFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    when = filters.get("when", "upcoming" if not form.is_bound else "")
    meetings = selectors.meeting_list(
        operation,
        body=filters.get("body"),
        when="" if when == "all" else when,
        status=filters.get("status", ""),
    )
    page = paginate(request, meetings)
    return _render(
        request,
        "coordination/meeting_list.html",
        operation,
        form=form,
        page=page,
        filtered=bool(filters),
        can_create=coordination_access.can_create(_user(request), operation),
        is_manager=access.is_manager(_user(request), operation),
        filters_label=_("Filter meetings"),
    )


@login_required
@require_GET
def meeting_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)

    days = selectors.meeting_month(operation, first.year, first.month)
    weeks = [
        [(day, days.get(day, [])) if day.month == first.month else (day, None) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    previous = first - datetime.timedelta(days=1)
    following = first + datetime.timedelta(days=32)
    return _render(
        request,
        "coordination/meeting_calendar.html",
        operation,
        first=first,
        weeks=weeks,
        weekdays=[datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(7)],
        previous=previous,
        following=following,
        today=today,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    if not coordination_access.can_create(_user(request), operation):
        raise PermissionDenied
    initial: dict[str, Any] = {"duration_minutes": 120}
    if request.GET.get("body"):
        initial["body"] = request.GET["body"]
    form = MeetingForm(request.POST or None, operation=operation, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data.get("recurring"):
                series = services.series_create(
                    operation=operation,
                    by=_user(request),
                    body=data["body"],
                    title=data["title"],
                    frequency=data["frequency"],
                    first_starts_at=data["starts_at"],
                    until=data["until"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                    online_link=data["online_link"],
                    language=data["language"],
                )
                first = series.meetings.order_by("starts_at").first()
                assert first is not None
                for line in form.agenda_lines():
                    agenda_services.agenda_item_add(meeting=first, by=_user(request), title=line)
                messages.success(
                    request,
                    _("%(count)s meetings scheduled.") % {"count": series.meetings.count()},
                )
                return redirect(_detail_url(first))
            meeting = services.meeting_create(
                operation=operation,
                by=_user(request),
                body=data["body"],
                title=data["title"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                online_link=data["online_link"],
                language=data["language"],
                agenda=form.agenda_lines(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Meeting scheduled."))
            return redirect(_detail_url(meeting))
    return _render(request, "coordination/meeting_form.html", operation, form=form, meeting=None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, meeting = _meeting(request, slug, pk)
    if not coordination_access.can_manage_body(_user(request), operation, meeting.body):
        raise PermissionDenied
    duration = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    form = MeetingForm(
        request.POST or None,
        operation=operation,
        editing=True,
        initial={
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "duration_minutes": duration,
            "location": meeting.location,
            "online_link": meeting.online_link,
            "language": meeting.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                by=_user(request),
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["starts_at"] + datetime.timedelta(minutes=data["duration_minutes"]),
                location=data["location"],
                online_link=data["online_link"],
                language=data["language"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Meeting updated."))
            return redirect(_detail_url(meeting))
    return _render(request, "coordination/meeting_form.html", operation, form=form, meeting=meeting)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _operation_, meeting = _meeting(request, slug, pk)
    try:
        if request.POST.get("scope") == "rest" and meeting.series is not None:
            count = services.series_cancel_rest(
                series=meeting.series, by=_user(request), after=meeting.starts_at
            )
            messages.success(request, _("%(count)s meetings cancelled.") % {"count": count})
        else:
            services.meeting_cancel(meeting=meeting, by=_user(request))
            messages.success(request, _("Meeting cancelled."))
    except ValidationError as error:
        error_messages(request, error)
    return redirect(_detail_url(meeting))


@login_required
@require_GET
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, meeting = _meeting(request, slug, pk)
    can_manage = coordination_access.can_manage_body(_user(request), operation, meeting.body)
    minutes = selectors.meeting_minutes(meeting)
    show_minutes = coordination_access.minutes_visible(_user(request), meeting, minutes)
    attendance = selectors.attendance_by_organisation(meeting)
    if not access.can_see_contacts(_user(request), operation):
        # Who came, by name, is for the operation's members (as the contact directory).
        for line in attendance:
            line.names = []
    return _render(
        request,
        "coordination/meeting_detail.html",
        operation,
        meeting=meeting,
        agenda=list(meeting.agenda.all()),
        documents=list(meeting.documents.all()),
        can_manage=can_manage,
        minutes=minutes if show_minutes else None,
        minutes_html=minutes_services.minutes_html(minutes) if show_minutes and minutes else None,
        attendance=attendance,
        tick_list=selectors.attendance_tick_list(meeting) if can_manage else [],
        agenda_form=AgendaItemForm(operation=operation, auto_id="agenda_%s"),
        document_form=DocumentForm(auto_id="document_%s"),
        recipients=len(invitation_services.meeting_recipient_addresses(meeting))
        if can_manage
        else 0,
        can_record_attendance=timezone.localdate() >= timezone.localtime(meeting.starts_at).date(),
    )


@login_required
@require_POST
def invitations_send(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _op, meeting = _meeting(request, slug, pk)

    def send() -> int:
        with transaction.atomic():
            return invitation_services.meeting_invitations_send(meeting=meeting, by=_user(request))

    return post_action(
        request,
        send,
        success=lambda count: _("Invitations sent to %(count)s addresses.") % {"count": count},
        then=_detail_url(meeting),
    )


@login_required
@require_GET
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _op, meeting = _meeting(request, slug, pk)
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    return download(
        ics.meeting_ics(meeting, method=method),
        f"meeting-{meeting.pk}.ics",
        "text/calendar; charset=utf-8",
    )


@login_required
@require_POST
def agenda_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, meeting = _meeting(request, slug, pk)
    form = AgendaItemForm(request.POST, operation=operation)
    add = partial(agenda_services.agenda_item_add, meeting=meeting, by=_user(request))
    to_agenda = _detail_url(meeting, "agenda")
    return _posted_form(request, form, add, success=_("Agenda item added."), then=to_agenda)


def _agenda_item(request: HttpRequest, slug: str, pk: int, item_pk: int) -> AgendaItem:
    _op, meeting = _meeting(request, slug, pk)
    return get_object_or_404(
        AgendaItem.objects.select_related("meeting"), meeting=meeting, pk=item_pk
    )


@login_required
@require_POST
def agenda_move(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    item = _agenda_item(request, slug, pk, item_pk)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    agenda_services.agenda_item_move(item=item, by=_user(request), direction=direction)
    return redirect(_detail_url(item.meeting, "agenda"))


@login_required
@require_POST
def agenda_remove(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    item = _agenda_item(request, slug, pk, item_pk)
    return post_action(
        request,
        lambda: agenda_services.agenda_item_remove(item=item, by=_user(request)),
        success=_("Agenda item removed."),
        then=_detail_url(item.meeting, "agenda"),
    )


@login_required
@require_POST
def document_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _op, meeting = _meeting(request, slug, pk)
    form = DocumentForm(request.POST, request.FILES)
    upload = partial(record_services.document_upload, meeting=meeting, by=_user(request))
    added, to_documents = _("Document added."), _detail_url(meeting, "documents")
    return _posted_form(request, form, upload, success=added, then=to_documents, guard=meeting)


def _document(request: HttpRequest, slug: str, pk: int, doc_pk: int) -> MeetingDocument:
    _op, meeting = _meeting(request, slug, pk)
    return get_object_or_404(
        MeetingDocument.objects.select_related("meeting", "meeting__operation"),
        meeting=meeting,
        pk=doc_pk,
    )


@login_required
@require_GET
def document_download(request: HttpRequest, slug: str, pk: int, doc_pk: int) -> FileResponse:
    """A meeting document or signed attendance sheet, decrypted as it is sent (never cached)."""
    document = _document(request, slug, pk, doc_pk)
    return stored_file_download(document.file, named_after=document.title)


@login_required
@require_POST
def document_remove(request: HttpRequest, slug: str, pk: int, doc_pk: int) -> HttpResponse:
    document = _document(request, slug, pk, doc_pk)
    return post_action(
        request,
        lambda: record_services.document_remove(document=document, by=_user(request)),
        success=_("Document removed."),
        then=_detail_url(document.meeting, "documents"),
    )


@login_required
@require_POST
def attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, meeting = _meeting(request, slug, pk)

    def ids(name: str) -> list[int]:
        return [int(v) for v in request.POST.getlist(name) if v.isdigit()]

    organisations = list(
        Organisation.objects.filter(operations=operation, pk__in=ids("organisation"))
    )
    contacts = list(Contact.objects.filter(operation=operation, pk__in=ids("contact")))
    return post_action(
        request,
        lambda: record_services.attendance_record(
            meeting=meeting, by=_user(request), organisations=organisations, contacts=contacts
        ),
        success=_("Attendance recorded."),
        then=_detail_url(meeting, "attendance"),
    )
