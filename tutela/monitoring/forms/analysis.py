"""The query-string form of the monitoring analysis pages, exports and API endpoints: one parser,
so that `?month_from=2026-01&area=ML05&risk=R02&verified=1` means the same on a page and in the
API. Areas are named by P-code, risks by code, the organisation by acronym."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.forms.fields import MonthField
from tutela.core.models import AdminArea, Operation, Organisation, ProtectionRisk, User
from tutela.core.selectors import country_pcodes
from tutela.monitoring.selectors import AnalysisFilters, organisations_filterable, viewer_for


class _AreaField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.pcode})"


class _RiskField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}. {obj.name}" if obj.number else obj.name


class MonitoringAnalysisForm(forms.Form):
    month_from = MonthField(label=_("From (month)"), required=False)
    month_to = MonthField(label=_("To (month)"), required=False)
    area = _AreaField(
        label=_("Area"), queryset=AdminArea.objects.none(), required=False, to_field_name="pcode"
    )
    risk = _RiskField(
        label=_("Protection risk"),
        queryset=ProtectionRisk.objects.none(),
        required=False,
        to_field_name="code",
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="acronym",
        help_text=_("Only your own organisation: other organisations' figures are shown together."),
    )
    verified = forms.BooleanField(label=_("Verified incidents only"), required=False)
    by = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=[("risk", _("Protection risk")), ("area", _("Area"))],
    )
    level = forms.TypedChoiceField(
        label=_("Admin level"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, operation: Operation, user: User, data: Any = None) -> None:
        super().__init__(data)
        self.operation = operation
        pcodes = country_pcodes(operation)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            AdminArea.objects.filter(country_pcode__in=pcodes, level__in=(1, 2))
            .only("pk", "pcode", "name", "level")
            .order_by("pcode")
        )
        risks = ProtectionRisk.objects.filter(operation=operation, is_active=True)
        self.fields["risk"].queryset = risks.order_by("order", "code")  # type: ignore[attr-defined]
        viewer = viewer_for(user, operation)
        organisations = organisations_filterable(viewer)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (1, operation.level_label(1)),
            (2, operation.level_label(2)),
        ]

    def value(self, name: str, default: Any = None) -> Any:
        if not self.is_bound or not self.is_valid():
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def filters(self) -> AnalysisFilters:
        month_from: datetime.date | None = self.value("month_from")
        month_to: datetime.date | None = self.value("month_to")
        if month_from and month_to and month_from > month_to:
            month_from, month_to = month_to, month_from
        return AnalysisFilters(
            month_from=month_from,
            month_to=month_to,
            area=self.value("area"),
            risk=self.value("risk"),
            organisation=self.value("organisation"),
            verified_only=bool(self.value("verified", False)),
        )

    def trend_by(self) -> str:
        return "area" if self.value("by") == "area" else "risk"

    def area_level(self) -> int:
        return 2 if self.value("level") == 2 else 1
