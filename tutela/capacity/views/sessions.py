"""Session pages: the list, a session (registrations, attendance, tests, certificates), the
forms that change it, registering participants, attendance per day, and the participants'
pages. Everyone with a role reads sessions; who sees which participant is decided by
tutela.capacity.access."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.capacity import access as capacity_access
from tutela.capacity.forms.trainings import (
    AttendanceForm,
    ParticipantForm,
    RegisterExistingForm,
    SessionFilterForm,
    SessionForm,
)
from tutela.capacity.models import Registration, TrainingSession
from tutela.capacity.selectors import trainings as selectors
from tutela.capacity.services import certificates as certificate_services
from tutela.capacity.services import sessions as services
from tutela.capacity.views.common import button, capacity_page
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.models import Operation
from tutela.core.services.audit import audit_read
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import form_saved, paginate
from tutela.core.views.common import operation_for as _operation


def session_url(slug: str, session: TrainingSession) -> str:
    return reverse("capacity:session_detail", args=[slug, session.pk])


def _managed(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return operation


def _session(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, TrainingSession]:
    operation = _operation(request, slug)
    return operation, capacity_access.session_get(_user(request), operation, pk)


def _managed_session(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, TrainingSession]:
    operation, session = _session(request, slug, pk)
    if not capacity_access.can_manage_trainings(_user(request), operation):
        raise PermissionDenied
    return operation, session


@login_required
@require_GET
def sessions(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = SessionFilterForm(request.GET or None, operation=operation)
    filters = valid_filters(form)
    return capacity_page(
        request,
        "capacity/session_list.html",
        operation,
        form=form,
        filtered=bool(filters),
        filters_label=_("Filter sessions"),
        page=paginate(request, selectors.session_list(operation, **filters)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed(request, slug)
    initial: dict[str, object] = {"status": TrainingSession.Status.PLANNED}
    course = request.GET.get("course")
    if course and course.isdigit():
        initial["course"] = course
    form = SessionForm(request.POST or None, operation=operation, initial=initial)
    saved = form_saved(
        request,
        form,
        lambda: services.session_create(
            operation=operation, by=_user(request), **form.cleaned_data
        ),
        _("Session saved."),
    )
    if saved is not None:
        return redirect(session_url(slug, saved.value))
    return capacity_page(request, "capacity/session_form.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, session = _managed_session(request, slug, pk)
    form = SessionForm(
        request.POST or None, operation=operation, initial=SessionForm.initial_for(session)
    )
    saved = form_saved(
        request,
        form,
        lambda: services.session_update(session=session, by=_user(request), **form.cleaned_data),
        _("Session saved."),
    )
    if saved is not None:
        return redirect(session_url(slug, session))
    return capacity_page(
        request, "capacity/session_form.html", operation, form=form, session=session
    )


@login_required
@require_GET
def session_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, session = _session(request, slug, pk)
    user = _user(request)
    days, rows = selectors.attendance_grid(user, session)
    manager = capacity_access.can_manage_trainings(user, operation)
    registered = session.registrations.filter(status=Registration.Status.REGISTERED).count()
    standing = (
        {e.registration.pk: e for e in certificate_services.eligibility(session)} if manager else {}
    )
    return capacity_page(
        request,
        "capacity/session_detail.html",
        operation,
        session=session,
        days=days,
        rows=rows,
        registered=registered,
        invited=list(session.organisations_invited.order_by("acronym")),
        tests=list(session.tests.order_by("kind")),
        standing=standing,
        can_register=capacity_access.can_see_participants(user, operation)
        and session.status == TrainingSession.Status.PLANNED
        and (
            manager or capacity_access.session_invites(session, getattr(user, "organisation", None))
        ),
    )


# --- Registration -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Register someone already known, or a new participant."""
    operation, session = _session(request, slug, pk)
    user = _user(request)
    if not capacity_access.can_see_participants(user, operation):
        raise PermissionDenied
    own = None
    if not capacity_access.can_manage_trainings(user, operation):
        own = capacity_access.own_organisation_id(user, operation)
        if not capacity_access.can_register(user, session, user.organisation):
            raise PermissionDenied
    known = capacity_access.participants_for_user(user, operation).exclude(
        registrations__session=session, registrations__status=Registration.Status.REGISTERED
    )
    which = request.POST.get("which") if request.method == "POST" else None
    existing_form = RegisterExistingForm(
        request.POST if which == "existing" else None, participants=known
    )
    new_form = ParticipantForm(
        request.POST if which == "new" else None, operation=operation, own_organisation=own
    )
    if which == "existing" and existing_form.is_valid():
        try:
            services.registration_create(
                session=session, by=user, participant=existing_form.cleaned_data["participant"]
            )
        except ValidationError as error:
            apply_validation_error(existing_form, error)
        else:
            messages.success(request, _("Participant registered."))
            return redirect(session_url(slug, session))
    if which == "new":

        def create_and_register() -> Registration:
            participant = services.participant_create(
                operation=operation, by=user, **new_form.cleaned_data
            )
            return services.registration_create(session=session, by=user, participant=participant)

        saved = form_saved(request, new_form, create_and_register, _("Participant registered."))
        if saved is not None:
            return redirect(session_url(slug, session))
    return capacity_page(
        request,
        "capacity/session_register.html",
        operation,
        session=session,
        existing_form=existing_form,
        new_form=new_form,
        has_known=known.exists(),
    )


@login_required
@require_POST
def registration_cancel(
    request: HttpRequest, slug: str, pk: int, registration: int
) -> HttpResponse:
    operation, session = _session(request, slug, pk)
    found = capacity_access.registration_get_for_user(_user(request), session, registration)
    if not capacity_access.can_register(_user(request), session, found.participant.organisation):
        raise PermissionDenied
    return button(
        request,
        lambda: services.registration_cancel(registration=found, by=_user(request)),
        success=_("Registration cancelled."),
        then=session_url(slug, session),
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Tick who is present on one day of the session."""
    operation, session = _managed_session(request, slug, pk)
    days, rows = selectors.attendance_grid(_user(request), session)
    choices = [(str(row.registration.pk), row.registration.participant.full_name) for row in rows]
    day_value = request.GET.get("day") or (days[0].isoformat() if days else "")
    initial: dict[str, object] = {"day": day_value}
    try:
        chosen_day = datetime.date.fromisoformat(day_value)
        initial["present"] = [str(i) for i in selectors.day_present_ids(session, chosen_day)]
    except ValueError:
        pass
    form = AttendanceForm(request.POST or None, session=session, rows=choices, initial=initial)
    saved = form_saved(
        request,
        form,
        lambda: services.attendance_record(
            session=session,
            by=_user(request),
            day=form.cleaned_data["day"],
            present_ids=[int(v) for v in form.cleaned_data["present"]],
        ),
        lambda counts: _("Attendance saved: %(present)s present, %(absent)s absent.") % counts,
    )
    if saved is not None:
        return redirect(session_url(slug, session) + "#attendance")
    return capacity_page(
        request, "capacity/session_attendance.html", operation, session=session, form=form
    )


# --- Participants -------------------------------------------------------------------------------


@login_required
@require_GET
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    if not capacity_access.can_see_participants(_user(request), operation):
        raise PermissionDenied
    q = (request.GET.get("q") or "").strip()[:100]
    return capacity_page(
        request,
        "capacity/participant_list.html",
        operation,
        q=q,
        page=paginate(request, selectors.participant_list(_user(request), operation, q=q)),
    )


@login_required
@require_GET
def participant_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A participant with their contact details: the read is audited."""
    operation = _operation(request, slug)
    participant = capacity_access.participant_get_for_user(_user(request), operation, pk)
    audit_read(actor=_user(request), instance=participant, operation=operation, request=request)
    return capacity_page(
        request,
        "capacity/participant_detail.html",
        operation,
        participant=participant,
        history=selectors.participant_history(participant),
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    user = _user(request)
    participant = capacity_access.participant_get_for_user(user, operation, pk)
    own = None
    if not capacity_access.can_manage_trainings(user, operation):
        own = capacity_access.own_organisation_id(user, operation)
    if request.method == "GET":
        # The form shows the contact details.
        audit_read(actor=user, instance=participant, operation=operation, request=request)
    form = ParticipantForm(
        request.POST or None,
        operation=operation,
        own_organisation=own,
        initial=ParticipantForm.initial_for(participant),
    )
    saved = form_saved(
        request,
        form,
        lambda: services.participant_update(participant=participant, by=user, **form.cleaned_data),
        _("Participant saved."),
    )
    if saved is not None:
        return redirect("capacity:participant_detail", slug=slug, pk=participant.pk)
    return capacity_page(
        request,
        "capacity/participant_form.html",
        operation,
        form=form,
        participant=participant,
    )
