"""Forms of the project pages: the project sheet with its budget lines and targets, filters,
comments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import MAX_AMOUNT, MAX_COUNT
from tutela.core.forms.fields import DateInput
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup
from tutela.planning.models import BudgetCategory, Objective, Plan, Project
from tutela.planning.selectors import fivew
from tutela.planning.selectors.fivew import Activity
from tutela.planning.selectors.plans import area_choices


def _model_choice(form: forms.Form, name: str) -> Any:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or title contains"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *Project.Status.choices], required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none(), required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "organisation").queryset = operation.organisations.order_by("acronym")
        _model_choice(self, "plan").queryset = Plan.objects.filter(operation=operation)


class ProjectForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Appealing organisation"), queryset=Organisation.objects.none()
    )
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none(), required=False)
    code = forms.CharField(
        label=_("Project code"),
        max_length=60,
        required=False,
        help_text=_(
            "The project's code in the HPC Projects Module if it has one (FTS and 5W rows refer "
            "to it); made up otherwise."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 4}))
    body = forms.ModelChoiceField(label=_("Cluster / AoR"), queryset=Body.objects.none())
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    implementing_partners = forms.ModelMultipleChoiceField(
        label=_("Implementing partners"), queryset=Organisation.objects.none(), required=False
    )
    plan_objectives = forms.ModelMultipleChoiceField(
        label=_("Plan objectives it contributes to"),
        queryset=Objective.objects.none(),
        required=False,
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations"), queryset=AdminArea.objects.none()
    )
    activities = forms.ModelMultipleChoiceField(
        label=_("Activities (from the catalogue)"), queryset=Activity.objects.none()
    )

    def __init__(
        self, *args: Any, operation: Operation, choose_organisation: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        organisations = operation.organisations.order_by("acronym")
        _model_choice(self, "organisation").queryset = organisations
        _model_choice(self, "implementing_partners").queryset = organisations
        _model_choice(self, "plan").queryset = Plan.objects.filter(operation=operation)
        _model_choice(self, "plan_objectives").queryset = Objective.objects.filter(
            plan__operation=operation, kind=Objective.Kind.CLUSTER
        ).select_related("plan")
        _model_choice(self, "body").queryset = Body.objects.filter(
            operation=operation, kind__in=[Body.Kind.CLUSTER, Body.Kind.AOR]
        ).order_by("kind", "name")
        _model_choice(self, "locations").queryset = area_choices(operation, levels=(1, 2, 3))
        _model_choice(self, "activities").queryset = fivew.catalogue_activities(operation).order_by(
            "code"
        )
        for name in ("implementing_partners", "plan_objectives", "locations", "activities"):
            self.fields[name].widget.attrs["size"] = 8
        if not choose_organisation:
            del self.fields["organisation"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *BudgetCategory.choices], required=False
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    amount_usd = forms.DecimalField(
        label=_("Amount (USD)"),
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=16,
        decimal_places=2,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount_usd") is not None and not data.get("category"):
            self.add_error("category", _("Choose the category of this line."))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict[str, Any]]:
        return [
            {
                "category": f.cleaned_data["category"],
                "description": f.cleaned_data.get("description", ""),
                "amount_usd": f.cleaned_data["amount_usd"],
            }
            for f in self.forms
            if f.cleaned_data.get("category") and f.cleaned_data.get("amount_usd") is not None
        ]


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, formset=BaseLineFormSet, extra=4)


class TargetLineForm(forms.Form):
    population_group = forms.ModelChoiceField(
        label=_("Population group"), queryset=PopulationGroup.objects.none(), required=False
    )
    targeted = forms.IntegerField(
        label=_("People targeted"), min_value=0, max_value=MAX_COUNT, required=False
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "population_group").queryset = fivew.population_groups(operation)


class BaseTargetLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        self.operation = operation
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"operation": self.operation}

    def targets(self) -> list[dict[str, Any]]:
        return [
            {
                "population_group": f.cleaned_data["population_group"],
                "targeted": f.cleaned_data.get("targeted") or 0,
            }
            for f in self.forms
            if f.cleaned_data.get("population_group") is not None
        ]


TargetLineFormSet = forms.formset_factory(TargetLineForm, formset=BaseTargetLineFormSet, extra=3)


def budget_formset(*args: Any, **kwargs: Any) -> BaseLineFormSet:
    formset = BudgetLineFormSet(*args, **kwargs)
    assert isinstance(formset, BaseLineFormSet)
    return formset


def target_line_formset(*args: Any, **kwargs: Any) -> BaseTargetLineFormSet:
    formset = TargetLineFormSet(*args, **kwargs)
    assert isinstance(formset, BaseTargetLineFormSet)
    return formset


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to change"), widget=forms.Textarea(attrs={"rows": 5})
    )
