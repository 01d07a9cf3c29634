"""What the coordination pages share: rendering with the operation in the context, who reaches
the creation forms, and the two ways a page hands a write to a service: a form (the service's
refusal goes back on the form) and a button (the refusal becomes a message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import Operation
from tutela.core.models.roles import Role
from tutela.core.views.common import form_saved

T = TypeVar("T")


def render_page(
    request: HttpRequest,
    template: str,
    operation: Operation,
    context: dict[str, Any],
    **defaults: Any,
) -> HttpResponse:
    """Render a page of the operation; `defaults` fill what the view did not set itself."""
    context.setdefault("operation", operation)
    for name, value in defaults.items():
        context.setdefault(name, value)
    return render(request, template, context)


def coordination_page(
    request: HttpRequest,
    template: str,
    operation: Operation,
    context: dict[str, Any],
    **defaults: Any,
) -> HttpResponse:
    """A page under the operation menu's "Coordination" entry (shown as the current one)."""
    return render_page(request, template, operation, context, nav_active="coordination", **defaults)


def may_create(user: Any, operation: Operation) -> bool:
    """Managers and focal points reach the creation forms (the services check the body)."""
    return access.is_manager(user, operation) or Role.FOCAL_POINT in access.roles_in(
        user, operation
    )


def not_focal_point() -> tuple[str, str]:
    """Where and how an action point form says the service refused the body (`refused`)."""
    return (
        "body",
        _("You may only create action points for the bodies you are a focal point of."),
    )


def error_messages(request: HttpRequest, error: ValidationError, *, joined: bool = False) -> None:
    """A service's refusal as messages: one a reason, or all of them in one message."""
    if joined:
        messages.error(request, " ".join(error.messages))
        return
    for message in error.messages:
        messages.error(request, message)


def _text(value: str | Callable[[T], str], result: T) -> str:
    return value(result) if callable(value) else value


def save_form(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[..., T],
    *,
    success: str | Callable[[T], str],
    then: str | Callable[[T], str],
    refused: tuple[str, str] | None = None,
) -> HttpResponse | None:
    """When the request posts a valid form, call `save` (a service) with its cleaned data as
    keyword arguments; when that works, show `success` and redirect to `then` (both may be
    computed from what `save` returned). A ValidationError goes on the form, and so does
    PermissionDenied when `refused` gives the field and the message to show. None: the view
    renders the form (again)."""

    def run() -> T:
        try:
            return save(**form.cleaned_data)
        except PermissionDenied:
            if refused is None:
                raise
            raise ValidationError({refused[0]: refused[1]}) from None

    saved = form_saved(request, form, run, lambda result: _text(success, result))
    if saved is None:
        return None
    return redirect(_text(then, saved.value))


def post_action(
    request: HttpRequest,
    run: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: str,
    joined_errors: bool = False,
) -> HttpResponse:
    """A button's write: run the service, show `success` (or its refusal, see `error_messages`)
    and redirect to `then`."""
    try:
        result = run()
    except ValidationError as error:
        error_messages(request, error, joined=joined_errors)
    else:
        messages.success(request, _text(success, result))
    return redirect(then)
