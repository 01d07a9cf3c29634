"""Small helpers every app's views share: the signed-in user, the operation of the URL (404
unless the user has a role in it) and a page of a list."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

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
