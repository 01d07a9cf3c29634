"""The operation settings form (for the operation's managers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tutela.core.models import Operation
from tutela.core.models.roles import Role

# Admin levels whose names the page edits; deeper levels keep their labels untouched.
LABEL_LEVELS = (0, 1, 2, 3)
LABEL_EXAMPLES = {
    0: _("Country"),
    1: _("Region, State, Department"),
    2: _("Cercle, District, Province"),
    3: _("Commune, Municipality"),
}


def label_field_name(level: int) -> str:
    return f"label_{level}"


class OperationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name of the operation"), max_length=200)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages the operation works and publishes in."),
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("Used for the operation's products and for people who chose no language."),
    )
    disclosure_threshold = forms.IntegerField(
        label=_("Small-count threshold"),
        min_value=2,
        max_value=50,
        help_text=_(
            "Small numbers can identify people: 2 survivors in a village are two people "
            "everyone there knows. In every figure shared beyond the organisation that reported "
            "it (pages, exports, the API, reports), counts above zero but below this threshold "
            "are hidden, and as many other figures as needed so that they cannot be worked out "
            "from the totals. Between 2 and 50; 5 is usual."
        ),
    )
    require_2fa_roles = forms.MultipleChoiceField(
        label=_("Roles that must use two-factor authentication"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "People with a ticked role who have not set up two-factor authentication are sent "
            "to set it up on their next visit, and cannot use the operation until they do."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The label fields go between the languages and the threshold.
        for level in LABEL_LEVELS:
            self.fields[label_field_name(level)] = forms.CharField(
                label=_("Name of admin level %(level)d") % {"level": level},
                max_length=60,
                required=False,
                help_text=_("For example: %(example)s. Leave empty for “Admin %(level)d”.")
                % {"example": LABEL_EXAMPLES[level], "level": level},
            )
        order = [
            "name",
            "languages",
            "default_language",
            *(label_field_name(level) for level in LABEL_LEVELS),
            "disclosure_threshold",
            "require_2fa_roles",
        ]
        self.order_fields(order)

    @property
    def label_fields(self) -> list[forms.BoundField]:
        return [self[label_field_name(level)] for level in LABEL_LEVELS]

    @staticmethod
    def initial_for(operation: Operation) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": operation.name,
            "languages": list(operation.languages),
            "default_language": operation.default_language,
            "disclosure_threshold": operation.disclosure_threshold,
            "require_2fa_roles": list(operation.require_2fa_roles),
        }
        for level in LABEL_LEVELS:
            initial[label_field_name(level)] = operation.admin_level_labels.get(str(level), "")
        return initial

    def service_fields(self, operation: Operation) -> dict[str, Any]:
        """The cleaned data as operation_update() takes it."""
        data = dict(self.cleaned_data)
        # Labels of deeper levels (set through the API) are kept as they are.
        labels = {
            key: value
            for key, value in operation.admin_level_labels.items()
            if key not in {str(level) for level in LABEL_LEVELS}
        }
        for level in LABEL_LEVELS:
            labels[str(level)] = data.pop(label_field_name(level))
        data["admin_level_labels"] = labels
        return data
