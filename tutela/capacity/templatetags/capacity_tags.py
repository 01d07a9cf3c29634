"""Template filters of the capacity pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """`{{ labels|lookup:code }}`: a dictionary's value for a key ("" when absent)."""
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.filter
def percent(value: Any) -> str:
    """A share between 0 and 1 as a whole percentage ("—" when unknown)."""
    if value is None or value == "":
        return "—"
    return f"{round(float(value) * 100)} %"
