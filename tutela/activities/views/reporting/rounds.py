"""5W reporting home (rounds and who has reported) and the pages of a reporting round."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.activities.forms import DeadlineForm, RoundForm
from tutela.activities.services import rounds as round_services
from tutela.activities.views.reporting.common import managed_operation, month_key, page
from tutela.core import access
from tutela.core.forms.directory import apply_validation_error

# Re-exported: the configuration and import views import them from here.
from tutela.core.views.common import current_user, operation_for, paginate


@login_required
@require_GET
def reporting_home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    user = current_user(request)
    rounds_page = paginate(request, round_services.round_list(operation))
    overviews = round_services.round_overviews(user, operation, list(rounds_page.object_list))
    return page(
        request,
        "activities/reporting/home.html",
        operation,
        page=rounds_page,
        overviews=overviews,
        cluster_wide=access.is_cluster_wide(user, operation),
        own_organisation=user.organisation
        if user.organisation_id and operation.organisations.filter(pk=user.organisation_id).exists()
        else None,
        form=RoundForm() if access.is_manager(user, operation) else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    today = datetime.date.today()  # noqa: DTZ011 (a calendar month, in server time)
    initial = {"month": today.replace(day=1), "deadline": today.replace(day=1)}
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = round_services.round_open(
                by=current_user(request), operation=operation, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Round %(month)s opened.") % {"month": month_key(created)})
            return redirect("activities:round_detail", slug=slug, month=month_key(created))
    return page(request, "activities/reporting/round_form.html", operation, form=form)


@login_required
@require_GET
def round_detail(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """The submissions of a round: every organisation's status for cluster-wide roles (who has not
    reported yet), the user's own organisation's otherwise."""
    operation = operation_for(request, slug)
    user = current_user(request)
    round = round_services.round_get(operation, month)
    overview = round_services.round_overviews(user, operation, [round])[0]
    manager = access.is_manager(user, operation)
    return page(
        request,
        "activities/reporting/round_detail.html",
        operation,
        round=round,
        month=month_key(round),
        overview=overview,
        actions=[
            (action, label)
            for action, label in ROUND_ACTIONS
            if round.status in round_services.TRANSITIONS[action][0]
        ]
        if manager
        else [],
        deadline_form=DeadlineForm(initial={"deadline": round.deadline}) if manager else None,
    )


ROUND_ACTIONS = (
    ("close", _("Close (only managers can then change rows)")),
    ("lock", _("Lock (nobody can change rows)")),
    ("reopen", _("Reopen")),
)


@login_required
@require_POST
def round_action(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    round = round_services.round_get(operation, month)
    action = request.POST.get("action", "")
    if action not in round_services.TRANSITIONS:
        raise Http404
    try:
        round = round_services.round_transition(
            by=current_user(request), round=round, action=action, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Round %(month)s is now %(status)s.")
            % {"month": month, "status": round.get_status_display().lower()},
        )
    return redirect("activities:round_detail", slug=slug, month=month)


@login_required
@require_POST
def round_deadline(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    round = round_services.round_get(operation, month)
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            round_services.round_update(
                by=current_user(request),
                round=round,
                deadline=form.cleaned_data["deadline"],
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Deadline changed."))
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect("activities:round_detail", slug=slug, month=month)
