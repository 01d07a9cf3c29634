"""Forms of the work plan pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tutela.capacity.forms.common import OrganisationChoiceField, organisations_of
from tutela.capacity.models import TrainingSession, WorkActivity, WorkObjective, WorkPlan
from tutela.core.forms.fields import DateInput
from tutela.core.models import Body, Organisation


class WorkPlanForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Body"), queryset=Body.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    strategy = forms.CharField(
        label=_("Strategy"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, bodies: QuerySet[Body], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]


class ObjectiveForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=10, required=False)
    title = forms.CharField(label=_("Objective"), max_length=300)


class WorkActivityForm(forms.Form):
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=WorkObjective.objects.none())
    title = forms.CharField(label=_("Activity"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lead_organisation = OrganisationChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none(), required=False
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("To"), widget=DateInput())

    def __init__(self, *args: Any, plan: WorkPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = plan.objectives.all()  # type: ignore[attr-defined]
        self.fields["lead_organisation"].queryset = organisations_of(plan.operation)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(activity: WorkActivity) -> dict[str, Any]:
        return {
            "objective": activity.objective_id,
            "title": activity.title,
            "description": activity.description,
            "lead_organisation": activity.lead_organisation_id,
            "starts_on": activity.starts_on,
            "ends_on": activity.ends_on,
        }


class WorkReviewForm(forms.Form):
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int
    )
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    status = forms.ChoiceField(label=_("Status"), choices=WorkActivity.Status.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionPointLinkForm(forms.Form):
    """Open a new action point (title given) or link an existing one (its number)."""

    title = forms.CharField(label=_("New action point"), max_length=300, required=False)
    action_point = forms.IntegerField(
        label=_("or existing action point number"), min_value=1, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title") and not data.get("action_point"):
            raise forms.ValidationError(_("Give a title or an action point number."))
        return data


class SessionLinkForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("Training session"), queryset=TrainingSession.objects.none()
    )

    def __init__(self, *args: Any, plan: WorkPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (  # type: ignore[attr-defined]
            TrainingSession.objects.filter(operation=plan.operation)
            .select_related("course")
            .order_by("-starts_on")
        )
