"""Forms of the pooled-fund pages: the allocation, eligibility, the committee, the scorecard,
proposals, the fund's pre-review, declarations, scores, consensus and justifications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import MAX_AMOUNT
from tutela.core.forms.fields import DateInput
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup, User
from tutela.planning.models import (
    Allocation,
    EligibleOrganisation,
    Project,
    ReviewerTie,
    ScoreQuestion,
)
from tutela.planning.selectors import fivew
from tutela.planning.selectors.fivew import Activity
from tutela.planning.selectors.plans import area_choices


def _field(form: forms.Form, name: str) -> Any:
    return form.fields[name]


def operation_users(operation: Operation) -> Any:
    return User.objects.filter(operation_roles__operation=operation, is_active=True).distinct()


class AllocationForm(forms.Form):
    fund = forms.ChoiceField(label=_("Fund"), choices=Allocation.Fund.choices)
    fund_name = forms.CharField(
        label=_("Fund name"), max_length=200, help_text=_("e.g. Mali Humanitarian Fund")
    )
    name = forms.CharField(
        label=_("Allocation"), max_length=200, help_text=_("e.g. 2026 first standard allocation")
    )
    body = forms.ModelChoiceField(label=_("Cluster / AoR"), queryset=Body.objects.none())
    envelope_usd = forms.DecimalField(
        label=_("Envelope (USD)"),
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=16,
        decimal_places=2,
    )
    strategy = forms.CharField(
        label=_("Allocation strategy"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    priority_areas = forms.ModelMultipleChoiceField(
        label=_("Priority areas"), queryset=AdminArea.objects.none(), required=False
    )
    priority_activities = forms.ModelMultipleChoiceField(
        label=_("Priority activities"), queryset=Activity.objects.none(), required=False
    )
    priority_groups = forms.ModelMultipleChoiceField(
        label=_("Priority population groups"),
        queryset=PopulationGroup.objects.none(),
        required=False,
    )
    call_opens = forms.DateField(label=_("Call opens"), widget=DateInput())
    call_closes = forms.DateField(label=_("Deadline for proposals"), widget=DateInput())
    review_by = forms.DateField(label=_("Strategic review by"), widget=DateInput(), required=False)
    decision_by = forms.DateField(
        label=_("Decision expected by"), widget=DateInput(), required=False
    )
    min_score = forms.DecimalField(
        label=_("Minimum score (out of 100)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=50,
    )
    fund_managers = forms.ModelMultipleChoiceField(
        label=_("Fund managers"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The fund's staff: they pre-review proposals and see the record of recusals."),
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "body").queryset = Body.objects.filter(
            operation=operation, kind__in=[Body.Kind.CLUSTER, Body.Kind.AOR]
        ).order_by("kind", "name")
        _field(self, "priority_areas").queryset = area_choices(operation, levels=(1, 2))
        _field(self, "priority_activities").queryset = fivew.catalogue_activities(
            operation
        ).order_by("code")
        _field(self, "priority_groups").queryset = fivew.population_groups(operation)
        _field(self, "fund_managers").queryset = operation_users(operation).order_by("full_name")
        for name in ("priority_areas", "priority_activities", "priority_groups", "fund_managers"):
            self.fields[name].widget.attrs["size"] = 6


class EligibilityForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    due_diligence = forms.ChoiceField(
        label=_("Due diligence"), choices=EligibleOrganisation.DueDiligence.choices
    )
    capacity = forms.ChoiceField(
        label=_("Capacity assessment"), choices=EligibleOrganisation.Capacity.choices
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "organisation").queryset = operation.organisations.order_by("acronym")


class ReviewerForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Member"), queryset=User.objects.none())

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "user").queryset = operation_users(operation).order_by("full_name")


class TieForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    relation = forms.ChoiceField(label=_("Tie"), choices=ReviewerTie.Relation.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "organisation").queryset = operation.organisations.order_by("acronym")


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name_en = forms.CharField(label=_("Category (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Category (French)"), max_length=300)
    name_es = forms.CharField(label=_("Category (Spanish)"), max_length=300, required=False)
    weight = forms.DecimalField(
        label=_("Weight (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, initial=0)


class QuestionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name_en = forms.CharField(label=_("Question (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Question (French)"), max_length=300)
    name_es = forms.CharField(label=_("Question (Spanish)"), max_length=300, required=False)
    guidance = forms.CharField(
        label=_("Guidance for reviewers"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    max_score = forms.IntegerField(label=_("Highest score"), min_value=1, max_value=100, initial=5)
    weight = forms.DecimalField(
        label=_("Weight in its category"), min_value=0, max_digits=5, decimal_places=2, initial=1
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, initial=0)


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 6}))
    project = forms.ModelChoiceField(
        label=_("Project in the plan"), queryset=Project.objects.none(), required=False
    )
    implementing_partners = forms.ModelMultipleChoiceField(
        label=_("Implementing partners (sub-grantees)"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), required=False)
    end_date = forms.DateField(label=_("End date"), widget=DateInput(), required=False)
    areas = forms.ModelMultipleChoiceField(label=_("Locations"), queryset=AdminArea.objects.none())
    activities = forms.ModelMultipleChoiceField(
        label=_("Activities"), queryset=Activity.objects.none()
    )

    def __init__(
        self, *args: Any, operation: Operation, organisation_id: int | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation_id = organisation_id or 0
        _field(self, "project").queryset = Project.objects.filter(
            operation=operation, organisation_id=organisation_id
        ).order_by("code")
        _field(self, "implementing_partners").queryset = operation.organisations.exclude(
            pk=organisation_id
        ).order_by("acronym")
        _field(self, "areas").queryset = area_choices(operation, levels=(1, 2, 3))
        _field(self, "activities").queryset = fivew.catalogue_activities(operation).order_by("code")
        for name in ("implementing_partners", "areas", "activities"):
            self.fields[name].widget.attrs["size"] = 8


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Document"))


class PrereviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept for the strategic review")),
            ("return", _("Return for corrections")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the partner"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("no", _("I have no conflict of interest with this proposal")),
            ("yes", _("I have a conflict of interest with this proposal")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=_("What the conflict is"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ScoreForm(forms.Form):
    """One score and comment per question of the locked scorecard."""

    def __init__(self, *args: Any, questions: list[ScoreQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.IntegerField(
                label=f"{question.code} — {question.name}",
                min_value=0,
                max_value=question.max_score,
                help_text=question.guidance,
            )
            self.fields[f"c{question.pk}"] = forms.CharField(
                label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
            )

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            q.pk: (self.cleaned_data[f"q{q.pk}"], self.cleaned_data.get(f"c{q.pk}", ""))
            for q in self.questions
        }

    def pairs(self) -> list[tuple[Any, Any]]:
        return [(self[f"q{q.pk}"], self[f"c{q.pk}"]) for q in self.questions]


class ConsensusForm(forms.Form):
    question = forms.ModelChoiceField(label=_("Question"), queryset=ScoreQuestion.objects.none())
    value = forms.DecimalField(label=_("Consensus score"), min_value=0, decimal_places=2)
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, allocation: Allocation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "question").queryset = ScoreQuestion.objects.filter(
            category__scorecard__allocation=allocation
        )


class JustificationForm(forms.Form):
    recommended = forms.TypedChoiceField(
        label=_("Recommendation"),
        choices=[("yes", _("Recommended")), ("no", _("Not recommended"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 6})
    )
