"""Error pages: plain, translated, and never a stack trace or another organisation's data. Under
/api/ the same errors are answered in the API's JSON error shape (tutela.core.api.errors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tutela.core.api.errors import json_error


def _api_error(status: int) -> HttpResponse:
    detail, code = {
        400: (_("Bad request."), "bad_request"),
        403: (_("You do not have permission to perform this action."), "permission_denied"),
        404: (_("Not found."), "not_found"),
        500: (_("Server error. It has been logged; try again later."), "server_error"),
    }[status]
    return json_error(detail, code, status)


def _page(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_error(status)
    return render(request, "errors/error.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_error(500)
    # No context processors may run here: the error may come from them.
    from django.template import loader

    template = loader.get_template("errors/error.html")
    return HttpResponse(template.render({"status": 500}), status=500)
