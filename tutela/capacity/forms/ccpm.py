"""Forms of the CCPM pages: rounds, the questionnaire (for partners through their link, and for
the coordination team), editing the questions, and the action plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tutela.capacity import ccpm_scoring
from tutela.capacity.forms.common import OrganisationChoiceField, bodies_of, organisations_of
from tutela.capacity.models import CcpmQuestion, CcpmRound, CcpmSubFunction
from tutela.capacity.models.ccpm import Audience, Scale
from tutela.core.forms.fields import DateInput
from tutela.core.models import Body, Operation, Organisation


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    bodies = forms.ModelMultipleChoiceField(
        label=_("Bodies evaluated"),
        queryset=Body.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The national cluster and the sub-national bodies whose partners answer."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput())
    minimum_responses = forms.IntegerField(
        label=_("Minimum number of answers"),
        min_value=3,
        max_value=100,
        help_text=_("A body's results are shown only with at least this many partner answers."),
    )
    link_mode = forms.ChoiceField(
        label=_("Links"), choices=CcpmRound.LinkMode.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)
    reminder_days = forms.IntegerField(
        label=_("Reminder, days before closing"), min_value=0, max_value=60
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bodies"].queryset = bodies_of(operation)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(round: CcpmRound) -> dict[str, Any]:
        initial = {name: getattr(round, name) for name in RoundForm.base_fields if name != "bodies"}
        initial["bodies"] = list(round.bodies.all())
        return initial


class QuestionnaireForm(forms.Form):
    """One radio-button question per CCPM question, grouped by sub-function in the template."""

    def __init__(self, *args: Any, questions: list[CcpmQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.name,
                choices=ccpm_scoring.choices(question.scale),
                widget=forms.RadioSelect,
                required=False,
            )

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}

    def grouped(self) -> list[tuple[str, list[Any]]]:
        """(sub-function heading, bound fields) in questionnaire order."""
        groups: list[tuple[str, list[Any]]] = []
        for question in self.questions:
            sub = question.subfunction
            heading = f"{sub.code} {sub.name}"
            if not groups or groups[-1][0] != heading:
                groups.append((heading, []))
            groups[-1][1].append(self[f"q{question.pk}"])
        return groups


class CcpmQuestionForm(forms.Form):
    subfunction = forms.ModelChoiceField(
        label=_("Sub-function"), queryset=CcpmSubFunction.objects.none()
    )
    audience = forms.ChoiceField(label=_("Asked to"), choices=Audience.choices)
    scale = forms.ChoiceField(label=_("Answer scale"), choices=Scale.choices)
    name_en = forms.CharField(label=_("Question (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Question (French)"), max_length=300)
    name_es = forms.CharField(label=_("Question (Spanish)"), max_length=300, required=False)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subs = CcpmSubFunction.objects.filter(function__operation=operation).order_by(
            "function__order", "order"
        )
        field = self.fields["subfunction"]
        field.queryset = subs  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.code} {s.name}"  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(question: CcpmQuestion) -> dict[str, Any]:
        return {name: getattr(question, name) for name in CcpmQuestionForm.base_fields}


class ActionItemForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=500)
    body = forms.ModelChoiceField(label=_("Body"), queryset=Body.objects.none(), required=False)
    subfunction = forms.ModelChoiceField(
        label=_("Sub-function"), queryset=CcpmSubFunction.objects.none(), required=False
    )
    owner_organisation = OrganisationChoiceField(
        label=_("Owner organisation"), queryset=Organisation.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, round: CcpmRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operation = round.operation
        self.fields["body"].queryset = round.bodies.order_by("name")  # type: ignore[attr-defined]
        subs = CcpmSubFunction.objects.filter(function__operation=operation).order_by(
            "function__order", "order"
        )
        sub_field = self.fields["subfunction"]
        sub_field.queryset = subs  # type: ignore[attr-defined]
        sub_field.label_from_instance = lambda s: f"{s.code} {s.name}"  # type: ignore[attr-defined]
        self.fields["owner_organisation"].queryset = organisations_of(operation)  # type: ignore[attr-defined]


__all__ = ["ActionItemForm", "CcpmQuestionForm", "QuestionnaireForm", "RoundForm", "bodies_of"]
