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

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tutela.core.pcodes import name_key

CSV_COLUMNS = ["field", "value", "code"]
MAX_CSV_BYTES = 5 * 1024 * 1024


def _safe(cell: str) -> str:
    # Never a formula when the file is opened in a spreadsheet.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def value_tables_csv(values: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for field, table in sorted(values.items()):
        if not isinstance(table, Mapping):
            continue
        for value, code in table.items():
            shown = "" if code is None else ";".join(code) if isinstance(code, list) else code
            writer.writerow([field, _safe(str(value)), _safe(str(shown))])
    return out.getvalue()


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError(_("The file is too big (at most 5 MB)."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is not text (CSV in UTF-8).")) from None


def _unquote(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


def value_tables_parse(
    data: bytes, *, choices: Mapping[str, set[str]]
) -> dict[str, dict[str, str | None]]:
    """{field: {value: code or None}} of a CSV file; `choices`: the fields a table may be given
    for and the codes of each. Every problem of every row in one ValidationError."""
    content = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(content), dialect))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            _("Missing columns: %(columns)s (the columns are field, value, code).")
            % {"columns": ", ".join(missing)}
        )
    at = {c: header.index(c) for c in CSV_COLUMNS}
    codes = {field: {name_key(c): c for c in allowed} for field, allowed in choices.items()}
    problems: list[str] = []
    tables: dict[str, dict[str, str | None]] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {c: _unquote(row[i].strip()) if i < len(row) else "" for c, i in at.items()}
        if not any(cells.values()):
            continue
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
