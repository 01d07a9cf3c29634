"""5W uploads: a partner's or the IMO's file read, its columns matched, its values mapped, its rows
checked and saved all or nothing (`FiveWImporter`, on the import engine of
tutela.core.imports.engine).

    record = import_5w_file(by=user, operation=op, file=upload, file_name=upload.name)
    record.status               -> "imported" | "rejected" | "dry_run"
    record.problems             -> the first 500 problems, by row and column
    import_annotated_workbook(record=record) -> the upload with its problem cells marked (xlsx)

Big files go to the background worker: `import_5w_start` runs small files at once and queues the
others (task import_5w_in_background), with progress on the record's Job.

Several columns can be added into one count (`ColumnMapping.columns` naming the same field for
each: the file's age bands 0-3, 4-11 and 12-17 into girls); a numeric column left unused is
warned about, never dropped silently. Value mappings: services.import_reading.

Looking at a file before importing it (the mapping page) is in services.import_inspection; the
saved column mappings in services.import_mappings; both are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.activities.access import reports_for_whole_operation
from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.activities.services.import_columns import (
    mapped_column_problems,
    unused_numbers_problems,
)
from tutela.activities.services.import_inspection import (
    CODE_FIELDS,
    Inspection,
    PreviewLine,
    import_inspect,
    mapping_preview,
)
from tutela.activities.services.import_mappings import mapping_save, mappings_for
from tutela.activities.services.import_profiles import (
    mapping_of,
    profile_get,
    record_mapping,
    record_profile,
)
from tutela.activities.services.import_reading import (
    KIND,
    LOCATION_FIELDS,
    MappedRows,
    column_problems,
    mapped_rows,
    match_5w,
    read_5w,
    read_5w_then,
)
from tutela.activities.services.planning_import import planning_import_file
from tutela.activities.services.rows import (
    SaveResult,
    _check_access,
    report_chunks_save,
    report_rows_save,
)
from tutela.activities.services.rows import chunks as rows_chunks
from tutela.activities.validation import CheckedChunk, ReportContext, checked_chunks
from tutela.core import access
from tutela.core.imports import uploads
from tutela.core.imports.engine import Checked, Head, Importer, Mapped, Progress, Written
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ImportFileError, Problem
from tutela.core.imports.profiles import Profile
from tutela.core.imports.readers import Table
from tutela.core.models import Body, Job, Operation, Organisation, User

__all__ = [
    "CODE_FIELDS",
    "KIND",
    "LOCATION_FIELDS",
    "FiveWImporter",
    "Inspection",
    "PreviewLine",
    "column_problems",
    "import_5w_file",
    "import_5w_start",
    "import_annotated_workbook",
    "import_inspect",
    "import_list_for_user",
    "mapped_rows",
    "mapping_preview",
    "mapping_save",
    "mappings_for",
    "planning_import_file",
]

# Problems kept on the ImportRecord for the page (all of them go into the annotated workbook).
STORED_PROBLEMS = uploads.STORED_PROBLEMS
# The names the 5W importer had before services.import_reading (tests and scripts use them).
_read = read_5w
_match = match_5w

# A row as the 5W's checks take it: (spreadsheet row number, {field: raw value}).
Row = tuple[int, dict[str, Any]]


class FiveWImporter(Importer[ImportRecord, ColumnMapping, Row]):
    """A 5W file (xlsx, xls, ods, csv) for `organisation` (partners: their own). `profile`: read
    the file with this import profile (services.import_profiles) instead of a saved mapping.
    `body`: accept only activities of this cluster/AoR. `sheet`/`header_row` override the
    mapping's. PermissionDenied when the user may not import for the organisation.

    Streamed (core.imports.engine): the file is read, its columns matched and its rows mapped
    and checked in the child process that parses it (`check_stream`), and the checked rows are
    saved chunk by chunk as they come (`write_stream`, services.rows `report_chunks_save`), or
    counted for a dry run, or the file rejected. Without fork, `check` only maps the rows and
    `write` checks and saves them in one pass (`report_rows_save`)."""

    label = "5W import"
    caller = "import_5w_file"
    # Read, mapped and checked in the child that parses the file (core.imports.engine).
    streamed = True
    job_kind = "5w_import"
    counts = ("created", "updated", "unchanged")

    def __init__(
        self,
        *,
        by: User | None,
        operation: Operation,
        organisation: Organisation | None = None,
        mapping: ColumnMapping | None = None,
        dry_run: bool = False,
        job: Job | None = None,
        sheet: str | None = None,
        header_row: int | None = None,
        body: Body | None = None,
        profile: Profile | None = None,
        corrections: str = "",
    ) -> None:
        _check_access(by, operation, organisation)
        if mapping is not None and mapping.operation_id != operation.pk:
            raise PermissionDenied(_("This column mapping belongs to another operation."))
        if (
            organisation is None
            and by is not None
            and not reports_for_whole_operation(by, operation)
        ):
            organisation = by.organisation
        super().__init__(
            by=by,
            operation=operation,
            organisation=organisation,
            mapping=mapping,
            dry_run=dry_run,
            job=job,
            corrections=corrections,
        )
        self.sheet = sheet
        self.header_row = header_row
        self.body = body
        self.profile = profile
        # {field: column header}, for the messages of the rows' problems.
        self.headers: dict[str, str] = {}

    @classmethod
    def stored_problems(cls) -> int:
        return STORED_PROBLEMS

    def new_record(self, file_name: str) -> ImportRecord:
        return ImportRecord(
            operation=self.operation,
            organisation=self.organisation,
            kind=KIND,
            user=self.by,
            file_name=file_name,
            mapping=self.mapping,
            profile=self.profile.name if self.profile is not None else "",
            job=self.job,
            corrections=self.corrections,
        )

    def read(self, data: bytes, record: ImportRecord) -> Table:
        return read_5w(
            data,
            file_name=record.file_name,
            mapping=self.mapping,
            sheet=self.sheet,
            header_row=self.header_row,
            corrections=record.corrections,
        )

    def map(self, table: Table) -> Mapped:
        mapping = mapping_of(self.operation, self.mapping, self.profile, table)
        match = match_5w(table, mapping)
        values = mapping.values if mapping is not None else None
        problems = column_problems(
            match, values=values, need_organisation=self.organisation is None
        )
        problems += unused_numbers_problems(table, match)
        problems += mapped_column_problems(table, match)
        return Mapped(table=table, match=match, values=values, problems=problems)

    def check(self, mapped: Mapped, progress: Progress | None) -> Checked[Row]:
        rows, skipped = mapped_rows(mapped.table, mapped.match, mapped.values)
        self.headers = mapped.match.field_headers()
        if progress:
            progress(10)
        return Checked(items=rows, skipped=skipped)

    def write(
        self, record: ImportRecord, checked: Checked[Row], progress: Progress | None
    ) -> Written:
        result = report_rows_save(
            by=self.by,
            operation=self.operation,
            organisation=self.organisation,
            rows=checked.items,
            dry_run=self.dry_run,
            source="import",
            progress=(lambda p: progress(10 + int(p * 0.9))) if progress else None,
            columns=self.headers,
            record=None if self.dry_run else record,
            skipped=checked.skipped,
            body=self.body,
        )
        return self._written(result)

    # --- streamed: read, mapped and checked in one child (core.imports.engine) -----------------

    def prepare(self) -> ReportContext:
        return ReportContext.build(
            operation=self.operation, organisation=self.organisation, by=self.by, body=self.body
        )

    def read_then(
        self, data: bytes, record: ImportRecord, then: Callable[[Table], Iterator[Any]]
    ) -> AbstractContextManager[Iterator[Any]]:
        return read_5w_then(
            data,
            then,
            file_name=record.file_name,
            mapping=self.mapping,
            sheet=self.sheet,
            header_row=self.header_row,
            corrections=record.corrections,
        )

    def check_stream(self, mapped: Mapped, prepared: Any) -> Iterator[CheckedChunk]:
        # Mapped as they are checked: the first chunk comes over sooner.
        rows = MappedRows(mapped.table, mapped.match, mapped.values)
        for chunk in checked_chunks(
            prepared,
            rows,
            columns=mapped.match.field_headers(),
            chunk_rows=rows_chunks.CHECK_CHUNK_ROWS,
        ):
            if chunk.problems is not None:
                chunk.skipped = rows.skipped
            yield chunk

    def write_stream(
        self, record: ImportRecord, head: Head, items: Iterator[Any], prepared: Any
    ) -> Written:
        result = report_chunks_save(
            by=self.by,
            operation=self.operation,
            context=prepared,
            chunks=items,
            result=SaveResult(rows_read=head.rows_read, dry_run=self.dry_run),
            source="import",
            record=None if self.dry_run else record,
        )
        return self._written(result)

    def _written(self, result: SaveResult) -> Written:
        """The record's status and counts after a save."""
        if result.rejected:
            status = ImportRecord.Status.REJECTED
        elif self.dry_run:
            status = ImportRecord.Status.DRY_RUN
        else:
            status = ImportRecord.Status.IMPORTED
        counts = {
            "rows_read": result.rows_read,
            "created_count": result.created,
            "updated_count": result.updated,
            "unchanged_count": result.unchanged,
        }
        return Written(status=status, problems=result.problems, counts=counts)

    def queue(self, record: ImportRecord, data: bytes) -> ImportRecord:
        return uploads.record_queue(
            record,
            data=data,
            task=import_5w_in_background,
            job_kind=self.job_kind,
            dry_run=self.dry_run,
            sheet=self.sheet or "",
            header_row=self.header_row or 0,
        )


def import_5w_file(
    *,
    by: User | None,
    operation: Operation,
    path: str | os.PathLike[str] | None = None,
    file: Any = None,
    file_name: str = "",
    organisation: Organisation | None = None,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    job: Job | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    record: ImportRecord | None = None,
    keep_file: bool = True,
    body: Body | None = None,
    profile: Profile | None = None,
    corrections: str = "",
) -> ImportRecord:
    """Import a 5W file (xlsx, xls, ods, csv) for `organisation` (partners: their own).
    `profile`: read the file with this import profile (services.import_profiles) instead of a
    saved mapping. `corrections`: cells corrected in the browser (core.imports.corrections,
    stored on the new record; a given `record` has its own).

    Returns the ImportRecord: "imported" (rows saved), "dry_run" (nothing saved, counts of what
    would be) or "rejected" (nothing saved; see its problems). Never raises for a bad file;
    raises PermissionDenied when the user may not import for the organisation. `body`: accept
    only activities of this cluster/AoR. `sheet`/`header_row` override the mapping's."""
    importer = FiveWImporter(
        by=by,
        operation=operation,
        organisation=organisation,
        mapping=mapping,
        dry_run=dry_run,
        job=job,
        sheet=sheet,
        header_row=header_row,
        body=body,
        profile=profile,
        corrections=corrections,
    )
    return importer.import_file(
        path=path, file=file, file_name=file_name, record=record, keep_file=keep_file
    )


def import_5w_start(
    *,
    by: User | None,
    operation: Operation,
    file: Any,
    file_name: str = "",
    organisation: Organisation | None = None,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    header_row: int | None = None,
    background: bool | None = None,
    corrections: str = "",
    profile: str = "",
) -> ImportRecord:
    """Import an upload now when small, or in the background worker when big (or when
    `background` says so). A queued import returns its record in status "pending" with a `job`
    whose progress the page can poll. `profile`: the name of an import profile
    (services.import_profiles) to read the file with instead of a saved mapping (kept on the
    record: a queued run, "import for real" and the fix table read it the same way);
    LookupError when the operation has none of that name."""
    importer = FiveWImporter(
        by=by,
        operation=operation,
        organisation=organisation,
        mapping=mapping,
        dry_run=dry_run,
        sheet=sheet,
        header_row=header_row,
        corrections=corrections,
        profile=profile_get(operation, profile) if profile else None,
    )
    return importer.start(file=file, file_name=file_name, background=background)


def import_5w_run_recorded(
    *, record_id: int, dry_run: bool = False, sheet: str = "", header_row: int = 0
) -> ImportRecord:
    """Run a queued import (the background task's body): reads the stored upload, imports it and
    finishes the record's job. An unexpected failure marks the job failed and the record
    rejected."""
    record = ImportRecord.objects.select_related(*uploads.RECORD_RELATIONS).get(pk=record_id)
    return FiveWImporter.run_stored(
        record,
        lambda: FiveWImporter(
            by=record.user,
            operation=record.operation,
            organisation=record.organisation,
            mapping=record.mapping,
            dry_run=dry_run,
            job=record.job,
            sheet=sheet or None,
            header_row=header_row or None,
            profile=record_profile(record),
        ),
    )


# Beside the service it runs and the one that queues it (tutela.activities.tasks lists it).
@task()
def import_5w_in_background(
    *, record_id: int, dry_run: bool = False, sheet: str = "", header_row: int = 0
) -> dict[str, object]:
    """Run a queued 5W upload (see import_5w_start): the ImportRecord holds the file, the user,
    the organisation and the mapping; its Job shows the progress."""
    record = import_5w_run_recorded(
        record_id=record_id, dry_run=dry_run, sheet=sheet, header_row=header_row
    )
    return {"import_id": record.pk, "status": record.status}


# --- the stored upload ---------------------------------------------------------------------------


def import_annotated_workbook(*, record: ImportRecord) -> bytes:
    """The uploaded file of `record` as xlsx, its problem cells filled and commented. When more
    problems were found than the record keeps, the file is checked again (nothing is saved)."""

    def read(data: bytes) -> Table:
        return read_5w(
            data,
            file_name=record.file_name,
            mapping=record.mapping,
            sheet=None,
            header_row=None,
            corrections=record.corrections,
        )

    def recheck(_data: bytes, table: Table, problems: list[Problem]) -> list[Problem]:
        assert record.user is not None
        mapping = record_mapping(record, table)
        match = match_5w(table, mapping)
        values = mapping.values if mapping is not None else None
        rows, skipped = mapped_rows(table, match, values)
        result = report_rows_save(
            by=record.user,
            operation=record.operation,
            organisation=record.organisation,
            rows=rows,
            dry_run=True,
            source="import",
            columns=match.field_headers(),
            skipped=skipped,
        )
        return [p for p in problems if p.row is None] + result.problems

    return uploads.record_annotated_workbook(
        record, read=read, recheck=recheck if record.user is not None else None
    )


def import_stored_table(record: ImportRecord) -> tuple[Table, ColumnMatch]:
    """The stored upload of `record` as read, without its corrections, and its columns matched
    (for the fix table: the file's values beside the corrected ones). Raises ImportFileError."""
    if not record.file:
        raise ImportFileError(_("The uploaded file is no longer kept."), code="gone")
    data = uploads.record_upload_bytes(record)
    table = read_5w(
        data, file_name=record.file_name, mapping=record.mapping, sheet=None, header_row=None
    )
    return table, match_5w(table, record_mapping(record, table))


def import_list_for_user(user: User, operation: Operation) -> QuerySet[ImportRecord]:
    """Uploads the user may see: all of the operation's for cluster-wide roles, their own
    organisation's otherwise."""
    return access.scope_by_organisation(
        user, operation, ImportRecord.objects.filter(kind=KIND)
    ).select_related("organisation", "user", "mapping", "job")
