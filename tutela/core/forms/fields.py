"""Form fields that several domains use."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from tutela.core.models.reference import NAME_LANGUAGES, operation_name_languages

MONTH_FORMAT = "%Y-%m"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=MONTH_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MonthField(forms.DateField):
    """A month as YYYY-MM (a full date is accepted too): the first day of that month."""

    widget = MonthInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=[MONTH_FORMAT, "%Y-%m-%d"], **kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


def names_required_in(form: forms.Form, operation: Any) -> None:
    """A reference item's names are asked for in the operation's own languages only (the services
    fill the others for display: core.models.reference.localised_names_set)."""
    languages = operation_name_languages(operation)
    for lang in NAME_LANGUAGES:
        field = form.fields.get(f"name_{lang}")
        if field is not None:
            field.required = lang in languages
