"""Forms of the meetings pages. They parse input only: the services validate and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tutela.coordination.models import ActionPoint, Meeting, MeetingDocument, MeetingSeries
from tutela.core.forms.fields import DateInput, DateTimeInput
from tutela.core.models import Body, Operation, Organisation


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} — {obj.name}" if obj.code else str(obj.name)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.acronym} — {obj.name}"


def _bodies(operation: Operation) -> Any:
    return Body.objects.filter(operation=operation).order_by("kind", "name")


def _organisations(operation: Operation) -> Any:
    return Organisation.objects.filter(operations=operation).order_by("acronym")


def language_choices(operation: Operation) -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    codes = [code for code in (operation.languages or []) if code in names] or list(names)
    return [(code, str(names[code])) for code in codes]


class MeetingFilterForm(forms.Form):
    WHEN_CHOICES = [
        ("upcoming", _("Upcoming")),
        ("past", _("Past")),
        ("all", _("All")),
    ]

    body = BodyChoiceField(label=_("Body"), queryset=Body.objects.none(), required=False)
    when = forms.ChoiceField(label=_("When"), choices=WHEN_CHOICES, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *Meeting.Status.choices], required=False
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["body"]).queryset = _bodies(operation)


class MeetingForm(forms.Form):
    """A one-off meeting, or (when creating) a recurring one."""

    body = BodyChoiceField(label=_("Body"), queryset=Body.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=15, max_value=24 * 60, initial=120
    )
    location = forms.CharField(label=_("Location"), max_length=300, required=False)
    online_link = forms.URLField(
        label=_("Online meeting link"), required=False, assume_scheme="https"
    )
    language = forms.ChoiceField(
        label=_("Language of the meeting"),
        help_text=_("Invitations, minutes and their exports are written in this language."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item a line. The body's open action points are added automatically."),
    )
    recurring = forms.BooleanField(label=_("Recurring meeting"), required=False)
    frequency = forms.ChoiceField(
        label=_("Frequency"), choices=MeetingSeries.Frequency.choices, required=False
    )
    until = forms.DateField(label=_("Repeat until"), required=False, widget=DateInput())

    def __init__(
        self, *args: Any, operation: Operation, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["body"]).queryset = _bodies(operation)
        cast(forms.ChoiceField, self.fields["language"]).choices = language_choices(operation)
        self.fields["language"].initial = operation.default_language
        if editing:
            for name in ("body", "agenda", "recurring", "frequency", "until"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("recurring"):
            if not data.get("frequency"):
                self.add_error("frequency", _("Choose how often the meeting takes place."))
            if not data.get("until"):
                self.add_error("until", _("Give the date of the last meeting."))
        return data

    def agenda_lines(self) -> list[str]:
        text = self.cleaned_data.get("agenda") or ""
        return [line.strip(" -*\t") for line in text.splitlines() if line.strip(" -*\t")]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=300)
    presenter = OrganisationChoiceField(
        label=_("Presenter organisation"), queryset=Organisation.objects.none(), required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=600, required=False
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["presenter"]).queryset = _organisations(operation)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class MinutesForm(forms.Form):
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: one decision a line, starting with “- ”."),
    )
    text = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, *italics*, “## ” for a heading, “- ” for a list."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("text") or "").strip() and not (data.get("decisions") or "").strip():
            raise ValidationError(_("Write the decisions or the minutes."))
        return data


class MeetingActionPointForm(forms.Form):
    """An action point raised in the meeting (created through the action points service)."""

    title = forms.CharField(label=_("Action"), max_length=500)
    owner_organisation = OrganisationChoiceField(
        label=_("Owner organisation"), queryset=Organisation.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ActionPoint.Priority.choices, initial="medium"
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner_organisation"]).queryset = _organisations(
            operation
        )


class ParticipationForm(forms.Form):
    body = BodyChoiceField(label=_("Body"), queryset=Body.objects.none(), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["body"]).queryset = _bodies(operation)
