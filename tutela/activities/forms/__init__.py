"""Forms of the 5W pages: rounds, review, configuration, uploads and column mappings.

The web grid is not a Django form: it is a table of lines whose inputs are named
`rows-<line>-<field>` after tutela/activities/fields.py, parsed by `grid_lines_from_post` and
handed to the import engine's `report_rows_save`, which validates rows the same way for the grid,
the Excel template and uploaded files.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    ColumnMapping,
    Indicator,
)
from tutela.activities.models import fields as fivew
from tutela.core.forms.fields import MONTH_FORMAT, DateInput, MonthInput
from tutela.core.imports.forms import UploadFormBase
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup

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
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): show what would change without saving"),
        required=False,
        initial=True,
    )

    def clean_file(self) -> Any:
        return _check_upload(self.cleaned_data["file"])


def field_choices() -> list[tuple[str, Any]]:
    return [("", _("— ignore this column —"))] + [(f.name, f.label) for f in fivew.FIELDS]


class MappingForm(forms.Form):
    """Each source column -> a 5W field; unknown values -> a code; optionally saved by name."""

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
        unknown_values: dict[str, list[str]],
        value_choices: dict[str, list[tuple[str, str]]],
        initial_values: dict[str, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.column_keys: list[tuple[str, str]] = []
        self.value_keys: list[tuple[str, str, str]] = []
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
        for field_name, values in unknown_values.items():
            choices = [("", _("— leave as is —")), *value_choices.get(field_name, [])]
            for position, value in enumerate(values):
                key = f"val_{field_name}_{position}"
                self.fields[key] = forms.ChoiceField(
                    label=value,
                    choices=choices,
                    required=False,
                    initial=initial_values.get(field_name, {}).get(value, ""),
                )
                self.value_keys.append((key, field_name, value))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: list[str] = [str(data[key]) for key, _column in self.column_keys if data.get(key)]
        twice = sorted({f for f in chosen if chosen.count(f) > 1})
        if twice:
            raise ValidationError(
                _("Each field can come from one column only: %(fields)s.")
                % {"fields": ", ".join(str(fivew.BY_NAME[f].label) for f in twice)}
            )
        missing = [str(fivew.BY_NAME[f].label) for f in fivew.REQUIRED if f not in chosen]
        if not any(f.startswith("admin") for f in chosen):
            missing.append(str(_("a location (admin P-code or name)")))
        if missing:
            raise ValidationError(
                _("These fields need a column: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        return data

    def mapping_columns(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[key]
            for key, column in self.column_keys
            if self.cleaned_data.get(key)
        }

    def mapping_values(self) -> dict[str, dict[str, str]]:
        values: dict[str, dict[str, str]] = {}
        for key, field_name, value in self.value_keys:
            if self.cleaned_data.get(key):
                values.setdefault(field_name, {})[value] = self.cleaned_data[key]
        return values

    def column_fields(self) -> list[Any]:
        return [self[key] for key, _column in self.column_keys]

    def value_fields(self) -> list[tuple[Any, Any]]:
        """(label of the 5W field, form field) per unknown value."""
        return [
            (fivew.BY_NAME[field_name].label, self[key])
            for key, field_name, _value in self.value_keys
        ]


# --- the web grid --------------------------------------------------------------------------------

# Empty lines shown under the existing rows, and after a rejected save.
GRID_EMPTY_LINES = 5
GRID_EMPTY_LINES_AFTER_ERROR = 2
GRID_MAX_LINES = 2000
_GRID_NAME = re.compile(r"^rows-(\d{1,5})-([a-z0-9_]+)$")


@dataclass(frozen=True)
class GridColumn:
    name: str
    kind: str  # select, text, number, date
    short: Any  # column header
    css: str = ""

    @property
    def label(self) -> Any:
        return fivew.BY_NAME[self.name].label


GRID_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("activity", "select", _("Activity"), "wide"),
    GridColumn("indicator", "select", _("Indicator"), "wide"),
    GridColumn("admin1_pcode", "select", _("Admin 1"), "area"),
    GridColumn("admin2_pcode", "select", _("Admin 2"), "area"),
    GridColumn("admin3_pcode", "select", _("Admin 3"), "area"),
    GridColumn("site", "text", _("Site"), "mid"),
    GridColumn("population_group", "select", _("Population group"), "mid"),
    GridColumn("status", "select", _("Status"), "mid"),
    GridColumn("modality", "select", _("Modality"), "mid"),
    GridColumn("girls", "number", _("Girls"), "sexage"),
    GridColumn("boys", "number", _("Boys"), "sexage"),
    GridColumn("women", "number", _("Women"), "sexage"),
    GridColumn("men", "number", _("Men"), "sexage"),
    GridColumn("older_women", "number", _("Older women"), "sexage"),
    GridColumn("older_men", "number", _("Older men"), "sexage"),
    GridColumn("total", "number", _("Total"), "total"),
    GridColumn("with_disability", "number", _("With disability"), "count"),
    GridColumn("quantity", "number", _("Quantity"), "count"),
    GridColumn("start_date", "date", _("Start"), "date"),
    GridColumn("end_date", "date", _("End"), "date"),
    GridColumn("implementing_partner", "select", _("Implementing partner"), "mid"),
    GridColumn("project_code", "text", _("Project code"), "mid"),
)
GRID_FIELDS = tuple(c.name for c in GRID_COLUMNS)
# Key fields of an existing row are shown, not edited: changing one would be another row (the
# natural key is organisation × activity × location × month × population group); delete the row
# and enter it again instead.
GRID_KEY_FIELDS = frozenset(
    {"activity", "admin1_pcode", "admin2_pcode", "admin3_pcode", "population_group"}
)
# A line whose only values are these is empty (the status select starts on "ongoing").
_GRID_DEFAULTED = frozenset({"status"})


@dataclass
class GridCell:
    column: GridColumn
    input_name: str
    input_id: str
    value: str
    options: list[tuple[str, str]]
    errors: list[str]
    warnings: list[str]
    readonly: bool
    display: str = ""

    @property
    def option_values(self) -> set[str]:
        return {value for value, _label in self.options}


@dataclass
class GridLine:
    index: int
    values: dict[str, str] = field(default_factory=dict)
    row_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    line_errors: list[str] = field(default_factory=list)
    line_warnings: list[str] = field(default_factory=list)
    cells: list[GridCell] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def is_blank(self) -> bool:
        return not any(v for k, v in self.values.items() if k not in _GRID_DEFAULTED)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.line_errors)


def grid_line_from_row(index: int, row: ActivityReport) -> GridLine:
    """An existing 5W row as a grid line (field name -> text, as a user would type it)."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    values = {
        "activity": row.activity.code,
        "indicator": row.indicator.code if row.indicator_id and row.indicator else "",
        "admin1_pcode": row.admin1.pcode if row.admin1_id and row.admin1 else "",
        "admin2_pcode": row.admin2.pcode if row.admin2_id and row.admin2 else "",
        "admin3_pcode": row.admin3.pcode if row.admin3_id and row.admin3 else "",
        "site": row.site,
        "population_group": row.population_group.code,
        "status": row.status,
        "modality": row.modality,
        "start_date": text(row.start_date),
        "end_date": text(row.end_date),
        "implementing_partner": row.implementing_partner.acronym
        if row.implementing_partner_id and row.implementing_partner
        else "",
        "project_code": row.project_code,
        "quantity": text(row.quantity),
    }
    for name in (*fivew.SEX_AGE, "total", "with_disability"):
        values[name] = text(getattr(row, name))
    # The most precise area may sit below level 3 or be a level the ancestors do not cover.
    level_key = f"admin{row.area.level}_pcode" if row.area_id and row.area else ""
    if level_key in values and not values[level_key]:
        values[level_key] = row.area.pcode
    return GridLine(index=index, values=values, row_id=row.pk)


def grid_lines_from_post(data: Any, existing: list[ActivityReport]) -> list[GridLine]:
    """The lines of a posted grid, in line order. Existing rows keep their key fields from the
    database whatever was posted (they are shown read-only)."""
    by_index: dict[int, GridLine] = {}
    for key in data:
        match = _GRID_NAME.match(key)
        if not match:
            continue
        index, name = int(match.group(1)), match.group(2)
        if index >= GRID_MAX_LINES:
            continue
        line = by_index.setdefault(index, GridLine(index=index))
        if name == "id":
            raw = (data.get(key) or "").strip()
            line.row_id = int(raw) if raw.isdigit() else None
        elif name in GRID_FIELDS:
            line.values[name] = (data.get(key) or "").strip()[:300]
    rows = {row.pk: row for row in existing}
    for line in by_index.values():
        row = rows.get(line.row_id) if line.row_id else None
        if row is None:
            line.row_id = None
            continue
        stored = grid_line_from_row(line.index, row)
        for name in GRID_KEY_FIELDS:
            line.values[name] = stored.values[name]
    return [by_index[i] for i in sorted(by_index)]


def grid_rows_for_save(
    lines: list[GridLine], *, month: str, organisation: str
) -> list[dict[str, Any]]:
    """The filled lines as rows for `report_rows_save`: field name -> raw value, plus `_row`, the
    line number shown in the grid (problems come back with it)."""
    rows = []
    for line in lines:
        if line.is_blank:
            continue
        row: dict[str, Any] = {name: line.values.get(name, "") for name in GRID_FIELDS}
        row.update({"month": month, "organisation": organisation, "_row": line.number})
        rows.append(row)
    return rows


def grid_attach_problems(lines: list[GridLine], problems: list[Any]) -> int:
    """Put each problem on its line and cell (by field); problems of a field the grid does not
    show (an admin name, the organisation) go to the line itself. Returns the number of errors."""
    by_number = {line.number: line for line in lines}
    errors = 0
    for problem in problems:
        is_error = getattr(problem, "severity", "error") == "error"
        errors += is_error
        line = by_number.get(problem.row) if problem.row is not None else None
        message = str(problem.message)
        if getattr(problem, "suggestion", ""):
            message = f"{message} ({problem.suggestion})"
        if line is None:
            continue
        target = problem.field if problem.field in GRID_FIELDS else ""
        if target:
            bucket = line.errors if is_error else line.warnings
            bucket.setdefault(target, []).append(message)
        else:
            (line.line_errors if is_error else line.line_warnings).append(message)
    return errors


def grid_unplaced_problems(lines: list[GridLine], problems: list[Any]) -> list[Any]:
    """Problems that belong to no line (about the whole file or submission)."""
    numbers = {line.number for line in lines}
    return [p for p in problems if p.row is None or p.row not in numbers]


def grid_pad(lines: list[GridLine], empty: int) -> list[GridLine]:
    """Add `empty` blank lines after the last one."""
    start = (lines[-1].index + 1) if lines else 0
    return lines + [GridLine(index=start + i) for i in range(empty)]


class GridCatalogue:
    """The option lists of the grid's selects, loaded once per request."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        activities = list(
            Activity.objects.filter(operation=operation, is_active=True)
            .select_related("body")
            .prefetch_related("indicators")
            .order_by("code")
        )
        self.activities = [(a.code, f"{a.code} — {a.name}") for a in activities]
        self.sexage = {a.code: a.by_sex_age for a in activities}
        self.indicators: dict[str, list[tuple[str, str]]] = {
            a.code: [(i.code, f"{i.code} — {i.name}") for i in a.indicators.all()]
            for a in activities
        }
        self.groups = [
            (g.code, f"{g.code} — {g.name}")
            for g in PopulationGroup.objects.filter(operation=operation).order_by("code")
        ]
        self.statuses = [(str(v), str(label)) for v, label in ActivityReport.Status.choices]
        self.modalities = [(str(v), str(label)) for v, label in ActivityReport.Modality.choices]
        self.partners = [
            (acronym, acronym)
            for acronym in operation.organisations.order_by("acronym").values_list(
                "acronym", flat=True
            )
        ]
        self.countries = list(operation.countries.values_list("pcode", flat=True))
        self.regions = self._areas(level=1)

    def _areas(self, *, level: int) -> list[tuple[str, str]]:
        return [
            (pcode, f"{name} — {pcode}")
            for pcode, name in AdminArea.objects.filter(
                country_pcode__in=self.countries, level=level
            )
            .order_by("name")
            .values_list("pcode", "name")
        ]

    def indicator_options(self, activity_code: str) -> list[tuple[str, str]]:
        return self.indicators.get(activity_code.strip().upper(), [])

    def children(self, parents: set[str]) -> dict[str, list[tuple[str, str]]]:
        """P-code -> its direct children as options, for every P-code in `parents` (one query)."""
        result: dict[str, list[tuple[str, str]]] = {p: [] for p in parents}
        if not parents:
            return result
        rows = (
            AdminArea.objects.filter(parent__pcode__in=parents, country_pcode__in=self.countries)
            .order_by("name")
            .values_list("parent__pcode", "pcode", "name")
        )
        for parent, pcode, name in rows:
            result[parent].append((pcode, f"{name} — {pcode}"))
        return result

    def fill(self, lines: list[GridLine], *, editable: bool) -> None:
        """Give every line its cells: values, option lists (cascading from what the line holds),
        problems."""
        parents = {
            line.values[key]
            for line in lines
            for key in ("admin1_pcode", "admin2_pcode")
            if line.values.get(key)
        }
        children = self.children(parents)
        names = dict(self.activities + self.groups)
        for line in lines:
            line.cells = []
            for column in GRID_COLUMNS:
                value = line.values.get(column.name, "")
                if not value and column.name == "status" and line.row_id is None:
                    value = ActivityReport.Status.ONGOING
                options = self._options(column.name, line, children)
                readonly = not editable or (
                    line.row_id is not None and column.name in GRID_KEY_FIELDS
                )
                display = value
                if readonly and value:
                    display = dict(options).get(value, names.get(value, value))
                line.cells.append(
                    GridCell(
                        column=column,
                        input_name=f"rows-{line.index}-{column.name}",
                        input_id=f"rows-{line.index}-{column.name}",
                        value=value,
                        options=options,
                        errors=line.errors.get(column.name, []),
                        warnings=line.warnings.get(column.name, []),
                        readonly=readonly,
                        display=display,
                    )
                )

    def _options(
        self, name: str, line: GridLine, children: dict[str, list[tuple[str, str]]]
    ) -> list[tuple[str, str]]:
        if name == "activity":
            return self.activities
        if name == "indicator":
            return self.indicator_options(line.values.get("activity", ""))
        if name == "admin1_pcode":
            return self.regions
        if name == "admin2_pcode":
            return children.get(line.values.get("admin1_pcode", ""), [])
        if name == "admin3_pcode":
            return children.get(line.values.get("admin2_pcode", ""), [])
        if name == "population_group":
            return self.groups
        if name == "status":
            return self.statuses
        if name == "modality":
            return self.modalities
        if name == "implementing_partner":
            return self.partners
        return []


def grid_area_children(operation: Operation, parent: str) -> list[tuple[str, str]]:
    countries = list(operation.countries.values_list("pcode", flat=True))
    return [
        (pcode, f"{name} — {pcode}")
        for pcode, name in AdminArea.objects.filter(
            parent__pcode=parent, country_pcode__in=countries
        )
        .order_by("name")
        .values_list("pcode", "name")
    ]


def grid_indicator_options(operation: Operation, activity_code: str) -> list[tuple[str, str]]:
    indicators = Indicator.objects.filter(
        activity__operation=operation, activity__code=activity_code.strip().upper()
    ).order_by("code")
    return [(i.code, f"{i.code} — {i.name}") for i in indicators]
