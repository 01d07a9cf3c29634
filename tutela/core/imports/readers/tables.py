"""The table read from an upload: its header row found (or given), the HXL hashtag row under it,
and its rows with the row numbers the user sees in Excel (1-based, header rows included; empty
rows skipped); `iter_records` maps them to fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.imports.problems import ImportFileError

# How far down the header row is looked for when it is not given.
HEADER_SEARCH_ROWS = 30


@dataclass
class Table:
    headers: list[str]
    hxl_tags: list[str] | None
    rows: list[tuple[int, list[Any]]]
    sheet_names: list[str] = field(default_factory=list)
    sheet: str = ""
    # Row number (1-based) of the header row.
    header_row: int = 1
    # "xlsx", "xlsm", "xls", "ods" or "csv".
    kind: str = "csv"
    file_name: str = ""

    @property
    def first_data_row(self) -> int:
        return self.header_row + (2 if self.hxl_tags else 1)

    def __len__(self) -> int:
        return len(self.rows)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank_row(cells: list[Any]) -> bool:
    return all(is_empty(c) for c in cells)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_hxl_tag(text: str) -> tuple[str, frozenset[str]] | None:
    """'#adm1 +code' -> ('#adm1', {'code'}); None when it is not a hashtag."""
    text = text.strip()
    if not text.startswith("#"):
        return None
    # libhxl is slow to import: loaded only when a file has HXL hashtags.
    import hxl.model

    try:
        column = hxl.model.Column.parse(text)
    except Exception:  # noqa: BLE001 (libhxl raises various errors on junk)
        return None
    if not column or not getattr(column, "tag", None):
        return None
    return str(column.tag).lower(), frozenset(str(a).lower() for a in column.attributes)


def _hxl_row(cells: list[Any]) -> list[str] | None:
    """The row as HXL hashtags, when every non-empty cell is one (and at least one is)."""
    texts = [_cell_text(c) for c in cells]
    filled = [t for t in texts if t]
    if not filled:
        return None
    if all(parse_hxl_tag(t) is not None for t in filled):
        return texts
    return None


def _find_header(rows: list[list[Any]]) -> int:
    """Index of the header row among the first rows: the first that is nearly as full as the
    fullest, skipping title and instruction lines above the table."""
    counts = [sum(1 for c in row if not is_empty(c)) for row in rows[:HEADER_SEARCH_ROWS]]
    if not counts or max(counts) == 0:
        return 0
    best = max(counts)
    needed = max(min(2, best), int(best * 0.6))
    for index, filled in enumerate(counts):
        if filled >= needed:
            return index
    return 0


def build_table(
    raw: list[list[Any]],
    *,
    header_row: int | None,
    max_rows: int,
    kind: str,
    sheet: str,
    sheet_names: list[str],
    file_name: str,
) -> Table:
    if header_row is not None:
        if header_row < 1:
            raise ImportFileError(_("The header row must be 1 or more."), code="header")
        index = header_row - 1
    else:
        index = _find_header(raw)
    if index >= len(raw) or all(is_empty(c) for c in raw[index]):
        raise ImportFileError(
            _("The sheet “%(sheet)s” has no header row with column names.") % {"sheet": sheet}
            if sheet
            else _("The file has no header row with column names."),
            code="empty",
        )
    headers_raw = raw[index]
    hxl_tags: list[str] | None = None
    data_start = index + 1
    as_tags = _hxl_row(headers_raw)
    if as_tags is not None:
        # A file with only a hashtag row: the hashtags are the headers.
        hxl_tags = as_tags
    elif data_start < len(raw):
        hxl_tags = _hxl_row(raw[data_start])
        if hxl_tags is not None:
            data_start += 1
    width = len(headers_raw)
    rows: list[tuple[int, list[Any]]] = []
    append = rows.append
    number = data_start
    for cells in raw[data_start:]:
        number += 1
        # Fast tests first (this runs for every row of a 100,000-row file): a row with a truthy
        # cell that is not blank text holds data; a row of falsy cells may still hold a 0.
        if any(cells):
            first = next(filter(None, cells))
            if first.__class__ is str and first.isspace() and _is_blank_row(cells):
                continue
        elif _is_blank_row(cells):
            continue
        if len(rows) >= max_rows:
            raise ImportFileError(
                _("The file has too many rows (more than %(count)d).") % {"count": max_rows},
                code="too_big",
            )
        if cells.__class__ is not list:
            cells = list(cells)
        # Trailing cells beyond the header are kept if they hold something.
        last = len(cells)
        if last > width:
            while last > width and is_empty(cells[last - 1]):
                last -= 1
            width = max(width, last)
        append((number, cells))
    headers = [_cell_text(c) for c in headers_raw] + [""] * (width - len(headers_raw))
    headers = headers[:width]
    for _number, cells in rows:
        if len(cells) != width:
            del cells[width:]
            cells.extend([""] * (width - len(cells)))
    if hxl_tags is not None:
        hxl_tags = (hxl_tags + [""] * width)[:width]
    return Table(
        headers=headers,
        hxl_tags=hxl_tags,
        rows=rows,
        sheet_names=sheet_names,
        sheet=sheet,
        header_row=index + 1,
        kind=kind,
        file_name=file_name,
    )


def iter_records(table: Table, columns: dict[int, str]) -> Iterable[tuple[int, dict[str, Any]]]:
    """Rows as {target field: cell value} through a column index -> field mapping."""
    pairs = list(columns.items())
    for number, cells in table.rows:
        yield number, {target: cells[index] for index, target in pairs if index < len(cells)}
