"""API error responses: the same shape everywhere, and nothing from inside the server."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Unknown exceptions return None here and become Django's plain 500 page, which never shows a
    # stack trace outside DEBUG.
    return drf_exception_handler(exc, context)
