"""Background job bookkeeping: the row a long task updates so that its user can watch progress.

Usage in a later module (an import, say)::

    job = job_create(user=request.user, operation=operation, kind="5w_import", label=file.name)
    result = import_5w.enqueue(job_id=job.pk, ...)
    job_attach_task(job=job, task_result_id=result.id)

and inside the task::

    job_progress(job=job, progress=40, message="Checking rows")
    ...
    job_succeed(job=job, result={"created": 120, "updated": 4})   # or job_fail(job=job, ...)

Call `job_progress` outside the task's own long transaction: progress written inside an
uncommitted transaction is invisible to the page polling it.

Jobs are not written to the audit log: they are bookkeeping. The work a job does (the records
an import creates) is audited by the services that do it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from tutela.core.models import Job, Operation, User


def _validate(job: Job) -> None:
    # A system job (no user) is allowed; the model field is not marked blank for forms.
    job.full_clean(exclude=["user"] if job.user_id is None else None)


@transaction.atomic
def job_create(*, user: User | None, operation: Operation | None, kind: str, label: str) -> Job:
    job = Job(user=user, operation=operation, kind=kind, label=label[:200])
    _validate(job)
    job.save()
    return job


@transaction.atomic
def job_attach_task(*, job: Job, task_result_id: str) -> Job:
    job.task_result_id = str(task_result_id)[:64]
    job.save(update_fields=["task_result_id", "updated_at"])
    return job


@transaction.atomic
def job_progress(*, job: Job, progress: int, message: str = "") -> Job:
    job.status = Job.Status.RUNNING
    job.progress = max(0, min(100, int(progress)))
    job.message = message
    _validate(job)
    job.save(update_fields=["status", "progress", "message", "updated_at"])
    return job


@transaction.atomic
def job_succeed(*, job: Job, result: dict[str, Any] | None = None, message: str = "") -> Job:
    job.status = Job.Status.SUCCEEDED
    job.progress = 100
    job.result = result or {}
    if message:
        job.message = message
    _validate(job)
    job.save(update_fields=["status", "progress", "result", "message", "updated_at"])
    return job


@transaction.atomic
def job_fail(*, job: Job, message: str) -> Job:
    job.status = Job.Status.FAILED
    job.message = message
    _validate(job)
    job.save(update_fields=["status", "message", "updated_at"])
    return job


def job_list_for_user(*, user: User) -> QuerySet[Job]:
    return Job.objects.filter(user=user).select_related("operation")
