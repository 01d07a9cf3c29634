"""Cash for protection pages, under /o/<slug>/cases/: a case's cash record (new, detail with
its instalments and monitoring), the two-person decision, the duplicate check, disbursement,
PDM, the team's list, the PDM summary, the reconciliation export and the operation's reference
data. Same access helpers and services as the API (tutela.cases.api.cash)."""

from __future__ import annotations

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
from tutela.cases.forms import cash as cash_forms
from tutela.cases.models import (
    CashAssistance,
    CashInstalment,
    EligibilityCriterion,
)
from tutela.cases.selectors import cash as selectors
from tutela.cases.services import cash as services
from tutela.cases.services.cash_exports import cash_reconciliation_export
from tutela.cases.services.exports import XLSX
from tutela.cases.views.common import case_of, case_page, case_url, form_page, staff_operation
from tutela.core.forms.directory import apply_validation_error
from tutela.core.models import Operation
from tutela.core.views.common import (
    current_user,
    download,
    operation_for,
    paginate,
    post_action,
)


def cash_url(item: CashAssistance) -> str:
    return reverse("cases:cash_detail", kwargs={"slug": item.case.operation.slug, "cash": item.pk})


def _cash_of(request: HttpRequest, slug: str, cash: int) -> tuple[Operation, CashAssistance]:
    operation = staff_operation(request, slug)
    item = access.cash_get_for_user(current_user(request), operation, cash, request=request)
    return operation, item


def _instalment(item: CashAssistance, number: int) -> CashInstalment:
    instalment = item.instalments.filter(number=number).first()
    if instalment is None:
        raise Http404
    instalment.assistance = item
    return instalment


@login_required
@require_http_methods(["GET", "POST"])
def cash_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation, case = case_of(request, slug, pk, reason="cash")
    user = current_user(request)
    access.require_edit(user, case)
    form = cash_forms.CashForm(request.POST or None, case=case)
    basket = services.basket_current(operation)

    def save() -> CashAssistance:
        data = form.cleaned_data
        return services.cash_record(
            case=case,
            by=user,
            household_size=data["household_size"],
            criteria_met=data.get("criteria_met") or [],
            mechanism=data["mechanism"],
            intervention=data.get("intervention"),
            amount=data.get("amount"),
            override_reason=data.get("override_reason") or "",
            first_due_on=data.get("first_due_on"),
        )

    intro = (
        _("MEB in force: %(name)s, %(percent)s%% in %(n)s instalment(s), %(currency)s.")
        % {
            "name": basket.name,
            "percent": basket.transfer_percent,
            "n": basket.instalments,
            "currency": basket.currency,
        }
        if basket
        else _("The operation has no minimum expenditure basket in force.")
    )
    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Cash for protection"),
        submit=_("Record"),
        success=lambda item: _("Cash record %(code)s saved as a draft.") % {"code": item.code},
        then=cash_url,
        back=case_url(case),
        case=case,
        intro=intro,
    )


@login_required
@require_GET
def cash_detail(request: HttpRequest, slug: str, cash: int) -> HttpResponse:
    operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    instalments = list(item.instalments.select_related("monitoring").order_by("number"))
    labels = dict(
        EligibilityCriterion.objects.filter(operation=operation).values_list("code", "label")
    )
    return case_page(
        request,
        "cases/cash_detail.html",
        operation,
        item=item,
        case=item.case,
        instalments=instalments,
        criteria=[labels.get(code, code) for code in item.criteria_met],
        can_edit=access.can_edit_cash(user, item),
        can_decide=access.can_decide_cash(user, item),
        subnav="cash",
    )


@login_required
@require_POST
def cash_request(request: HttpRequest, slug: str, cash: int) -> HttpResponse:
    _operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    return post_action(
        request,
        lambda: services.cash_request(assistance=item, by=user),
        success=_("Sent for approval: another person decides."),
        then=cash_url(item),
        joined_errors=True,
    )


@login_required
@require_POST
def cash_check(request: HttpRequest, slug: str, cash: int) -> HttpResponse:
    _operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    return post_action(
        request,
        lambda: services.cash_duplicate_check(assistance=item, by=user),
        success=_("Duplicate check done."),
        then=cash_url(item),
        joined_errors=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cash_decide(request: HttpRequest, slug: str, cash: int) -> HttpResponse:
    operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    if not access.can_decide_cash(user, item):
        raise PermissionDenied
    form = cash_forms.DecisionForm(request.POST or None)

    def save() -> CashAssistance:
        data = form.cleaned_data
        return services.cash_decide(
            assistance=item,
            by=user,
            approve=data["approve"],
            comment=data.get("comment") or "",
            confirm_duplicates=data.get("confirm_duplicates") or False,
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Approve cash for protection"),
        submit=_("Decide"),
        success=lambda result: (
            _("%(code)s: %(status)s.")
            % {"code": result.code, "status": result.get_status_display()}
        ),
        then=cash_url,
        back=cash_url(item),
        case=item.case,
        intro=_("%(amount)s %(currency)s in %(n)d instalment(s) by %(mechanism)s.")
        % {
            "amount": item.amount,
            "currency": item.currency,
            "n": item.instalments.count(),
            "mechanism": item.get_mechanism_display(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cash_cancel(request: HttpRequest, slug: str, cash: int) -> HttpResponse:
    operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    if not access.can_edit_cash(user, item):
        raise PermissionDenied
    form = cash_forms.CancelForm(request.POST or None)
    return form_page(
        request,
        operation,
        form,
        lambda: services.cash_cancel(assistance=item, by=user, reason=form.cleaned_data["reason"]),
        title=_("Cancel the cash"),
        submit=_("Cancel the cash"),
        success=_("Cash cancelled."),
        then=cash_url,
        back=cash_url(item),
        case=item.case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def instalment_status(request: HttpRequest, slug: str, cash: int, number: int) -> HttpResponse:
    operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    if not access.can_edit_cash(user, item):
        raise PermissionDenied
    instalment = _instalment(item, number)
    form = cash_forms.InstalmentStatusForm(request.POST or None, instalment=instalment)

    def save() -> CashInstalment:
        data = form.cleaned_data
        return services.instalment_status_set(
            instalment=instalment,
            by=user,
            status=data["status"],
            paid_on=data.get("paid_on"),
            paid_amount=data.get("paid_amount"),
            reference=data.get("reference") or "",
            note=data.get("note") or "",
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Instalment %(n)d: disbursement") % {"n": number},
        submit=_("Save"),
        success=_("Disbursement status saved."),
        then=cash_url(item),
        back=cash_url(item),
        case=item.case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def instalment_edit(request: HttpRequest, slug: str, cash: int, number: int) -> HttpResponse:
    """Change an unpaid instalment's due date and amount (locked once paid or cancelled)."""
    operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    if not access.can_edit_cash(user, item):
        raise PermissionDenied
    instalment = _instalment(item, number)
    if instalment.status not in services.EDITABLE:
        messages.error(request, _("A paid or cancelled instalment cannot be changed."))
        return redirect(cash_url(item))
    form = cash_forms.InstalmentEditForm(
        request.POST or None, initial={"due_on": instalment.due_on, "amount": instalment.amount}
    )

    def save() -> CashInstalment:
        return services.instalment_edit(
            instalment=instalment,
            by=user,
            due_on=form.cleaned_data["due_on"],
            amount=form.cleaned_data["amount"],
        )

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Instalment %(n)d: due date and amount") % {"n": number},
        submit=_("Save"),
        success=_("Instalment changed."),
        then=cash_url(item),
        back=cash_url(item),
        case=item.case,
    )


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_new(request: HttpRequest, slug: str, cash: int, number: int) -> HttpResponse:
    operation, item = _cash_of(request, slug, cash)
    user = current_user(request)
    if not access.can_edit_cash(user, item):
        raise PermissionDenied
    instalment = _instalment(item, number)
    form = cash_forms.MonitoringForm(
        request.POST or None, initial={"interviewed_on": timezone.localdate()}
    )
    return form_page(
        request,
        operation,
        form,
        lambda: services.monitoring_record(instalment=instalment, by=user, **form.cleaned_data),
        title=_("Post-distribution monitoring, instalment %(n)d") % {"n": number},
        submit=_("Record"),
        success=_("Monitoring recorded."),
        then=cash_url(item),
        back=cash_url(item),
        case=item.case,
    )


@login_required
@require_GET
def cash_list(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    items = selectors.cash_list(current_user(request), operation)
    return case_page(
        request, "cases/cash_list.html", operation, page=paginate(request, items), subnav="cash"
    )


@login_required
@require_GET
def cash_summary(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    user = current_user(request)
    if not access.can_see_cash_summary(user, operation):
        raise PermissionDenied
    own = None
    if access.is_case_staff(user, operation) and user.organisation_id:
        own = selectors.pdm_summary_for_organisation(operation, user.organisation_id)
    return case_page(
        request,
        "cases/cash_summary.html",
        operation,
        own=own,
        cluster=selectors.pdm_summary_for_cluster(operation),
        subnav="cash_summary",
    )


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation_download(request: HttpRequest, slug: str) -> HttpResponse:
    operation = staff_operation(request, slug)
    user = current_user(request)
    if not access.can_export(user, operation, "cash_reconciliation"):
        raise PermissionDenied
    form = cash_forms.ReconciliationExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        file_format = form.cleaned_data["file_format"]
        try:
            content = cash_reconciliation_export(
                operation=operation,
                by=user,
                password=form.cleaned_data["password"],
                file_format=file_format,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            stamp = timezone.localdate().isoformat()
            if file_format == "csv":
                return download(content, f"cash-{operation.slug}-{stamp}.zip", "application/zip")
            return download(content, f"cash-{operation.slug}-{stamp}.xlsx", XLSX)
    response = case_page(
        request, "cases/cash_export.html", operation, form=form, subnav="cash_export"
    )
    if request.method == "POST":
        response.status_code = 400
    return response
