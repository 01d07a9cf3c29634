"""Workflow pages of a case: consent, assessment, case plan, approvals, services delivered,
follow-ups, closure and transfer. Each is a form handed to one service; the service enforces the
rules (consent, self-approval, supervisors only) whatever the page shows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.cases import access
from tutela.cases.forms.workflow import (
    AssessmentForm,
    ClosureRequestForm,
    ConsentForm,
    DecisionForm,
    FollowUpDoneForm,
    FollowUpForm,
    InterventionForm,
    InterventionStatusForm,
    PlanForm,
    ServiceDeliveryForm,
    TransferDecisionForm,
    TransferForm,
    WithdrawConsentForm,
)
from tutela.cases.models import Approval, Case, Intervention, Transfer
from tutela.cases.services import consent as consent_services
from tutela.cases.services import transfers as transfer_services
from tutela.cases.services import workflow as services
from tutela.cases.views.common import case_of, case_page, case_url, form_page, staff_operation
from tutela.core.views.common import current_user


def _editable(request: HttpRequest, slug: str, pk: int, reason: str) -> tuple[Any, Case]:
    operation, case = case_of(request, slug, pk, reason=reason)
    access.require_edit(current_user(request), case)
    return operation, case


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "consent")
    form = ConsentForm(request.POST or None, case=case, initial={"given_on": timezone.localdate()})

    def save() -> Any:
        return consent_services.consent_record(
            case=case, by=current_user(request), **form.cleaned_data
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Record a consent"),
        submit=_("Record"),
        success=_("Consent recorded."),
        then=case_url(case),
        back=case_url(case),
        case=case,
        intro=_(
            "Record what the person (or the child's caregiver) agreed to, after explaining "
            "the purpose, who will receive what, and that they can withdraw at any time."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, slug: str, pk: int, consent: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "consent")
    item = case.consents.filter(pk=consent).first()
    if item is None:
        raise Http404
    form = WithdrawConsentForm(request.POST or None)

    def save() -> Any:
        return consent_services.consent_withdraw(
            consent=item, by=current_user(request), note=form.cleaned_data.get("note") or ""
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Withdraw a consent"),
        submit=_("Record the withdrawal"),
        success=_("Withdrawal recorded."),
        then=case_url(case),
        back=case_url(case),
        case=case,
        intro=_(
            "Open referrals made under this consent lose the information they carried; "
            "waiting transfers are cancelled."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "assessment")
    form = AssessmentForm(
        request.POST or None,
        initial={"assessed_on": timezone.localdate(), "risk_level": case.risk_level},
    )

    def save() -> Any:
        return services.assessment_record(case=case, by=current_user(request), **form.cleaned_data)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Record an assessment"),
        submit=_("Save"),
        success=_("Assessment recorded. Ask a supervisor to approve it."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_POST
def approval_request(request: HttpRequest, slug: str, pk: int, kind: str) -> HttpResponse:
    """Ask for the approval of an assessment (?assessment=id) or of the case plan."""
    _operation, case = _editable(request, slug, pk, "approval")
    user = current_user(request)
    try:
        if kind == Approval.Kind.ASSESSMENT:
            assessment = case.assessments.filter(pk=request.POST.get("assessment") or 0).first()
            services.approval_request(case=case, by=user, kind=kind, assessment=assessment)
        elif kind == Approval.Kind.CASE_PLAN:
            services.approval_request(case=case, by=user, kind=kind)
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sent to a supervisor for approval."))
    return redirect(case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def closure_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "closure")
    form = ClosureRequestForm(request.POST or None)

    def save() -> Any:
        return services.approval_request(
            case=case, by=current_user(request), kind=Approval.Kind.CLOSURE, **form.cleaned_data
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Close the case"),
        submit=_("Ask a supervisor to close it"),
        success=_("Closure sent for approval."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def approval_decide(request: HttpRequest, slug: str, pk: int, approval: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="approval")
    user = current_user(request)
    item = case.approvals.select_related("assessment", "plan").filter(pk=approval).first()
    if item is None:
        raise Http404
    if not access.can_decide_approval(user, item):
        raise PermissionDenied
    form = DecisionForm(request.POST or None)

    def save() -> Approval:
        return services.approval_decide(
            approval=item,
            by=user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data.get("comment") or "",
        )

    def done(result: Approval) -> str:
        return (
            _("Approved: %(kind)s.")
            if result.status == Approval.Status.APPROVED
            else _("Returned: %(kind)s.")
        ) % {"kind": result.get_kind_display()}

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Approval: %(kind)s") % {"kind": item.get_kind_display()},
        submit=_("Decide"),
        success=done,
        then=case_url(case),
        back=case_url(case),
        case=case,
        extra={"approval": item},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Start the case plan (or open the one being written) and add a goal and intervention."""
    operation, case = _editable(request, slug, pk, "case plan")
    user = current_user(request)
    form = InterventionForm(request.POST or None, case=case)
    plan_form = PlanForm(request.POST or None)

    def save() -> Intervention:
        plan_form.is_valid()
        plan = services.plan_start(
            case=case, by=user, review_on=plan_form.cleaned_data.get("review_on")
        )
        return services.intervention_add(plan=plan, by=user, **form.cleaned_data)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Case plan: add a goal and intervention"),
        submit=_("Add to the plan"),
        success=_("Added to the case plan."),
        then=case_url(case),
        back=case_url(case),
        case=case,
        extra={"plan_form": plan_form},
    )


@login_required
@require_POST
def intervention_status(
    request: HttpRequest, slug: str, pk: int, intervention: int
) -> HttpResponse:
    _operation, case = _editable(request, slug, pk, "intervention")
    item = Intervention.objects.filter(plan__case=case, pk=intervention).first()
    if item is None:
        raise Http404
    form = InterventionStatusForm(request.POST)
    if form.is_valid():
        services.intervention_set_status(
            intervention=item, by=current_user(request), status=form.cleaned_data["status"]
        )
        messages.success(request, _("Intervention updated."))
    return redirect(case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "service")
    form = ServiceDeliveryForm(
        request.POST or None, case=case, initial={"provided_on": timezone.localdate()}
    )

    def save() -> Any:
        return services.service_record(case=case, by=current_user(request), **form.cleaned_data)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Record a service delivered"),
        submit=_("Save"),
        success=_("Service recorded."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "follow-up")
    form = FollowUpForm(request.POST or None)

    def save() -> Any:
        return services.follow_up_schedule(case=case, by=current_user(request), **form.cleaned_data)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Plan a follow-up"),
        submit=_("Save"),
        success=_("Follow-up planned."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_done(request: HttpRequest, slug: str, pk: int, follow_up: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "follow-up")
    item = case.follow_ups.filter(pk=follow_up).first()
    if item is None:
        raise Http404
    form = FollowUpDoneForm(request.POST or None)

    def save() -> Any:
        return services.follow_up_done(
            follow_up=item, by=current_user(request), note=form.cleaned_data.get("note") or ""
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Record the follow-up"),
        submit=_("Done"),
        success=_("Follow-up recorded."),
        then=case_url(case),
        back=case_url(case),
        case=case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = _editable(request, slug, pk, "transfer")
    form = TransferForm(request.POST or None, case=case)

    def save() -> Transfer:
        try:
            return transfer_services.transfer_request(
                case=case, by=current_user(request), **form.cleaned_data
            )
        except PermissionDenied as refused:
            # A caseworker's override: refused by the service, shown on the form.
            raise ValidationError({"override_reason": str(refused)}) from None

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Transfer the case to another organisation"),
        submit=_("Request the transfer"),
        success=_("Transfer requested: the receiving organisation decides."),
        then=case_url(case),
        back=case_url(case),
        case=case,
        intro=_(
            "A transfer hands over everything the case holds: it needs the person's consent "
            "to share with that organisation. A GBV case is never transferred."
        ),
    )


@login_required
@require_GET
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    """Transfers waiting for the user's organisation, and approvals waiting for the user."""
    operation = staff_operation(request, slug)
    user = current_user(request)
    approvals = [
        approval
        for approval in Approval.objects.filter(
            case__in=access.cases_for_user(user, operation).values("pk"),
            status=Approval.Status.PENDING,
        ).select_related("case", "requested_by", "assessment", "plan")
        if access.can_decide_approval(user, approval)
    ]
    transfers = (
        access.transfers_received_for_user(user, operation)
        .filter(status=Transfer.Status.PENDING)
        .select_related("case", "from_organisation", "requested_by")
    )
    return case_page(
        request, "cases/inbox.html", operation, approvals=approvals, transfers=transfers
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_decide(request: HttpRequest, slug: str, transfer: int) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    item = (
        Transfer.objects.filter(case__operation=operation, pk=transfer)
        .select_related("case", "from_organisation")
        .first()
    )
    if item is None or not (
        access.can_decide_transfer(user, item)
        or access.transfers_received_for_user(user, operation).filter(pk=item.pk).exists()
    ):
        raise Http404
    if not access.can_decide_transfer(user, item):
        raise PermissionDenied
    form = TransferDecisionForm(request.POST or None)
    inbox_url = reverse("cases:inbox", kwargs={"slug": slug})

    def save() -> Transfer:
        return transfer_services.transfer_decide(
            transfer=item,
            by=user,
            accept=form.cleaned_data["decision"] == "accept",
            decline_reason=form.cleaned_data.get("decline_reason") or "",
        )

    def then(result: Transfer) -> str:
        if result.status == Transfer.Status.ACCEPTED:
            return case_url(result.case)
        return inbox_url

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Transfer of case %(code)s from %(org)s")
        % {"code": item.case.code, "org": item.from_organisation.acronym},
        submit=_("Decide"),
        success=_("Decision recorded."),
        then=then,
        back=inbox_url,
        extra={"transfer": item},
    )


@login_required
@require_POST
def transfer_cancel(request: HttpRequest, slug: str, pk: int, transfer: int) -> HttpResponse:
    _operation, case = _editable(request, slug, pk, "transfer")
    item = case.transfers.filter(pk=transfer).first()
    if item is None:
        raise Http404
    try:
        transfer_services.transfer_cancel(transfer=item, by=current_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Transfer cancelled."))
    return redirect(case_url(case))
