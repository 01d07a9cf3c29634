"""Fix in place for 5W uploads: the rows of a checked upload that have problems, as a table whose
cells can be corrected in the browser, and saving the corrections, which checks the whole file
again with them (a new dry run). The corrections live on the record, encrypted; the stored file
is never changed (see tutela.core.imports.corrections).

    fix = import_fix_table(record=record)
    new = import_corrections_save(record=record, by=user, changes={(4, 7): "ML0501"}, fix=fix)
"""

from __future__ import annotations

from collections.abc import Mapping

from tutela.activities.models import ImportRecord
from tutela.activities.services.import_columns import field_label
from tutela.activities.services.imports import import_5w_start, import_stored_table
from tutela.core.imports import pages
from tutela.core.imports.corrections import (
    Cell,
    FixTable,
    record_corrections_save,
    record_fix_table,
    record_fixable,
)
from tutela.core.models import User


def import_fixable(record: ImportRecord) -> bool:
    """The upload was checked, its file is kept, and it has problems in rows."""
    return record_fixable(record)


def import_fix_table(*, record: ImportRecord) -> FixTable:
    """The rows of `record` with problems (those the record keeps), with the file's mapped
    columns and the columns a problem names. Raises ImportFileError when the file is gone."""
    table, match = import_stored_table(record)
    return record_fix_table(record, table, match, label=field_label)


def import_corrections_save(
    *, record: ImportRecord, by: User, changes: Mapping[Cell, str], fix: FixTable
) -> ImportRecord:
    """Store `changes` with the upload's corrections and check the whole file again with them
    (core.imports.corrections.record_corrections_save): the new record, a dry run (or pending
    when the file goes to the background worker)."""
    return record_corrections_save(
        record=record,
        by=by,
        changes=changes,
        fix=fix,
        label="5W upload",
        restart=lambda corrections: pages.record_restart(
            record,
            start=import_5w_start,
            by=by,
            operation=record.operation,
            dry_run=True,
            corrections=corrections,
        ),
    )
