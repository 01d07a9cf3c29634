"""Form widgets shared by the apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: Mapping[str, Any]) -> SafeString:
    """As Django's widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for
    False."""
    out = [
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    ]
    return mark_safe("".join(out))  # noqa: S308 - each part escaped by format_html


class QuickSelect(forms.Select):
    """Django's Select with the same markup, written in Python instead of through one template
    rendering per option: a filter listing a country's ~800 admin areas spent most of the 5W
    pivot page's time rendering option templates (bench/bench_load.py). Values and labels are
    escaped as the template escapes them."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>',
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - each part escaped by format_html
