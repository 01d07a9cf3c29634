"""Small helpers every app's views share: the signed-in user, the operation of the URL (404
unless the user has a role in it), a page of a list, a posted form handed to a service, a file
download and a chart image."""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, quote_etag

from tutela.core import access
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


def download(
    content: bytes | str, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    """A file for the user: the Content-Disposition header made safely from any file name
    (quotes escaped, non-ASCII names as RFC 6266 filename*), and never kept by shared caches or
    the browser's cache (exports hold partners' and protection data)."""
    response = HttpResponse(content, content_type=content_type)
    _file_headers(response, filename, inline=inline)
    return response


def stored_file_download(
    field_file: FieldFile, filename: str = "", content_type: str = "", *, inline: bool = False
) -> FileResponse:
    """A stored file (encrypted at rest), decrypted a block at a time as it is sent, with the
    headers of `download`. `filename`: the stored file's own name by default; `content_type`:
    guessed from the name."""
    filename = filename or os.path.basename(field_file.name or "") or "file"
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    _file_headers(response, filename, inline=inline)
    return response


def _file_headers(response: HttpResponseBase, filename: str, *, inline: bool) -> None:
    disposition = content_disposition_header(not inline, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"


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
