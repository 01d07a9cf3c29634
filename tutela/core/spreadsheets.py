"""Writing data into spreadsheets so that it never runs as a formula (CSV/formula injection).

Names and texts come from users (a risk renamed `=1+2+cmd|' /C calc'!A0`, an activity, a contact,
a cell of an uploaded file). A spreadsheet program opening an export would run such a text as a
formula (and, through DDE, a command). Every CSV and XLSX the application writes passes its
values through here:

- CSV: a text starting with one of FORMULA_START gets a leading apostrophe, which spreadsheets
  show as text (the OWASP recommendation); numbers and dates are left as they are;
- XLSX (openpyxl): a text is stored as a text cell (`data_type = "s"`), shown exactly as typed;
  openpyxl would otherwise store a string starting with "=" as a formula.

Formulas the application writes on purpose (the 5W template's look-ups) are set directly on their
cells and do not come through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

# Text starting so is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters Excel refuses in a sheet title.
_BAD_TITLE = re.compile(r"[\[\]\:\*\?\/\\]")


def csv_safe(value: Any) -> Any:
    """A CSV cell value that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_safe(v) for v in values]


def xlsx_text(cell: Cell, value: Any) -> Cell:
    """Set `value` on a worksheet cell; text is stored as text, never as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def xlsx_cell(sheet: Any, value: Any) -> Cell:
    """A cell for `sheet.append` (write-only or normal worksheets) holding `value`; text is
    stored as text, never as a formula."""
    return xlsx_text(WriteOnlyCell(sheet, value=None), value)


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Cell]:
    """`values` as cells for `sheet.append`: text never becomes a formula."""
    return [xlsx_cell(sheet, v) for v in values]


def sheet_title(text: str) -> str:
    """A sheet title Excel accepts (titles can hold user-given names: a level label)."""
    return _BAD_TITLE.sub(" ", text).strip()[:31] or "Sheet1"
