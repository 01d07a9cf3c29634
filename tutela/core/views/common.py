"""The views toolkit every app shares: the signed-in user, the operation of the URL (404 unless the
user has a role in it; 403 for a managers' page), a page of a list, a posted form handed to a
service (`form_saved`, `save_form`), a button's write (`post_action`), a file download (never kept
in a cache: `download`, `stored_file_download`) and a chart image."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, quote_etag

from tutela.core import access
from tutela.core.downloads import download as download
from tutela.core.downloads import stored_file_download as stored_file_download
from tutela.core.forms.directory import apply_validation_error
from tutela.core.models import Operation, User

PAGE_SIZE = 50

T = TypeVar("T")


def paginate(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Page:
    return Paginator(items, size).get_page(request.GET.get("page"))


def current_user(request: HttpRequest) -> User:
    """The signed-in user (views using it are behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


def operation_for(request: HttpRequest, slug: str) -> Operation:
    return access.operation_get_for_user(request.user, slug)


def managed_operation(request: HttpRequest, slug: str) -> Operation:
    """The operation of the URL for its managers (coordinators, information management
    officers): 404 without a role in it, 403 with another role."""
    operation = operation_for(request, slug)
    access.require_manager(request.user, operation)
    return operation


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


# A chart or map image may be kept by the user's own browser this long (seconds).
IMAGE_MAX_AGE = 300


def image(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A chart or map image shown in a page: the user's browser may keep it a few minutes and
    revalidate it with its ETag (a 304 costs no image), shared caches never (`private`: it shows
    figures only signed-in users may see)."""
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(False, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["ETag"] = quote_etag(hashlib.sha256(content).hexdigest()[:32])
    patch_cache_control(response, private=True, max_age=IMAGE_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What a service returned for a posted form (which may itself be None)."""

    value: T


def form_saved(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], T],
    success: str | Callable[[T], str],
) -> Saved[T] | None:
    """On the POST of a valid form, call `save` (a service call reading form.cleaned_data) and
    show `success` (text, or made from what `save` returned); return what it returned. None
    when the form is not posted, not valid, or refused by the service: its ValidationError then
    goes on the form, and the view shows the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save()
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    messages.success(request, success(saved) if callable(success) else success)
    return Saved(saved)


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
