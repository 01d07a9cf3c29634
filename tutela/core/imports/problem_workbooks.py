"""The workbook of problems of a big upload, prepared by the task worker.

Building the annotated workbook reads the stored upload again, checks every row again when the
record keeps only its first problems, and writes a comment on every problem cell: for a rejected
file of 222,905 problems that took longer than the web server waits (a 500 after 30 s). So the
workbook of a big upload (more problems than the record keeps, or a file the worker imported) is
built by a background Job: the upload's page offers to prepare it, shows the job's progress, then
a link to download it. Small ones are still built while the user waits.

The built workbook is stored next to the upload, through the upload's own storage (whatever
storage keeps uploads keeps it too), and named in the Job's result:
`{"record": pk, "file": name}`; the Job's kind says which importer (`5w_problems`,
`monitoring_problems`).

    state = problems_workbook_state(record, kind="5w_problems")  # for the page
    problems_workbook_start(record, by=user, kind=..., builder="tutela.….import_annotated_workbook")
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.core import sandbox
from tutela.core.imports.problems import ImportFileError
from tutela.core.imports.uploads import BACKGROUND_BYTES, STORED_PROBLEMS, UploadRecord
from tutela.core.models import Job, User
from tutela.core.services.jobs import job_create, job_fail, job_progress, job_succeed


@dataclass
class WorkbookState:
    """What the upload's page shows about its workbook of problems: built at once (`at_once`),
    or in the background, with the latest `job` (None: not asked for yet) and whether it is
    ready to download."""

    at_once: bool
    job: Job | None = None

    @property
    def ready(self) -> bool:
        return self.job is not None and self.job.status == Job.Status.SUCCEEDED

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.is_finished

    @property
    def failed(self) -> bool:
        return self.job is not None and self.job.status == Job.Status.FAILED


def in_background(record: UploadRecord) -> bool:
    """The workbook of this upload is too long to build while a web request waits."""
    if record.error_count + record.warning_count > STORED_PROBLEMS:
        return True
    try:
        return bool(record.file) and record.file.size > BACKGROUND_BYTES
    except OSError:
        return False


def _latest_job(record: UploadRecord, kind: str) -> Job | None:
    return (
        Job.objects.filter(kind=kind, operation=record.operation, result__record=record.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


def problems_workbook_state(record: UploadRecord, *, kind: str) -> WorkbookState:
    if not in_background(record):
        return WorkbookState(at_once=True)
    return WorkbookState(at_once=False, job=_latest_job(record, kind))


def problems_workbook_file(record: UploadRecord, *, kind: str) -> bytes | None:
    """The stored workbook of the latest finished job, or None."""
    job = _latest_job(record, kind)
    if job is None or job.status != Job.Status.SUCCEEDED:
        return None
    name = str(job.result.get("file") or "")
    storage = record.file.storage
    if not name or not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


@transaction.atomic
def problems_workbook_start(record: UploadRecord, *, by: User, kind: str, builder: str) -> Job:
    """Queue the building of the workbook (once: a job already queued or running is returned).
    `builder`: dotted path of the importer's `import_annotated_workbook(record=...)`."""
    running = _latest_job(record, kind)
    if running is not None and not running.is_finished:
        return running
    job = job_create(
        user=by, operation=record.operation, kind=kind, label=record.file_name[:200] or kind
    )
    job.result = {"record": record.pk}
    job.save(update_fields=["result", "updated_at"])
    model = f"{record._meta.app_label}.{record._meta.model_name}"  # type: ignore[attr-defined]
    transaction.on_commit(
        lambda: problems_workbook_build.enqueue(
            job_id=job.pk, model=model, record_id=record.pk, builder=builder
        )
    )
    return job


def problems_workbook_run(*, job: Job, record: UploadRecord, build: Any) -> Job:
    """The task's body: build the workbook, store it beside the upload, finish the job (failed,
    with a message, when it cannot be built)."""

    job_progress(job=job, progress=5, message=_("Preparing the file with the problems marked"))
    try:
        with sandbox.patient():
            content = build(record=record)
    except ImportFileError as error:
        return job_fail(job=job, message=error.message)
    folder = os.path.dirname(record.file.name) if record.file else "imports"
    name = record.file.storage.save(
        f"{folder}/problems-{record.pk}-{job.pk}.xlsx", ContentFile(content)
    )
    for older in Job.objects.filter(kind=job.kind, result__record=record.pk).exclude(pk=job.pk):
        # One workbook kept per upload: the latest.
        stale = str(older.result.get("file") or "")
        if stale and stale != name:
            record.file.storage.delete(stale)
    return job_succeed(job=job, result={"record": record.pk, "file": name})


logger = logging.getLogger(__name__)


@task()
def problems_workbook_build(
    *, job_id: int, model: str, record_id: int, builder: str
) -> dict[str, object]:
    """The background task that builds the workbook of problems of a big upload (queued by
    `problems_workbook_start`): `model` is the upload record's "app_label.model", `builder` the
    dotted path of its importer's `import_annotated_workbook`. Defined beside its body (not in
    core.tasks) so that queueing it needs no import of the tasks module."""

    if not (builder.startswith("tutela.") and builder.endswith(".import_annotated_workbook")):
        raise ValueError(f"not a workbook builder: {builder}")
    job = Job.objects.get(pk=job_id)
    record = apps.get_model(model).objects.get(pk=record_id)
    try:
        finished = problems_workbook_run(job=job, record=record, build=import_string(builder))
    except Exception:
        logger.exception("problems workbook of %s %s failed", model, record_id)
        job_fail(job=job, message=_("The file with the problems marked could not be prepared."))
        raise
    return {"job_id": finished.pk, "status": finished.status}
