"""Small helpers every app's views share: the signed-in user, the operation of the URL (404
unless the user has a role in it), a page of a list and a file download."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from tutela.core import access
from tutela.core.models import Operation, User

PAGE_SIZE = 50


def paginate(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Page:
    return Paginator(items, size).get_page(request.GET.get("page"))


def current_user(request: HttpRequest) -> User:
    """The signed-in user (views using it are behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


def operation_for(request: HttpRequest, slug: str) -> Operation:
    return access.operation_get_for_user(request.user, slug)


def download(
    content: bytes | str, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    """A file for the user: the Content-Disposition header made safely from any file name
    (quotes escaped, non-ASCII names as RFC 6266 filename*), and never kept by shared caches or
    the browser's cache (exports hold partners' and protection data)."""
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(not inline, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response
