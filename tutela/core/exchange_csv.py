"""Small CSV files exchanged with a spreadsheet (place aliases, value tables): written so that no
cell is ever read as a formula, read back whole within a size bound, in UTF-8 (with or without a
byte-order mark) or Windows-1252 as Excel saves it, with a comma, semicolon or tab, the columns
found by name in any order. Every problem of the file's rows is the caller's to report at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tutela.core.spreadsheets import FORMULA_START, csv_row

# Biggest exchange file read (a whole country's villages fit many times over).
MAX_BYTES = 5 * 1024 * 1024


def csv_unquote(cell: str) -> str:
    """A cell as read: the quote `spreadsheets.csv_safe` put before a formula-like text taken
    off."""
    return (
        cell[1:] if cell[:1] == "'" and cell[1:2].startswith(FORMULA_START) and cell[1:2] else cell
    )


def csv_write(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV text of `rows` under a header of `columns`, no cell ever read as a formula (the
    shared neutraliser, `tutela.core.spreadsheets`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_row(row))
    return out.getvalue()


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is too big (at most 5 MB)."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is not text (CSV in UTF-8)."))


def csv_records(data: bytes, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: cell}) for every row that is not blank,
    cells stripped and unquoted. ValidationError when the file is too big, not text, or lacks
    one of `columns` (matched by name, any case and order)."""
    content = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(content), dialect))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError(
            _("Missing columns: %(columns)s (the columns are %(expected)s).")
            % {"columns": ", ".join(missing), "expected": ", ".join(columns)}
        )
    at = {c: header.index(c) for c in columns}
    for number, row in enumerate(rows[1:], start=2):
        cells = {c: csv_unquote(row[i].strip()) if i < len(row) else "" for c, i in at.items()}
        if any(cells.values()):
            yield number, cells
