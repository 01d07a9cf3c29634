"""Forms of the 5W pages: rounds, review, configuration, uploads and column mappings.

The web grid is in forms/grid.py, the analysis filters in forms/analysis.py.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    ColumnMapping,
)
from tutela.activities.models import fields as fivew
from tutela.core.forms.fields import MONTH_FORMAT, DateInput, MonthInput, names_required_in
from tutela.core.imports.forms import UploadFormBase
from tutela.core.imports.value_lists import add_value_fields, posted_values
from tutela.core.models import Body, Operation, Organisation, PopulationGroup

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_EXTENSIONS = (".xlsx", ".csv")


# --- rounds and review ---------------------------------------------------------------------------


class RoundForm(forms.Form):
    month = forms.DateField(
        label=_("Month reported on"),
        input_formats=[MONTH_FORMAT, "%Y-%m-%d"],
        widget=MonthInput(),
        help_text=_("As YYYY-MM, e.g. 2026-03."),
    )
    deadline = forms.DateField(
        label=_("Deadline"), widget=DateInput(), help_text=_("Last day partners can report.")
    )


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())


class ReviewForm(forms.Form):
    ACTIONS = (("validate", _("Validate")), ("return", _("Return for correction")))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment to the partner"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when returning the report: say what needs correcting."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs correcting."))
        return data


# --- configuration -------------------------------------------------------------------------------


class ActivityForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=_("Cluster / AoR"))
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("e.g. PRO-PSS"))
    name_en = forms.CharField(label=_("Name (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=300)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    by_sex_age = forms.BooleanField(
        label=_("Disaggregated by sex and age"), required=False, initial=True
    )
    by_disability = forms.BooleanField(
        label=_("Disaggregated by disability"), required=False, initial=True
    )
    modalities = forms.MultipleChoiceField(
        label=_("Modalities"),
        choices=ActivityReport.Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any modality."),
    )
    is_sensitive = forms.BooleanField(
        label=_("Sensitive (small counts suppressed in shared products)"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_required_in(self, operation)
        body_field = self.fields["body"]
        assert isinstance(body_field, forms.ModelChoiceField)
        body_field.queryset = Body.objects.filter(operation=operation).order_by("name")

    @staticmethod
    def initial_for(activity: Activity) -> dict[str, Any]:
        return {
            "body": activity.body_id,
            "code": activity.code,
            "name_en": activity.name_en,
            "name_fr": activity.name_fr,
            "name_es": activity.name_es,
            "description": activity.description,
            "by_sex_age": activity.by_sex_age,
            "by_disability": activity.by_disability,
            "modalities": list(activity.modalities or []),
            "is_sensitive": activity.is_sensitive,
            "is_active": activity.is_active,
        }


class IndicatorForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(label=_("Code"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=300)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=300, required=False)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=Activity.Unit.choices, initial=Activity.Unit.PEOPLE
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_required_in(self, operation)


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=2, can_delete=True)


def indicator_lines(formset: Any) -> list[dict[str, Any]]:
    """The indicator lines of a valid formset, for the activity services."""
    lines = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue
        lines.append({**data, "delete": bool(data.get("DELETE"))})
    return lines


class PopulationGroupForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. IDP, REF, HST"))
    name_en = forms.CharField(label=_("Name (English)"), max_length=300)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=300)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=300, required=False)
    hxl_attribute = forms.CharField(
        label=_("HXL attribute"), max_length=30, required=False, help_text=_("e.g. +idps")
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_required_in(self, operation)


class SettingsForm(forms.Form):
    cumulative_rule = forms.ChoiceField(
        label=_("Cumulative figure of people reached"),
        choices=ActivitySettings.CumulativeRule.choices,
        widget=forms.RadioSelect,
    )
    outlier_factor = forms.IntegerField(
        label=_("Outlier factor"),
        min_value=2,
        max_value=100,
        help_text=_(
            "A row more than this many times the organisation's usual figure for the activity "
            "is flagged for review."
        ),
    )
    rounds_open_days_before_end = forms.IntegerField(
        label=_("Open each month's reporting round automatically"),
        required=False,
        min_value=0,
        max_value=27,
        help_text=_(
            "Days before the end of the month (e.g. 5). Leave empty to open rounds yourself."
        ),
    )
    rounds_deadline_day = forms.IntegerField(
        label=_("Deadline of an automatic round: day of the next month"),
        required=False,
        min_value=1,
        max_value=28,
        initial=10,
    )
    sensitive_areas = forms.CharField(
        label=_("Areas where partner names are hidden"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "P-codes separated by spaces, commas or new lines. Products show counts only there."
        ),
    )

    def clean_sensitive_areas(self) -> list[str]:
        text = self.cleaned_data.get("sensitive_areas") or ""
        return [p for p in re.split(r"[\s,;]+", text.upper()) if p]


# --- planning figures ----------------------------------------------------------------------------


class PlanningFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    body = forms.ModelChoiceField(
        queryset=Body.objects.none(), label=_("Cluster / AoR"), required=False
    )
    population_group = forms.ModelChoiceField(
        queryset=PopulationGroup.objects.none(), label=_("Population group"), required=False
    )
    pcode = forms.CharField(label=_("P-code starts with"), required=False, max_length=20)
    severity = forms.IntegerField(
        label=_("Severity at least"), required=False, min_value=1, max_value=5
    )

    def __init__(self, *args: Any, operation: Operation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_required_in(self, operation)
        body_field = self.fields["body"]
        group_field = self.fields["population_group"]
        assert isinstance(body_field, forms.ModelChoiceField)
        assert isinstance(group_field, forms.ModelChoiceField)
        body_field.queryset = Body.objects.filter(operation=operation).order_by("name")
        group_field.queryset = PopulationGroup.objects.filter(operation=operation)


def _check_upload(upload: Any) -> Any:
    name = (upload.name or "").lower()
    if not name.endswith(UPLOAD_EXTENSIONS):
        raise ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 50 MB."))
    return upload


class PlanningUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): show what would change without saving"),
        required=False,
        initial=True,
    )

    def clean_file(self) -> Any:
        return _check_upload(self.cleaned_data["file"])


# --- uploads and mappings ------------------------------------------------------------------------


class UploadForm(UploadFormBase):
    file = forms.FileField(
        label=_("5W file (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Reporting organisation"),
        required=False,
        help_text=_("Empty: the organisation named on each row."),
    )
    mapping = forms.ModelChoiceField(
        queryset=ColumnMapping.objects.none(),
        label=_("Saved column mapping"),
        required=False,
        help_text=_("For files that are not Tutela's template (Kobo or ODK exports, own sheets)."),
    )
    profile = forms.ChoiceField(
        label=_("Ready-made profile"),
        required=False,
        help_text=_(
            "For 5W files as another system publishes them (the HDX HXL 3W...): the profile says "
            "which column holds what, by header or HXL hashtag, and what its values mean."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): show what would change without saving"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, profiles: dict[str, str] | None = None, **kwargs: Any) -> None:
        """`profiles`: {name: title} of the 5W import profiles the operation may use."""
        super().__init__(*args, **kwargs)
        field = self.fields["profile"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("— none: recognise the columns, or use the saved mapping —")),
            *(profiles or {}).items(),
        ]

    def clean_file(self) -> Any:
        return _check_upload(self.cleaned_data["file"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("profile") and data.get("mapping") is not None:
            self.add_error("profile", _("Choose a saved mapping or a profile, not both."))
        return data


def field_choices() -> list[tuple[str, Any]]:
    return [("", _("— ignore this column —"))] + [(f.name, f.label) for f in fivew.FIELDS]


# Fields a mapping may give one value for every row of a file that has no column for them.
CONSTANT_FIELDS = ("organisation", "activity", "population_group", "status", "modality")


class MappingForm(forms.Form):
    """Each source column -> a 5W field (several columns for a count are added up; "ignore" is
    remembered); unknown values -> a code; a value for every row of a field the file lacks;
    optionally saved by name."""

    name = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Give it a name to reuse it next month (e.g. “Kobo monthly form”)."),
    )

    def __init__(
        self,
        *args: Any,
        columns: list[str],
        initial_columns: dict[str, str],
        unknown_values: dict[str, list[tuple[str, int]]],
        value_choices: dict[str, list[tuple[str, str]]],
        initial_values: dict[str, dict[str, str]] | None = None,
        constant_choices: dict[str, list[tuple[str, str]]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.column_keys: list[tuple[str, str]] = []
        self.constant_keys: list[tuple[str, str]] = []
        for position, column in enumerate(columns):
            key = f"col_{position}"
            self.fields[key] = forms.ChoiceField(
                label=column or _("(column without a header)"),
                choices=field_choices(),
                required=False,
                initial=initial_columns.get(column, ""),
            )
            self.column_keys.append((key, column))
        initial_values = initial_values or {}
        # Every distinct value, keyed by the value (value_lists); the page shows some at a time.
        self.value_rows = add_value_fields(
            self,
            unknown=unknown_values,
            choices=value_choices,
            blank_choices=[("", _("— leave as is —"))],
            initial=initial_values,
            field_labels={name: str(fivew.BY_NAME[name].label) for name in unknown_values},
        )
        for field_name, options in (constant_choices or {}).items():
            key = f"const_{field_name}"
            self.fields[key] = forms.ChoiceField(
                label=str(fivew.BY_NAME[field_name].label),
                choices=[("", _("— from the file —")), *options],
                required=False,
                initial=(initial_values.get(field_name) or {}).get("", ""),
            )
            self.constant_keys.append((key, field_name))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: list[str] = [str(data[key]) for key, _column in self.column_keys if data.get(key)]
        # Counts may come from several columns, added up (the file's own age bands).
        twice = sorted(
            {f for f in chosen if chosen.count(f) > 1 and fivew.BY_NAME[f].kind != "int"}
        )
        if twice:
            raise ValidationError(
                _(
                    "Each field can come from one column only (only counts can add several "
                    "columns): %(fields)s."
                )
                % {"fields": ", ".join(str(fivew.BY_NAME[f].label) for f in twice)}
            )
        constant = {name for key, name in self.constant_keys if data.get(key)}
        both = sorted(constant & set(chosen))
        if both:
            raise ValidationError(
                _("These fields have a column and a value for every row; choose one: %(fields)s.")
                % {"fields": ", ".join(str(fivew.BY_NAME[f].label) for f in both)}
            )
        chosen += sorted(constant)
        missing = [str(fivew.BY_NAME[f].label) for f in fivew.REQUIRED if f not in chosen]
        if not any(f.startswith("admin") for f in chosen):
            missing.append(str(_("a location (admin P-code or name)")))
        if missing:
            raise ValidationError(
                _("These fields need a column: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        return data

    def mapping_columns(self) -> dict[str, str]:
        """{header: field}; "" for the columns to ignore, so that they are not matched again
        next month."""
        return {
            column: self.cleaned_data.get(key) or ""
            for key, column in self.column_keys
            if column.strip()
        }

    def mapping_values(
        self, existing: dict[str, dict[str, str]] | None = None
    ) -> dict[str, dict[str, str]]:
        """The value tables: `existing` (the saved mapping's: values of earlier files are
        remembered) with the choices of this form; a constant (key "") as chosen here."""
        values: dict[str, dict[str, str]] = posted_values(
            self.cleaned_data, self.value_rows, existing
        )
        for key, field_name in self.constant_keys:
            if self.cleaned_data.get(key):
                values.setdefault(field_name, {})[""] = self.cleaned_data[key]
            elif field_name in values:
                values[field_name].pop("", None)
        return {name: table for name, table in values.items() if table}

    def constant_fields(self) -> list[Any]:
        return [self[key] for key, _name in self.constant_keys]

    def column_fields(self) -> list[Any]:
        return [self[key] for key, _column in self.column_keys]
