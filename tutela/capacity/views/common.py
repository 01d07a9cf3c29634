"""What the capacity pages share: rendering under the menu's "Capacity" entry with the user's
rights in the context, and a button's write handed to a service (its refusal becomes a
message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tutela.capacity import access as capacity_access
from tutela.core import access
from tutela.core.models import Operation, User
from tutela.core.views.common import current_user

T = TypeVar("T")


def rights(user: User, operation: Operation) -> dict[str, bool]:
    return {
        "can_manage_trainings": capacity_access.can_manage_trainings(user, operation),
        "can_see_participants": capacity_access.can_see_participants(user, operation),
        "is_manager": access.is_manager(user, operation),
    }


def capacity_page(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "capacity")
    for name, value in rights(current_user(request), operation).items():
        context.setdefault(name, value)
    return render(request, template, context)


def button(
    request: HttpRequest,
    run: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: str,
) -> HttpResponse:
    """A button's write: run the service, show `success` or the service's refusal, redirect."""
    try:
        result = run()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(then)
