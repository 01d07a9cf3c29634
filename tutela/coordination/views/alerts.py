"""Alert and mission pages: the alerts list, creating and editing a draft, adjusting its
recipients, sending it, tracking acknowledgements per organisation, acknowledging (from the app or
through the e-mailed link, without signing in), and joint evaluation missions.

Access: everyone with a role in the operation reads sent alerts and missions (404 otherwise);
drafts and the tracking page are for those who manage alerts (managers and focal points; a draft
answers 404 to others, the tracking page of a sent alert 403); acknowledging from the app is for
members of a recipient organisation. The acknowledgement page needs no account: its secret link is
the proof, and it does nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.actions import (
    AcknowledgeForm,
    ActionPointForm,
    AlertFilterForm,
    AlertForm,
    MissionForm,
    RecipientAddForm,
)
from tutela.coordination.models import Alert, AlertRecipient, Mission
from tutela.coordination.selectors import alerts as selectors
from tutela.coordination.services import alert_recipients as recipient_services
from tutela.coordination.services import alerts as services
from tutela.coordination.services import missions as mission_services
from tutela.coordination.views.common import coordination_page, not_focal_point
from tutela.core.forms.directory import apply_validation_error, valid_filters
from tutela.core.models import Operation, User
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import operation_for as _operation
from tutela.core.views.common import paginate, post_action, save_form
from tutela.monitoring.models import EarlyWarningSignal


def _render(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    can_manage = coordination_access.can_manage_alerts(_user(request), operation)
    return coordination_page(request, template, operation, context, can_manage_alerts=can_manage)


def _button(
    request: HttpRequest, run: Callable[[], object], success: str, then: str
) -> HttpResponse:
    # The alert pages give a refusal's reasons in one message.
    return post_action(request, run, success=success, then=then, joined_errors=True)


def _url(name: str, slug: str, pk: int) -> str:
    return reverse(f"coordination:{name}", kwargs={"slug": slug, "pk": pk})


def _object_url(name: str, slug: str, instance: Alert | Mission) -> str:
    return _url(name, slug, instance.pk)


def _managed_operation(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not coordination_access.can_manage_alerts(_user(request), operation):
        raise PermissionDenied
    return operation


def _managed_alert(request: HttpRequest, slug: str, pk: int) -> tuple[Operation, Alert]:
    """An alert the user manages: 404 if they cannot see it, 403 if they can but not manage."""
    operation = _operation(request, slug)
    alert = coordination_access.alert_get_for_user(_user(request), operation, pk)
    if not coordination_access.can_manage_alerts(_user(request), operation):
        raise PermissionDenied
    return operation, alert


# --- Alerts -------------------------------------------------------------------------------------


@login_required
@require_GET
def alerts(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = AlertFilterForm(request.GET or None)
    filters = valid_filters(form)
    return _render(
        request,
        "coordination/alert_list.html",
        operation,
        form=form,
        filtered=bool(filters),
        filters_label=_("Filter alerts"),
        page=paginate(request, selectors.alerts_visible(_user(request), operation, **filters)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed_operation(request, slug)
    form = AlertForm(request.POST or None, operation=operation)
    create = partial(services.alert_create, operation=operation, by=_user(request))
    created = _("Draft alert saved. Check its recipients, then send it.")
    to_recipients = partial(_object_url, "alert_recipients", slug)
    saved = save_form(request, form, create, success=created, then=to_recipients)
    return saved or _render(request, "coordination/alert_form.html", operation, form=form)


@login_required
@require_POST
def alert_from_signal(request: HttpRequest, slug: str, signal: int) -> HttpResponse:
    """Turn a protection monitoring early-warning signal into a draft alert (for the monitoring
    pages' "Raise an alert" button), then let the coordinator review it."""

    operation = _managed_operation(request, slug)
    try:
        found = EarlyWarningSignal.objects.select_related("area", "risk", "operation").get(
            operation=operation, pk=signal
        )
    except EarlyWarningSignal.DoesNotExist:
        raise Http404 from None
    alert = services.alert_from_signal(signal=found, by=_user(request))
    messages.success(request, _("Draft alert prepared from the early-warning signal."))
    return redirect("coordination:alert_edit", slug=slug, pk=alert.pk)


@login_required
@require_http_methods(["GET", "POST"])
def alert_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, alert = _managed_alert(request, slug, pk)
    if alert.status != Alert.Status.DRAFT:
        messages.error(request, _("This alert has been sent: it can no longer be changed."))
        return redirect("coordination:alert_detail", slug=slug, pk=pk)
    form = AlertForm(
        request.POST or None, operation=operation, initial=AlertForm.initial_for(alert)
    )
    update = partial(services.alert_update, alert=alert, by=_user(request))
    to_recipients = _url("alert_recipients", slug, alert.pk)
    saved = save_form(request, form, update, success=_("Alert saved."), then=to_recipients)
    return saved or _render(
        request, "coordination/alert_form.html", operation, form=form, alert=alert
    )


@login_required
@require_GET
def alert_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    alert = coordination_access.alert_get_for_user(_user(request), operation, pk)
    own = selectors.own_recipient(_user(request), alert)
    recipients = selectors.alert_recipients(alert)
    return _render(
        request,
        "coordination/alert_detail.html",
        operation,
        alert=alert,
        own=own,
        ack_form=AcknowledgeForm(initial={"response": own.response if own else ""}),
        tracking=selectors.alert_tracking(recipients),
        missions=list(selectors.mission_list(operation, alert=alert)),
        action_points=list(alert.action_points.select_related("owner_organisation")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_recipients(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The recipients of an alert, with why each is there and how many addresses it will be
    e-mailed at; the coordinator adds organisations or bodies, removes some, or recomputes."""
    operation, alert = _managed_alert(request, slug, pk)
    form = RecipientAddForm(request.POST or None, operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            added = recipient_services.alert_recipient_add(
                alert=alert,
                by=_user(request),
                organisation=form.cleaned_data.get("organisation"),
                body=form.cleaned_data.get("body"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if added:
                messages.success(
                    request,
                    _("Added: %(list)s.")
                    % {"list": ", ".join(r.organisation.acronym for r in added)},
                )
            else:
                messages.info(request, _("Already among the recipients."))
            return redirect("coordination:alert_recipients", slug=slug, pk=pk)
    recipients = selectors.alert_recipients(alert)
    rows = [
        (recipient, len(recipient_services.recipient_addresses(recipient)))
        for recipient in recipients
    ]
    return _render(
        request,
        "coordination/alert_recipients.html",
        operation,
        alert=alert,
        rows=rows,
        form=form,
        without_address=sum(1 for _recipient, n in rows if n == 0),
    )


@login_required
@require_POST
def alert_recipients_refresh(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _operation_, alert = _managed_alert(request, slug, pk)
    refresh = partial(recipient_services.alert_recipients_refresh, alert=alert, by=_user(request))
    computed = _("Recipients computed again from the structure.")
    return _button(request, refresh, computed, _url("alert_recipients", slug, pk))


@login_required
@require_POST
def alert_recipient_remove(
    request: HttpRequest, slug: str, pk: int, recipient: int
) -> HttpResponse:
    _operation_, alert = _managed_alert(request, slug, pk)
    try:
        row = alert.recipients.select_related("organisation", "alert__operation").get(pk=recipient)
    except AlertRecipient.DoesNotExist:
        raise Http404 from None
    remove = partial(recipient_services.alert_recipient_remove, recipient=row, by=_user(request))
    removed = _("%(organisation)s removed.") % {"organisation": row.organisation.acronym}
    return _button(request, remove, removed, _url("alert_recipients", slug, pk))


@login_required
@require_POST
def alert_send(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _operation_, alert = _managed_alert(request, slug, pk)
    try:
        sent = services.alert_send(alert=alert, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("coordination:alert_recipients", slug=slug, pk=pk)
    reached = sum(1 for n in sent.values() if n)
    messages.success(
        request,
        _("Alert sent to %(reached)s of %(total)s organisations.")
        % {"reached": reached, "total": len(sent)},
    )
    return redirect("coordination:alert_tracking", slug=slug, pk=pk)


@login_required
@require_POST
def alert_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _operation_, alert = _managed_alert(request, slug, pk)
    close = partial(services.alert_close, alert=alert, by=_user(request))
    return _button(request, close, _("Alert closed."), _url("alert_detail", slug, pk))


@login_required
@require_GET
def alert_tracking(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, alert = _managed_alert(request, slug, pk)
    recipients = selectors.alert_recipients(alert)
    return _render(
        request,
        "coordination/alert_tracking.html",
        operation,
        alert=alert,
        recipients=recipients,
        tracking=selectors.alert_tracking(recipients),
    )


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Acknowledge (and answer) from inside the app, for the user's organisation."""
    operation = _operation(request, slug)
    alert = coordination_access.alert_get_for_user(_user(request), operation, pk)
    own = selectors.own_recipient(_user(request), alert)
    if own is None:
        raise PermissionDenied
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_acknowledge(
                recipient=own, by=_user(request), response=form.cleaned_data["response"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you: the acknowledgement is recorded."))
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("response", [])))
    return redirect("coordination:alert_detail", slug=slug, pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
def alert_ack(request: HttpRequest, slug: str, pk: int, token: str) -> HttpResponse:
    """The page behind the e-mailed link: no sign-in, the link is the proof. Shows the alert's
    summary and lets the organisation acknowledge and answer; any other token answers 404."""
    recipient = services.recipient_for_token(alert_id=pk, token=token)
    if recipient is None or recipient.alert.operation.slug != slug:
        raise Http404
    form = AcknowledgeForm(request.POST or None, initial={"response": recipient.response})

    def acknowledge(response: str) -> None:
        # A visitor who is not signed in (the link is the proof) acknowledges as nobody; a
        # signed-in member of the recipient organisation, as themselves.
        user = request.user
        by: User | None = None
        if isinstance(user, User) and coordination_access.can_acknowledge(user, recipient):
            by = user
        services.alert_acknowledge(recipient=recipient, by=by, response=response)

    thanks = _("Thank you: the acknowledgement is recorded.")
    saved = save_form(request, form, acknowledge, success=thanks, then=request.path)
    if saved is not None:
        return saved
    response = render(
        request,
        "coordination/alert_ack.html",
        {"recipient": recipient, "alert": recipient.alert, "form": form},
    )
    # The link's secret must not leak to other sites through the Referer header. Not
    # "no-referrer": browsers then send "Origin: null" with the form, which Django's CSRF check
    # refuses, so the acknowledgement could not be posted from a real browser.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- Missions -----------------------------------------------------------------------------------


@login_required
@require_GET
def missions(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    return _render(
        request,
        "coordination/mission_list.html",
        operation,
        page=paginate(request, selectors.missions_visible(_user(request), operation)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _managed_operation(request, slug)
    initial: dict[str, Any] = {}
    alert_id = request.GET.get("alert", "")
    if alert_id.isdigit():
        alert = coordination_access.alert_get_for_user(_user(request), operation, int(alert_id))
        initial = {
            "alert": alert.pk,
            "title": _("Joint evaluation: %(title)s") % {"title": alert.title},
        }
    form = MissionForm(request.POST or None, operation=operation, initial=initial)
    create = partial(mission_services.mission_create, operation=operation, by=_user(request))
    to_mission = partial(_object_url, "mission_detail", slug)
    saved = save_form(request, form, create, success=_("Mission recorded."), then=to_mission)
    return saved or _render(request, "coordination/mission_form.html", operation, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _managed_operation(request, slug)
    mission = coordination_access.mission_get_for_user(_user(request), operation, pk)
    form = MissionForm(
        request.POST or None, operation=operation, initial=MissionForm.initial_for(mission)
    )
    update = partial(mission_services.mission_update, mission=mission, by=_user(request))
    to_mission = _url("mission_detail", slug, mission.pk)
    saved = save_form(request, form, update, success=_("Mission saved."), then=to_mission)
    return saved or _render(
        request, "coordination/mission_form.html", operation, form=form, mission=mission
    )


@login_required
@require_GET
def mission_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    mission = coordination_access.mission_get_for_user(_user(request), operation, pk)
    return _render(
        request,
        "coordination/mission_detail.html",
        operation,
        mission=mission,
        action_points=list(
            mission.action_points.select_related("owner_organisation", "owner", "body")
        ),
        today=timezone.localdate(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_action_point_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _managed_operation(request, slug)
    mission = coordination_access.mission_get_for_user(_user(request), operation, pk)
    form = ActionPointForm(request.POST or None, operation=operation)
    create = partial(
        mission_services.mission_action_point_create, mission=mission, by=_user(request)
    )
    to_mission, recorded = _url("mission_detail", slug, mission.pk), _("Action point recorded.")
    saved = save_form(
        request, form, create, success=recorded, then=to_mission, refused=not_focal_point()
    )
    return saved or _render(
        request, "coordination/action_form.html", operation, form=form, mission=mission
    )
