"""The import engine: one upload, top to bottom, the same for every importer.

An importer (`FiveWImporter` in tutela.activities.services.imports, `MonitoringImporter` in
tutela.monitoring.services.imports, `FundingImporter` in tutela.planning.services.fts_import) is
a subclass of `Importer` built for one upload, with the options of that upload (who, which
operation and organisation, which saved mapping, dry run...).
Its steps are declared here and run in this order by `Importer.import_file`:

    new_record  the upload record (ImportRecord, MonitoringImport, FundingImport), saved
                pending with the file
    read        bytes -> Table                 ImportFileError: the record is rejected
    map         Table -> Mapped                the mapping (or profile) resolved, the columns
                                               matched, their problems; an error: rejected
    check       Mapped -> Checked              the rows checked: items, problems, rows read,
                                               rows left out; an error: rejected
    write       Checked -> Written             the items saved all or nothing, in one
                                               transaction; a dry run counts what would be
    finish      the record's status, counts and first problems (uploads.record_finish)

A *streamed* importer (`streamed = True`) runs read, map and check in the child process that
parses the file (`_run_streamed`): `prepare` loads what the checks need before the fork,
`read_then` reads the file in the child and goes on there with `map` and `check_stream`, whose
checked chunks come over as they are made, and `write_stream` saves each chunk as it comes while
the child checks the next, all in one transaction. The table never comes over, and the checks and
the writes run at once on two cores. Without fork, the steps above run in this process.

Who does what:
- the 5W is streamed (`prepare`: the checks' ReportContext; `check_stream`:
  activities.validation.checked_chunks; `write_stream`: activities.services.rows,
  `report_chunks_save`); without fork its `check` maps the rows and its `write` checks and saves
  them (`report_rows_save`);
- protection monitoring checks its rows in `check` (monitoring.imports.rows) and saves incidents
  or community rows in `write`; a bug while importing rejects the upload
  (`contain_failures`) rather than raising;
- the FTS funding import (planning) has fixed columns, matched in `map` on FTS's names and HXL
  hashtags (no saved mapping, no organisation: its mapping type is `Never`), checks the flows in
  `check` (planning.services.fts_rows, `FlowChecker`) and saves them, with their donors and one
  audit entry, in `write`; its `finish` adds the rows read and the rows left out on purpose.

Big uploads go to the background worker: `start` imports an upload now when small, or saves a
pending record with a Job and queues the importer's task (`queue`, through uploads.record_queue);
the task's body is `run_stored`, which imports the stored file (uploads.record_run_queued).
Progress goes to the record's Job (`progress`).

    importer = FiveWImporter(by=user, operation=op, organisation=org, dry_run=True)
    record = importer.import_file(file=upload, file_name=upload.name)
"""

from __future__ import annotations

import io
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import PermissionDenied

from tutela.core.imports import uploads
from tutela.core.imports.bulk import collector_paused
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ERROR, ImportFileError, Problem
from tutela.core.imports.readers import Table
from tutela.core.models import Job, Operation, Organisation, User
from tutela.core.models.imports import SavedMappingBase, UploadRecordBase, UploadStatus

logger = logging.getLogger(__name__)

# Bound to the abstract model, not to uploads.UploadRecord (a protocol): mypy checks a subclass's
# type arguments before django-stubs has typed the model's fields, and would remember the model
# as not being an UploadRecord.
RecordT = TypeVar("RecordT", bound=UploadRecordBase)
MappingT = TypeVar("MappingT", bound=SavedMappingBase)
ItemT = TypeVar("ItemT")

Progress = Callable[[int], None]


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


@dataclass
class Mapped:
    """The `map` step's result: the table, its columns matched, the value mappings to apply, and
    the problems of its columns (an error rejects the file)."""

    table: Table
    match: ColumnMatch
    values: Mapping[str, Any] | None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Checked(Generic[ItemT]):
    """The `check` step's result: the items to write, with the spreadsheet row of each (`rows`,
    when known), the problems found (the columns' first), the rows read and the rows left out
    on purpose (a value mapping said to skip them): how many, and by which rule
    ({(field, value in the file): rows}, when the importer counts them)."""

    items: list[ItemT] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    skipped: int = 0
    left_out: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)


@dataclass
class Written:
    """The `write` step's result: the record's status (imported, dry run, or rejected when the
    save was refused), the problems the save found, and the record's counts
    ({"created_count": ..., "rows_read": ...})."""

    status: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Head:
    """What the child process of a streamed importer (`Importer.streamed`) sends first, once it
    has read and mapped the file: the problems of its columns (an error rejects the file) and
    the rows read. The checked items follow, unless the columns have an error."""

    problems: list[Problem]
    rows_read: int


class Importer(ABC, Generic[RecordT, MappingT, ItemT]):
    """One upload of one importer: the options given to the constructor, the steps declared
    below, run by `import_file` (now) or `start` / `run_stored` (in the background worker)."""

    # "5W import": in the worker's log.
    label: ClassVar[str]
    # The service named when an upload has neither a path nor a file.
    caller: ClassVar[str]
    # The record's file name for an upload that has none (bytes, a nameless stream).
    default_name: ClassVar[str] = "upload"
    # The kind of the Job of a queued upload.
    job_kind: ClassVar[str]
    # The record's counts in a finished Job's result: "created", "updated", "unchanged".
    counts: ClassVar[tuple[str, ...]]
    # A bug while importing rejects the upload ("the import failed unexpectedly") instead of
    # raising; PermissionDenied is raised either way.
    contain_failures: ClassVar[bool] = False
    # Read, map and check in the child process that parses the file, the checked items coming
    # over in chunks while `write_stream` saves them (`_run_streamed`; the hooks below).
    streamed: ClassVar[bool] = False

    def __init__(
        self,
        *,
        by: User | None,
        operation: Operation,
        organisation: Organisation | None,
        mapping: MappingT | None = None,
        dry_run: bool = False,
        job: Job | None = None,
        corrections: str = "",
    ) -> None:
        self.by = by
        self.operation = operation
        self.organisation = organisation
        self.mapping = mapping
        self.dry_run = dry_run
        self.job = job
        # Cells corrected in the browser (core.imports.corrections), for a new record.
        self.corrections = corrections

    # --- the steps ------------------------------------------------------------------------------

    @abstractmethod
    def new_record(self, file_name: str) -> RecordT:
        """The upload's record, not saved yet, with `self.job` and `self.corrections`."""

    @abstractmethod
    def read(self, data: bytes, record: RecordT) -> Table:
        """The file's table, the record's corrections applied. Raises ImportFileError."""

    @abstractmethod
    def map(self, table: Table) -> Mapped:
        """The columns matched (through the saved mapping or the profile) and their problems."""

    @abstractmethod
    def check(self, mapped: Mapped, progress: Progress | None) -> Checked[ItemT]:
        """The rows checked (or, for an importer that checks while writing, prepared)."""

    @abstractmethod
    def write(self, record: RecordT, checked: Checked[ItemT], progress: Progress | None) -> Written:
        """Save the items all or nothing (or count them, for a dry run)."""

    def finish(
        self,
        record: RecordT,
        *,
        status: str,
        problems: list[Problem],
        checked: Checked[ItemT] | None = None,
        written: Written | None = None,
    ) -> RecordT:
        """Set the record's status, counts and first problems; save it."""
        counts = dict(written.counts) if written is not None else {}
        return uploads.record_finish(
            record, status=status, problems=problems, stored=self.stored_problems(), **counts
        )

    @classmethod
    def stored_problems(cls) -> int:
        """How many problems a record keeps for its page."""
        return uploads.STORED_PROBLEMS

    # --- the steps of a streamed importer ------------------------------------------------------

    def prepare(self) -> Any:
        """Loaded from the database before the file is read, for `check_stream` (the child has
        it from the fork and must not touch the database)."""
        return None

    def read_then(
        self, data: bytes, record: RecordT, then: Callable[[Table], Iterator[Any]]
    ) -> AbstractContextManager[Iterator[Any]]:
        """The file read in a child process that goes on with `then(table)`, its items coming
        here as they are made (readers.read_table_then, with the record's corrections)."""
        raise NotImplementedError

    def check_stream(self, mapped: Mapped, prepared: Any) -> Iterator[Any]:
        """In the child: the mapped rows checked, in chunks (the last with every problem)."""
        raise NotImplementedError

    def write_stream(
        self, record: RecordT, head: Head, items: Iterator[Any], prepared: Any
    ) -> Written:
        """Save the chunks as they come, all or nothing (or count them, for a dry run)."""
        raise NotImplementedError

    # --- the engine -----------------------------------------------------------------------------

    def progress(self) -> Progress | None:
        """Writes the import's progress (percent) to its Job; None without one."""
        return uploads.progress_reporter(self.job)

    def import_file(
        self,
        *,
        path: str | os.PathLike[str] | None = None,
        file: Any = None,
        file_name: str = "",
        record: RecordT | None = None,
        keep_file: bool = True,
    ) -> RecordT:
        """Import a file (a path, or a Django upload, open file, text stream or bytes) into a new
        record, or into `record` (a queued upload). Returns the record: "imported", "dry_run"
        (nothing saved; counts of what would be) or "rejected" (nothing saved; see its problems).
        Never raises for a bad file. `keep_file`: store the upload on the new record."""
        file_name = uploads.upload_name(path, file, file_name, default=self.default_name)
        refused: ImportFileError | None = None
        try:
            data = uploads.upload_bytes(path, file, caller=self.caller)
        except ImportFileError as exc:
            # Too big to read: rejected, and not kept.
            data, refused, keep_file = b"", exc, False
        if record is None:
            record = self.new_record(file_name)
            if keep_file:
                uploads.record_keep_upload(record, data, file_name)
            record.save()
        if refused is not None:
            return self.finish(
                record, status=UploadStatus.REJECTED, problems=[refused.as_problem()]
            )
        with collector_paused():
            if not self.contain_failures:
                return self._run(record, data)
            try:
                return self._run(record, data)
            except PermissionDenied:
                raise
            except Exception:
                # A bug must not leave half a file: the save is one transaction, rolled back.
                logger.exception("%s %s failed", self.label, record.pk)
                return self.finish(
                    record, status=UploadStatus.REJECTED, problems=[uploads.failed_problem()]
                )

    def _run(self, record: RecordT, data: bytes) -> RecordT:
        """read, map, check, write, finish."""
        if self.streamed and hasattr(os, "fork"):
            return self._run_streamed(record, data)
        progress = self.progress()
        if progress:
            progress(1)
        try:
            table = self.read(data, record)
        except ImportFileError as exc:
            return self.finish(
                record,
                status=UploadStatus.REJECTED,
                problems=[exc.as_problem()],
                checked=Checked(problems=[exc.as_problem()]),
            )
        mapped = self.map(table)
        if has_errors(mapped.problems):
            return self.finish(
                record,
                status=UploadStatus.REJECTED,
                problems=mapped.problems,
                checked=Checked(problems=mapped.problems, rows_read=len(table.rows)),
            )
        checked = self.check(mapped, progress)
        checked.problems = mapped.problems + checked.problems
        # The rows are checked (or copied into the items): let the sheet go.
        del table, mapped
        if checked.errors:
            return self.finish(
                record, status=UploadStatus.REJECTED, problems=checked.problems, checked=checked
            )
        written = self.write(record, checked, progress)
        return self.finish(
            record,
            status=written.status,
            problems=checked.problems + written.problems,
            checked=checked,
            written=written,
        )

    def _run_streamed(self, record: RecordT, data: bytes) -> RecordT:
        """read, map and check in the child that parses the file; write as the checked chunks
        come; finish. The table never comes over, and on two cores the checks and the writes
        run at once."""
        progress = self.progress()
        if progress:
            progress(1)
        prepared = self.prepare()

        def then(table: Table) -> Iterator[Any]:
            # In the child.
            mapped = self.map(table)
            yield Head(problems=mapped.problems, rows_read=len(table.rows))
            if has_errors(mapped.problems):
                return
            del table
            yield from self.check_stream(mapped, prepared)

        try:
            with self.read_then(data, record, then) as items:
                head = next(items)
                if has_errors(head.problems):
                    return self.finish(
                        record,
                        status=UploadStatus.REJECTED,
                        problems=head.problems,
                        checked=Checked(problems=head.problems, rows_read=head.rows_read),
                    )
                if progress:
                    progress(10)
                written = self.write_stream(record, head, items, prepared)
        except ImportFileError as exc:
            return self.finish(
                record,
                status=UploadStatus.REJECTED,
                problems=[exc.as_problem()],
                checked=Checked(problems=[exc.as_problem()]),
            )
        if progress:
            progress(100)
        problems = head.problems + written.problems
        return self.finish(
            record,
            status=written.status,
            problems=problems,
            checked=Checked(problems=problems, rows_read=head.rows_read),
            written=written,
        )

    # --- the background worker ------------------------------------------------------------------

    @abstractmethod
    def queue(self, record: RecordT, data: bytes) -> RecordT:
        """Save a new record pending with its upload and queue the importer's background task
        for it (uploads.record_queue, with the task's own arguments)."""

    def start(self, *, file: Any, file_name: str = "", background: bool | None = None) -> RecordT:
        """Import an upload now when small, or in the background worker when big (or when
        `background` says so): a queued upload's record is "pending", with a Job whose progress
        the page polls."""
        upload = uploads.upload_receive(file, file_name, background=background, caller=self.caller)
        if not upload.background:
            return self.import_file(file=io.BytesIO(upload.data), file_name=upload.name)
        return self.queue(self.new_record(upload.name), upload.data)

    @classmethod
    def run_stored(
        cls, record: RecordT, importer: Callable[[], Importer[RecordT, Any, Any]]
    ) -> RecordT:
        """Import the stored upload of a queued record (a background task's body) with the
        importer `importer()` builds for it (inside the run: a refusal fails the record). An
        unexpected failure rejects the record, fails its Job and is raised again."""

        def run(data: bytes) -> RecordT:
            return importer().import_file(
                file=io.BytesIO(data), file_name=record.file_name, record=record
            )

        def failed(lost: RecordT) -> RecordT:
            return uploads.record_finish(
                lost,
                status=UploadStatus.REJECTED,
                problems=[uploads.failed_problem()],
                stored=cls.stored_problems(),
            )

        return uploads.record_run_queued(
            record, run=run, failed=failed, counts=cls.counts, label=cls.label
        )
