"""Reading a 5W file: its table (with the cells corrected in the browser), its columns matched
to the 5W's fields, the problems of its columns, and its rows as {field: value} through the
column match and the value mappings. Used by the 5W importer (services.imports), the mapping
page (services.import_inspection) and the fix table.

Value mappings (`ColumnMapping.values`, {field: {value in the file: value for Tutela}}) translate
a file's own words ("Déplacés" -> "IDP", "June" -> "2014-06"). Two special keys: "" gives the value
for blank cells and for a column the file lacks (a default: for a field the file has no column
for, a constant that every row gets, "every row: ongoing"), "*" any value not listed. Mapping a
value to null skips the row (e.g. the rows of other clusters in a multi-cluster 3W): skipped rows
are counted, not checked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from tutela.activities.models import ColumnMapping
from tutela.activities.models.fields import BY_NAME, FIELDS, REQUIRED
from tutela.activities.services.import_columns import SUMMABLE, field_label
from tutela.core.imports import uploads
from tutela.core.imports.corrections import corrections_apply, corrections_load
from tutela.core.imports.matching import ColumnMatch, match_columns, match_score
from tutela.core.imports.problems import Problem
from tutela.core.imports.readers import Table, read_table, read_table_then
from tutela.core.imports.values import SKIP, ValueMap, sum_counts

KIND = "5w"
T = TypeVar("T")
LOCATION_FIELDS = (
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "admin3_pcode",
    "admin3_name",
)


def _value_maps(values: Mapping[str, Any] | None) -> dict[str, ValueMap]:
    return {
        name: ValueMap(table)
        for name, table in (values or {}).items()
        if isinstance(table, Mapping) and name in BY_NAME
    }


def mapped_rows(
    table: Table, match: ColumnMatch, values: Mapping[str, Any] | None
) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """The table's rows as {field: value} through the column match and value mappings, and the
    number of rows skipped by the value mappings."""
    rows = MappedRows(table, match, values)
    return list(rows), rows.skipped


class MappedRows:
    """`mapped_rows`, made as they are iterated (the 5W importer checks the first rows while the
    next are mapped); `skipped` counts the rows the value mappings skipped so far."""

    def __init__(self, table: Table, match: ColumnMatch, values: Mapping[str, Any] | None):
        self.table = table
        self.match = match
        self.values = values
        self.skipped = 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        table, match = self.table, self.match
        maps = _value_maps(self.values)
        pairs = list(match.columns.items())
        # Defaults for fields the file has no column for.
        defaults = {
            name: vmap.default
            for name, vmap in maps.items()
            if vmap.has_default and vmap.default is not None and name not in match.fields
        }
        if not pairs:
            for number, _cells in table.rows:
                yield number, dict(defaults)
            return
        names = [name for _index, name in pairs]
        # Fields added up from several columns: (position in `names`, the further columns).
        sums = [(names.index(name), extra) for name, extra in match.summed.items() if name in names]
        # Rows are padded to the header's width by the reader, so every index exists.
        getter = itemgetter(*[index for index, _name in pairs])
        mapped = [(position, maps[name]) for position, name in enumerate(names) if name in maps]
        single = len(pairs) == 1
        for number, cells in table.rows:
            picked = getter(cells)
            if single:
                picked = (picked,)
            if sums:
                picked = list(picked)
                for position, extra in sums:
                    picked[position] = sum_counts([picked[position], *(cells[i] for i in extra)])
            if mapped:
                picked = list(picked)
                for position, vmap in mapped:
                    value = vmap.apply(picked[position])
                    if value is SKIP:
                        break
                    picked[position] = value
                else:
                    value = None
                if value is SKIP:
                    self.skipped += 1
                    continue
            record = dict(zip(names, picked, strict=True))
            if defaults:
                record = {**defaults, **record}
            yield number, record


def _prefer(headers: list[str], hxl_tags: list[str] | None) -> float:
    return match_score(headers, hxl_tags, targets=FIELDS)


def read_5w(
    data: bytes,
    *,
    file_name: str,
    mapping: ColumnMapping | None,
    sheet: str | None,
    header_row: int | None,
    corrections: str = "",
) -> Table:
    """The file's table, with the cells corrected in the browser (`corrections`, as stored on the
    record) applied: the one place they are, before anything reads a value."""
    if mapping is not None:
        sheet = sheet or mapping.sheet or None
        header_row = header_row or mapping.header_row or None
    table = read_table(
        data, file_name=file_name, sheet=sheet, header_row=header_row, prefer=_prefer
    )
    return corrections_apply(table, corrections_load(corrections))


@contextlib.contextmanager
def read_5w_then(
    data: bytes,
    then: Callable[[Table], Iterable[T]],
    *,
    file_name: str,
    mapping: ColumnMapping | None,
    sheet: str | None,
    header_row: int | None,
    corrections: str = "",
) -> Iterator[Iterator[T]]:
    """`read_5w`, going on with `then(table)` in the child process that read the file, its items
    coming here as they are made (core.imports.readers.read_table_then: the 5W importer maps and
    checks the rows there)."""
    if mapping is not None:
        sheet = sheet or mapping.sheet or None
        header_row = header_row or mapping.header_row or None
    fixes = corrections_load(corrections)

    def corrected_then(table: Table) -> Iterable[T]:
        return then(corrections_apply(table, fixes))

    with read_table_then(
        data,
        corrected_then,
        file_name=file_name,
        sheet=sheet,
        header_row=header_row,
        prefer=_prefer,
    ) as items:
        yield items


def match_5w(table: Table, mapping: ColumnMapping | None) -> ColumnMatch:
    return match_columns(
        table.headers,
        table.hxl_tags,
        targets=FIELDS,
        mapping=mapping.columns if mapping is not None else None,
        summable=SUMMABLE,
    )


def column_problems(
    match: ColumnMatch,
    *,
    values: Mapping[str, Any] | None,
    need_organisation: bool,
) -> list[Problem]:
    """Missing required columns (errors), duplicate and unused columns (warnings)."""
    defaults = {n for n, t in (values or {}).items() if isinstance(t, Mapping) and "" in t}
    required = list(REQUIRED) + (["organisation"] if need_organisation else [])
    missing = [n for n in required if n not in match.fields and n not in defaults]
    has_location = any(n in match.fields or n in defaults for n in LOCATION_FIELDS)
    missing_labels = [field_label(n) for n in missing]
    if not has_location:
        missing_labels.append(_("a location (admin P-code or name)"))
    return uploads.column_problems(match, missing=missing_labels, field_label=field_label)
