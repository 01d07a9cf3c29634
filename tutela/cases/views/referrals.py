"""Referral pages: the organisation's referrals (sent and received), a new referral from a case
(receiver picked from the service directory), one referral as each side sees it, its answers,
its printable form (PDF, the consented fields only) and the receiver's case opened from it."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.cases import access
from tutela.cases.forms.referrals import (
    CompleteForm,
    DeclineForm,
    ReferralForm,
    WithdrawForm,
)
from tutela.cases.models import Referral
from tutela.cases.selectors.referrals import referral_view
from tutela.cases.services import referrals as services
from tutela.cases.services.peers import referral_delivery
from tutela.cases.services.referral_form import referral_pdf
from tutela.cases.views.common import (
    case_of,
    case_page,
    case_url,
    form_page,
    open_case_page,
    staff_operation,
)
from tutela.core.views.common import current_user, download, paginate


def referral_url(slug: str, referral: Referral) -> str:
    return reverse("cases:referral_detail", kwargs={"slug": slug, "pk": referral.pk})


@login_required
@require_GET
def referral_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    box = "sent" if request.GET.get("box") == "sent" else "received"
    if box == "sent":
        referrals = access.referrals_sent_for_user(user, operation)
    else:
        referrals = access.referrals_received_for_user(user, operation)
    referrals = referrals.select_related(
        "from_organisation", "to_organisation", "service"
    ).order_by("-sent_at")
    return case_page(
        request, "cases/referral_list.html", operation, box=box, page=paginate(request, referrals)
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="referral")
    user = current_user(request)
    access.require_edit(user, case)
    initial: dict[str, Any] = {}
    if request.GET.get("service", "").isdigit():
        initial["service"] = int(request.GET["service"])
    form = ReferralForm(request.POST or None, case=case, initial=initial)

    def save() -> Referral:
        data = dict(form.cleaned_data)
        informed = data.pop("caregiver_informed")
        try:
            return services.referral_send(case=case, by=user, caregiver_informed=informed, **data)
        except PermissionDenied as refused:
            # A caseworker's override: refused by the service, shown on the form.
            raise ValidationError({"override_reason": str(refused)}) from None

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Refer the case"),
        submit=_("Send the referral"),
        success=lambda r: (
            _("Referral %(code)s sent to %(org)s.")
            % {"code": r.code, "org": r.to_organisation.acronym}
        ),
        then=lambda r: referral_url(slug, r),
        back=case_url(case),
        case=case,
        intro=_(
            "The receiver sees only the information ticked below, and only if the person's "
            "consent to share with that organisation covers it."
        ),
    )


@login_required
@require_GET
def referral_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    referral, side = access.referral_get_for_user(user, operation, pk, request=request)
    return case_page(
        request,
        "cases/referral_detail.html",
        operation,
        referral=referral,
        side=side,
        view=referral_view(referral),
        overdue=services.is_overdue(referral),
        delivery=referral_delivery(referral) if side == "sender" else None,
        can_answer=access.can_answer_referral(user, referral),
        can_withdraw=side == "sender" and access.can_withdraw_referral(user, referral),
        decline_form=DeclineForm(),
        complete_form=CompleteForm(),
        withdraw_form=WithdrawForm(),
    )


def _answer_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    referral, _side = access.referral_get_for_user(user, operation, pk, request=request)
    forms = {"decline": DeclineForm, "complete": CompleteForm, "withdraw": WithdrawForm}
    form = forms[action](request.POST) if action in forms else None
    try:
        if action == "accept":
            services.referral_accept(referral=referral, by=user)
            messages.success(request, _("Referral accepted."))
        elif form is None or not form.is_valid():
            messages.error(request, _("Fill in the reason or the feedback."))
        elif action == "decline":
            services.referral_decline(
                referral=referral, by=user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Referral declined."))
        elif action == "complete":
            services.referral_complete(
                referral=referral, by=user, feedback=form.cleaned_data["feedback"]
            )
            messages.success(request, _("Referral completed; the feedback was sent."))
        else:
            services.referral_withdraw(
                referral=referral, by=user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Referral withdrawn."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(referral_url(slug, referral))


@login_required
@require_POST
def referral_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer_action(request, slug, pk, "accept")


@login_required
@require_POST
def referral_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer_action(request, slug, pk, "decline")


@login_required
@require_POST
def referral_complete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer_action(request, slug, pk, "complete")


@login_required
@require_POST
def referral_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer_action(request, slug, pk, "withdraw")


@login_required
@require_GET
def referral_form_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    referral, _side = access.referral_get_for_user(user, operation, pk, request=request)
    content = referral_pdf(referral=referral, by=user)
    return download(content, f"{referral.code}.pdf", "application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def referral_open_case(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    referral, _side = access.referral_get_for_user(user, operation, pk, request=request)
    if not access.can_answer_referral(user, referral):
        raise PermissionDenied
    return open_case_page(
        request,
        operation,
        code=referral.code,
        back=referral_url(slug, referral),
        open_case=partial(services.referral_open_case, referral=referral, by=user),
    )
