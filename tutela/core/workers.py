"""Heartbeats of the task workers and schedulers, and what happens to the work of one that died.

A worker killed in the middle of a task (kill -9, the out-of-memory killer, a power cut) leaves
the task "running" in the queue for ever, its Job "running" and, for an import, the upload
"pending". Nothing it wrote is kept: every import, rebuild chunk and service call is one
transaction, which the database rolls back when its connection goes. What is left is the
bookkeeping, which `tasks_reap_lost()` corrects: the task and its Job are marked failed with a
message saying what happened, and an upload record waiting on the Job is rejected (so it can be
uploaded again). It runs when a worker starts (a worker restarted after a crash cleans up after
itself at once) and every minute in the scheduler.

When is a process dead?
- on this machine: its process is gone (the row's pid no longer runs a Tutela process). This is
  exact, and does not depend on the heartbeat being written on time (on SQLite a heartbeat waits
  for the write lock like every other write);
- on another machine (several app servers and workers on one PostgreSQL): its heartbeat is older
  than the lease (settings.WORKER_LEASE_SECONDS, 60 s by default; heartbeats every 10 s).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from tutela.core.imports.uploads import record_fail_lost, records_fail_abandoned
from tutela.core.models import Job, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
DEFAULT_LEASE_SECONDS = 60
# An upload imported in a web request and still pending this long after the web server's timeout
# was abandoned.
ABANDONED_MARGIN_SECONDS = 10
LOST_EXCEPTION = "tutela.core.workers.WorkerLost"


def lease_seconds() -> float:
    return float(getattr(settings, "WORKER_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def hostname() -> str:
    return socket.gethostname()[:255]


def heartbeat_beat(*, name: str, kind: str, task_id: str = "") -> None:
    """Write this process's heartbeat (created on the first beat)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(
        seen_at=now, task_id=task_id, pid=os.getpid(), hostname=hostname()
    )
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "hostname": hostname(),
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
                "task_id": task_id,
            },
        )


def heartbeat_stop(*, name: str) -> None:
    """A process stopping cleanly removes its row."""
    WorkerHeartbeat.objects.filter(name=name).delete()


def _process_runs_tutela(pid: int) -> bool:
    """Whether `pid` is a running Tutela process on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and we cannot look further
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # not Linux: a live pid is the best we know
    try:
        text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    # A zombie or a reused pid of another program is not our process.
    return "tutela" in text or "db_worker" in text or "scheduler" in text


def heartbeat_is_alive(beat: WorkerHeartbeat | None, now: datetime.datetime | None = None) -> bool:
    if beat is None:
        return False
    if beat.hostname == hostname():
        return _process_runs_tutela(beat.pid)
    now = now or timezone.now()
    return (now - beat.seen_at).total_seconds() <= lease_seconds()


def dead_names(names: Iterable[str]) -> set[str]:
    """The names among `names` whose process is dead (or was never seen)."""
    wanted = {name for name in names if name}
    beats = {b.name: b for b in WorkerHeartbeat.objects.filter(name__in=wanted)}
    now = timezone.now()
    return {name for name in wanted if not heartbeat_is_alive(beats.get(name), now)}


def workers_alive(kind: str = WorkerHeartbeat.Kind.WORKER) -> list[WorkerHeartbeat]:
    now = timezone.now()
    return [b for b in WorkerHeartbeat.objects.filter(kind=kind) if heartbeat_is_alive(b, now)]


def lost_message() -> str:
    return _(
        "The background worker stopped while running this job (it was killed or its server "
        "restarted). Nothing it was doing was saved; run it again."
    )


def web_lost_message() -> str:
    return _(
        "The server stopped while importing this file (it was restarted or killed). Nothing was "
        "saved; upload the file again."
    )


def uploads_reap_abandoned() -> int:
    """Uploads imported in a web request whose web worker was killed: rejected. A request
    cannot outlive the web server's timeout (settings.WEB_TIMEOUT, gunicorn's --timeout)."""

    seconds = int(getattr(settings, "WEB_TIMEOUT", 120)) + ABANDONED_MARGIN_SECONDS
    before = timezone.now() - datetime.timedelta(seconds=seconds)
    return records_fail_abandoned(before=before, message=web_lost_message())


def tasks_reap_lost() -> list[str]:
    """Mark failed the running tasks whose worker died, with their Job and upload record.
    Returns the ids of the tasks marked."""

    uploads_reap_abandoned()
    running = list(DBTaskResult.objects.filter(status="RUNNING").only("id", "worker_ids"))
    if not running:
        return []
    owners = {str(result.id): (result.worker_ids or [""])[-1] for result in running}
    dead = dead_names(owners.values())
    reaped = []
    for task_id, owner in owners.items():
        if owner and owner not in dead:
            continue
        if _task_fail_lost(task_id, owner):
            reaped.append(task_id)
    # Heartbeats of dead processes are kept for a while for /healthz, then dropped.
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    return reaped


@transaction.atomic
def _task_fail_lost(task_id: str, owner: str) -> bool:

    message = lost_message()
    marked = DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path=LOST_EXCEPTION,
        traceback=f"The worker {owner or '(unknown)'} stopped while running this task.",
        return_value=None,
    )
    if not marked:
        return False
    logger.warning("task %s was running in worker %s, which stopped: marked failed", task_id, owner)
    for job in Job.objects.filter(
        task_result_id=task_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ):
        job.status = Job.Status.FAILED
        job.message = message
        job.save(update_fields=["status", "message", "updated_at"])
        record_fail_lost(job, message)
    return True
