"""The hidden "Lists" sheet of the 5W template: the lookup tables behind its dropdowns, one named
range per list (and per parent P-code for the cascading admin areas)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from tutela.activities.models import Activity, ActivityReport, Indicator
from tutela.activities.services.xlsx_template.layout import (
    LISTS_SHEET,
    _Lists,
    name_for,
)
from tutela.core.models import AdminArea, Operation, Organisation, PopulationGroup
from tutela.core.spreadsheets import xlsx_text


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


def write_lists(
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
