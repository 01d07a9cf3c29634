"""Pages of referrals between Tutela instances: the operation's peers (its managers), and the
referrals received from another Tutela (the receiving organisation's case staff)."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tutela.cases import access
from tutela.cases.forms.peers import InboundCompleteForm, InboundDeclineForm, PeerForm
from tutela.cases.models import Peer
from tutela.cases.selectors.inbound import inbound_referrals_late_for_user
from tutela.cases.services import peers as services
from tutela.cases.shared_fields import FIELDS, shared_values
from tutela.cases.views.common import case_page, open_case_page, staff_operation
from tutela.core.models import Operation
from tutela.core.views.common import current_user, form_saved, operation_for


def _manager_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not access.can_manage_peers(current_user(request), operation):
        raise PermissionDenied
    return operation


@login_required
@require_http_methods(["GET", "POST"])
def peers_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _manager_operation(request, slug)
    form = PeerForm(request.POST or None, operation=operation)

    def save() -> Peer:
        return services.peer_register(
            operation=operation, by=current_user(request), **form.cleaned_data
        )

    if form_saved(request, form, save, _("Peer registered.")) is not None:
        return redirect("cases:peers", slug=slug)
    response = case_page(
        request,
        "cases/peers.html",
        operation,
        form=form,
        keys=services.instance_public_keys(),
        peers=Peer.objects.filter(operation=operation).prefetch_related("organisations"),
    )
    if request.method == "POST":
        response.status_code = 400
    return response


@login_required
@require_POST
def peer_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _manager_operation(request, slug)
    peer = access.peer_get_for_user(current_user(request), operation, pk)
    try:
        services.peer_revoke(peer=peer, by=current_user(request))
        messages.success(request, _("Peer revoked: its packages are refused from now on."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cases:peers", slug=slug)


@login_required
def inbound_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    referrals = access.inbound_referrals_for_user(user, operation).select_related(
        "peer", "organisation"
    )
    late_inbound = inbound_referrals_late_for_user(user, operation)
    late = {item.inbound.pk: item.late_label for item in late_inbound}
    rows = [(inbound, late.get(inbound.pk, "")) for inbound in referrals]
    return case_page(
        request, "cases/inbound_list.html", operation, rows=rows, late_inbound=late_inbound
    )


@login_required
@require_http_methods(["GET", "POST"])
def inbound_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    inbound = access.inbound_referral_get_for_user(user, operation, pk, request=request)
    decline_form = InboundDeclineForm(request.POST if "decline" in request.POST else None)
    complete_form = InboundCompleteForm(request.POST if "complete" in request.POST else None)
    if request.method == "POST":
        try:
            if "accept" in request.POST:
                services.inbound_referral_accept(inbound=inbound, by=user)
                messages.success(request, _("Referral accepted; the answer is on its way."))
            elif "decline" in request.POST and decline_form.is_valid():
                services.inbound_referral_decline(
                    inbound=inbound, by=user, reason=decline_form.cleaned_data["reason"]
                )
                messages.success(request, _("Referral declined; the answer is on its way."))
            elif "complete" in request.POST and complete_form.is_valid():
                services.inbound_referral_complete(
                    inbound=inbound, by=user, feedback=complete_form.cleaned_data["feedback"]
                )
                messages.success(request, _("Feedback sent to the referring organisation."))
            else:
                messages.error(request, _("Fill in the reason or the feedback."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("cases:inbound_detail", slug=slug, pk=pk)
    shared = shared_values(inbound.shared_data)
    lines = [
        {"label": FIELDS.get(code, code), "value": _plain(shared[code])}
        for code in inbound.shared_fields
        if code in shared
    ]
    return case_page(
        request,
        "cases/inbound_detail.html",
        operation,
        inbound=inbound,
        lines=lines,
        delivery=services.answer_delivery(inbound),
        can_answer=access.can_answer_inbound_referral(user, inbound),
        decline_form=decline_form,
        complete_form=complete_form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inbound_open_case(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The receiving organisation opens its own case from an accepted inbound referral."""
    operation = staff_operation(request, slug)
    user = current_user(request)
    inbound = access.inbound_referral_get_for_user(user, operation, pk, request=request)
    if not access.can_answer_inbound_referral(user, inbound):
        raise PermissionDenied
    return open_case_page(
        request,
        operation,
        code=inbound.code,
        back=reverse("cases:inbound_detail", kwargs={"slug": slug, "pk": inbound.pk}),
        open_case=partial(services.inbound_referral_open_case, inbound=inbound, by=user),
    )


def _plain(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    return "" if value is None else str(value)
