"""API error responses: the same shape everywhere, documented once for every endpoint, and nothing
from inside the server.

Two shapes:
- a refused request body or query (400): an object whose keys are the fields (or
  `non_field_errors`) and whose values are lists of messages (nested serializers nest the same
  way): `{"name": ["Ensure this field has no more than 200 characters."]}`;
- every other error: `{"detail": "<message in the caller's language>", "code": "<stable code>"}`.
  Codes a client can act on: `not_authenticated` and `authentication_failed`/`token_invalid`
  (401: sign in, or get a new token), `account_inactive` (401), `two_factor_required` (403: an
  operation requires two-factor authentication for one of your roles; set it up, then get a new
  token with the code), `permission_denied` (403), `not_found` (404), `throttled` and
  `locked_out` (429), `parse_error` (400: the body is not valid JSON), `server_error` (500).

`exception_handler` gives DRF's answers these shapes; `json_error` is used by the error pages and
middleware for requests under /api/ that never reach a DRF view (an unknown URL, a server error,
the two-factor rule for browser sessions); `document_error_responses` (a drf-spectacular
post-processing hook) adds them to every operation of the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
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


def _messages(value: Any) -> Any:
    """Form errors as Django gives them in JSON ({"message", "code"} objects) become plain
    messages, like every other validation error of the API."""
    if isinstance(value, dict):
        if set(value) == {"message", "code"}:
            return ErrorDetail(str(value["message"]), code=str(value["code"]))
        return {key: _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_messages(item) for item in value]
    return value


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = validation_error_from_django(exc)
    # As DRF's own handler does, but here so that the answer gets its code too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ValidationError):
        detail = _messages(exc.detail)
        if not isinstance(detail, dict):
            detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
        exc = ValidationError(detail)
    response = drf_exception_handler(exc, context)
    # Unknown exceptions return None here and become the plain 500 answer of json_error.
    if response is None or isinstance(exc, ValidationError):
        return response
    detail = getattr(exc, "detail", None)
    if isinstance(response.data, dict) and isinstance(detail, ErrorDetail):
        response.data = {"detail": str(detail), "code": detail.code}
    return response


def json_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


# --- The OpenAPI schema ---------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error except a refused request body or query (400).",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in the caller's language."},
        "code": {
            "type": "string",
            "description": (
                "Stable error code: not_authenticated, authentication_failed, token_invalid, "
                "account_inactive, two_factor_required, permission_denied, not_found, "
                "method_not_allowed, not_acceptable, unsupported_media_type, parse_error, "
                "throttled, locked_out, server_error."
            ),
        },
    },
    "required": ["detail", "code"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "The request body or query was refused: for each field (or non_field_errors), the "
        "list of messages; fields of nested objects and lists nest the same way."
    ),
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
    "example": {"name": ["Ensure this field has no more than 200 characters."]},
}
DESCRIPTIONS = {
    "400": "The request body or query was refused (see the messages), or is not valid JSON.",
    "401": "No credentials, or an invalid, expired or revoked token.",
    "403": "Not allowed (code permission_denied), or two-factor authentication must be set up "
    "first (code two_factor_required).",
    "404": "Not found, or not visible to the caller (or a page number past the last page).",
    "429": "Too many requests (code throttled), or locked out after failed sign-ins.",
}


def _error_statuses(method: str, operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    has_query = any(parameter.get("in") == "query" for parameter in parameters)
    has_path = any(parameter.get("in") == "path" for parameter in parameters)
    is_public = operation.get("security") in ([], [{}])
    statuses = []
    # Writes are refused with 400 by the services too (a meeting already held cannot be
    # cancelled), even those without a body.
    if has_query or method not in {"get", "head", "options"}:
        statuses.append("400")
    if not is_public:
        statuses += ["401", "403"]
    if has_path or any(parameter.get("name") == "page" for parameter in parameters):
        statuses.append("404")
    statuses.append("429")
    return statuses


def _error_content(status: str, media_types: set[str]) -> dict[str, Any]:
    if status == "400":
        # A refused body or query, or a body that is not JSON at all (code parse_error).
        schema: dict[str, Any] = {
            "anyOf": [
                {"$ref": "#/components/schemas/ValidationError"},
                {"$ref": "#/components/schemas/Error"},
            ]
        }
    else:
        schema = {"$ref": "#/components/schemas/Error"}
    return {media_type: {"schema": schema} for media_type in sorted(media_types)}


def document_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the error answers of every operation, documented
    once here rather than on each view, in the media types the operation answers in (a GeoJSON
    endpoint's errors are rendered as GeoJSON's media type); and empty optional query parameters,
    which every endpoint takes as "not given"."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            responses = operation["responses"]
            media_types = {"application/json"} | {
                media_type
                for code, response in responses.items()
                if str(code).startswith("2")
                for media_type in response.get("content", {})
                if media_type.endswith("json")
            }
            for status in _error_statuses(method, operation):
                response = responses.setdefault(status, {"description": DESCRIPTIONS[status]})
                if "content" not in response:
                    response["content"] = _error_content(status, media_types)
    return result
