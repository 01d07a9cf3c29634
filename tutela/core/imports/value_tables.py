"""A saved mapping's value tables as CSV (field, value, code), to review, share with another
operation or edit in a spreadsheet: "Menace" → threats, "En curso" → ongoing, an ACLED event type
→ its protection risk.

A value written as "" is the value every row gets when the file has no such column (the
mapping's constant), "*" every value not listed; a code left empty leaves the row out (a rule).
`value_tables_parse` checks the whole file and reports every problem at once; nothing is merged
while there is one. `value_tables_merge` keeps the values of the saved table that the file does
not list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tutela.core.exchange_csv import MAX_BYTES, csv_records, csv_write
from tutela.core.pcodes import name_key

CSV_COLUMNS = ["field", "value", "code"]
MAX_CSV_BYTES = MAX_BYTES


def value_tables_csv(values: Mapping[str, Any]) -> str:
    rows = []
    for field, table in sorted(values.items()):
        if not isinstance(table, Mapping):
            continue
        for value, code in table.items():
            shown = "" if code is None else ";".join(code) if isinstance(code, list) else code
            rows.append([field, str(value), str(shown)])
    return csv_write(CSV_COLUMNS, rows)


def value_tables_parse(
    data: bytes, *, choices: Mapping[str, set[str]]
) -> dict[str, dict[str, str | None]]:
    """{field: {value: code or None}} of a CSV file; `choices`: the fields a table may be given
    for and the codes of each. Every problem of every row in one ValidationError."""
    codes = {field: {name_key(c): c for c in allowed} for field, allowed in choices.items()}
    problems: list[str] = []
    tables: dict[str, dict[str, str | None]] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, cells in csv_records(data, CSV_COLUMNS):
        field, value, code = cells["field"], cells["value"], cells["code"]
        if field not in codes:
            problems.append(
                _("Row %(row)s: “%(value)s” is not a coded field (%(fields)s).")
                % {"row": number, "value": field, "fields": ", ".join(sorted(codes))}
            )
            continue
        found: str | None = None
        if code:
            found = codes[field].get(name_key(code))
            if found is None:
                problems.append(
                    _("Row %(row)s: “%(value)s” is not a code of %(field)s.")
                    % {"row": number, "value": code, "field": field}
                )
                continue
        key = (field, value)
        if key in seen:
            problems.append(
                _("Row %(row)s: %(field)s “%(value)s” is already on row %(other)s.")
                % {"row": number, "field": field, "value": value, "other": seen[key]}
            )
            continue
        seen[key] = number
        tables.setdefault(field, {})[value] = found
    if problems:
        raise ValidationError(problems)
    return tables


def value_tables_merge(
    saved: Mapping[str, Any], tables: Mapping[str, Mapping[str, str | None]]
) -> dict[str, Any]:
    """The saved values with the file's tables laid over them (other keys, such as a typology
    name, are kept)."""
    merged: dict[str, Any] = {
        k: (dict(v) if isinstance(v, Mapping) else v) for k, v in saved.items()
    }
    for field, table in tables.items():
        current = merged.get(field)
        merged[field] = {**(current if isinstance(current, dict) else {}), **table}
    return merged
