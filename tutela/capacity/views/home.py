"""The capacity module's home page: what is coming and where to go."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from tutela.capacity.selectors import trainings as selectors
from tutela.capacity.views.common import capacity_page
from tutela.core.views.common import operation_for as _operation


@login_required
@require_GET
def home(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    return capacity_page(
        request,
        "capacity/home.html",
        operation,
        upcoming=selectors.upcoming_sessions(operation),
    )
