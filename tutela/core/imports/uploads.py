"""The life of an upload record, the same for every importer (5W, monitoring, FTS funding): the
bytes of the upload, the columns a file lacks or repeats, progress on the record's background
Job, finishing the record with its counts and first problems, running a queued upload in the
worker, and the annotated workbook of a stored upload.

An upload record is a model with the fields `status` (pending, rejected, dry_run, imported),
`file`, `file_name`, `problems` (JSON list), `error_count`, `warning_count`, `rows_read`,
`created_count`, `updated_count` (and, for the 5W and FTS, `unchanged_count`) and `job`. The
importers keep what is theirs: which fields a file needs, how rows are checked and saved, who may
import. The importers (5W, monitoring, the FTS funding import of planning) run an upload through
these helpers in one place, the import engine (tutela.core.imports.engine).

    data = upload_bytes(path, file, caller="import_5w_file")
    problems = column_problems(match, missing=labels, field_label=label)
    record_finish(record, status="rejected", problems=problems, stored=STORED_PROBLEMS)
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core import sandbox
from tutela.core.imports.annotate import annotated_workbook
from tutela.core.imports.limits import ReadLimits
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ERROR, WARNING, ImportFileError, Problem, display_value
from tutela.core.imports.readers import Table
from tutela.core.models import Job, User
from tutela.core.models.imports import UploadRecordBase
from tutela.core.services import files
from tutela.core.services.jobs import (
    job_attach_task,
    job_create,
    job_fail,
    job_progress,
    job_succeed,
)

logger = logging.getLogger(__name__)

# Problems kept on a record for its page (the annotated workbook has all of them).
STORED_PROBLEMS = 500
# Uploads bigger than this are imported by the background worker.
BACKGROUND_BYTES = 512 * 1024
REJECTED = "rejected"
IMPORTED = "imported"


class UploadRecord(Protocol):
    """What this module reads and writes on an importer's record: a concrete subclass of
    `tutela.core.models.imports.UploadRecordBase` (ImportRecord, MonitoringImport, FundingImport)
    with its own `organisation` and `mapping` (None for FundingImport)."""

    pk: Any
    status: str
    file: Any
    file_name: str
    user: User | None
    profile: str
    corrections: str
    operation: Any
    organisation: Any
    mapping: Any
    problems: Any
    error_count: int
    warning_count: int
    job: Job | None

    def save(self) -> None: ...


R = TypeVar("R", bound=UploadRecord)

# What running a queued upload reads of its record (select_related).
RECORD_RELATIONS = ("operation", "organisation", "mapping", "user", "job")


# --- the upload ----------------------------------------------------------------------------------


def upload_bytes(path: str | os.PathLike[str] | None, file: Any, *, caller: str) -> bytes:
    """The content of an uploaded file (Django upload, open file, text stream, bytes) or of a
    path. A file over the size limit is refused (ImportFileError) before it is read whole."""
    limit = ReadLimits.current().max_bytes
    if isinstance(file, bytes | bytearray | memoryview):
        return _within(bytes(file), limit)
    if file is not None:
        declared = getattr(file, "size", None)
        if isinstance(declared, int) and declared > limit:
            raise _too_big(limit)
        if hasattr(file, "seek"):
            with contextlib.suppress(OSError, ValueError):
                file.seek(0)
        data = file.read(limit + 1)
        return _within(data.encode("utf-8") if isinstance(data, str) else bytes(data), limit)
    if path is not None:
        if Path(path).stat().st_size > limit:
            raise _too_big(limit)
        return Path(path).read_bytes()
    raise ValueError(f"{caller} needs a path or a file")


def _within(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise _too_big(limit)
    return data


def _too_big(limit: int) -> ImportFileError:
    return ImportFileError(
        _("The file is too big (more than %(size)d MB).") % {"size": limit // (1024 * 1024)},
        code="too_big",
    )


def upload_name(
    path: str | os.PathLike[str] | None, file: Any, file_name: str = "", *, default: str = "upload"
) -> str:
    """The file's own name (no folders), as stored on the record; `default` when it has none."""
    file_name = file_name or (Path(path).name if path is not None else getattr(file, "name", ""))
    return os.path.basename(str(file_name))[:255] or default


@dataclass
class Upload:
    """An upload received by a `*_start` service: its bytes, its name, and whether it is
    imported in the background."""

    data: bytes
    name: str
    background: bool


def upload_receive(file: Any, file_name: str, *, background: bool | None, caller: str) -> Upload:
    """Read an upload; by default it goes to the background worker when bigger than
    BACKGROUND_BYTES."""
    data = upload_bytes(None, file, caller=caller)
    name = os.path.basename(file_name or getattr(file, "name", "") or "upload")[:255]
    if background is None:
        background = len(data) > BACKGROUND_BYTES
    return Upload(data=data, name=name, background=background)


def record_keep_upload(record: UploadRecord, data: bytes, file_name: str) -> None:
    """Store the upload on a record not saved yet (for the worker, the mapping page and the
    annotated workbook)."""
    if not record.file:
        record.file.save(os.path.basename(file_name) or "upload", ContentFile(data), save=False)


def record_upload_bytes(record: UploadRecord) -> bytes:
    with record.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


# --- columns -------------------------------------------------------------------------------------


def _listed(texts: Iterable[str], limit: int | None) -> str:
    joined = ", ".join(" ".join(t.split()) for t in texts)
    return joined if limit is None else display_value(joined, limit)


def _quoted(text: str, limit: int | None) -> str:
    return " ".join(text.split()) if limit is None else display_value(text, limit)


def missing_columns_problem(
    match: ColumnMatch,
    missing: Sequence[str],
    *,
    can_map: bool = True,
    list_limit: int | None = None,
) -> Problem:
    """The error of a file without columns for `missing` (labels of what is needed), naming the
    columns it has. `can_map`: the importer lets the user choose a column mapping, and the
    message says so."""
    found = [h for h in match.headers if h] or [_("(none)")]
    values = {"missing": ", ".join(missing), "found": _listed(found, list_limit)}
    if can_map:
        message = _(
            "The file has no column for: %(missing)s. Columns found: %(found)s. Rename "
            "the columns or choose a column mapping."
        )
    else:
        message = _("The file has no column for: %(missing)s. Columns found: %(found)s.")
    return Problem(row=None, column="", field="", code="missing_columns", message=message % values)


def column_problems(
    match: ColumnMatch,
    *,
    missing: Sequence[str],
    field_label: Callable[[str], str],
    header_limit: int | None = None,
    list_limit: int | None = None,
) -> list[Problem]:
    """The columns a file lacks (`missing`: labels of what is needed; an error), repeats and does
    not use (warnings). Headers are quoted whole, or shortened to `header_limit` characters (and
    lists of them to `list_limit`)."""
    problems: list[Problem] = []
    if missing:
        problems.append(missing_columns_problem(match, missing, list_limit=list_limit))
    for header, name, first in match.duplicates:
        problems.append(
            Problem(
                row=None,
                column=header,
                field=name,
                code="duplicate_column",
                message=_("Column “%(header)s” is ignored: “%(first)s” already gives %(field)s.")
                % {
                    "header": _quoted(header, header_limit),
                    "first": _quoted(first, header_limit),
                    "field": field_label(name),
                },
                severity=WARNING,
            )
        )
    if match.unmatched:
        problems.append(
            Problem(
                row=None,
                column="",
                field="",
                code="unused_columns",
                message=_("Columns not used: %(columns)s.")
                % {"columns": _listed(match.unmatched, list_limit)},
                severity=WARNING,
            )
        )
    return problems


# --- progress and the end of an import -----------------------------------------------------------


def progress_reporter(job: Job | None) -> Callable[[int], None] | None:
    """A function that writes a percentage to the job (every 5 points), or None without a job."""
    if job is None:
        return None
    last = [-10]

    def report(percent: int) -> None:
        if percent - last[0] >= 5 or percent == 100:
            last[0] = percent
            job_progress(job=job, progress=percent, message=_("Checking and saving rows"))

    return report


def record_finish(
    record: R, *, status: str, problems: list[Problem], stored: int, **counts: int
) -> R:
    """Set the record's status, problem counts and first `stored` problems (errors first, then
    by row), and the given counts (`rows_read=`, `created_count=`...); save it."""
    errors = sum(1 for p in problems if p.severity == ERROR)
    record.status = status
    record.error_count = errors
    record.warning_count = len(problems) - errors
    ordered = sorted(problems, key=lambda p: (p.severity != ERROR, p.row is not None, p.row or 0))
    record.problems = [p.as_dict() for p in ordered[:stored]]
    for name, value in counts.items():
        setattr(record, name, value)
    if not record_needs_file(record):
        files.file_release(record.file)
    record.save()
    return record


def record_needs_file(record: UploadRecord) -> bool:
    """The stored upload still serves: a pending import (the worker reads it), a rejected file
    (its annotated workbook, the column mapping page), a dry run (imported for real from it), an
    import with problems (its annotated workbook). The file of a clean import is deleted at once;
    the others after UPLOAD_RETENTION_HOURS (services/files.upload_files_expire)."""
    return record.status != IMPORTED or record.error_count + record.warning_count > 0


def failed_problem() -> Problem:
    return Problem(
        row=None,
        column="",
        field="",
        code="failed",
        message=_("The import failed unexpectedly; nothing was saved."),
    )


# --- the background worker -----------------------------------------------------------------------


def enqueue_on_commit(*, job: Job, task: Any, **arguments: Any) -> None:
    """Queue `task` with `arguments` once the transaction commits (the worker must find the
    record), and attach the queued task to the job."""

    def enqueue() -> None:
        result = task.enqueue(**arguments)
        job_attach_task(job=job, task_result_id=str(result.id))

    transaction.on_commit(enqueue, robust=False)


def record_queue(record: R, *, data: bytes, task: Any, job_kind: str, **arguments: Any) -> R:
    """Give a new record a Job (`job_kind`, for the record's user and operation), save it pending
    with the upload, and queue `task` for it once committed, with `record_id` and `arguments`."""
    record.job = job_create(
        user=record.user, operation=record.operation, kind=job_kind, label=record.file_name
    )
    record_keep_upload(record, data, record.file_name)
    record.save()
    enqueue_on_commit(job=record.job, task=task, record_id=record.pk, **arguments)
    return record


def record_run_queued(
    record: R,
    *,
    run: Callable[[bytes], R],
    failed: Callable[[R], Any],
    counts: Sequence[str],
    label: str,
) -> R:
    """Run a queued upload (a background task's body): `run` imports the stored bytes and returns
    the finished record. An unexpected failure marks the record through `failed`, the job failed,
    and is raised again; on success the job's result holds the record's counts (`counts`:
    "created", "updated", "unchanged")."""
    job = record.job
    try:
        # The worker reads big files: the long parse budget (tutela.core.sandbox).
        with sandbox.patient():
            finished = run(record_upload_bytes(record))
    except Exception as exc:
        logger.exception("%s %s failed", label, record.pk)
        failed(record)
        if job is not None:
            job_fail(job=job, message=str(exc)[:500] or exc.__class__.__name__)
        raise
    if job is not None:
        result: dict[str, Any] = {"import_id": finished.pk, "status": finished.status}
        for name in counts:
            result[name] = getattr(finished, f"{name}_count")
        result["errors"] = finished.error_count
        result["warnings"] = finished.warning_count
        job_succeed(job=job, result=result)
    return finished


def _record_models() -> list[Any]:
    """The importers' record models (concrete subclasses of UploadRecordBase)."""
    return [m for m in apps.get_models() if issubclass(m, UploadRecordBase)]


def _reject_lost(records: Any, message: str) -> int:
    problem = Problem(row=None, column="", field="", code="worker_lost", message=message)
    return int(
        records.filter(status="pending").update(
            status=REJECTED, problems=[problem.as_dict()], error_count=1, warning_count=0
        )
    )


def record_fail_lost(job: Job, message: str) -> int:
    """Uploads still pending on a Job whose worker died (see core.workers): rejected,
    with one problem saying so, so that the page stops waiting and the file can be uploaded
    again. Returns the number of records changed."""
    return sum(_reject_lost(m._default_manager.filter(job=job), message) for m in _record_models())


def records_fail_abandoned(*, before: Any, message: str) -> int:
    """Uploads imported in a web request (no Job) still pending since before `before`: the web
    worker running them was killed (a request cannot outlive the server's timeout), and their
    transaction rolled back. Rejected as `record_fail_lost` does."""
    return sum(
        _reject_lost(m._default_manager.filter(job__isnull=True, created_at__lt=before), message)
        for m in _record_models()
    )


# --- the annotated workbook ----------------------------------------------------------------------


def record_annotated_workbook(
    record: UploadRecord,
    *,
    read: Callable[[bytes], Table],
    recheck: Callable[[bytes, Table, list[Problem]], list[Problem]] | None,
) -> bytes:
    """The stored upload of `record` as xlsx, its problem cells filled and commented. When more
    problems were found than the record keeps, `recheck` (given the bytes, the table read and the
    stored problems) finds them all again, saving nothing."""
    if not record.file:
        raise ImportFileError(_("The uploaded file is no longer kept."), code="gone")
    data = record_upload_bytes(record)
    table = read(data)
    problems = [Problem.from_dict(p) for p in record.problems]
    if recheck is not None and record.error_count + record.warning_count > len(problems):
        problems = recheck(data, table, problems)
    return annotated_workbook(table, problems)
