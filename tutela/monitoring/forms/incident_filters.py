"""The filters of the incident list: month, area, protection risk, verification, organisation."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tutela.core.models import AdminArea, Operation, ProtectionRisk
from tutela.monitoring.forms.incidents import _active, _set_choices
from tutela.monitoring.models import (
    VerificationStatus,
)


class IncidentFilterForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    risk = forms.ChoiceField(label=_("Protection risk"), required=False)
    verification = forms.ChoiceField(label=_("Verification"), required=False)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)

    def __init__(self, data: Any, *, operation: Operation, organisations: list[Any]) -> None:
        super().__init__(data)
        countries = list(operation.countries.values_list("country_pcode", flat=True))
        _set_choices(
            self,
            "area",
            [
                ("", gettext("All")),
                *(
                    (a.pcode, f"{'— ' if a.level == 2 else ''}{a.name} ({a.pcode})")
                    for a in AdminArea.objects.filter(
                        country_pcode__in=countries, level__in=[1, 2]
                    ).order_by("pcode")
                ),
            ],
        )
        _set_choices(
            self,
            "risk",
            [
                ("", gettext("All")),
                *((r.code, f"{r.number}. {r.name}") for r in _active(ProtectionRisk, operation)),
            ],
        )
        _set_choices(
            self,
            "verification",
            [
                ("", gettext("All")),
                *((v.code, v.name) for v in _active(VerificationStatus, operation)),
            ],
        )
        if len(organisations) > 1:
            _set_choices(
                self,
                "organisation",
                [
                    ("", gettext("All")),
                    *((o.acronym, o.acronym) for o in organisations),
                ],
            )
        else:
            del self.fields["organisation"]

    def clean_month(self) -> datetime.date | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 (a month)
        except ValueError:
            raise ValidationError(_("Give the month as YYYY-MM."), code="invalid") from None

    def apply(self, incidents: Any) -> Any:
        if not self.is_valid():
            return incidents
        data = self.cleaned_data
        if data.get("month"):
            incidents = incidents.filter(month=data["month"])
        if data.get("area"):
            incidents = incidents.filter(
                Q(area__pcode=data["area"])
                | Q(admin1__pcode=data["area"])
                | Q(admin2__pcode=data["area"])
            )
        if data.get("risk"):
            incidents = incidents.filter(risks__risk__code=data["risk"]).distinct()
        if data.get("verification"):
            incidents = incidents.filter(verification__code=data["verification"])
        if data.get("organisation"):
            incidents = incidents.filter(organisation__acronym=data["organisation"])
        return incidents

    @property
    def filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())
