"""Case management settings (the operation's managers): retention period, organisations sharing
GBV statistics, and the reference lists (specific needs, service types)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tutela.cases import access
from tutela.cases.forms.settings import CaseSettingsForm, ReferenceItemForm
from tutela.cases.models import CaseSettings
from tutela.cases.services import reference as services
from tutela.cases.views.common import case_page, form_page
from tutela.core.models import Operation
from tutela.core.views.common import current_user, form_saved, operation_for


def _manager_operation(request: HttpRequest, slug: str) -> Operation:
    operation = operation_for(request, slug)
    if not access.can_manage_settings(current_user(request), operation):
        raise PermissionDenied
    return operation


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _manager_operation(request, slug)
    settings = CaseSettings.objects.filter(operation=operation).first()
    initial: dict[str, Any] = {
        "retention_months": settings.retention_months if settings else 24,
        "gbv_aggregate_organisations": list(settings.gbv_aggregate_organisations.all())
        if settings
        else [],
    }
    form = CaseSettingsForm(request.POST or None, operation=operation, initial=initial)

    def save() -> CaseSettings:
        return services.case_settings_update(
            operation=operation, by=current_user(request), **form.cleaned_data
        )

    saved = form_saved(request, form, save, _("Settings saved."))
    if saved is not None:
        return redirect("cases:settings", slug=slug)
    lists = {
        kind: model.objects.filter(operation=operation).order_by("order", "code")
        for kind, model in services.REFERENCE_MODELS.items()
    }
    response = case_page(request, "cases/settings.html", operation, form=form, lists=lists)
    if request.method == "POST":
        response.status_code = 400
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reference_item(
    request: HttpRequest, slug: str, kind: str, pk: int | None = None
) -> HttpResponse:
    operation = _manager_operation(request, slug)
    model = services.REFERENCE_MODELS.get(kind)
    if model is None:
        raise Http404
    item = None
    if pk is not None:
        item = model.objects.filter(operation=operation, pk=pk).first()
        if item is None:
            raise Http404
    initial = (
        {name: getattr(item, name) for name in ReferenceItemForm.base_fields}
        if item is not None
        else None
    )
    form = ReferenceItemForm(request.POST or None, initial=initial, operation=operation)
    back = reverse("cases:settings", kwargs={"slug": slug})

    def save() -> Any:
        return services.reference_item_save(
            operation=operation, by=current_user(request), kind=kind, item=item, **form.cleaned_data
        )

    title = str(model._meta.verbose_name).capitalize()
    return form_page(
        request,
        operation,
        form,
        save,
        title=title,
        submit=_("Save"),
        success=_("Saved."),
        then=back,
        back=back,
    )
