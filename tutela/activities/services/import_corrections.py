"""Fix in place for 5W uploads: the rows of a checked upload that have problems, as a table whose
cells can be corrected in the browser, and saving the corrections, which checks the whole file
again with them (a new dry run). The corrections live on the record, encrypted; the stored file
is never changed (see tutela.core.imports.corrections).

    fix = import_fix_table(record=record)
    new = import_corrections_save(record=record, by=user, changes={(4, 7): "ML0501"})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tutela.activities.models import ImportRecord
from tutela.activities.services.import_columns import field_label
from tutela.activities.services.imports import import_5w_start, import_stored_table
from tutela.core.imports import pages
from tutela.core.imports.corrections import (
    Cell,
    FixColumn,
    FixRow,
    corrections_dump,
    corrections_load,
    corrections_merge,
    fix_columns,
    fix_originals,
    fix_rows,
)
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write

# Uploads whose cells may be corrected: checked, not imported, not being checked.
FIXABLE = (ImportRecord.Status.DRY_RUN, ImportRecord.Status.REJECTED)


@dataclass
class FixTable:
    columns: list[FixColumn]
    rows: list[FixRow]
    corrected: int


def import_fixable(record: ImportRecord) -> bool:
    """The upload was checked, its file is kept, and it has problems in rows."""
    return (
        record.status in FIXABLE
        and bool(record.file)
        and any(p.get("row") is not None for p in record.problems or [])
    )


def import_fix_table(*, record: ImportRecord) -> FixTable:
    """The rows of `record` with problems (those the record keeps), with the file's mapped
    columns and the columns a problem names. Raises ImportFileError when the file is gone."""
    table, match = import_stored_table(record)
    problems = pages.record_problems(record)
    mapped = [(index, field_label(name)) for index, name in match.columns.items()]
    for name, extra in match.summed.items():
        mapped += [(index, field_label(name)) for index in extra]
    columns = fix_columns(table, mapped, problems)
    corrections = corrections_load(record.corrections)
    return FixTable(
        columns=columns,
        rows=fix_rows(table, corrections, problems, columns),
        corrected=len(corrections),
    )


def import_corrections_save(
    *, record: ImportRecord, by: User, changes: Mapping[Cell, str], fix: FixTable
) -> ImportRecord:
    """Store `changes` (cell -> text; cells of `fix` only) with the upload's corrections and
    check the whole file again with them: the new record (a dry run, or pending when the file
    goes to the background worker). Audited (who, how many cells; not the values, which may be
    personal data). Raises ValidationError over the limits or for an upload that cannot be
    fixed. The caller has checked that `by` may enter rows for the upload."""
    if not import_fixable(record):
        raise ValidationError(_("This upload can no longer be corrected."))
    shown = fix_originals(fix.rows)
    unknown = set(changes) - set(shown)
    if unknown:
        raise ValidationError(_("Only the cells of the rows with problems can be corrected."))
    headers = {column.index: column.header for column in fix.columns}
    merged = corrections_merge(
        corrections_load(record.corrections),
        changes,
        originals=shown,
        headers=[headers.get(i, "") for i in range(max(headers, default=-1) + 1)],
    )
    new = pages.record_restart(
        record,
        start=import_5w_start,
        by=by,
        operation=record.operation,
        dry_run=True,
        corrections=corrections_dump(merged),
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=new,
        operation=record.operation,
        summary=(
            f"5W upload {record.file_name}: {len(changes)} cell(s) corrected in the browser, "
            f"checked again ({len(merged)} corrected in all)"
        )[:300],
        after={"changed_cells": len(changes), "corrected_cells": len(merged), "from": record.pk},
    )
    return new
