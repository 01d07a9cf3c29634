"""Fields and choice lists the capacity forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tutela.core.forms.directory import OrganisationChoiceField
from tutela.core.models import AdminArea, Body, Operation, Organisation

__all__ = ["OrganisationChoiceField", "PcodeField", "bodies_of", "organisations_of"]


def organisations_of(operation: Operation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(operations=operation).order_by("acronym")


def bodies_of(operation: Operation) -> QuerySet[Body]:
    return Body.objects.filter(operation=operation).order_by("kind", "name")


class PcodeField(forms.CharField):
    """A P-code typed by the user, resolved to an admin area of the operation's countries
    (set `operation` after building the form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.operation: Operation | None = None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, AdminArea):
            return value.pcode
        return super().prepare_value(value)

    def clean(self, value: Any) -> AdminArea | None:
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        countries = (
            list(self.operation.countries.values_list("pcode", flat=True)) if self.operation else []
        )
        area = AdminArea.objects.filter(pcode=code, country_pcode__in=countries).first()
        if area is None:
            raise ValidationError(_("Unknown P-code in this operation's countries."))
        return area
