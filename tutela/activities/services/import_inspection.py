"""Looking at a 5W file before importing it: what the mapping page shows (the sheets, the header
row, how each column matched, a few rows, the distinct values of coded columns), and what a
mapping makes of the first rows. Nothing is checked or saved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from tutela.activities.models import ColumnMapping
from tutela.activities.models.fields import FIELDS
from tutela.activities.services.import_columns import (
    SUMMABLE,
    mapped_column_problems,
    unused_numbers_problems,
)
from tutela.activities.services.import_reading import (
    column_problems,
    mapped_rows,
    match_5w,
    read_5w,
)
from tutela.core.imports import uploads
from tutela.core.imports.matching import ColumnMatch, match_columns
from tutela.core.imports.problems import Problem
from tutela.core.imports.readers import Table
from tutela.core.imports.values import text


@dataclass
class Inspection:
    """What the mapping page shows: the sheets, the header row, how each column matched, a few
    rows, and the distinct values of the columns whose values may need mapping."""

    table: Table
    match: ColumnMatch
    problems: list[Problem]
    sample: list[tuple[int, list[Any]]] = field(default_factory=list)
    distinct: dict[str, list[str]] = field(default_factory=dict)


CODE_FIELDS = ("organisation", "activity", "indicator", "population_group", "status", "modality")


def import_inspect(
    *,
    file: Any,
    file_name: str = "",
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    need_organisation: bool = False,
    sample_rows: int = 5,
    distinct_limit: int = 50,
    corrections: str = "",
) -> Inspection:
    """Read a file and match its columns without checking or saving anything; `corrections`:
    the cells corrected in the browser (an upload record's), applied as an import applies them.
    Raises ImportFileError for an unreadable file."""
    data = uploads.upload_bytes(None, file, caller="import_5w_file")
    table = read_5w(
        data,
        file_name=file_name or getattr(file, "name", ""),
        mapping=mapping,
        sheet=sheet,
        header_row=header_row,
        corrections=corrections,
    )
    match = match_5w(table, mapping)
    problems = column_problems(
        match,
        values=mapping.values if mapping is not None else None,
        need_organisation=need_organisation,
    )
    problems += unused_numbers_problems(table, match)
    problems += mapped_column_problems(table, match)
    distinct: dict[str, list[str]] = {}
    for index, name in match.columns.items():
        if name not in CODE_FIELDS and name != "month":
            continue
        seen: dict[str, None] = {}
        for _number, cells in table.rows:
            value = text(cells[index]) if index < len(cells) else ""
            if value and value not in seen:
                seen[value] = None
                if len(seen) >= distinct_limit:
                    break
        distinct[name] = list(seen)
    return Inspection(
        table=table,
        match=match,
        problems=problems,
        sample=table.rows[:sample_rows],
        distinct=distinct,
    )


@dataclass
class PreviewLine:
    """One field of a mapping as it reads the first rows: the column(s) it comes from and, per
    row, the cells and what they become (their sum for several columns)."""

    field: str
    label: str
    headers: list[str]
    samples: list[tuple[int, list[str], str]]

    @property
    def summed(self) -> bool:
        return len(self.headers) > 1


def mapping_preview(
    table: Table,
    columns: Mapping[str, str],
    values: Mapping[str, Any] | None,
    *,
    rows: int = 5,
) -> list[PreviewLine]:
    """What the mapping `columns` ({header: field}) and `values` make of the first `rows` rows,
    field by field in the 5W's order (nothing is checked or saved): shown on the mapping page
    before anything is written, so that a column mapped to the wrong field is seen."""
    match = match_columns(
        table.headers,
        table.hxl_tags,
        targets=FIELDS,
        mapping=columns,
        auto=False,
        summable=SUMMABLE,
    )
    head = replace(table, rows=table.rows[:rows])
    mapped = dict(mapped_rows(head, match, values)[0])
    by_field = {name: index for index, name in match.columns.items()}
    lines = []
    for spec in FIELDS:
        if spec.name not in by_field:
            continue
        indexes = [by_field[spec.name], *match.summed.get(spec.name, [])]
        samples = []
        for number, cells in head.rows:
            shown = [text(cells[i]) for i in indexes]
            if number in mapped:
                result = text(mapped[number].get(spec.name))
            else:
                result = _("(row left out)")
            samples.append((number, shown, result))
        lines.append(
            PreviewLine(
                field=spec.name,
                label=str(spec.label),
                headers=[table.headers[i] for i in indexes],
                samples=samples,
            )
        )
    return lines
