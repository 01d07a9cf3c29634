"""Forms of the plan pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import MAX_AMOUNT, MAX_COUNT
from tutela.core.models import AdminArea, Body, Operation, PopulationGroup
from tutela.planning.models import Objective, Plan, PlanIndicator, PlanVersion
from tutela.planning.selectors import fivew
from tutela.planning.selectors.fivew import Activity, Indicator
from tutela.planning.selectors.plans import area_choices


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Plan.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    code = forms.CharField(
        label=_("Plan code"),
        max_length=30,
        required=False,
        help_text=_("As in OCHA's planning module and FTS, e.g. HMLI26."),
    )
    body = forms.ModelChoiceField(label=_("Cluster / sector"), queryset=Body.objects.none())

    def __init__(self, *args: Any, operation: Operation, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        body_field = self.fields["body"]
        assert isinstance(body_field, forms.ModelChoiceField)
        body_field.queryset = Body.objects.filter(operation=operation).order_by("kind", "name")
        if editing:
            del self.fields["year"]
        else:
            self.fields["year"].initial = timezone.localdate().year


class ObjectiveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Objective.Kind.choices)
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. SO1, CO1.2"))
    name_en = forms.CharField(label=_("Objective (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Objective (French)"), max_length=300)
    name_es = forms.CharField(label=_("Objective (Spanish)"), max_length=300, required=False)
    parent = forms.ModelChoiceField(
        label=_("Contributes to (strategic objective)"),
        queryset=Objective.objects.none(),
        required=False,
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, initial=0)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = Objective.objects.filter(plan=plan, kind=Objective.Kind.STRATEGIC)


class IndicatorForm(forms.Form):
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=Objective.objects.none())
    code = forms.CharField(label=_("Code"), max_length=20)
    name_en = forms.CharField(label=_("Indicator (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Indicator (French)"), max_length=300)
    name_es = forms.CharField(label=_("Indicator (Spanish)"), max_length=300, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=PlanIndicator.Unit.choices)
    body = forms.ModelChoiceField(
        label=_("Cluster / AoR"), queryset=Body.objects.none(), required=False
    )
    baseline = forms.IntegerField(label=_("Baseline"), min_value=0, max_value=MAX_COUNT, initial=0)
    target = forms.IntegerField(label=_("Target"), min_value=0, max_value=MAX_COUNT)
    activities = forms.ModelMultipleChoiceField(
        label=_("5W activities counted"),
        queryset=Activity.objects.none(),
        required=False,
        help_text=_("Every 5W row of these activities counts as reached for this indicator."),
    )
    fivew_indicators = forms.ModelMultipleChoiceField(
        label=_("5W indicators counted"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("And the 5W rows reported under these indicators."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, initial=0)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operation = plan.operation
        fields = self.fields
        objective = fields["objective"]
        body = fields["body"]
        activities = fields["activities"]
        indicators = fields["fivew_indicators"]
        assert isinstance(objective, forms.ModelChoiceField)
        assert isinstance(body, forms.ModelChoiceField)
        assert isinstance(activities, forms.ModelMultipleChoiceField)
        assert isinstance(indicators, forms.ModelMultipleChoiceField)
        objective.queryset = Objective.objects.filter(plan=plan)
        body.queryset = Body.objects.filter(operation=operation).order_by("kind", "name")
        activities.queryset = fivew.catalogue_activities(operation).order_by("code")
        indicators.queryset = fivew.catalogue_indicators(operation).order_by(
            "activity__code", "code"
        )
        activities.widget.attrs["size"] = 8
        indicators.widget.attrs["size"] = 8


class TargetForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=AdminArea.objects.none())
    population_group = forms.ModelChoiceField(
        label=_("Population group"),
        queryset=PopulationGroup.objects.none(),
        required=False,
        empty_label=_("All groups"),
    )
    baseline = forms.IntegerField(
        label=_("Baseline"), min_value=0, max_value=MAX_COUNT, required=False
    )
    target = forms.IntegerField(label=_("Target"), min_value=0, max_value=MAX_COUNT, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        group = self.fields["population_group"]
        assert isinstance(area, forms.ModelChoiceField)
        assert isinstance(group, forms.ModelChoiceField)
        area.queryset = area_choices(operation)
        area.required = False
        group.queryset = fivew.population_groups(operation)


class BaseTargetFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        self.operation = operation
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"operation": self.operation}

    def targets(self) -> list[dict[str, Any]]:
        """The filled lines (a line without an area is left out)."""
        return [
            {
                "area": form.cleaned_data["area"],
                "population_group": form.cleaned_data.get("population_group"),
                "baseline": form.cleaned_data.get("baseline") or 0,
                "target": form.cleaned_data.get("target") or 0,
            }
            for form in self.forms
            if form.cleaned_data.get("area") is not None
        ]


TargetFormSet = forms.formset_factory(TargetForm, formset=BaseTargetFormSet, extra=6)


def target_formset(*args: Any, **kwargs: Any) -> BaseTargetFormSet:
    """The targets formset (typed: formset_factory's class is only known as a BaseFormSet)."""
    formset = TargetFormSet(*args, **kwargs)
    assert isinstance(formset, BaseTargetFormSet)
    return formset


class RequirementForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Cluster / AoR"), queryset=Body.objects.none())
    amount_usd = forms.DecimalField(
        label=_("Requirements (USD)"),
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=16,
        decimal_places=2,
        help_text=_("0 removes them."),
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.ModelChoiceField)
        body.queryset = Body.objects.filter(
            operation=operation, kind__in=[Body.Kind.CLUSTER, Body.Kind.AOR]
        ).order_by("kind", "name")


class VersionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Version"), choices=PlanVersion.Kind.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = {
            Plan.Stage.DRAFT: [PlanVersion.Kind.FIRST_DRAFT, PlanVersion.Kind.FINAL],
            Plan.Stage.REVISION: [PlanVersion.Kind.MID_YEAR],
        }.get(Plan.Stage(plan.stage), [])
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k.value, k.label) for k in allowed]
