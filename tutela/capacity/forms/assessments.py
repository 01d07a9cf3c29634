"""Forms of the tests, the online answer page, and certificates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.capacity.models import Attempt, KnowledgeTest, Question, Registration
from tutela.core.forms.fields import DateInput


class TestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Test"), choices=KnowledgeTest.Kind.choices)
    mode = forms.ChoiceField(
        label=_("Mode"), choices=KnowledgeTest.Mode.choices, widget=forms.RadioSelect
    )
    max_score = forms.IntegerField(
        label=_("Maximum score (paper)"), min_value=1, max_value=1000, required=False
    )
    send_on = forms.DateField(
        label=_("Send on (follow-up)"),
        required=False,
        widget=DateInput(),
        help_text=_("Default: three months after the session."),
    )


class PaperScoresForm(forms.Form):
    """One number field per registered participant."""

    def __init__(
        self, *args: Any, rows: list[tuple[Registration, Attempt | None]], maximum: int, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for registration, attempt in rows:
            name = f"r{registration.pk}"
            self.fields[name] = forms.DecimalField(
                label=registration.participant.full_name,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(maximum),
                decimal_places=2,
                max_digits=6,
                initial=attempt.points if attempt is not None else None,
            )

    def scores(self) -> dict[int, Decimal | None]:
        return {
            int(name[1:]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("r") and name[1:].isdigit()
        }


class AnswerForm(forms.Form):
    """The online test: one field per question (radio buttons, or check boxes for multiple
    choice); the follow-up survey adds how the person uses what they learnt."""

    def __init__(
        self, *args: Any, questions: list[Question], follow_up: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, start=1):
            choices = [(str(c.pk), c.text) for c in question.choices.all()]
            label = f"{number}. {question.text}"
            if question.kind == Question.Kind.MULTIPLE:
                self.fields[f"q{question.pk}"] = forms.MultipleChoiceField(
                    label=label,
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    help_text=_("Tick every right answer."),
                )
            else:
                self.fields[f"q{question.pk}"] = forms.ChoiceField(
                    label=label, choices=choices, widget=forms.RadioSelect, required=False
                )
        if follow_up:
            self.fields["use_on_job"] = forms.ChoiceField(
                label=_("How often do you use what you learnt in your work?"),
                choices=Attempt.UseOnJob.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields["shared_with_colleagues"] = forms.TypedChoiceField(
                label=_("Have you shared it with colleagues?"),
                choices=[("1", _("Yes")), ("0", _("No"))],
                coerce=lambda value: value == "1",
                empty_value=None,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields["comment"] = forms.CharField(
                label=_("An example, or what would help you more (optional)"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def selections(self) -> dict[int, list[int]]:
        chosen: dict[int, list[int]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if isinstance(value, list):
                chosen[question.pk] = [int(v) for v in value]
            elif value:
                chosen[question.pk] = [int(value)]
            else:
                chosen[question.pk] = []
        return chosen


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=30,
        help_text=_("As printed on the certificate, e.g. ABCD-EFGH-JKLM."),
    )
