"""What the planning pages share: rendering under the menu's "Planning" entry. Forms and buttons
go through core's views toolkit (tutela.core.views.common: save_form, post_action)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tutela.core.models import Operation


def page(request: HttpRequest, template: str, operation: Operation, **context: Any) -> HttpResponse:
    """A page of the operation under the menu's "Planning" entry."""
    context.setdefault("operation", operation)
    context.setdefault("nav_active", "planning")
    return render(request, template, context)
