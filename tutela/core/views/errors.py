"""Error pages: plain, translated, and never a stack trace or another organisation's data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "errors/error.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors may run here: the error may come from them.
    from django.template import loader

    template = loader.get_template("errors/error.html")
    return HttpResponse(template.render({"status": 500}), status=500)
