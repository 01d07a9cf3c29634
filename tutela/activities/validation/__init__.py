"""Checking 5W rows before they are saved, from the web grid or an uploaded file.

    context = ReportContext.build(operation=operation, organisation=amss, by=user)
    clean, problems = validate(context, rows, columns={"month": "Mois", ...})

`rows`: (row number, {field: raw value}) pairs (or dicts with a "_row" key). `columns`: the header
each field came from, so that problems name the column the user sees.

Everything validation needs is loaded once by `ReportContext.build` (plus one query for the
existing rows of the organisations and months in the rows), so a 100,000-row file makes no query
per row. Values repeated from row to row (the same P-codes, activity codes, months) are parsed
once and cached.

Every problem names the row, the column and the bad value, in the active language. Errors reject
the whole upload; warnings (a name that does not match its P-code, an outlier) do not.

Modules: synonyms (words users write for codes), records (references and the checked row),
context (`ReportContext`), problems (recording problems, checking each value once), cells (one
cell), locations (P-codes and place names), rows (one whole row), batch (`validate`).
"""

from tutela.activities.validation.batch import (
    CheckedChunk,
    checked_chunks,
    clean_row,
    resolve_saved,
    saved_submissions,
    validate,
)
from tutela.activities.validation.context import ReportContext
from tutela.activities.validation.records import VALUE_FIELDS, CleanRow
from tutela.core.imports.synonyms import POPULATION_SYNONYMS, population_group_lookup

__all__ = [
    "POPULATION_SYNONYMS",
    "CheckedChunk",
    "VALUE_FIELDS",
    "CleanRow",
    "ReportContext",
    "checked_chunks",
    "clean_row",
    "population_group_lookup",
    "resolve_saved",
    "saved_submissions",
    "validate",
]
