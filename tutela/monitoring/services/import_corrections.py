"""Fix in place for monitoring uploads (incidents, community monitoring rows): the rows of a
checked upload that have problems, as a table whose cells can be corrected in the browser, and
saving the corrections, which checks the whole file again with them (a new dry run). The
corrections live on the record, encrypted (incident lists carry personal data); the stored file
is never changed (see tutela.core.imports.corrections).
"""

from __future__ import annotations

from collections.abc import Mapping

from tutela.core.imports import pages
from tutela.core.imports.corrections import (
    Cell,
    FixTable,
    record_corrections_save,
    record_fix_table,
)
from tutela.core.models import User
from tutela.monitoring.imports.columns import field_label
from tutela.monitoring.models import MonitoringImport
from tutela.monitoring.services.import_uploads import import_monitoring_start
from tutela.monitoring.services.imports import import_stored_table


def import_fix_table(*, record: MonitoringImport) -> FixTable:
    """The rows of `record` with problems (those the record keeps), with the file's mapped
    columns and the columns a problem names. Raises ImportFileError when the file is gone."""
    table, match, fieldset = import_stored_table(record)
    return record_fix_table(record, table, match, label=lambda name: field_label(fieldset, name))


def import_corrections_save(
    *, record: MonitoringImport, by: User, changes: Mapping[Cell, str], fix: FixTable
) -> MonitoringImport:
    """Store `changes` with the upload's corrections and check the whole file again with them
    (core.imports.corrections.record_corrections_save): the new record, a dry run (or pending
    when the file goes to the background worker)."""
    return record_corrections_save(
        record=record,
        by=by,
        changes=changes,
        fix=fix,
        label="Monitoring upload",
        restart=lambda corrections: pages.record_restart(
            record,
            start=import_monitoring_start,
            by=by,
            operation=record.operation,
            kind=record.kind,
            profile=record.profile,
            dry_run=True,
            corrections=corrections,
        ),
    )
