"""A file for the user, never kept by a cache: `download` (bytes made in the request) and
`stored_file_download` (a stored file, decrypted as it is sent). A module of its own, below the
views and the imports that both answer with files (core.views.common re-exports them)."""

from __future__ import annotations

import mimetypes
import os

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.text import slugify


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
    field_file: FieldFile,
    filename: str = "",
    content_type: str = "",
    *,
    inline: bool = False,
    named_after: str = "",
) -> FileResponse:
    """A stored file (encrypted at rest), decrypted a block at a time as it is sent, with the
    headers of `download`. `filename`: by default `named_after` (a title) made into a file name
    with the stored file's extension; stored names are random (core.storage), and say nothing
    to the user. `content_type`: guessed from the name."""
    if not filename:
        extension = os.path.splitext(field_file.name or "")[1]
        if extension and named_after.lower().endswith(extension):
            # A title made from the uploaded file's name ("liste-signée.pdf").
            named_after = named_after[: -len(extension)]
        filename = (slugify(named_after, allow_unicode=True)[:80] or "file") + extension
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    _file_headers(response, filename, inline=inline)
    return response


def _file_headers(response: HttpResponseBase, filename: str, *, inline: bool) -> None:
    disposition = content_disposition_header(not inline, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
