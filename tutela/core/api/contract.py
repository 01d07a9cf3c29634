"""The OpenAPI schema as the contract of requests: query parameters and JSON bodies are checked
against it by every API view (ContractCheckedMixin, part of OperationAPIView), before the view
reads them.

Django REST framework and django-filter are lenient where the schema is precise: a boolean field
takes 1, "yes" or "on", a text field takes a number, a boolean query filter ignores "abc", a number
filter takes 0.5 for a whole number. A client then learns nothing from a typing mistake and the
schema does not say what the API accepts. Rather than rewrite every field and form, this module
reads the schema drf-spectacular generates from those same serializers and forms (once per
process) and refuses, with 400 and the API's usual field errors, a request whose query parameters
or JSON body do not have the documented types:

- query parameters: booleans are `true` or `false`; integers and numbers are numbers (within the
  documented minimum and maximum); enumerations take one of their values; dates are YYYY-MM-DD.
  An empty value means "not given", as the schema says (`allowEmptyValue`).
- JSON bodies: every documented property has its documented JSON type, in nested objects and
  lists too, and the objects have their required properties (a PATCH may leave out top-level
  fields, not those of the objects inside); the body itself is an object where an object is
  documented (never an array or null).

Everything else (maximum lengths, choices of a body field, references to records) is left to the
serializers, which check it with clearer messages; only a minimum length is checked here (DRF
takes "" for "none" in a relation where the schema says a non-empty text or null). Parameters and
properties the schema does not document are left alone.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import threading
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

_lock = threading.Lock()
_index: list[tuple[re.Pattern[str], dict[str, dict[str, Any]]]] | None = None
_components: dict[str, Any] = {}


def _build_index() -> None:
    global _index, _components
    # Loaded on the first check, once every URL module is imported: the generator walks them all.
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    _components = schema.get("components", {}).get("schemas", {})
    index = []
    for path, item in schema.get("paths", {}).items():
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", path)
        )
        index.append((path.count("{"), re.compile(f"^{pattern}$"), item))
    # A literal segment wins over a parameter: /meetings/series/ is not /meetings/{id}/.
    index.sort(key=lambda entry: entry[0])
    _index = [(pattern, item) for _count, pattern, item in index]


def operation_for(path: str, method: str) -> dict[str, Any] | None:
    """The schema's operation for this request, or None when it documents none."""
    if _index is None:
        with _lock:
            if _index is None:
                _build_index()
    assert _index is not None
    for pattern, item in _index:
        if pattern.match(path):
            operation = item.get(method.lower())
            return operation if isinstance(operation, dict) else None
    return None


def _resolve(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = _components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema


# --- Query parameters ----------------------------------------------------------------------------

_INTEGER = re.compile(r"-?\d+")


def _query_value_problem(value: str, schema: dict[str, Any]) -> str | None:
    schema = _resolve(schema)
    kind = schema.get("type")
    if "enum" in schema and value not in [str(item) for item in schema["enum"]]:
        allowed = ", ".join(str(item) for item in schema["enum"] if item not in ("", None))
        return _("Give one of: %(allowed)s.") % {"allowed": allowed}
    if kind == "boolean":
        if value not in ("true", "false"):
            return _("Give true or false.")
    elif kind == "integer":
        if not _INTEGER.fullmatch(value):
            return _("Give a whole number.")
        return _bounds_problem(int(value), schema)
    elif kind == "number":
        try:
            number = float(value)
        except ValueError:
            return _("Give a number.")
        if not math.isfinite(number):
            return _("Give a number.")
        return _bounds_problem(number, schema)
    elif kind == "string" and len(value) > schema.get("maxLength", len(value)):
        return _("Give at most %(count)s characters.") % {"count": schema["maxLength"]}
    elif kind == "string" and schema.get("format") == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return _("Give a date as YYYY-MM-DD.")
    return None


def _bounds_problem(number: float, schema: dict[str, Any]) -> str | None:
    if "minimum" in schema and number < schema["minimum"]:
        return _("Give a number of at least %(minimum)s.") % {"minimum": schema["minimum"]}
    if "maximum" in schema and number > schema["maximum"]:
        return _("Give a number of at most %(maximum)s.") % {"maximum": schema["maximum"]}
    return None


def query_problems(operation: dict[str, Any], query: Any) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for parameter in operation.get("parameters", []):
        parameter = _resolve(parameter)
        name = parameter.get("name")
        if parameter.get("in") != "query":
            continue
        if name not in query:
            if parameter.get("required"):
                problems[name] = [_("This field is required.")]
            continue
        for value in query.getlist(name):
            if value == "":
                continue
            problem = _query_value_problem(value, parameter.get("schema", {}))
            if problem:
                problems.setdefault(name, []).append(problem)
                break
    return problems


# --- JSON bodies ---------------------------------------------------------------------------------

_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
}


def _type_message(kind: str) -> str:
    return {
        "object": _("Expected an object."),
        "array": _("Expected a list."),
        "string": _("Expected a text value."),
        "boolean": _("Expected true or false."),
        "integer": _("Expected a whole number."),
        "number": _("Expected a number."),
    }[kind]


def _body_problems(value: Any, schema: Any, *, nested: bool = False) -> Any:
    """None when `value` has the schema's JSON types; else the errors, shaped like DRF's."""
    schema = _resolve(schema)
    if not isinstance(schema, dict):
        return None
    if value is None:
        # A null where none is allowed is for the serializer to refuse, with its own message.
        return None
    problems = _combined_problems(value, schema, nested=nested)
    if problems is not None:
        return problems
    kind = schema.get("type")
    if kind in _JSON_TYPES and not _JSON_TYPES[kind](value):
        return [_type_message(kind)]
    # DRF takes "" for "none" in a relation (an organisation's acronym...), where the schema
    # says a non-empty text or null. (Other fields refuse "" themselves, beside the body's other
    # problems: left to them.)
    if (
        isinstance(value, str)
        and schema.get("nullable")
        and len(value) < schema.get("minLength", 0)
    ):
        return [_("This field may not be blank.")]
    if isinstance(value, dict):
        return _object_problems(value, schema, nested=nested)
    if isinstance(value, list) and "items" in schema:
        item_errors = [_body_problems(item, schema["items"], nested=True) for item in value]
        if any(error is not None for error in item_errors):
            return [error if error is not None else {} for error in item_errors]
    return None


def _combined_problems(value: Any, schema: dict[str, Any], *, nested: bool) -> Any:
    """The problems of the first part of allOf the value fails, or, when it fails every
    alternative of anyOf/oneOf, those of the first alternative; None otherwise."""
    for part in schema.get("allOf", []):
        problems = _body_problems(value, part, nested=nested)
        if problems is not None:
            return problems
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        results = [_body_problems(value, part, nested=nested) for part in alternatives]
        if all(result is not None for result in results):
            return results[0]
    return None


def _object_problems(value: dict[str, Any], schema: dict[str, Any], *, nested: bool) -> Any:
    errors: dict[str, Any] = {}
    # Partial updates (PATCH) relax this only at the top level, as their schema does: the
    # objects inside them (a list of people counts...) are whole. (At the top level, the
    # serializer says what is missing, beside its other findings.)
    for key in schema.get("required", []) if nested else []:
        if key not in value:
            errors[key] = [_("This field is required.")]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key in properties:
            if _resolve(properties[key]).get("readOnly"):
                continue
            problems = _body_problems(item, properties[key], nested=True)
        elif isinstance(extra, dict):
            problems = _body_problems(item, extra, nested=True)
        else:
            continue
        if problems is not None:
            errors[key] = problems
    return errors or None


def body_problems(operation: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content or request.content_type != "application/json":
        return {}
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        # Not JSON: the API's parser answers that (400, code parse_error).
        return {}
    documented = content["application/json"].get("schema", {})
    if data is None:
        # "null" for a body documented as an object: refused like an array would be.
        if _resolve(documented).get("type") == "object":
            return {"non_field_errors": [_type_message("object")]}
        return {}
    problems = _body_problems(data, documented)
    if problems is None:
        return {}
    if isinstance(problems, dict):
        return problems
    return {"non_field_errors": problems}


class ContractCheckedMixin:
    """For API views: after authentication, permissions and throttling (so that an outsider
    still gets 401 or 404 first, and learns nothing from a 400), refuses a request whose query
    or JSON body contradict the schema, with 400 and the usual field errors."""

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        check_request(request._request)


def check_request(request: HttpRequest) -> None:
    operation = operation_for(request.path, request.method or "GET")
    if operation is None:
        return
    problems = {**query_problems(operation, request.GET), **body_problems(operation, request)}
    if problems:
        raise ValidationError(problems)
