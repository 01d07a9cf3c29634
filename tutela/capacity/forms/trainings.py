"""Forms of the course, session, participant and attendance pages (the API has serializers that
call the same services)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tutela.capacity.forms.common import (
    OrganisationChoiceField,
    PcodeField,
    bodies_of,
    organisations_of,
)
from tutela.capacity.models import Course, Participant, Question, TrainingSession
from tutela.core.forms.fields import DateInput
from tutela.core.models import Body, Operation, Organisation

CHOICE_SLOTS = 6


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=30, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=Course.Topic.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Course.Audience.choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    duration_days = forms.IntegerField(label=_("Duration (days)"), min_value=1, max_value=30)
    pass_mark = forms.IntegerField(
        label=_("Pass mark (%)"),
        min_value=1,
        max_value=100,
        initial=70,
        help_text=_("Post-test score from which a participant's knowledge is adequate."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @staticmethod
    def initial_for(course: Course) -> dict[str, Any]:
        return {name: getattr(course, name) for name in CourseForm.base_fields}


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, PowerPoint, Excel, OpenDocument, text, pictures, audio, video."),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    true = forms.TypedChoiceField(
        label=_("The statement is"),
        required=False,
        choices=[("", "—"), ("1", _("True")), ("0", _("False"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        help_text=_("For true / false questions only."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(1, CHOICE_SLOTS + 1):
            self.fields[f"choice_{index}"] = forms.CharField(
                label=_("Answer %(n)s") % {"n": index}, max_length=300, required=False
            )
            self.fields[f"correct_{index}"] = forms.BooleanField(
                label=_("Answer %(n)s is correct") % {"n": index}, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == Question.Kind.TRUE_FALSE and data.get("true") is None:
            self.add_error("true", _("Say whether the statement is true or false."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        choices = [
            (data[f"choice_{i}"].strip(), bool(data[f"correct_{i}"]))
            for i in range(1, CHOICE_SLOTS + 1)
            if (data.get(f"choice_{i}") or "").strip()
        ]
        return {
            "text": data["text"],
            "kind": data["kind"],
            "choices": choices,
            "true": data.get("true"),
            "order": data.get("order"),
        }

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "text": question.text,
            "kind": question.kind,
            "order": question.order,
        }
        choices = list(question.choices.all())
        if question.kind == Question.Kind.TRUE_FALSE and choices:
            initial["true"] = "1" if choices[0].is_correct else "0"
        else:
            for index, choice in enumerate(choices[:CHOICE_SLOTS], start=1):
                initial[f"choice_{index}"] = choice.text
                initial[f"correct_{index}"] = choice.is_correct
        return initial


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the course's title."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("— the course's —")), *settings.LANGUAGES],
        required=False,
    )
    starts_on = forms.DateField(label=_("First day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput())
    area = PcodeField(label=_("Place (P-code)"), help_text=_("e.g. ML0501 for Bandiagara."))
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    body = forms.ModelChoiceField(
        label=_("Organised by (body)"), queryset=Body.objects.none(), required=False
    )
    host_organisation = OrganisationChoiceField(
        label=_("Host organisation"), queryset=Organisation.objects.none(), required=False
    )
    trainers = forms.CharField(
        label=_("Trainers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, e.g. “Awa Traoré (UNHCR)”."),
    )
    organisations_invited = forms.ModelMultipleChoiceField(
        label=_("Organisations invited"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: open to every organisation."),
    )
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=TrainingSession.Status.choices)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.filter(operation=operation).order_by("title")
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["body"].queryset = bodies_of(operation)  # type: ignore[attr-defined]
        organisations = organisations_of(operation)
        self.fields["host_organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["organisations_invited"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["organisations_invited"].label_from_instance = lambda o: o.acronym  # type: ignore[attr-defined]
        area = self.fields["area"]
        assert isinstance(area, PcodeField)
        area.operation = operation

    @staticmethod
    def initial_for(session: TrainingSession) -> dict[str, Any]:
        initial = {
            name: getattr(session, name)
            for name in SessionForm.base_fields
            if name not in {"organisations_invited", "area"}
        }
        initial["area"] = session.area.pcode
        initial["organisations_invited"] = list(session.organisations_invited.all())
        return initial


class SessionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *TrainingSession.Status.choices],
    )
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none(), required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.filter(operation=operation).order_by("title")
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]


class ParticipantForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Empty for community members who belong to no organisation."),
    )
    function = forms.CharField(label=_("Function"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Participant.Sex.choices)
    age_band = forms.ChoiceField(label=_("Age band"), choices=Participant.AgeBand.choices)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def __init__(
        self, *args: Any, operation: Operation, own_organisation: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        organisations = organisations_of(operation)
        if own_organisation is not None:
            organisations = organisations.filter(pk=own_organisation)
            self.fields["organisation"].required = True
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(participant: Participant) -> dict[str, Any]:
        return {name: getattr(participant, name) for name in ParticipantForm.base_fields}


class RegisterExistingForm(forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Participant already known"), queryset=Participant.objects.none()
    )

    def __init__(self, *args: Any, participants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        field.queryset = participants.select_related("organisation")  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.full_name} ({p.organisation.acronym if p.organisation_id else '—'})"
        )


class AttendanceForm(forms.Form):
    day = forms.TypedChoiceField(label=_("Day"), coerce=str)
    present = forms.MultipleChoiceField(
        label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, session: TrainingSession, rows: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].choices = [  # type: ignore[attr-defined]
            (day.isoformat(), day.isoformat()) for day in session.days()
        ]
        self.fields["present"].choices = rows  # type: ignore[attr-defined]

    def clean_day(self) -> Any:

        try:
            return datetime.date.fromisoformat(self.cleaned_data["day"])
        except ValueError:
            raise ValidationError(_("Choose one of the session's days.")) from None
