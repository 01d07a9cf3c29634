"""What the case pages share: rendering under the "Cases" menu entry, the form page every
workflow step uses (one template, the service's refusal back on the form), and the case of the
URL fetched through the access helpers (404 / 403, read audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.forms.referrals import OpenCaseForm
from tutela.cases.models import Case
from tutela.cases.selectors.inbound import inbound_referrals_late_for_user
from tutela.cases.services.cases import ProbableDuplicates
from tutela.core.forms.directory import apply_validation_error
from tutela.core.models import Operation
from tutela.core.views.common import current_user, form_saved, operation_for

T = TypeVar("T")


def case_page(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    user = current_user(request)
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "cases")
    context.setdefault("is_case_staff", access.is_case_staff(user, operation))
    context.setdefault("is_supervisor", access.is_supervisor(user, operation))
    context.setdefault("can_manage_settings", access.can_manage_settings(user, operation))
    # The receiving organisation's case staff see, on every case page, the referrals received
    # from another Tutela that are past their deadline (none for anyone else).
    if context["is_case_staff"]:
        context.setdefault("late_inbound", inbound_referrals_late_for_user(user, operation))
    return render(request, template, context)


def staff_operation(request: HttpRequest, slug: str) -> Operation:
    """The operation of the URL (404 without a role in it), for case management staff only (403
    for other roles)."""
    operation = operation_for(request, slug)
    access.require_case_staff(current_user(request), operation)
    return operation


def case_of(
    request: HttpRequest, slug: str, pk: int, *, reason: str = ""
) -> tuple[Operation, Case]:
    operation = staff_operation(request, slug)
    case = access.case_get_for_user(
        current_user(request), operation, pk, request=request, reason=reason
    )
    return operation, case


def case_url(case: Case) -> str:
    return reverse("cases:detail", kwargs={"slug": case.operation.slug, "pk": case.pk})


def form_page(
    request: HttpRequest,
    operation: Operation,
    form: forms.BaseForm,
    save: Callable[[], T],
    *,
    title: str,
    submit: str,
    success: str | Callable[[T], str],
    then: str | Callable[[T], str],
    back: str,
    case: Case | None = None,
    intro: str = "",
    multipart: bool = False,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show `form`; on a valid POST call `save` (a service call) and redirect to `then`. The
    service's ValidationError goes back on the form (400)."""
    saved = form_saved(request, form, save, success)
    if saved is not None:
        return redirect(then(saved.value) if callable(then) else then)
    response = case_page(
        request,
        "cases/form.html",
        operation,
        form=form,
        title=title,
        submit=submit,
        back=back,
        case=case,
        intro=intro,
        multipart=multipart,
        **(extra or {}),
    )
    if request.method == "POST":
        response.status_code = 400
    return response


def open_case_page(
    request: HttpRequest,
    operation: Operation,
    *,
    code: str,
    back: str,
    open_case: Callable[..., Case],
) -> HttpResponse:
    """The receiver's "open a case from this referral" page, for a referral of this instance or
    one received from a peer: `open_case(area=…, confirm_not_duplicate=…)` is the service that
    opens it (probable duplicates shown for confirmation)."""
    form = OpenCaseForm(request.POST or None, operation=operation)
    candidates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            case = open_case(
                area=form.cleaned_data.get("area"),
                confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
            )
        except ProbableDuplicates as duplicates:
            candidates = list(duplicates.candidates)
            form.add_error(None, duplicates)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Case %(code)s opened.") % {"code": case.code})
            return redirect(case_url(case))
    response = case_page(
        request,
        "cases/form.html",
        operation,
        form=form,
        candidates=candidates,
        title=_("Open a case from the referral %(code)s") % {"code": code},
        submit=_("Open the case"),
        back=back,
    )
    if request.method == "POST":
        response.status_code = 400
    return response
