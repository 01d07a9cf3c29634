"""Cash for protection, the operation's reference data pages under /o/<slug>/cases/cash/settings/
(its cash managers only, tutela.cases.access.can_manage_cash_settings): eligibility criteria and
the score rule, minimum expenditure baskets, data-sharing agreements for the duplicate check.
"""

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
from tutela.cases.forms import cash as cash_forms
from tutela.cases.models import (
    EligibilityCriterion,
    ExpenditureBasket,
    SharingAgreement,
)
from tutela.cases.services import cash as services
from tutela.cases.views.common import case_page, form_page
from tutela.core.models import Operation
from tutela.core.views.common import (
    current_user,
    operation_for,
)

# --- Reference data (the operation's managers) ---------------------------------------------------


def _manager_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not access.can_manage_cash_settings(current_user(request), operation):
        raise PermissionDenied
    return operation


@login_required
@require_GET
def cash_settings(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _manager_operation(request, slug)
    rules = getattr(operation, "cash_rules", None)
    return case_page(
        request,
        "cases/cash_settings.html",
        operation,
        criteria=EligibilityCriterion.objects.filter(operation=operation),
        min_score=rules.min_score if rules else 0,
        baskets=ExpenditureBasket.objects.filter(operation=operation).prefetch_related("amounts"),
        agreements=SharingAgreement.objects.filter(operation=operation).select_related(
            "organisation_a", "organisation_b"
        ),
        today=timezone.localdate(),
        subnav="cash_settings",
    )


def _settings_url(operation: Operation) -> str:
    return reverse("cases:cash_settings", kwargs={"slug": operation.slug})


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    operation = _manager_operation(request, slug)
    user = current_user(request)
    criterion = None
    initial: dict[str, Any] = {}
    if pk is not None:
        criterion = EligibilityCriterion.objects.filter(operation=operation, pk=pk).first()
        if criterion is None:
            raise Http404
        initial = {
            f: getattr(criterion, f)
            for f in ("code", "label", "description", "weight", "mandatory", "is_active")
        }
    form = cash_forms.CriterionForm(request.POST or None, initial=initial)
    return form_page(
        request,
        operation,
        form,
        lambda: services.criterion_save(
            operation=operation, by=user, criterion=criterion, **form.cleaned_data
        ),
        title=_("Eligibility criterion"),
        submit=_("Save"),
        success=_("Criterion saved."),
        then=_settings_url(operation),
        back=_settings_url(operation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _manager_operation(request, slug)
    user = current_user(request)
    rules = getattr(operation, "cash_rules", None)
    form = cash_forms.RulesForm(
        request.POST or None, initial={"min_score": rules.min_score if rules else 0}
    )
    return form_page(
        request,
        operation,
        form,
        lambda: services.rules_set(operation=operation, by=user, **form.cleaned_data),
        title=_("Eligibility threshold"),
        submit=_("Save"),
        success=_("Threshold saved."),
        then=_settings_url(operation),
        back=_settings_url(operation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def basket_new(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _manager_operation(request, slug)
    user = current_user(request)
    form = cash_forms.BasketForm(request.POST or None)

    def save() -> ExpenditureBasket:
        data = dict(form.cleaned_data)
        amounts = services.parse_amounts(data.pop("amounts"))
        return services.basket_save(operation=operation, by=user, amounts=amounts, **data)

    return form_page(
        request,
        operation,
        form,
        save,
        title=_("Minimum expenditure basket"),
        submit=_("Save"),
        success=_("Minimum expenditure basket saved."),
        then=_settings_url(operation),
        back=_settings_url(operation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _manager_operation(request, slug)
    user = current_user(request)
    form = cash_forms.AgreementForm(request.POST or None, operation=operation)
    return form_page(
        request,
        operation,
        form,
        lambda: services.agreement_create(
            operation=operation,
            by=user,
            organisations=list(form.cleaned_data["organisations"]),
            reference=form.cleaned_data["reference"],
            valid_from=form.cleaned_data["valid_from"],
            valid_until=form.cleaned_data.get("valid_until"),
        ),
        title=_("Data-sharing agreement"),
        submit=_("Record"),
        success=_("Agreement recorded."),
        then=_settings_url(operation),
        back=_settings_url(operation),
    )


@login_required
@require_POST
def agreement_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:

    operation = _manager_operation(request, slug)
    agreement = SharingAgreement.objects.filter(operation=operation, pk=pk).first()
    if agreement is None:
        raise Http404
    try:
        services.agreement_end(agreement=agreement, by=current_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Agreement ended."))
    return redirect(_settings_url(operation))
