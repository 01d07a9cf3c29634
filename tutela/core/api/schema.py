"""How some serializer fields are described in the OpenAPI schema (drf-spectacular extensions),
so that the schema says what the API really accepts and answers. Registered by CoreConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiSerializerFieldExtension


def _model_field(field: Any) -> Any:
    """The model field a serializer field renders, when its serializer says which model."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.source, str) or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def may_be_blank(field: Any) -> bool:
    """Whether the field's value can be an empty string: it allows it as input, or it renders a
    model field that may be blank (DRF drops allow_blank from read-only fields)."""
    if getattr(field, "allow_blank", False):
        return True
    if not field.read_only:
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None:
        # Not known: do not promise a non-empty value.
        return True
    try:
        return bool(model._meta.get_field(field.source).blank)
    except (FieldDoesNotExist, TypeError):
        return True


class _BlankableFormatExtension(OpenApiSerializerFieldExtension):
    """A web or e-mail address that may be left empty is an empty string when there is none,
    which is not a "uri" or an "email": say so, instead of promising one every time."""

    match_subclasses = True
    format = ""

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        address: dict[str, Any] = {"type": "string", "format": self.format}
        if getattr(self.target, "max_length", None):
            address["maxLength"] = self.target.max_length
        if not may_be_blank(self.target):
            return address
        # No "type" at the top: drf-spectacular would add the format there from the field's
        # validators, and the empty string would no longer match.
        return {"anyOf": [address, {"type": "string", "maxLength": 0}]}


class BlankableUrlFieldExtension(_BlankableFormatExtension):
    target_class = "rest_framework.fields.URLField"
    format = "uri"


class BlankableEmailFieldExtension(_BlankableFormatExtension):
    target_class = "rest_framework.fields.EmailField"
    format = "email"


class NullableRelationExtension(OpenApiSerializerFieldExtension):
    """A read-only link to a record that may be missing (an operation without a parent, a body
    without a lead) renders as null: DRF does not carry the model's null=True over to read-only
    fields, so the schema would promise a value every time."""

    target_class = "rest_framework.relations.RelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        model_field = _model_field(self.target) if self.target.read_only else None
        if model_field is not None and getattr(model_field, "null", False):
            schema["nullable"] = True
        return schema
