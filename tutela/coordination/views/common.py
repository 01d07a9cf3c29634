"""What only the coordination pages share: the "Coordination" menu entry shown as the current one,
and how an action point form says the service refused the body. The rest (forms and buttons handed
to services, downloads) is core's views toolkit, tutela.core.views.common."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tutela.core.models import Operation
from tutela.core.views.common import render_page


def coordination_page(
    request: HttpRequest,
    template: str,
    operation: Operation,
    context: dict[str, Any],
    **defaults: Any,
) -> HttpResponse:
    """A page under the operation menu's "Coordination" entry (shown as the current one)."""
    return render_page(request, template, operation, context, nav_active="coordination", **defaults)


def not_focal_point() -> tuple[str, str]:
    """Where and how an action point form says the service refused the body (`refused`)."""
    return (
        "body",
        _("You may only create action points for the bodies you are a focal point of."),
    )
