"""The per-organisation 5W Excel template: what a partner downloads, fills in and uploads back.

Sheets, in order:
- "Instructions" (in the user's language): how to fill the sheet, the counting rules, and what
  each column means.
- "5W", the data sheet: row 1 holds the column headers the importer recognises (the field names of
  `tutela.activities.models.fields`), row 2 the HXL hashtags (so the file is an HXL dataset as
  well), and
  data starts on row 3. Dropdowns (data validations) cover codes and places; admin area names
  cascade (choose a region: the cercle list shows only its cercles) through one named range per
  parent P-code on the hidden "Lists" sheet and INDIRECT(); the P-code columns fill themselves
  from the chosen names (INDEX/MATCH), or take a P-code typed over the formula.
- "Activities", a read-only reference: the codes with their names in the user's language.
- "Lists", hidden and protected: the lookup tables behind the dropdowns.

Mali has 701 communes: every list lives once on "Lists" and validations cover whole column ranges
(one validation per column, not per cell), so the file stays small and opens quickly in Excel and
LibreOffice.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tutela.activities.models import Activity, ActivityReport, Indicator, ReportingRound
from tutela.activities.models.fields import BY_NAME, FIELDS, REQUIRED, SEX_AGE, Field
from tutela.core.models import AdminArea, Operation, Organisation, PopulationGroup
from tutela.core.spreadsheets import sheet_title, xlsx_text

DATA_SHEET = "5W"
LISTS_SHEET = "Lists"
HEADER_ROW = 1
HXL_ROW = 2
FIRST_DATA_ROW = 3
# Rows prepared with dropdowns and P-code formulas; partners who need more copy the last row down.
DATA_ROWS = 1000
TEMPLATE_VERSION = "1"

# The template's columns: every 5W field except the reporting organisation, which is the one the
# template was made for (the upload says who reports).
TEMPLATE_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.name != "organisation")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HXL_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_PROBLEM_FILL = PatternFill("solid", fgColor="F8CBAD")
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_]")

# Excel's limits on data-validation messages.
_TITLE_MAX = 32
_MESSAGE_MAX = 255


def _descriptions() -> dict[str, str]:
    """What to write in each column, for the Instructions sheet and the input messages."""
    return {
        "month": _("Month reported on, as YYYY-MM (e.g. 2026-03)."),
        "implementing_partner": _(
            "Acronym of the organisation that carried out the activity, if not yours "
            "(e.g. a local partner). Leave empty when you implemented it yourselves."
        ),
        "activity": _(
            "Activity code from the list (see the Activities sheet for the names and what "
            "each activity covers)."
        ),
        "indicator": _(
            "Indicator code of the chosen activity (the list shows only that activity's "
            "indicators)."
        ),
        "admin1_pcode": _(
            "Filled in automatically from the name; you may type the P-code instead."
        ),
        "admin1_name": _(
            "Choose the area from the list. Every row needs a place: at least this level."
        ),
        "admin2_pcode": _(
            "Filled in automatically from the name; you may type the P-code instead."
        ),
        "admin2_name": _(
            "Choose the area from the list: it shows only the areas of the one chosen to the left."
        ),
        "admin3_pcode": _(
            "Filled in automatically from the name; you may type the P-code instead."
        ),
        "admin3_name": _(
            "Choose the area from the list: it shows only the areas of the one chosen to the left."
        ),
        "site": _("Site, village or locality (optional). Never the name of a person."),
        "population_group": _("Population group code from the list (e.g. IDP, REF, HST)."),
        "status": _("Status of the activity in the month: planned, ongoing or completed."),
        "modality": _("How the activity was delivered (optional)."),
        "start_date": _("Date the activity started (optional), as a date."),
        "end_date": _("Date the activity ended or will end (optional), as a date."),
        "girls": _("Number of girls (0-17) reached in the month, counted once."),
        "boys": _("Number of boys (0-17) reached in the month, counted once."),
        "women": _("Number of women (18-59) reached in the month, counted once."),
        "men": _("Number of men (18-59) reached in the month, counted once."),
        "older_women": _("Number of older women (60+) reached in the month, counted once."),
        "older_men": _("Number of older men (60+) reached in the month, counted once."),
        "total": _(
            "People reached in the month, counted once. Equal to the sum of the six "
            "sex and age columns when they are filled in."
        ),
        "with_disability": _(
            "Of the people reached, how many have a disability (not more than the total)."
        ),
        "quantity": _(
            "For indicators counted in other units (sessions, items, structures...): the "
            "number. Leave empty for people."
        ),
        "project_code": _("Response plan or project code (optional)."),
    }


def _counting_rules() -> list[str]:
    return [
        _("One row per activity, place (the most precise known), month and population group."),
        _(
            "Count people, not services: a person who received the same activity several "
            "times in the month is counted once."
        ),
        _(
            "Report monthly figures: the people reached during the month. Do not add up "
            "previous months; the cluster computes cumulative figures."
        ),
        _(
            "Girls + boys + women + men + older women + older men = total. If you do not know "
            "the breakdown, fill in the total only."
        ),
        _("Persons with disability are part of the total, not added to it."),
        _(
            "No names, telephone numbers or other personal data anywhere in this file: only "
            "numbers of people."
        ),
        _(
            "Sending the file again for the same month updates your rows (same activity, "
            "place, month and population group) instead of adding new ones."
        ),
    ]


@dataclass
class _Lists:
    """Where each lookup list sits on the hidden Lists sheet, as named ranges."""

    names: dict[str, str]

    def has(self, name: str) -> bool:
        return name in self.names


def name_for(prefix: str, code: str) -> str:
    """A defined name for a code: "L_" + "ML05" -> "L_ML05". Codes are made of letters, digits,
    dashes and spaces in practice; anything else becomes "_" (the sheet formula does the same
    for dashes, spaces and dots)."""
    return prefix + _NOT_A_NAME.sub("_", code)


def _excel_name_expr(prefix: str, ref: str) -> str:
    """The sheet formula building the same name as `name_for` from the code in cell `ref`."""
    inner = ref
    for char in ("-", " ", "."):
        inner = f'SUBSTITUTE({inner},"{char}","_")'
    return f'INDIRECT("{prefix}"&{inner})'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation(
    *,
    kind: str,
    title: str,
    prompt: str,
    error: str,
    formula1: str | None = None,
    formula2: str | None = None,
    operator: str | None = None,
    stop: bool = True,
) -> DataValidation:
    return DataValidation(
        type=kind,
        formula1=formula1,
        formula2=formula2,
        operator=operator,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop" if stop else "warning",
        promptTitle=_short(title, _TITLE_MAX),
        prompt=_short(prompt, _MESSAGE_MAX),
        errorTitle=_short(title, _TITLE_MAX),
        error=_short(error, _MESSAGE_MAX),
    )


def _level_label(operation: Operation, level: int) -> str:
    labels = operation.admin_level_labels or {}
    return str(labels.get(str(level)) or _("Admin %(level)s") % {"level": level})


def _field_title(field: Field, operation: Operation) -> str:
    title = str(field.label)
    match = re.match(r"admin(\d)_", field.name)
    if match:
        title = f"{title} ({_level_label(operation, int(match.group(1)))})"
    return title


def _months(operation: Operation, round: ReportingRound | None) -> list[str]:
    if round is not None:
        return [f"{round.month:%Y-%m}"]
    months = ReportingRound.objects.filter(
        operation=operation, status=ReportingRound.Status.OPEN
    ).values_list("month", flat=True)
    return sorted(f"{month:%Y-%m}" for month in months)


def _areas(operation: Operation) -> list[AdminArea]:
    countries = list(operation.countries.values_list("pcode", flat=True))
    areas = AdminArea.objects.filter(country_pcode__in=countries, level__in=(1, 2, 3)).only(
        "id", "pcode", "name", "name_key", "level", "parent_id"
    )
    return list(areas)


class _ListsWriter:
    """Writes lists column by column on the Lists sheet, one named range for each."""

    def __init__(self, workbook: Workbook, sheet: Worksheet) -> None:
        self.workbook = workbook
        self.sheet = sheet
        self.column = 0
        self.names: dict[str, str] = {}

    def _define(self, name: str, column: int, first: int, last: int) -> None:
        letter = get_column_letter(column)
        ref = f"{quote_sheetname(self.sheet.title)}!${letter}${first}:${letter}${last}"
        self.workbook.defined_names[name] = DefinedName(name, attr_text=ref)
        self.names[name] = ref

    def simple(self, name: str, title: str, values: Sequence[str]) -> None:
        """One list in its own column, under a title cell."""
        self.column += 1
        xlsx_text(self.sheet.cell(row=1, column=self.column), title)
        for offset, value in enumerate(values):
            xlsx_text(self.sheet.cell(row=2 + offset, column=self.column), value)
        if values:
            self._define(name, self.column, 2, 1 + len(values))

    def grouped(self, prefix: str, title: str, groups: Iterable[tuple[str, Sequence[str]]]) -> int:
        """Several lists stacked in one column, each a contiguous block with its own named range
        (prefix + parent code). Returns the column used."""
        self.column += 1
        xlsx_text(self.sheet.cell(row=1, column=self.column), title)
        row = 2
        for parent_code, values in groups:
            if not values:
                continue
            name = name_for(prefix, parent_code)
            if name in self.names:
                # Two codes that differ only by punctuation: the second gets no cascade (its
                # cell accepts the whole list of the first); the importer still checks it.
                continue
            for offset, value in enumerate(values):
                xlsx_text(self.sheet.cell(row=row + offset, column=self.column), value)
            self._define(name, self.column, row, row + len(values) - 1)
            row += len(values)
        return self.column

    def table(self, name_prefix: str, titles: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A lookup table: columns side by side, each column a named range name_prefix + i."""
        start = self.column + 1
        for offset, title in enumerate(titles):
            xlsx_text(self.sheet.cell(row=1, column=start + offset), title)
        for row_offset, values in enumerate(rows):
            for offset, value in enumerate(values):
                xlsx_text(self.sheet.cell(row=2 + row_offset, column=start + offset), value)
        self.column = start + len(titles) - 1
        if rows:
            for offset in range(len(titles)):
                self._define(f"{name_prefix}{offset + 1}", start + offset, 2, 1 + len(rows))


def _area_key(parent_pcode: str, name: str) -> str:
    return f"{parent_pcode}|{name}"


def _write_lists(
    workbook: Workbook,
    *,
    operation: Operation,
    organisation: Organisation,
    activities: list[Activity],
    indicators: list[Indicator],
    groups: list[PopulationGroup],
    months: list[str],
    areas: list[AdminArea],
) -> _Lists:
    sheet = workbook.create_sheet(LISTS_SHEET)
    lists = _ListsWriter(workbook, sheet)
    lists.simple("T_MONTH", "month", months)
    lists.simple("T_ACTIVITY", "activity", [a.code for a in activities])
    by_activity: dict[int, list[str]] = {}
    for indicator in indicators:
        by_activity.setdefault(indicator.activity_id, []).append(indicator.code)
    lists.grouped("I_", "indicator", [(a.code, by_activity.get(a.pk, [])) for a in activities])
    lists.simple("T_INDICATOR", "indicator (all)", [i.code for i in indicators])
    lists.simple("T_POPULATION", "population_group", [g.code for g in groups])
    lists.simple("T_STATUS", "status", list(ActivityReport.Status.values))
    lists.simple("T_MODALITY", "modality", list(ActivityReport.Modality.values))
    partners = (
        Organisation.objects.filter(operations=operation)
        .exclude(pk=organisation.pk)
        .order_by("acronym")
        .values_list("acronym", flat=True)
    )
    lists.simple("T_PARTNER", "implementing_partner", list(partners))

    # Areas: a key ("parent P-code|name") -> P-code table for the P-code formulas, and the names
    # grouped by parent for the cascading dropdowns.
    pcode_of = {area.pk: area.pcode for area in areas}
    ordered = sorted(
        areas, key=lambda a: (a.level, pcode_of.get(a.parent_id or 0, ""), a.name_key, a.pcode)
    )
    keyed = []
    for area in ordered:
        parent = pcode_of.get(area.parent_id or 0, "") if area.level > 1 else ""
        keyed.append((_area_key(parent, area.name), area.pcode))
    lists.table("T_AREA", ["key", "pcode"], keyed)
    children: dict[str, list[str]] = {}
    for area in ordered:
        if area.level == 1:
            children.setdefault("ADM1", []).append(area.name)
        elif area.parent_id in pcode_of:
            children.setdefault(pcode_of[area.parent_id or 0], []).append(area.name)
    lists.grouped("L_", "areas", list(children.items()))

    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
    return _Lists(lists.names)


def _write_instructions(
    sheet: Worksheet,
    *,
    operation: Operation,
    organisation: Organisation,
    months: list[str],
    required: set[str],
) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 90
    row = 1

    def line(text: str, *, font: Font | None = None, column: int = 1) -> None:
        nonlocal row
        cell = sheet.cell(row=row, column=column)
        xlsx_text(cell, text)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        if font is not None:
            cell.font = font
        row += 1

    line(_("5W reporting template"), font=Font(bold=True, size=16, color="1F4E79"))
    line(f"{operation.name}", font=Font(bold=True, size=12))
    line(
        _("Organisation: %(acronym)s — %(name)s")
        % {"acronym": organisation.acronym, "name": organisation.name}
    )
    if months:
        line(_("Months open for reporting: %(months)s") % {"months": ", ".join(months)})
    line(
        _("Made on %(date)s. Download a new template each month: lists change.")
        % {"date": timezone.localdate().isoformat()}
    )
    row += 1
    line(_("How to fill it in"), font=_SECTION_FONT)
    steps = [
        _(
            "Fill in the “%(sheet)s” sheet from row 3, one row per activity, place, month and "
            "population group. Do not change rows 1 and 2 (column names and HXL hashtags)."
        )
        % {"sheet": DATA_SHEET},
        _(
            "Choose codes and places from the dropdown lists. Choose the areas from left to "
            "right: the list of each level shows only the areas of the one chosen before."
        ),
        _(
            "The P-code columns fill themselves from the names. If you know the P-code, you "
            "may type it instead."
        ),
        _("Columns in red are required. The Activities sheet explains the codes."),
        _(
            "Upload the file on the 5W import page of the operation. Every problem is reported "
            "by row and column; nothing is saved until the whole file is correct."
        ),
    ]
    for number, step in enumerate(steps, start=1):
        line(f"{number}. {step}")
    row += 1
    line(_("Counting rules"), font=_SECTION_FONT)
    for rule in _counting_rules():
        line(f"• {rule}")
    row += 1
    line(_("Columns"), font=_SECTION_FONT)
    for column, title in enumerate((_("Column"), _("HXL hashtag"), _("What to write")), start=1):
        cell = sheet.cell(row=row, column=column)
        xlsx_text(cell, title)
        cell.font = Font(bold=True)
    row += 1
    descriptions = _descriptions()
    for field in TEMPLATE_FIELDS:
        title = _field_title(field, operation)
        if field.name in required:
            title = f"{title} *"
        xlsx_text(sheet.cell(row=row, column=1), field.name)
        xlsx_text(sheet.cell(row=row, column=2), field.hxl)
        description = descriptions.get(field.name) or str(field.help)
        cell = sheet.cell(row=row, column=3)
        xlsx_text(cell, f"{title}: {description}")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    row += 1
    line(_("* required"))
    sheet.sheet_view.showGridLines = False
    sheet.protection.sheet = True


def _write_reference(
    sheet: Worksheet,
    *,
    activities: list[Activity],
    indicators: list[Indicator],
    groups: list[PopulationGroup],
) -> None:
    widths = {"A": 16, "B": 60, "C": 18, "D": 60, "E": 14, "F": 14, "G": 40}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    row = 1

    def header(*titles: str) -> None:
        nonlocal row
        for column, title in enumerate(titles, start=1):
            cell = sheet.cell(row=row, column=column)
            xlsx_text(cell, title)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = _HEADER_FILL
        row += 1

    def values(*items: str) -> None:
        nonlocal row
        for column, item in enumerate(items, start=1):
            cell = sheet.cell(row=row, column=column)
            xlsx_text(cell, item)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1

    units = dict(Activity.Unit.choices)
    by_activity: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        by_activity.setdefault(indicator.activity_id, []).append(indicator)
    header(
        _("Activity code"),
        _("Activity"),
        _("Indicator code"),
        _("Indicator"),
        _("Unit"),
        _("Cluster / AoR"),
        _("Sensitive"),
    )
    for activity in activities:
        sensitive = (
            _("yes: small numbers are not shown outside your organisation")
            if activity.is_sensitive
            else ""
        )
        body = activity.body.code or activity.body.name
        children = by_activity.get(activity.pk) or []
        if not children:
            values(activity.code, activity.name, "", "", "", body, sensitive)
        for indicator in children:
            values(
                activity.code,
                activity.name,
                indicator.code,
                indicator.name,
                str(units.get(indicator.unit, indicator.unit)),
                body,
                sensitive,
            )
    row += 1
    header(_("Population group code"), _("Population group"))
    for group in groups:
        values(group.code, group.name)
    row += 1
    header(_("Status code"), _("Status"))
    for code, label in ActivityReport.Status.choices:
        values(code, str(label))
    row += 1
    header(_("Modality code"), _("Modality"))
    for code, label in ActivityReport.Modality.choices:
        values(code, str(label))
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True


def _write_data_sheet(
    sheet: Worksheet,
    *,
    operation: Operation,
    lists: _Lists,
    months: list[str],
    required: set[str],
    data_rows: int,
    has_level: set[int],
) -> None:
    letters = {
        field.name: get_column_letter(index) for index, field in enumerate(TEMPLATE_FIELDS, start=1)
    }
    last_row = FIRST_DATA_ROW + data_rows - 1
    descriptions = _descriptions()

    def rng(name: str) -> str:
        return f"{letters[name]}{FIRST_DATA_ROW}:{letters[name]}{last_row}"

    def ref(name: str) -> str:
        """Relative reference to the field's cell on the first data row, column fixed."""
        return f"${letters[name]}{FIRST_DATA_ROW}"

    # Header rows.
    for index, field in enumerate(TEMPLATE_FIELDS, start=1):
        title = _field_title(field, operation)
        head = sheet.cell(row=HEADER_ROW, column=index)
        xlsx_text(head, field.name)
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = _REQUIRED_FILL if field.name in required else _HEADER_FILL
        head.alignment = Alignment(horizontal="center")
        note = f"{title}\n\n{descriptions.get(field.name) or field.help}"
        head.comment = Comment(note, "Tutela", width=300, height=140)
        tag = sheet.cell(row=HXL_ROW, column=index)
        xlsx_text(tag, field.hxl)
        tag.font = Font(italic=True, color="1F4E79")
        tag.fill = _HXL_FILL
        width = max(len(field.name), len(field.hxl), 10) + 2
        if field.name.endswith("_name") or field.name in ("site", "activity", "indicator"):
            width = max(width, 22)
        sheet.column_dimensions[letters[field.name]].width = width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"

    validations: list[DataValidation] = []

    def add(field_name: str, validation: DataValidation) -> None:
        validation.add(rng(field_name))
        validations.append(validation)

    def list_rule(field_name: str, source: str, error: str, *, stop: bool = True) -> None:
        field = BY_NAME[field_name]
        add(
            field_name,
            _validation(
                kind="list",
                formula1=source,
                title=_field_title(field, operation),
                prompt=descriptions.get(field_name) or str(field.help),
                error=error,
                stop=stop,
            ),
        )

    not_in_list = _("Choose a value from the list.")
    if lists.has("T_MONTH"):
        list_rule("month", "T_MONTH", _("Choose a month open for reporting from the list."))
    else:
        month = ref("month")
        add(
            "month",
            _validation(
                kind="custom",
                formula1=(
                    f'AND(LEN({month})=7,MID({month},5,1)="-",'
                    f"ISNUMBER(VALUE(LEFT({month},4))),ISNUMBER(VALUE(RIGHT({month},2))))"
                ),
                title=_field_title(BY_NAME["month"], operation),
                prompt=descriptions["month"],
                error=_("Write the month as YYYY-MM, e.g. 2026-03."),
            ),
        )
    if lists.has("T_PARTNER"):
        list_rule(
            "implementing_partner",
            "T_PARTNER",
            _("This organisation is not registered in the operation. Check the acronym."),
            stop=False,
        )
    if lists.has("T_ACTIVITY"):
        list_rule("activity", "T_ACTIVITY", not_in_list)
    if lists.has("T_INDICATOR"):
        list_rule(
            "indicator",
            _excel_name_expr("I_", ref("activity")),
            _("Choose an indicator of the activity chosen in the activity column."),
        )
    if lists.has("T_POPULATION"):
        list_rule("population_group", "T_POPULATION", not_in_list)
    list_rule("status", "T_STATUS", not_in_list)
    list_rule("modality", "T_MODALITY", not_in_list)

    # Areas: names cascade, P-codes follow the names.
    not_an_area = _(
        "Choose an area from the list. If the list is empty, choose the area of the level "
        "to the left first."
    )
    if 1 in has_level:
        list_rule("admin1_name", "L_ADM1", not_an_area)
    if 2 in has_level:
        list_rule("admin2_name", f'INDIRECT("L_"&{ref("admin1_pcode")})', not_an_area)
    if 3 in has_level:
        list_rule("admin3_name", f'INDIRECT("L_"&{ref("admin2_pcode")})', not_an_area)
    pcode_formulas: list[tuple[str, str, str | None]] = [
        ("admin1_pcode", "admin1_name", None),
        ("admin2_pcode", "admin2_name", "admin1_pcode"),
        ("admin3_pcode", "admin3_name", "admin2_pcode"),
    ]
    if lists.has("T_AREA1"):
        for row in range(FIRST_DATA_ROW, last_row + 1):
            for target, name_field, parent_field in pcode_formulas:
                name_cell = f"{letters[name_field]}{row}"
                parent = f"{letters[parent_field]}{row}&" if parent_field else ""
                sheet[f"{letters[target]}{row}"] = (
                    f'=IF({name_cell}="","",IFERROR(INDEX(T_AREA2,'
                    f'MATCH({parent}"|"&{name_cell},T_AREA1,0)),""))'
                )

    # Numbers.
    for field in TEMPLATE_FIELDS:
        if field.kind == "int":
            add(
                field.name,
                _validation(
                    kind="whole",
                    operator="greaterThanOrEqual",
                    formula1="0",
                    title=_field_title(field, operation),
                    prompt=descriptions.get(field.name) or str(field.help),
                    error=_("Write a whole number, 0 or more (no text, no decimals)."),
                ),
            )
        elif field.kind == "date":
            add(
                field.name,
                _validation(
                    kind="date",
                    operator="between",
                    formula1="DATE(2000,1,1)",
                    formula2="DATE(2100,12,31)",
                    title=_field_title(field, operation),
                    prompt=descriptions.get(field.name) or str(field.help),
                    error=_("Write a date, e.g. 2026-03-15."),
                ),
            )
    for name, limit in (("site", 200), ("project_code", 60)):
        field = BY_NAME[name]
        add(
            name,
            _validation(
                kind="textLength",
                operator="lessThanOrEqual",
                formula1=str(limit),
                title=_field_title(field, operation),
                prompt=descriptions.get(name) or str(field.help),
                error=_("Too long: at most %(limit)s characters.") % {"limit": limit},
            ),
        )
    for validation in validations:
        sheet.add_data_validation(validation)

    # Cell formats: months and project codes stay text (Excel turns 2026-03 into a date
    # otherwise), dates show as dates. Not the P-code columns: Excel would turn their formulas into
    # text once edited in a text cell.
    text_columns = ["month", "project_code"]
    for row in range(FIRST_DATA_ROW, last_row + 1):
        for name in text_columns:
            sheet[f"{letters[name]}{row}"].number_format = "@"
        for name in ("start_date", "end_date"):
            sheet[f"{letters[name]}{row}"].number_format = "yyyy-mm-dd"

    # Highlight totals that are not the sum of the sex and age columns, and disability above
    # the total (the importer refuses both).
    bands = f"{letters[SEX_AGE[0]]}{FIRST_DATA_ROW}:{letters[SEX_AGE[-1]]}{FIRST_DATA_ROW}"
    total = f"{letters['total']}{FIRST_DATA_ROW}"
    disability = f"{letters['with_disability']}{FIRST_DATA_ROW}"
    sheet.conditional_formatting.add(
        rng("total"),
        FormulaRule(formula=[f"AND(SUM({bands})>0,{total}<>SUM({bands}))"], fill=_PROBLEM_FILL),
    )
    sheet.conditional_formatting.add(
        rng("with_disability"),
        FormulaRule(formula=[f'AND({disability}<>"",{disability}>{total})'], fill=_PROBLEM_FILL),
    )


def template_workbook(
    *,
    operation: Operation,
    organisation: Organisation,
    language: str,
    round: ReportingRound | None = None,
    data_rows: int = DATA_ROWS,
) -> bytes:
    """The 5W template for one organisation of the operation, in `language`, as .xlsx bytes.

    With `round`, the month list holds that round's month only; otherwise every open round's."""
    with override(language):
        return _template_workbook(
            operation=operation,
            organisation=organisation,
            language=language,
            round=round,
            data_rows=data_rows,
        )


def _template_workbook(
    *,
    operation: Operation,
    organisation: Organisation,
    language: str,
    round: ReportingRound | None,
    data_rows: int,
) -> bytes:
    activities = list(
        Activity.objects.filter(operation=operation, is_active=True)
        .select_related("body")
        .order_by("code")
    )
    indicators = list(
        Indicator.objects.filter(activity__in=activities).order_by("activity__code", "code")
    )
    groups = list(PopulationGroup.objects.filter(operation=operation).order_by("code"))
    months = _months(operation, round)
    areas = _areas(operation)
    has_level = {area.level for area in areas}
    required = set(REQUIRED)

    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = sheet_title(_("Instructions"))
    data = workbook.create_sheet(DATA_SHEET)
    reference = workbook.create_sheet(sheet_title(_("Activities")))
    lists = _write_lists(
        workbook,
        operation=operation,
        organisation=organisation,
        activities=activities,
        indicators=indicators,
        groups=groups,
        months=months,
        areas=areas,
    )
    _write_instructions(
        instructions,
        operation=operation,
        organisation=organisation,
        months=months,
        required=required,
    )
    _write_data_sheet(
        data,
        operation=operation,
        lists=lists,
        months=months,
        required=required,
        data_rows=data_rows,
        has_level=has_level,
    )
    _write_reference(reference, activities=activities, indicators=indicators, groups=groups)
    # Open on the data sheet.
    workbook.active = workbook.index(data)
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet is data

    properties = workbook.properties
    properties.title = f"{operation.name} — 5W — {organisation.acronym}"
    properties.subject = "5W"
    properties.creator = "Tutela"
    properties.keywords = "tutela 5w"
    properties.language = language
    # Read back by the importer to recognise its own template.
    for name, value in (
        ("tutela_template", "5w"),
        ("tutela_template_version", TEMPLATE_VERSION),
        ("tutela_operation", operation.slug),
        ("tutela_organisation", organisation.acronym),
        ("tutela_language", language),
    ):
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_filename(
    operation: Operation, organisation: Organisation, *, month: datetime.date | None = None
) -> str:
    stamp = f"{month:%Y-%m}" if month else timezone.localdate().isoformat()
    acronym = re.sub(r"[^A-Za-z0-9_-]+", "-", organisation.acronym).strip("-") or "org"
    return f"{operation.slug}-5w-template-{acronym}-{stamp}.xlsx"
