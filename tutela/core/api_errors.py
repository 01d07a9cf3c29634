"""API error responses: the same shape everywhere, and nothing from inside the server."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def _details(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    details = []
    for error in errors:
        # Iterating a ValidationError yields its messages with their parameters filled in.
        for message in error:
            details.append(ErrorDetail(str(message), code=error.code or "invalid"))
    return details


def validation_error_from_django(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError (from full_clean()) as DRF's 400, field by field."""
    if hasattr(exc, "error_dict"):
        detail: dict[str, Any] = {}
        for field, errors in exc.error_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            detail[key] = _details(errors)
        return ValidationError(detail)
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: _details(exc.error_list)})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = validation_error_from_django(exc)
    # Unknown exceptions return None here and become Django's plain 500 page, which never shows a
    # stack trace outside DEBUG.
    return drf_exception_handler(exc, context)
