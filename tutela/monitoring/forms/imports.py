"""Forms of the monitoring import pages: the upload, and the column and value mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tutela.core.imports.forms import UploadFormBase
from tutela.core.imports.value_lists import add_value_fields, posted_values
from tutela.core.models import Organisation
from tutela.monitoring.models import Kind, MonitoringMapping

# Value-mapping choice meaning "leave the rows with this value out".
SKIP_ROW = "__skip__"


class MappingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class UploadForm(UploadFormBase):
    file = forms.FileField(
        label=_("File (XLSX, CSV or a KoboToolbox/ODK export)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.xls,.ods,.csv"}),
    )
    kind = forms.ChoiceField(label=_("What the file holds"), choices=Kind.choices)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Reporting organisation"),
        required=False,
        help_text=_(
            "The organisation the records belong to. Empty: your own. Other organisations are "
            "listed once they have authorised the operation's coordinators and information "
            "management officers to import their monitoring data."
        ),
    )
    mapping = MappingChoiceField(
        queryset=MonitoringMapping.objects.none(),
        label=_("Saved column mapping"),
        required=False,
        help_text=_("For files whose columns Tutela does not recognise by itself."),
    )
    profile = forms.ChoiceField(
        label=_("Ready-made profile"),
        required=False,
        help_text=_(
            "For files as another system exports them (an ACLED export...): the profile says "
            "which column holds what and what its values mean."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): show what would be saved without saving"),
        required=False,
        initial=True,
    )

    def __init__(
        self, *args: Any, profiles: dict[str, dict[str, str]] | None = None, **kwargs: Any
    ) -> None:
        """`profiles`: {kind: {name: title}} of the profiles the operation may use."""
        super().__init__(*args, **kwargs)
        self.profile_kinds = {
            name: kind for kind, named in (profiles or {}).items() for name in named
        }
        field = self.fields["profile"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("— none: recognise the columns, or use the saved mapping —")),
            *[
                (name, f"{title} ({Kind(kind).label})")
                for kind, named in (profiles or {}).items()
                for name, title in named.items()
            ],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mapping = data.get("mapping")
        if mapping is not None and mapping.kind != data.get("kind"):
            self.add_error("mapping", _("This mapping is for another kind of file."))
        profile = data.get("profile")
        if profile and mapping is not None:
            self.add_error("profile", _("Choose a saved mapping or a profile, not both."))
        elif profile and self.profile_kinds.get(profile) != data.get("kind"):
            self.add_error("profile", _("This profile is for another kind of file."))
        return data


class MappingForm(forms.Form):
    """One select per column of the file (which field it holds), one per unknown value of the
    coded columns (which code it means), and the mapping's name."""

    name = forms.CharField(label=_("Save the mapping as"), max_length=100)

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        field_choices: list[tuple[str, str]],
        initial_columns: dict[int, str],
        unknown: dict[str, list[tuple[str, int]]],
        value_choices: dict[str, list[tuple[str, str]]],
        field_labels: dict[str, str],
        initial_values: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— ignore this column —")), *field_choices]
        self.column_keys: list[str] = []
        for index, header in enumerate(headers):
            key = f"col_{index}"
            self.fields[key] = forms.ChoiceField(
                label=header or _("(column %(number)s without a header)") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=initial_columns.get(index, ""),
            )
            self.column_keys.append(key)
        # Every distinct value, keyed by the value (value_lists); the page shows some at a time.
        self.value_rows = add_value_fields(
            self,
            unknown=unknown,
            choices=value_choices,
            blank_choices=[
                ("", _("— leave as it is (an error) —")),
                (SKIP_ROW, _("— leave these rows out —")),
            ],
            initial=initial_values,
            field_labels=field_labels,
            initial_for=lambda saved: SKIP_ROW if saved is None else saved,
        )
        self.field_labels = field_labels

    def column_fields(self) -> list[Any]:
        return [self[key] for key in self.column_keys]

    def mapping_columns(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{index}", "") or ""
            for index, header in enumerate(self.headers)
            if header
        }

    def mapping_values(self, existing: dict[str, Any] | None = None) -> dict[str, Any]:
        """`existing` (the saved mapping's tables: values of earlier files are remembered) with
        the choices of this form; "leave these rows out" is stored as None."""
        return posted_values(
            self.cleaned_data,
            self.value_rows,
            existing,
            store=lambda chosen: None if chosen == SKIP_ROW else chosen,
        )


class SavedMappingForm(forms.Form):
    """A saved mapping's name and, for the operation's managers, who uses it (empty: every
    organisation of the operation)."""

    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                queryset=organisations,
                label=_("Used by"),
                required=False,
                empty_label=_("Every organisation of the operation (shared)"),
                help_text=_(
                    "A shared mapping can be chosen by every organisation when uploading a file."
                ),
            )
