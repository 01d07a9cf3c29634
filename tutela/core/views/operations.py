"""The operation settings page (for the operation's managers).

Operations themselves are created by server administrators (`tutela create_operation` or the API).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tutela.core.forms.directory import apply_validation_error
from tutela.core.forms.operations import OperationSettingsForm
from tutela.core.models import User
from tutela.core.services.operations import operation_update
from tutela.core.views.common import managed_operation


@login_required
@require_http_methods(["GET", "POST"])
def operation_settings(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    user = request.user
    assert isinstance(user, User)
    form = OperationSettingsForm(
        request.POST or None, initial=OperationSettingsForm.initial_for(operation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            operation = operation_update(
                by=user, operation=operation, **form.service_fields(operation)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Operation settings saved."))
            return redirect("core:operation_settings", slug=operation.slug)
    return render(
        request,
        "core/operation_settings.html",
        {
            "operation": operation,
            "is_manager": True,
            "form": form,
            "countries": list(operation.countries.order_by("name")),
        },
    )
