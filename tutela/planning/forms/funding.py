"""Forms of the funding pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import MAX_AMOUNT
from tutela.core.forms.fields import DateInput
from tutela.core.models import Operation, Organisation
from tutela.planning.models import FundingFlow, Project
from tutela.planning.selectors.funding import COVERAGE_DIMENSIONS


def _choice(form: forms.Form, name: str) -> Any:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


BY_LABELS = {
    "organisation": _("Organisation"),
    "area": _("Admin area"),
    "activity": _("Activity"),
}


class CoverageForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    by = forms.ChoiceField(
        label=_("By"), choices=[(k, BY_LABELS[k]) for k in COVERAGE_DIMENSIONS], required=False
    )
    level = forms.ChoiceField(
        label=_("Admin level"), choices=[("1", "1"), ("2", "2"), ("3", "3")], required=False
    )


class FlowFilterForm(forms.Form):
    q = forms.CharField(label=_("Donor, description or FTS id"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *FundingFlow.Status.choices], required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Recipient organisation"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "organisation").queryset = operation.organisations.order_by("acronym")


class FlowForm(forms.Form):
    donor = forms.CharField(
        label=_("Donor"),
        max_length=300,
        help_text=_("As FTS names it, e.g. “Germany, Government of”."),
    )
    amount_usd = forms.DecimalField(
        label=_("Amount (USD)"),
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=16,
        decimal_places=2,
    )
    status = forms.ChoiceField(label=_("Status"), choices=FundingFlow.Status.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    organisation = forms.ModelChoiceField(
        label=_("Recipient organisation"), queryset=Organisation.objects.none(), required=False
    )
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput(), required=False)
    original_amount = forms.DecimalField(
        label=_("Original amount"), min_value=0, max_digits=18, decimal_places=2, required=False
    )
    original_currency = forms.CharField(label=_("Original currency"), max_length=3, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "organisation").queryset = operation.organisations.order_by("acronym")
        _choice(self, "project").queryset = Project.objects.filter(operation=operation).order_by(
            "code"
        )
        self.fields["year"].initial = timezone.localdate().year


class FtsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("FTS flows export"),
        help_text=_(
            "The flows of a search on fts.unocha.org exported as CSV or Excel, or the HDX file "
            "“fts_incoming_funding” of the country (with its HXL row)."
        ),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    dry_run = forms.BooleanField(label=_("Check only (save nothing)"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
