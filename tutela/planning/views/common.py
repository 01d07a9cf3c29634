"""What the planning pages share: rendering under the menu's "Planning" entry, a posted form
handed to a service, and a button's write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tutela.core.models import Operation
from tutela.core.views.common import current_user, form_saved, operation_for

T = TypeVar("T")

__all__ = ["current_user", "operation_for", "page", "post_action", "save_form"]


def page(request: HttpRequest, template: str, operation: Operation, **context: Any) -> HttpResponse:
    """A page of the operation under the menu's "Planning" entry."""
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "planning")
    return render(request, template, context)


def save_form(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: str | Callable[[T], str],
) -> HttpResponse | None:
    """On the POST of a valid form, call `save` (a service call reading form.cleaned_data); when
    it works show `success` and redirect to `then` (either may be made from what `save`
    returned). None: the view shows the form (again), with the service's refusal on it."""
    saved = form_saved(request, form, save, success)
    if saved is None:
        return None
    return redirect(then(saved.value) if callable(then) else then)


def post_action(
    request: HttpRequest,
    run: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: str,
) -> HttpResponse:
    """A button's write: run the service, show `success` or its refusal, go to `then`."""
    try:
        result = run()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(then)
