"""Form fields of the case pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.models import AdminArea, Operation, User
from tutela.core.models.roles import Role


class PcodeField(forms.CharField):
    """An admin area of the operation's countries, typed as its P-code."""

    def __init__(self, *, operation: Operation, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("P-code of the place, e.g. ML0501"))
        super().__init__(**kwargs)
        self.operation = operation

    def clean(self, value: Any) -> AdminArea | None:
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        countries = list(self.operation.countries.values_list("pcode", flat=True))
        area = AdminArea.objects.filter(pcode=code, country_pcode__in=countries).first()
        if area is None:
            raise forms.ValidationError(
                _("No area of the operation has the P-code %(code)s."), params={"code": code}
            )
        return area


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return user.full_name or user.email


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return user.full_name or user.email


def staff_of(operation: Operation, organisation_id: int | None) -> Any:
    """Case management staff of an organisation in the operation."""

    if organisation_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True,
            organisation_id=organisation_id,
            operation_roles__operation=operation,
            operation_roles__role__in=[Role.CASEWORKER, Role.SUPERVISOR],
        )
        .distinct()
        .order_by("full_name")
    )
