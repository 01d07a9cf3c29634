"""What the upload pages do with a monitoring file: start its import (now when small, queued for
the background worker when big: `import_monitoring_in_background`, below), and look at it before
importing (its columns matched, the coded values the importer does not recognise). The import
itself is `services.imports.MonitoringImporter` (tutela.core.imports.engine); its background
task, `import_monitoring_in_background`, is defined there and re-exported here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import Problem
from tutela.core.imports.readers import Table
from tutela.core.imports.values import is_blank
from tutela.core.imports.values import text as cell_text
from tutela.core.models import Operation, Organisation, User
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.columns import column_problems, match_file, read_file
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.imports.rows import RowReader
from tutela.monitoring.imports.vocabulary import SEPARATORS, fieldset_for
from tutela.monitoring.incidents.data import (
    References,
)
from tutela.monitoring.models import (
    MonitoringImport,
    MonitoringMapping,
)
from tutela.monitoring.services.imports import (
    MonitoringImporter,
    file_content,
    import_monitoring_in_background,
)

__all__ = ["import_inspect", "import_monitoring_in_background", "import_monitoring_start"]


def import_monitoring_start(
    *,
    by: User,
    operation: Operation,
    organisation: Organisation | None,
    kind: str,
    file: Any,
    file_name: str = "",
    mapping: MonitoringMapping | None = None,
    profile: str = "",
    dry_run: bool = False,
    background: bool | None = None,
    corrections: str = "",
) -> MonitoringImport:
    """Import an upload now when small, or in the background worker when big (or when
    `background` says so): a queued import returns its record "pending" with a Job whose
    progress the page polls."""
    importer = MonitoringImporter(
        by=by,
        operation=operation,
        organisation=organisation,
        kind=kind,
        mapping=mapping,
        # An unknown name is refused before the file is read or queued.
        profile=profile,
        dry_run=dry_run,
        corrections=corrections,
    )
    return importer.start(file=file, file_name=file_name, background=background)


@dataclass
class Inspection:
    table: Table
    match: ColumnMatch
    fieldset: FieldSet
    problems: list[Problem]
    sample: list[tuple[int, list[Any]]] = field(default_factory=list)
    # field -> distinct values of its column the importer does not recognise
    unknown: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _value_parts(reader: RowReader, spec: Any, raw: str) -> list[str]:
    """The values of a cell as the mapping page lists them. A multiple-choice cell is split on
    its separators; on spaces only when every word is a known code (a Kobo "select multiple"),
    so that a label of several words ("Violence against civilians") stays whole."""
    if spec.kind != fields.MULTI or reader.vocab.lookup(spec.ref, raw) is not None:
        return [raw]
    if SEPARATORS.search(raw):
        return SEPARATORS.split(raw)
    if "," in raw:
        return raw.split(",")
    words = raw.split()
    if len(words) > 1 and all(reader.vocab.lookup(spec.ref, w) is not None for w in words):
        return words
    return [raw]


def import_inspect(
    *,
    operation: Operation,
    kind: str,
    file: Any,
    file_name: str = "",
    mapping: MonitoringMapping | None = None,
    columns: Mapping[str, str] | None = None,
    sample_rows: int = 5,
    distinct_limit: int = 100_000,
    corrections: str = "",
) -> Inspection:
    """Read a file and match its columns (with `columns`, {header: field}, when given) without
    checking or saving anything; list the values of coded columns that are not recognised.
    `corrections`: the cells corrected in the browser (an upload record's), applied as an import
    applies them. Raises ImportFileError for an unreadable file."""
    fieldset = fieldset_for(operation, kind)
    table = read_file(
        file_content(None, file), file_name=file_name, fieldset=fieldset, corrections=corrections
    )
    if columns is not None:
        chosen = MonitoringMapping(columns=dict(columns), values={})
        match = match_file(table, fieldset, chosen)
    else:
        match = match_file(table, fieldset, mapping)
    values = mapping.values if mapping is not None else None
    problems = column_problems(match, fieldset, values)
    refs = References.load(operation)
    reader = RowReader(refs=refs, fieldset=fieldset, match=match, values=None)
    unknown: dict[str, list[tuple[str, int]]] = {}
    for index, name in match.columns.items():
        spec = fieldset.by_name[name]
        if not spec.ref or spec.ref == "coping":
            continue
        # Every distinct unknown value of the whole column with its count (not the first few).
        counts: Counter[str] = Counter()
        for _number, cells in table.rows:
            value = cells[index] if index < len(cells) else None
            if is_blank(value):
                continue
            raw = value if isinstance(value, str) else cell_text(value)
            for part in _value_parts(reader, spec, raw):
                part = " ".join(part.split())[:200]
                if part and reader.vocab.lookup(spec.ref, part) is None:
                    counts[part] += 1
        if counts:
            unknown[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[
                :distinct_limit
            ]
    return Inspection(
        table=table,
        match=match,
        fieldset=fieldset,
        problems=problems,
        sample=table.rows[:sample_rows],
        unknown=unknown,
    )
