"""The "5W" data sheet of the template: headers, HXL row, dropdowns, P-code formulas and the
checks that colour a cell in error."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tutela.activities.models.fields import BY_NAME, SEX_AGE
from tutela.activities.services.xlsx_template.guide import column_descriptions
from tutela.activities.services.xlsx_template.layout import (
    _HEADER_FILL,
    _HXL_FILL,
    _PROBLEM_FILL,
    _REQUIRED_FILL,
    FIRST_DATA_ROW,
    HEADER_ROW,
    HXL_ROW,
    TEMPLATE_FIELDS,
    _excel_name_expr,
    _field_title,
    _Lists,
    _validation,
)
from tutela.core.models import Operation
from tutela.core.spreadsheets import xlsx_text


def write_data_sheet(
    sheet: Worksheet,
    *,
    operation: Operation,
    lists: _Lists,
    months: list[str],
    required: set[str],
    data_rows: int,
    has_level: set[int],
) -> None:
    data = _DataSheet(sheet, operation=operation, lists=lists, data_rows=data_rows)
    data.headers(required)
    data.list_rules()
    data.area_rules(has_level)
    data.number_and_text_rules()
    for validation in data.validations:
        sheet.add_data_validation(validation)
    data.cell_formats()
    data.problem_highlights()


class _DataSheet:
    """The data sheet being written: its columns' letters, the data rows' range and the
    validations gathered for it, with one method per step of write_data_sheet."""

    def __init__(
        self, sheet: Worksheet, *, operation: Operation, lists: _Lists, data_rows: int
    ) -> None:
        self.sheet = sheet
        self.operation = operation
        self.lists = lists
        self.letters = {
            field.name: get_column_letter(index)
            for index, field in enumerate(TEMPLATE_FIELDS, start=1)
        }
        self.last_row = FIRST_DATA_ROW + data_rows - 1
        self.descriptions = column_descriptions()
        self.validations: list[DataValidation] = []

    def rng(self, name: str) -> str:
        return f"{self.letters[name]}{FIRST_DATA_ROW}:{self.letters[name]}{self.last_row}"

    def ref(self, name: str) -> str:
        """Relative reference to the field's cell on the first data row, column fixed."""
        return f"${self.letters[name]}{FIRST_DATA_ROW}"

    def headers(self, required: set[str]) -> None:
        """The header row (in the user's language) and the HXL row, column widths, frozen."""
        for index, field in enumerate(TEMPLATE_FIELDS, start=1):
            title = _field_title(field, self.operation)
            head = self.sheet.cell(row=HEADER_ROW, column=index)
            # The header in the user's language ("Filles (0-17)", "Niñas (0-17)"): the importer
            # reads the column by its HXL hashtag in row 2 (or by the translated label).
            xlsx_text(head, title)
            head.font = Font(bold=True, color="FFFFFF")
            head.fill = _REQUIRED_FILL if field.name in required else _HEADER_FILL
            head.alignment = Alignment(horizontal="center")
            note = f"{title} [{field.name}]\n\n{self.descriptions.get(field.name) or field.help}"
            head.comment = Comment(note, "Tutela", width=300, height=140)
            tag = self.sheet.cell(row=HXL_ROW, column=index)
            xlsx_text(tag, field.hxl)
            tag.font = Font(italic=True, color="1F4E79")
            tag.fill = _HXL_FILL
            width = min(max(len(title), len(field.hxl), 10) + 2, 40)
            if field.name.endswith("_name") or field.name in ("site", "activity", "indicator"):
                width = max(width, 22)
            self.sheet.column_dimensions[self.letters[field.name]].width = width
        self.sheet.freeze_panes = f"A{FIRST_DATA_ROW}"

    def add(self, field_name: str, validation: DataValidation) -> None:
        validation.add(self.rng(field_name))
        self.validations.append(validation)

    def list_rule(self, field_name: str, source: str, error: str, *, stop: bool = True) -> None:
        field = BY_NAME[field_name]
        self.add(
            field_name,
            _validation(
                kind="list",
                formula1=source,
                title=_field_title(field, self.operation),
                prompt=self.descriptions.get(field_name) or str(field.help),
                error=error,
                stop=stop,
            ),
        )

    def list_rules(self) -> None:
        """Dropdowns of the lists the template holds; the month as YYYY-MM when no round is open."""
        lists = self.lists
        not_in_list = _("Choose a value from the list.")
        if lists.has("T_MONTH"):
            self.list_rule(
                "month", "T_MONTH", _("Choose a month open for reporting from the list.")
            )
        else:
            month = self.ref("month")
            self.add(
                "month",
                _validation(
                    kind="custom",
                    formula1=(
                        f'AND(LEN({month})=7,MID({month},5,1)="-",'
                        f"ISNUMBER(VALUE(LEFT({month},4))),ISNUMBER(VALUE(RIGHT({month},2))))"
                    ),
                    title=_field_title(BY_NAME["month"], self.operation),
                    prompt=self.descriptions["month"],
                    error=_("Write the month as YYYY-MM, e.g. 2026-03."),
                ),
            )
        if lists.has("T_PARTNER"):
            self.list_rule(
                "implementing_partner",
                "T_PARTNER",
                _("This organisation is not registered in the operation. Check the acronym."),
                stop=False,
            )
        if lists.has("T_ACTIVITY"):
            self.list_rule("activity", "T_ACTIVITY", not_in_list)
        if lists.has("T_INDICATOR"):
            self.list_rule(
                "indicator",
                _excel_name_expr("I_", self.ref("activity")),
                _("Choose an indicator of the activity chosen in the activity column."),
            )
        if lists.has("T_POPULATION"):
            self.list_rule("population_group", "T_POPULATION", not_in_list)
        self.list_rule("status", "T_STATUS", not_in_list)
        self.list_rule("modality", "T_MODALITY", not_in_list)

    def area_rules(self, has_level: set[int]) -> None:
        """Areas: names cascade, P-codes follow the names (a formula per data row)."""
        not_an_area = _(
            "Choose an area from the list. If the list is empty, choose the area of the level "
            "to the left first."
        )
        if 1 in has_level:
            self.list_rule("admin1_name", "L_ADM1", not_an_area)
        if 2 in has_level:
            self.list_rule("admin2_name", f'INDIRECT("L_"&{self.ref("admin1_pcode")})', not_an_area)
        if 3 in has_level:
            self.list_rule("admin3_name", f'INDIRECT("L_"&{self.ref("admin2_pcode")})', not_an_area)
        if not self.lists.has("T_AREA1"):
            return
        pcode_formulas: list[tuple[str, str, str | None]] = [
            ("admin1_pcode", "admin1_name", None),
            ("admin2_pcode", "admin2_name", "admin1_pcode"),
            ("admin3_pcode", "admin3_name", "admin2_pcode"),
        ]
        letters = self.letters
        for row in range(FIRST_DATA_ROW, self.last_row + 1):
            for target, name_field, parent_field in pcode_formulas:
                name_cell = f"{letters[name_field]}{row}"
                parent = f"{letters[parent_field]}{row}&" if parent_field else ""
                self.sheet[f"{letters[target]}{row}"] = (
                    f'=IF({name_cell}="","",IFERROR(INDEX(T_AREA2,'
                    f'MATCH({parent}"|"&{name_cell},T_AREA1,0)),""))'
                )

    def number_and_text_rules(self) -> None:
        """Whole numbers of 0 or more, dates, and the text columns' lengths."""
        for field in TEMPLATE_FIELDS:
            if field.kind == "int":
                self.add(
                    field.name,
                    _validation(
                        kind="whole",
                        operator="greaterThanOrEqual",
                        formula1="0",
                        title=_field_title(field, self.operation),
                        prompt=self.descriptions.get(field.name) or str(field.help),
                        error=_("Write a whole number, 0 or more (no text, no decimals)."),
                    ),
                )
            elif field.kind == "date":
                self.add(
                    field.name,
                    _validation(
                        kind="date",
                        operator="between",
                        formula1="DATE(2000,1,1)",
                        formula2="DATE(2100,12,31)",
                        title=_field_title(field, self.operation),
                        prompt=self.descriptions.get(field.name) or str(field.help),
                        error=_("Write a date, e.g. 2026-03-15."),
                    ),
                )
        for name, limit in (("site", 200), ("project_code", 60)):
            field = BY_NAME[name]
            self.add(
                name,
                _validation(
                    kind="textLength",
                    operator="lessThanOrEqual",
                    formula1=str(limit),
                    title=_field_title(field, self.operation),
                    prompt=self.descriptions.get(name) or str(field.help),
                    error=_("Too long: at most %(limit)s characters.") % {"limit": limit},
                ),
            )

    def cell_formats(self) -> None:
        """Months and project codes stay text (Excel turns 2026-03 into a date otherwise), dates
        show as dates. Not the P-code columns: Excel would turn their formulas into text once
        edited in a text cell."""
        letters = self.letters
        for row in range(FIRST_DATA_ROW, self.last_row + 1):
            for name in ("month", "project_code"):
                self.sheet[f"{letters[name]}{row}"].number_format = "@"
            for name in ("start_date", "end_date"):
                self.sheet[f"{letters[name]}{row}"].number_format = "yyyy-mm-dd"

    def problem_highlights(self) -> None:
        """Totals that are not the sum of the sex and age columns, and disability above the
        total, coloured (the importer refuses both)."""
        letters = self.letters
        bands = f"{letters[SEX_AGE[0]]}{FIRST_DATA_ROW}:{letters[SEX_AGE[-1]]}{FIRST_DATA_ROW}"
        total = f"{letters['total']}{FIRST_DATA_ROW}"
        disability = f"{letters['with_disability']}{FIRST_DATA_ROW}"
        self.sheet.conditional_formatting.add(
            self.rng("total"),
            FormulaRule(formula=[f"AND(SUM({bands})>0,{total}<>SUM({bands}))"], fill=_PROBLEM_FILL),
        )
        self.sheet.conditional_formatting.add(
            self.rng("with_disability"),
            FormulaRule(
                formula=[f'AND({disability}<>"",{disability}>{total})'], fill=_PROBLEM_FILL
            ),
        )
