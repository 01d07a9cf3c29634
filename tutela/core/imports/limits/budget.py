"""The limits on what reading an uploaded table may cost (settings, README "Limits on uploaded
files"), the errors that refuse a file over them, and `check_grid`: the grid a reader did build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tutela.core.imports.problems import ImportFileError

# Defaults of the settings (config/settings.py reads them from the environment).
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 500_000
MAX_COLUMNS = 5_000
MAX_CELLS = 15_000_000
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
# Rows above the data a sheet may have (titles, instructions, the header and hashtag rows).
HEADER_ROWS = 100
# A workbook has a few dozen parts; more is an attack on the zip reader.
MAX_ZIP_ENTRIES = 10_000
# Apache POI's zip-bomb rule: a part may not inflate more than 100-fold once past 100 KB.
MIN_INFLATE_RATIO = 0.01
RATIO_GRACE_BYTES = 100 * 1024
# Longest CSV value (characters): a long monitoring narrative is a few thousand.
MAX_FIELD_CHARS = 1024 * 1024
# Bytes inflated at a time.
CHUNK = 4 * 1024 * 1024
# A tag longer than this is not one a spreadsheet writes; its bytes are not carried over.
MAX_TAG_BYTES = 64 * 1024


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS
    max_unzipped: int = MAX_UNZIPPED_BYTES

    @classmethod
    def current(cls, *, max_bytes: int | None = None, max_rows: int | None = None) -> ReadLimits:
        """The limits in force (settings), with `max_bytes`/`max_rows` given by a caller."""

        def setting(name: str, default: int) -> int:
            return int(getattr(settings, name, default))

        return cls(
            max_bytes=max_bytes or setting("TUTELA_IMPORT_MAX_BYTES", MAX_BYTES),
            max_rows=max_rows or setting("TUTELA_IMPORT_MAX_ROWS", MAX_ROWS),
            max_columns=setting("TUTELA_IMPORT_MAX_COLUMNS", MAX_COLUMNS),
            max_cells=setting("TUTELA_IMPORT_MAX_CELLS", MAX_CELLS),
            max_unzipped=setting("TUTELA_IMPORT_MAX_UNZIPPED_BYTES", MAX_UNZIPPED_BYTES),
        )

    @property
    def max_sheet_rows(self) -> int:
        return self.max_rows + HEADER_ROWS


def _formatted(value: int) -> str:
    return number_format(value, force_grouping=True)


def too_big(message: str, **values: Any) -> ImportFileError:
    shown = {k: _formatted(v) if isinstance(v, int) else v for k, v in values.items()}
    return ImportFileError(message % shown, code="too_big")


def unsafe(message: str, **values: Any) -> ImportFileError:
    return ImportFileError(message % values, code="unsafe")


# --- the grid a sheet lays out ------------------------------------------------------------------


@dataclass
class Extent:
    """The grid a reader lays out for a sheet, from A1: the highest row and column (1-based)
    holding something."""

    rows: int = 0
    columns: int = 0

    def grow(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows = row
        if column > self.columns:
            self.columns = column


def check_grid(
    sheet: str, rows: int, columns: int, limits: ReadLimits, *, declared: bool = False
) -> None:
    """Refuse a sheet of `rows` × `columns` (as it holds them, or as it declares them) over the
    limits."""
    if declared:
        if columns > limits.max_columns:
            raise too_big(
                _("The sheet “%(sheet)s” declares %(count)s columns; the limit is %(limit)s."),
                sheet=sheet, count=columns, limit=limits.max_columns,
            )  # fmt: skip
        if rows > limits.max_sheet_rows:
            raise too_big(
                _("The sheet “%(sheet)s” declares %(count)s rows; the limit is %(limit)s."),
                sheet=sheet, count=rows, limit=limits.max_rows,
            )  # fmt: skip
        if rows * columns > limits.max_cells:
            raise too_big(
                _(
                    "The sheet “%(sheet)s” declares %(rows)s rows × %(columns)s columns "
                    "(%(count)s cells); the limit is %(limit)s cells."
                ),
                sheet=sheet, rows=rows, columns=columns, count=rows * columns,
                limit=limits.max_cells,
            )  # fmt: skip
        return
    if columns > limits.max_columns:
        raise too_big(
            _("The sheet “%(sheet)s” has a value in column %(count)s; the limit is %(limit)s."),
            sheet=sheet, count=columns, limit=limits.max_columns,
        )  # fmt: skip
    if rows > limits.max_sheet_rows:
        raise too_big(
            _("The sheet “%(sheet)s” has a value in row %(count)s; the limit is %(limit)s rows."),
            sheet=sheet, count=rows, limit=limits.max_rows,
        )  # fmt: skip
    if rows * columns > limits.max_cells:
        raise too_big(
            _(
                "The sheet “%(sheet)s” spans %(rows)s rows × %(columns)s columns (%(count)s "
                "cells); the limit is %(limit)s cells."
            ),
            sheet=sheet, rows=rows, columns=columns, count=rows * columns,
            limit=limits.max_cells,
        )  # fmt: skip


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for char in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        number = number * 26 + (ord(char) - 64)
    return number
