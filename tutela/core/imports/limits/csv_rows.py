"""`read_csv_rows`: the rows of a CSV text within the limits (rows, columns, cells, length)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.imports.limits.budget import MAX_FIELD_CHARS, ReadLimits, too_big
from tutela.core.imports.problems import ImportFileError

# --- CSV ----------------------------------------------------------------------------------------


def read_csv_rows(text: str, delimiter: str, limits: ReadLimits) -> list[list[Any]]:
    """The rows of a CSV text within the limits: rows, columns per row, cells, value length."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Any]] = []
    cells = 0
    try:
        for record in reader:
            if len(record) > limits.max_columns:
                raise too_big(
                    _("Line %(line)s has %(count)s columns; the limit is %(limit)s."),
                    line=reader.line_num, count=len(record), limit=limits.max_columns,
                )  # fmt: skip
            cells += len(record)
            if cells > limits.max_cells:
                raise too_big(
                    _("The file has more than %(limit)s cells (at line %(line)s)."),
                    limit=limits.max_cells, line=reader.line_num,
                )  # fmt: skip
            rows.append(record)
            if len(rows) > limits.max_sheet_rows:
                raise too_big(
                    _("The file has too many rows (more than %(count)s)."),
                    count=limits.max_rows,
                )  # fmt: skip
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise too_big(
                _("Line %(line)s holds a value longer than %(limit)s characters."),
                line=reader.line_num + 1, limit=MAX_FIELD_CHARS,
            ) from exc  # fmt: skip
        raise ImportFileError(
            _("The CSV file could not be read (line %(line)d).") % {"line": reader.line_num},
            code="unreadable",
        ) from exc
    return rows
