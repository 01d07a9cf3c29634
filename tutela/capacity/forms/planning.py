"""Forms of the needs assessment and capacity-building plan pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.capacity.forms.common import (
    OrganisationChoiceField,
    PcodeField,
    bodies_of,
    organisations_of,
)
from tutela.capacity.models import CapacityPlanItem, Course, NeedsResponse
from tutela.core.forms.fields import DateInput
from tutela.core.models import Body, Operation, Organisation


class NeedsAssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    closes_on = forms.DateField(label=_("Answers until"), widget=DateInput())


class NeedsResponseForm(forms.Form):
    """One priority per topic, the people to train and a comment; managers choose the
    organisation they answer for."""

    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    staff_to_train = forms.IntegerField(
        label=_("How many of your staff would take part?"), min_value=0, max_value=100_000
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, operation: Operation, choose_organisation: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if choose_organisation:
            self.fields["organisation"].queryset = organisations_of(operation)  # type: ignore[attr-defined]
            self.fields["organisation"].required = True
        else:
            del self.fields["organisation"]
        for topic, label in Course.Topic.choices:
            self.fields[f"topic_{topic}"] = forms.TypedChoiceField(
                label=label,
                choices=NeedsResponse.Priority.choices,
                coerce=int,
                initial=0,
                required=False,
                empty_value=None,
            )
        # The topics first, as the questionnaire reads.
        self.order_fields(
            ["organisation", *[f"topic_{t}" for t in Course.Topic.values], "staff_to_train"]
        )

    def priorities(self) -> dict[str, int]:
        return {
            name[len("topic_") :]: int(value or 0)
            for name, value in self.cleaned_data.items()
            if name.startswith("topic_")
        }


class CapacityPlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.ModelChoiceField(
        label=_("Body"),
        queryset=Body.objects.none(),
        required=False,
        empty_label=_("— the whole operation —"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies_of(operation)  # type: ignore[attr-defined]


class PlanItemForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Course.Topic.choices)
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.none(),
        required=False,
        help_text=_("Empty: any course of the topic counts."),
    )
    area = PcodeField(label=_("Where (P-code)"), required=False, help_text=_("Empty: anywhere."))
    quarter = forms.TypedChoiceField(
        label=_("By quarter"),
        choices=[("", "—"), ("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    target_sessions = forms.IntegerField(label=_("Sessions planned"), min_value=0, max_value=1000)
    target_people = forms.IntegerField(label=_("People to train"), min_value=0, max_value=100_000)
    target_women = forms.IntegerField(label=_("Of whom women"), min_value=0, max_value=100_000)
    lead_organisation = OrganisationChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none(), required=False
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.filter(operation=operation).order_by("title")
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["lead_organisation"].queryset = organisations_of(operation)  # type: ignore[attr-defined]
        area = self.fields["area"]
        assert isinstance(area, PcodeField)
        area.operation = operation

    @staticmethod
    def initial_for(item: CapacityPlanItem) -> dict[str, Any]:
        initial = {name: getattr(item, name) for name in PlanItemForm.base_fields if name != "area"}
        initial["area"] = item.area.pcode if item.area_id and item.area else ""
        return initial


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
