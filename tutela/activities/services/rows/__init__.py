"""Saving 5W rows, from the web grid or an uploaded file: all or nothing, upserted by natural key.

    result = report_rows_save(by=user, operation=op, organisation=amss, rows=[(2, {...}), ...])
    result.rejected / result.created / result.updated / result.unchanged / result.problems

Any error rejects the whole save and nothing is written. Otherwise one transaction creates the
submissions missing for (round, organisation), inserts new rows and updates changed ones in
batches, and writes ONE audit entry summarising the save. A dry run computes the same counts and
writes nothing.

A big save (TUTELA_5W_CHECK_CHILD_MIN_ROWS rows or more) is checked in a child process that hands
the checked rows over in chunks while this process inserts them (two cores at work); the 5W
importer checks every upload that way, in the child that read the file (`report_chunks_save`).

Rows are checked in Python (`tutela.activities.validation`) rather than with `full_clean()` per
row, which would cost a query per foreign key per row; the database constraints (natural key,
disability within total, month on the first day) remain as a backstop.
"""

from tutela.activities.services.rows.bulk import (
    BATCH_SIZE,
    DATE_FIELDS,
    INSERT_FIELDS,
    REPORT_VALUE_FIELDS,
)
from tutela.activities.services.rows.chunks import report_chunks_save
from tutela.activities.services.rows.saving import (
    # Re-exported under its private name: the 5W import service (services/imports.py) checks
    # access with it before reading a file, importing it from here.
    _check_access,  # noqa: F401
    report_row_delete,
    report_rows_save,
)
from tutela.activities.services.rows.writing import AUDIT_CHANGES, LISTED_UPDATES, SaveResult

__all__ = [
    "AUDIT_CHANGES",
    "BATCH_SIZE",
    "DATE_FIELDS",
    "INSERT_FIELDS",
    "LISTED_UPDATES",
    "REPORT_VALUE_FIELDS",
    "SaveResult",
    "report_chunks_save",
    "report_row_delete",
    "report_rows_save",
]
