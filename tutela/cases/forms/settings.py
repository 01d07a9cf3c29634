"""Forms of the case management settings (managers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.cases.forms.workflow import OrganisationMultipleChoice
from tutela.core.forms.fields import names_required_in
from tutela.core.models import Operation, Organisation


class CaseSettingsForm(forms.Form):
    retention_months = forms.IntegerField(
        label=_("Months a closed case is kept before anonymisation"), min_value=1, max_value=240
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gbv_aggregate_organisations"] = OrganisationMultipleChoice(
            label=_(
                "Organisations that signed the GBV information-sharing protocol (their GBV "
                "cases are counted in the statistics)"
            ),
            queryset=Organisation.objects.filter(operations=operation).order_by("acronym"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class ReferenceItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=300)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=300, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_required_in(self, operation)
