"""Forms of cash for protection: the cash record, the decision, disbursement, PDM, the export,
and the operation's reference data (criteria, MEB, agreements)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.cases.forms.workflow import OrganisationMultipleChoice
from tutela.cases.models import (
    Case,
    CashAssistance,
    CashInstalment,
    DistributionMonitoring,
    EligibilityCriterion,
    Intervention,
)
from tutela.cases.models.cash import MAX_AMOUNT, MAX_HOUSEHOLD
from tutela.cases.services.cash import TRANSITIONS
from tutela.cases.services.exports import MIN_PASSWORD
from tutela.core.forms.fields import DateInput
from tutela.core.models import Operation, Organisation


class InterventionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.goal)[:80]


class CashForm(forms.Form):
    household_size = forms.IntegerField(
        label=_("Household size"), min_value=1, max_value=MAX_HOUSEHOLD
    )
    mechanism = forms.ChoiceField(
        label=_("Delivery mechanism"), choices=CashAssistance.Mechanism.choices
    )
    amount = forms.DecimalField(
        label=_("Amount (leave empty for the amount from the MEB)"),
        required=False,
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
    )
    override_reason = forms.CharField(
        label=_("Reason for a different amount"), required=False, widget=forms.Textarea
    )
    first_due_on = forms.DateField(
        label=_("First instalment due on"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria_met"] = forms.MultipleChoiceField(
            label=_("Eligibility criteria met"),
            choices=[
                (c.code, f"{c.label} ({c.weight})" + (" *" if c.mandatory else ""))
                for c in EligibilityCriterion.objects.filter(
                    operation=case.operation, is_active=True
                )
            ],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text=_("* mandatory"),
        )
        self.fields["intervention"] = InterventionChoice(
            label=_("Case plan intervention"),
            queryset=Intervention.objects.filter(plan__case=case).order_by("due_on", "id"),
            required=False,
        )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)
    confirm_duplicates = forms.BooleanField(
        label=_("I checked with the other organisation: approve anyway"), required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is the cash cancelled?"), widget=forms.Textarea)


class InstalmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Disbursement status"))
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())
    paid_amount = forms.DecimalField(
        label=_("Amount paid"),
        required=False,
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
    )
    reference = forms.CharField(label=_("Payment reference"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, instalment: CashInstalment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        allowed = TRANSITIONS.get(instalment.status, frozenset())
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [
            (code, label) for code, label in CashInstalment.Status.choices if code in allowed
        ]


class InstalmentEditForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
    )


class MonitoringForm(forms.Form):
    interviewed_on = forms.DateField(label=_("Interviewed on"), widget=DateInput())
    received_in_full = forms.BooleanField(label=_("Received in full"), required=False)
    on_time = forms.BooleanField(label=_("Received on time"), required=False)
    safety_problem = forms.BooleanField(
        label=_("Safety problem when receiving or using the money"), required=False
    )
    safety_note = forms.CharField(
        label=_("Safety problem (details)"), required=False, widget=forms.Textarea
    )
    uses = forms.MultipleChoiceField(
        label=_("Use of the money"),
        choices=DistributionMonitoring.Use.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1: very dissatisfied, 5: very satisfied)"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
    )


class ReconciliationExportForm(forms.Form):
    password = forms.CharField(
        label=_("Password of the file"),
        min_length=MIN_PASSWORD,
        widget=forms.PasswordInput(render_value=False),
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", _("Excel (encrypted)")), ("csv", _("CSV in an encrypted ZIP"))],
    )


class CriterionForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    label = forms.CharField(label=_("Criterion"), max_length=200)
    description = forms.CharField(label=_("Guidance"), required=False, widget=forms.Textarea)
    weight = forms.IntegerField(label=_("Score"), min_value=0, max_value=100, initial=1)
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class RulesForm(forms.Form):
    min_score = forms.IntegerField(
        label=_("Minimum eligibility score"), min_value=0, max_value=1000
    )


class BasketForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, min_length=3)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    transfer_percent = forms.IntegerField(
        label=_("Transfer value (% of the MEB)"), min_value=1, max_value=300, initial=100
    )
    instalments = forms.IntegerField(label=_("Instalments"), min_value=1, max_value=12, initial=1)
    interval_days = forms.IntegerField(
        label=_("Days between instalments"), min_value=0, max_value=366, initial=30
    )
    amounts = forms.CharField(
        label=_("MEB per household size"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One line per household size: size, colon, amount (e.g. 3: 85000)."),
    )


class AgreementForm(forms.Form):
    reference = forms.CharField(label=_("Reference of the signed agreement"), max_length=200)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"] = OrganisationMultipleChoice(
            label=_("The two organisations"),
            queryset=Organisation.objects.filter(operations=operation).order_by("acronym"),
            widget=forms.CheckboxSelectMultiple,
        )
