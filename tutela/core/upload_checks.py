"""The checks an uploaded document passes before it is kept: an accepted extension, a size
within the limit, and first bytes that match the extension.

Threat: a file a colleague later opens (a meeting's minutes, a recommendation's evidence, a
course's slides) that is not what its name says, e.g. an executable renamed `.pdf`. The
extension decides how it is served and opened, so the content must match it; formats without a
recognisable signature (plain text, audio, video) are checked by extension only, or, where the
caller asks for it (TEXT), for a NUL byte in their first 4 KiB, which text never has.

The callers keep their own lists and limits (what a meeting, an advocacy file or a course takes
differs); the checks and their messages are the same everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# How the OOXML and OpenDocument formats (docx, xlsx, pptx, odt, ods, odp) start: a ZIP archive.
ZIP: Final = (b"PK\x03\x04",)
# A text format whose content is checked: no NUL byte in its first 4 KiB.
TEXT: Final = "text"

Signature = tuple[bytes, ...] | str | None

# How the document and picture formats people upload start.
SIGNATURES: Final[Mapping[str, tuple[bytes, ...]]] = {
    "pdf": (b"%PDF",),
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "odt": ZIP,
    "ods": ZIP,
    "odp": ZIP,
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
TEXT_EXTENSIONS: Final = frozenset({"txt", "csv"})


def upload_types(*extensions: str, text: Signature = None) -> dict[str, Signature]:
    """The `types` of upload_check for these extensions: the known formats with their
    signature, the text formats with `text` (TEXT: checked for NUL bytes; None: not checked),
    any other (audio, video) unchecked."""
    return {
        ext: SIGNATURES.get(ext, text if ext in TEXT_EXTENSIONS else None) for ext in extensions
    }


# Enough for every signature, and for the NUL check of text.
_HEAD_BYTES = 4096


def upload_extension(name: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when it has none)."""
    base = os.path.basename(name or "")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def upload_check(
    upload: Any,
    *,
    types: Mapping[str, Signature],
    max_bytes: int,
    field: str = "file",
    allow_empty: bool = False,
) -> str:
    """The file's extension when `upload` (an UploadedFile or File) is acceptable;
    ValidationError on `field` otherwise (codes file_type, too_large, empty, file_content).

    `types` maps each accepted extension (lower case, no dot) to how its content starts (a
    tuple of signatures), TEXT (no NUL byte) or None (not checked)."""
    extension = upload_extension(upload.name or "")
    if extension not in types:
        raise ValidationError(
            {
                field: _("This type of file is not accepted. Accepted: %(types)s.")
                % {"types": ", ".join(sorted(types))}
            },
            code="file_type",
        )
    size = upload.size
    if size is not None and size > max_bytes:
        raise ValidationError(
            {
                field: _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": max_bytes // 2**20}
            },
            code="too_large",
        )
    if size == 0 and not allow_empty:
        raise ValidationError({field: _("The file is empty.")}, code="empty")
    signature = types[extension]
    if signature is None:
        return extension
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    if isinstance(head, str):
        head = head.encode()
    matches = b"\x00" not in head if signature == TEXT else head.startswith(signature)
    if not matches:
        raise ValidationError(
            {
                field: _("The file's content does not match its extension (.%(ext)s).")
                % {"ext": extension}
            },
            code="file_content",
        )
    return extension
