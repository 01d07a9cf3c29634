"""Forms of the workflow: consent, assessment, case plan, approvals, services, follow-ups,
transfers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.cases import shared_fields
from tutela.cases.forms.fields import UserChoiceField, staff_of
from tutela.cases.models import (
    Assessment,
    Case,
    Consent,
    FollowUp,
    Intervention,
    ReviewStatus,
    ServiceType,
)
from tutela.core.forms.fields import DateInput
from tutela.core.models import Organisation


def _other_organisations(case: Case) -> Any:
    return (
        Organisation.objects.filter(operations=case.operation)
        .exclude(pk=case.organisation_id)
        .order_by("acronym")
    )


class OrganisationMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.acronym} — {obj.name}"


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.acronym} — {obj.name}"


def field_choices(case: Case) -> list[tuple[str, Any]]:
    """The information a consent or a hand-off can name (not the identifying ones of GBV)."""
    return [
        (code, label)
        for code, label in shared_fields.CHOICES
        if not (case.is_gbv and code in shared_fields.IDENTIFYING)
    ]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given_by = forms.ChoiceField(label=_("Given by"), choices=Consent.GivenBy.choices)
    caregiver_name = forms.CharField(label=_("Caregiver's name"), max_length=200, required=False)
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"] = OrganisationMultipleChoice(
            label=_("Organisations it may go to (sharing, tracing)"),
            queryset=_other_organisations(case),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["fields"] = forms.MultipleChoiceField(
            label=_("Information that may be shared"),
            choices=field_choices(case),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        bias = case.assessments.filter(
            kind=Assessment.Kind.BEST_INTEREST, status=ReviewStatus.APPROVED
        )
        self.fields["best_interest"] = forms.ModelChoiceField(
            label=_("Best-interest assessment (a child consenting without a caregiver)"),
            queryset=bias,
            required=False,
        )


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssessmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Assessment.Kind.choices)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    summary = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 5}))
    needs = forms.CharField(
        label=_("Needs identified"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Case.RiskLevel.choices)


class InterventionForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(
        label=_("Intervention"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(label=_("By when"), required=False, widget=DateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_type"] = forms.ModelChoiceField(
            label=_("Service type"),
            queryset=ServiceType.objects.filter(operation=case.operation, is_active=True),
            required=False,
        )
        self.fields["responsible"] = UserChoiceField(
            label=_("Who"),
            queryset=staff_of(case.operation, case.organisation_id),
            required=False,
        )
        self.fields["responsible_organisation"] = OrganisationChoice(
            label=_("Organisation responsible"),
            queryset=Organisation.objects.filter(operations=case.operation).order_by("acronym"),
            required=False,
        )


class InterventionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Intervention.Status.choices)


class PlanForm(forms.Form):
    review_on = forms.DateField(label=_("Review the plan on"), required=False, widget=DateInput())


class ClosureRequestForm(forms.Form):
    closure_reason = forms.ChoiceField(label=_("Reason"), choices=Case.ClosureReason.choices)
    closure_note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ServiceDeliveryForm(forms.Form):
    provided_on = forms.DateField(label=_("Provided on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_type"] = forms.ModelChoiceField(
            label=_("Service"),
            queryset=ServiceType.objects.filter(operation=case.operation, is_active=True),
        )


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FollowUp.Kind.choices)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpDoneForm(forms.Form):
    note = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label=_("Supervisor's override: reason to transfer without consent"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"] = OrganisationChoice(
            label=_("To organisation"), queryset=_other_organisations(case)
        )
        self.order_fields(["to_organisation", "reason", "override_reason"])


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the case")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    decline_reason = forms.CharField(
        label=_("Reason for declining"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
