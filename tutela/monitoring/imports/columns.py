"""Matching a monitoring-network file's columns to the importer's fields: Kobo/ODK group prefixes
and select_multiple option columns dropped, saved mappings applied, HXL tags used; and the
problems of the matched columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.imports import uploads
from tutela.core.imports.corrections import corrections_apply, corrections_load
from tutela.core.imports.matching import ColumnMatch, match_columns
from tutela.core.imports.problems import Problem
from tutela.core.imports.readers import Table, read_table
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.models import (
    Kind,
    MonitoringMapping,
)


def kobo_header(header: str, multi: set[str]) -> tuple[str, bool]:
    """ "group_x/field" -> ("field", False); "group/risks/R01" (the 0/1 column of an option of a
    select_multiple) -> ("R01", True)."""
    parts = [p.strip() for p in str(header).split("/") if p.strip()]
    if len(parts) <= 1:
        return str(header), False
    return parts[-1], parts[-2] in multi


def _normalised_headers(
    table: Table, fieldset: FieldSet
) -> tuple[list[str], list[str] | None, set[int]]:
    """Headers as compared (group prefixes dropped), hashtags, and the columns left out on
    purpose (Kobo/ODK metadata, select_multiple option columns)."""
    names: list[str] = []
    hidden: set[int] = set()
    has_uuid = any(h.strip().lower() == "_uuid" for h in table.headers)
    for index, header in enumerate(table.headers):
        low = header.strip().lower()
        short, option = kobo_header(header, fieldset.multi)
        meta = low in fields.KOBO_META or short.lower() in fields.KOBO_META
        # A Kobo export has both: `_uuid` is instanceID without its "uuid:" prefix.
        meta = meta or (has_uuid and short.lower() == "instanceid")
        if option or (meta and low not in ("_uuid",)):
            hidden.add(index)
            names.append("")
            continue
        names.append(short)
    tags = None
    if table.hxl_tags:
        tags = ["" if i in hidden else tag for i, tag in enumerate(table.hxl_tags)]
    return names, tags, hidden


def match_file(table: Table, fieldset: FieldSet, mapping: MonitoringMapping | None) -> ColumnMatch:
    names, tags, hidden = _normalised_headers(table, fieldset)
    columns = None
    if mapping is not None and isinstance(mapping.columns, Mapping):
        columns = {kobo_header(str(k), fieldset.multi)[0]: v for k, v in mapping.columns.items()}
    match = match_columns(names, tags, targets=fieldset.fields, mapping=columns)
    # Report the file's own headers, not the shortened ones.
    first_of = {}
    for index, name in match.columns.items():
        first_of[name] = table.headers[index]
    duplicates = []
    for index, how in match.how.items():
        if how == "duplicate":
            for short, name, _first in match.duplicates:
                if short == names[index]:
                    duplicates.append((table.headers[index], name, first_of.get(name, _first)))
                    break
    match.headers = list(table.headers)
    match.duplicates = duplicates
    match.unmatched = [
        table.headers[i]
        for i, name in enumerate(names)
        if name
        and i not in match.columns
        and match.how.get(i) not in ("ignored", "duplicate")
        and i not in hidden
    ]
    return match


def _prefer_for(fieldset: FieldSet) -> Callable[[list[str], list[str] | None], float]:
    def prefer(headers: list[str], hxl_tags: list[str] | None) -> float:
        table = Table(headers=headers, hxl_tags=hxl_tags, rows=[])
        return float(len(match_file(table, fieldset, None).columns))

    return prefer


def read_file(data: bytes, *, file_name: str, fieldset: FieldSet, corrections: str = "") -> Table:
    """The file's table, with the cells corrected in the browser (`corrections`, as stored on the
    record; core.imports.corrections) applied: the one place they are, before anything reads a
    value."""
    table = read_table(data, file_name=file_name, prefer=_prefer_for(fieldset))
    return corrections_apply(table, corrections_load(corrections))


def field_label(fieldset: FieldSet, name: str) -> str:
    spec = fieldset.by_name.get(name)
    return str(spec.label) if spec else name


def column_problems(
    match: ColumnMatch, fieldset: FieldSet, values: Mapping[str, Any] | None
) -> list[Problem]:
    """Missing required columns (errors), duplicate and unused columns (warnings)."""
    defaults = {n for n, t in (values or {}).items() if isinstance(t, Mapping) and "" in t}
    present = match.fields | defaults
    missing = [field_label(fieldset, n) for n in fieldset.required if n not in present]
    if not present & set(fields.LOCATION_FIELDS):
        missing.append(_("a location (P-code or admin names)"))
    if fieldset.kind == Kind.INCIDENTS and not present & {"risks", "violations"}:
        missing.append(_("a protection risk or violation type"))
    # Headers quoted shortened: a Kobo export's headers can be whole questions.
    return uploads.column_problems(
        match,
        missing=missing,
        field_label=lambda name: field_label(fieldset, name),
        header_limit=60,
        list_limit=600,
    )


# --- reading the rows ----------------------------------------------------------------------------
