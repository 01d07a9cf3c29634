"""The uploaded table returned as a workbook with its problems marked: cells with an error filled
red, with a warning yellow, each with a comment giving the message; and a "Problems" sheet listing
them all. Rows keep the row numbers of the upload (a CSV comes back as xlsx too), so that "row 12"
in a message is row 12 in the workbook.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from tutela.core.imports.problems import ERROR, Problem
from tutela.core.imports.readers import Table
from tutela.core.spreadsheets import xlsx_cell

ERROR_FILL = PatternFill("solid", start_color="FFF4A6A6", end_color="FFF4A6A6")
WARNING_FILL = PatternFill("solid", start_color="FFFFE38A", end_color="FFFFE38A")
BOLD = Font(bold=True)
MAX_COMMENT = 1500


def _safe(value: Any) -> Any:
    """A value openpyxl writes as it is: text never becomes a formula, control characters are
    dropped, and types Excel has no cell for become text."""
    if value is None or isinstance(value, bool | int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return str(value)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
            return str(value)
        return value
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date | datetime.time):
        return value
    if isinstance(value, datetime.timedelta):
        return str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _cell(sheet: Any, value: Any) -> Cell:
    # Never a formula: what the user typed is shown as typed.
    return xlsx_cell(sheet, _safe(value))


def _comment(problems: list[Problem]) -> Comment:
    lines = []
    for problem in problems:
        text = problem.message
        if problem.suggestion and problem.suggestion not in text:
            text += f" ({problem.suggestion})"
        lines.append(text)
    text = ILLEGAL_CHARACTERS_RE.sub("", "\n".join(lines))[:MAX_COMMENT]
    comment = Comment(text, "Tutela")
    comment.width = 300
    comment.height = 40 + 20 * min(len(lines), 10)
    return comment


def annotated_workbook(table: Table, problems: Iterable[Problem]) -> bytes:
    """The uploaded rows with problem cells filled and commented, plus a "Problems" sheet."""
    problems = list(problems)
    column_of: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        column_of.setdefault(header, index)
    # row -> column index -> problems; column -1 holds problems of the whole row.
    by_cell: dict[int, dict[int, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    for problem in problems:
        if problem.row is None:
            continue
        by_cell[problem.row][column_of.get(problem.column, -1)].append(problem)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(table.sheet or _("Data"))[:31] or "Data")
    width = len(table.headers)
    current = 1

    def pad_to(row_number: int) -> None:
        nonlocal current
        while current < row_number:
            sheet.append([])
            current += 1

    pad_to(table.header_row)
    header_cells = []
    for header in table.headers:
        cell = _cell(sheet, header)
        cell.font = BOLD
        header_cells.append(cell)
    sheet.append(header_cells)
    current += 1
    if table.hxl_tags and table.hxl_tags != table.headers:
        sheet.append([_cell(sheet, tag) for tag in table.hxl_tags])
        current += 1
    for number, values in table.rows:
        pad_to(number)
        marks = by_cell.get(number)
        if not marks:
            sheet.append([_safe(v) if not isinstance(v, str) else _cell(sheet, v) for v in values])
            current += 1
            continue
        cells = []
        row_level = marks.get(-1, [])
        for index in range(max(width, len(values))):
            cell = _cell(sheet, values[index] if index < len(values) else None)
            found = list(marks.get(index, []))
            # A problem of the whole row is shown on its first cell.
            if index == 0 and row_level:
                found += row_level
            if found:
                has_error = any(p.severity == ERROR for p in found)
                cell.fill = ERROR_FILL if has_error else WARNING_FILL
                cell.comment = _comment(found)
            cells.append(cell)
        sheet.append(cells)
        current += 1

    listing = workbook.create_sheet(title=_("Problems")[:31])
    titles = [_("Row"), _("Column"), _("Severity"), _("Problem"), _("Suggestion")]
    listing.append([_cell(listing, t) for t in titles])
    severity_label = {ERROR: _("Error"), "warning": _("Warning")}
    ordered = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
    for problem in ordered:
        row = [
            problem.row,
            problem.column,
            severity_label.get(problem.severity, problem.severity),
            problem.message,
            problem.suggestion,
        ]
        cells = [_cell(listing, v) for v in row]
        cells[2].fill = ERROR_FILL if problem.severity == ERROR else WARNING_FILL
        listing.append(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
