"""Fix in place: cells of an upload corrected in the browser after a check, so that a file with a
few bad rows goes in without being downloaded, edited and uploaded again.

A correction names a cell of the file as the user sees it (the spreadsheet row number and the
column: its position and its header, so a correction never lands in another column if the header
row read differs) and the text that replaces the cell's value. The corrections of an upload are
stored with it, encrypted as its file is (an incident list carries personal data), and applied by
`corrections_apply` once, right after the file is read and before anything else: the column
matching, the value tables, the place resolution and every rule see the corrected value, and the
annotated workbook shows it. The stored file itself is never changed.

    corrections = corrections_load(record.corrections)
    table = corrections_apply(read_table(data), corrections)
    rows = fix_rows(original_table, corrections, problems, columns=[(index, label), ...])
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ERROR, Problem
from tutela.core.imports.readers import Table
from tutela.core.imports.uploads import R, UploadRecord
from tutela.core.imports.values import text
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write

# Cells of one upload that may be corrected in the browser: beyond this, the file itself is the
# place to correct (and the stored corrections stay a small encrypted value).
MAX_CORRECTED_CELLS = 500
# Longest text a corrected cell may hold.
MAX_CELL_LENGTH = 1000
# Rows of the fix table shown a page at a time.
FIX_PAGE_SIZE = 50

# (spreadsheet row number, column position)
Cell = tuple[int, int]


@dataclass(frozen=True)
class Correction:
    row: int
    column: int
    header: str
    value: str


def corrections_load(stored: str) -> dict[Cell, Correction]:
    """The corrections stored on a record (JSON text, decrypted by its field), by cell."""
    if not stored:
        return {}
    items = json.loads(stored)
    found = {}
    for item in items:
        correction = Correction(
            row=int(item["row"]),
            column=int(item["column"]),
            header=str(item["header"]),
            value=str(item["value"]),
        )
        found[(correction.row, correction.column)] = correction
    return found


def corrections_dump(corrections: Mapping[Cell, Correction]) -> str:
    """The corrections as stored: JSON text, in row then column order."""
    ordered = [corrections[cell] for cell in sorted(corrections)]
    return json.dumps(
        [{"row": c.row, "column": c.column, "header": c.header, "value": c.value} for c in ordered],
        ensure_ascii=False,
    )


def corrections_apply(table: Table, corrections: Mapping[Cell, Correction]) -> Table:
    """The table with its corrected cells replaced (an empty correction empties the cell). A
    correction whose column no longer has the header it was made under is not applied."""
    if not corrections:
        return table
    by_row: dict[int, list[Correction]] = {}
    for correction in corrections.values():
        by_row.setdefault(correction.row, []).append(correction)
    rows = []
    for number, cells in table.rows:
        wanted = by_row.get(number)
        if wanted:
            cells = list(cells)
            for correction in wanted:
                index = correction.column
                if index < len(table.headers) and table.headers[index] == correction.header:
                    while len(cells) <= index:
                        cells.append(None)
                    cells[index] = correction.value if correction.value.strip() else None
        rows.append((number, cells))
    table.rows = rows
    return table


def corrections_merge(
    existing: Mapping[Cell, Correction],
    changes: Mapping[Cell, str],
    *,
    originals: Mapping[Cell, str],
    headers: Sequence[str],
) -> dict[Cell, Correction]:
    """`existing` with `changes` (cell -> new text) made: a cell given back its value in the file
    loses its correction. Raises ValidationError (a message for the user) over the limits."""
    merged = dict(existing)
    for cell, value in changes.items():
        value = value.strip()
        if len(value) > MAX_CELL_LENGTH:
            raise ValidationError(
                _("A cell can hold at most %(count)d characters (row %(row)d).")
                % {"count": MAX_CELL_LENGTH, "row": cell[0]}
            )
        if value == originals.get(cell, ""):
            merged.pop(cell, None)
        else:
            merged[cell] = Correction(
                row=cell[0], column=cell[1], header=headers[cell[1]], value=value
            )
    if len(merged) > MAX_CORRECTED_CELLS:
        raise ValidationError(
            _(
                "At most %(max)d cells of an upload can be corrected in the browser (this would "
                "make %(count)d). Correct the file itself and upload it again."
            )
            % {"max": MAX_CORRECTED_CELLS, "count": len(merged)}
        )
    return merged


# --- the fix table -------------------------------------------------------------------------------


@dataclass
class FixCell:
    """A cell of the fix table: its value now (corrected or as in the file), the file's, and the
    problems found in it."""

    row: int
    column: int
    value: str
    original: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"cell-{self.row}-{self.column}"

    @property
    def corrected(self) -> bool:
        return self.value != self.original

    @property
    def has_error(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


@dataclass
class FixRow:
    number: int
    cells: list[FixCell]
    # Problems of the row not tied to one of the columns shown.
    problems: list[Problem] = field(default_factory=list)


@dataclass
class FixColumn:
    index: int
    header: str
    label: str


def fix_columns(
    table: Table, mapped: Iterable[tuple[int, str]], problems: Iterable[Problem]
) -> list[FixColumn]:
    """The columns shown: those mapped (position, what they give) and those a problem names."""
    labels = dict(mapped)
    positions = _positions(table.headers)
    for problem in problems:
        index = positions.get(problem.column)
        if index is not None and problem.row is not None:
            labels.setdefault(index, problem.field)
    return [
        FixColumn(index=index, header=table.headers[index], label=labels[index])
        for index in sorted(labels)
        if index < len(table.headers)
    ]


def _positions(headers: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        positions.setdefault(header, index)
    return positions


def fix_rows(
    table: Table,
    corrections: Mapping[Cell, Correction],
    problems: Iterable[Problem],
    columns: Sequence[FixColumn],
) -> list[FixRow]:
    """The rows of `table` (as read, without corrections) that have problems, in row order, with
    the `columns` shown: each cell's value now and in the file, and its problems."""
    by_row: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.row is not None:
            by_row.setdefault(problem.row, []).append(problem)
    if not by_row:
        return []
    shown = {column.header: column.index for column in columns}
    rows = []
    for number, cells in table.rows:
        found = by_row.get(number)
        if not found:
            continue
        fix_cells = []
        for column in columns:
            original = text(cells[column.index]) if column.index < len(cells) else ""
            correction = corrections.get((number, column.index))
            value = correction.value if correction is not None else original
            fix_cells.append(
                FixCell(row=number, column=column.index, value=value, original=original)
            )
        row = FixRow(number=number, cells=fix_cells)
        by_index = {cell.column: cell for cell in fix_cells}
        for problem in found:
            index = shown.get(problem.column)
            if index is None:
                row.problems.append(problem)
            else:
                by_index[index].problems.append(problem)
        rows.append(row)
    return rows


def fix_changes(posted: Mapping[str, Any], rows: Iterable[FixRow]) -> dict[Cell, str]:
    """The cells of `rows` whose posted text differs from their value now (fields named as
    FixCell.name; cells not shown are never read from the form)."""
    changes: dict[Cell, str] = {}
    for row in rows:
        for cell in row.cells:
            given = posted.get(cell.name)
            if given is None:
                continue
            given = str(given).strip()
            if given != cell.value:
                changes[(cell.row, cell.column)] = given
    return changes


def fix_originals(rows: Iterable[FixRow]) -> dict[Cell, str]:
    return {(cell.row, cell.column): cell.original for row in rows for cell in row.cells}


# --- the fix table of an upload, and saving its corrections --------------------------------------

# Uploads whose cells may be corrected: checked, not imported, not being checked.
FIXABLE = ("dry_run", "rejected")


@dataclass
class FixTable:
    columns: list[FixColumn]
    rows: list[FixRow]
    corrected: int


def record_fixable(record: UploadRecord) -> bool:
    """The upload was checked, its file is kept, and it has problems in rows."""
    return (
        record.status in FIXABLE
        and bool(record.file)
        and any(p.get("row") is not None for p in record.problems or [])
    )


def record_fix_table(
    record: UploadRecord, table: Table, match: ColumnMatch, *, label: Callable[[str], str]
) -> FixTable:
    """The rows of `record` with problems (those the record keeps), from `table` (its stored
    file as read, without corrections): the columns `match` maps (named by `label`) and those a
    problem names."""
    problems = [Problem.from_dict(p) for p in record.problems or []]
    mapped = [(index, label(name)) for index, name in match.columns.items()]
    for name, extra in match.summed.items():
        mapped += [(index, label(name)) for index in extra]
    columns = fix_columns(table, mapped, problems)
    corrections = corrections_load(getattr(record, "corrections", ""))
    return FixTable(
        columns=columns,
        rows=fix_rows(table, corrections, problems, columns),
        corrected=len(corrections),
    )


def record_corrections_save(
    *,
    record: UploadRecord,
    by: User,
    changes: Mapping[Cell, str],
    fix: FixTable,
    restart: Callable[[str], R],
    label: str,
) -> R:
    """Store `changes` (cell -> text; cells of `fix` only) with the upload's corrections and
    check the whole file again with them through `restart` (given the corrections as stored;
    it checks the stored upload again as a dry run, `pages.record_restart`): the new record.
    Audited (who, how many cells; never the values, which may be personal data). Raises
    ValidationError over the limits or for an upload that cannot be fixed. The caller has
    checked that `by` may see the upload and import it."""
    if not record_fixable(record):
        raise ValidationError(_("This upload can no longer be corrected."))
    shown = fix_originals(fix.rows)
    if set(changes) - set(shown):
        raise ValidationError(_("Only the cells of the rows with problems can be corrected."))
    headers = {column.index: column.header for column in fix.columns}
    merged = corrections_merge(
        corrections_load(getattr(record, "corrections", "")),
        changes,
        originals=shown,
        headers=[headers.get(i, "") for i in range(max(headers, default=-1) + 1)],
    )
    new = restart(corrections_dump(merged))
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        # Every importer's record is a model (UploadRecord describes only what is read here).
        instance=cast(models.Model, new),
        operation=record.operation,
        summary=(
            f"{label} {record.file_name}: {len(changes)} cell(s) corrected in the browser, "
            f"checked again ({len(merged)} corrected in all)"
        )[:300],
        after={"changed_cells": len(changes), "corrected_cells": len(merged), "from": record.pk},
    )
    return new
