"""Forms of the Protection Analysis Update pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tutela.core.models import AdminArea, Operation, User
from tutela.core.selectors import country_pcodes
from tutela.monitoring.access import approver_candidates
from tutela.monitoring.pau.figures import parse_period
from tutela.monitoring.pau.sections import MAX_SECTION_CHARS, SECTIONS


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.email} ({obj.email})"


class PauCreateForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        max_length=10,
        help_text=_("A quarter such as 2026Q3, or a month such as 2026-07."),
    )
    scope = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=AdminArea.objects.none(),
        required=False,
        empty_label=_("Whole operation"),
        help_text=_("Leave empty for the whole operation, or choose a region."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=())

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scope"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = AdminArea.objects.filter(
            level=1, country_pcode__in=country_pcodes(operation)
        ).order_by("name")
        codes = operation.languages or [code for code, _name in settings.LANGUAGES]
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = [
            (code, name) for code, name in settings.LANGUAGES if code in codes
        ]
        self.initial.setdefault("language", operation.default_language)

    def clean_period(self) -> str:
        value = self.cleaned_data["period"]
        try:
            return parse_period(value).code
        except ValueError:
            raise forms.ValidationError(
                _("Enter a quarter such as 2026Q3 or a month such as 2026-07.")
            ) from None


class SectionsForm(forms.Form):
    note = forms.CharField(label=_("What changed (version note)"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, title in SECTIONS:
            self.fields[key] = forms.CharField(
                label=title,
                required=False,
                max_length=MAX_SECTION_CHARS,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 8}),
                help_text=_(
                    "Markdown: blank line between paragraphs, “- ” for a bullet, **bold**."
                ),
            )
        # The note last.
        self.order_fields([key for key, _title in SECTIONS] + ["note"])

    def sections(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key, _title in SECTIONS}


class SubmitForm(forms.Form):
    approver = UserChoiceField(label=_("Approver"), queryset=User.objects.none())

    def __init__(
        self, *args: Any, operation: Operation, exclude: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        candidates = [
            u.pk for u in approver_candidates(operation) if u.pk != getattr(exclude, "pk", None)
        ]
        field = self.fields["approver"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=candidates).order_by("full_name", "email")


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=250, required=False)
