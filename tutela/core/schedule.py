"""Periodic jobs: a small registry run by `tutela scheduler`.

Apps register jobs in a module named `schedules.py`, imported when the scheduler starts:

    from datetime import time
    from tutela.core import schedule

    @schedule.daily("coordination.action_point_reminders", at=time(5, 0))
    def action_point_reminders() -> None: ...

    @schedule.every("core.outbox_retry", minutes=5)
    def outbox_retry() -> None: ...

Times are UTC. `run_due()` runs each job that is due once: the claim is a conditional UPDATE of
the job's `ScheduledRun` row, so two scheduler processes (or two servers) never both run it. A
daily job whose time passed while the scheduler was down runs when it starts again. A run still
going (a job slower than its interval) is not started again beside itself, unless the scheduler
running it died (its heartbeat, core.workers).
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from tutela.core.models import ScheduledRun
from tutela.core.workers import dead_names

logger = logging.getLogger(__name__)

JobFunction = Callable[[], object]


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    # Exactly one of the two: every `interval`, or daily at `at` (UTC).
    interval: datetime.timedelta | None = None
    at: datetime.time | None = None

    def due_if_started_before(self, now: datetime.datetime) -> datetime.datetime:
        """The job is due at `now` if its last run started before this instant (or never)."""
        if self.interval is not None:
            # A second's tolerance, so that a check exactly one interval later runs the job
            # rather than the next check, 30 s on: intervals do not drift.
            return now - self.interval + datetime.timedelta(seconds=1)
        assert self.at is not None
        today = datetime.datetime.combine(now.astimezone(datetime.UTC).date(), self.at).replace(
            tzinfo=datetime.UTC
        )
        return today if today <= now else today - datetime.timedelta(days=1)


registry: dict[str, Job] = {}


def _register(job: Job) -> None:
    existing = registry.get(job.name)
    if existing is not None and (
        existing.function.__module__,
        existing.function.__qualname__,
    ) != (job.function.__module__, job.function.__qualname__):
        raise ValueError(f"Two periodic jobs are named {job.name!r}.")
    registry[job.name] = job


def daily(
    name: str, *, at: datetime.time = datetime.time(2, 0)
) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function to run once a day at `at` (UTC)."""

    def decorator(function: JobFunction) -> JobFunction:
        _register(Job(name=name, function=function, at=at.replace(tzinfo=None)))
        return function

    return decorator


def every(name: str, *, minutes: int) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function to run every `minutes` minutes."""
    if minutes < 1:
        raise ValueError("minutes must be at least 1")

    def decorator(function: JobFunction) -> JobFunction:
        _register(Job(name=name, function=function, interval=datetime.timedelta(minutes=minutes)))
        return function

    return decorator


def autodiscover() -> None:
    """Import every installed app's `schedules` module (which registers its jobs)."""
    autodiscover_modules("schedules")


def _claim(job: Job, now: datetime.datetime, claimer: str = "") -> bool:
    """Mark the job started at `now` by `claimer` (a scheduler's heartbeat name) if it is due and
    not running in a live scheduler. True only for the one process that did."""

    run = ScheduledRun.objects.filter(name=job.name).first()
    if run is None:
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=job.name)
        except IntegrityError:
            # Another scheduler created the row at the same moment: fine, it exists now.
            pass
        run = ScheduledRun.objects.get(name=job.name)
    due = run.last_started_at is None or run.last_started_at < job.due_if_started_before(now)
    if not due:
        return False
    if (
        run.last_status == ScheduledRun.Status.RUNNING
        and run.claimed_by
        and run.claimed_by != claimer
        and not dead_names([run.claimed_by])
    ):
        logger.info("periodic job %s is still running in %s", job.name, run.claimed_by)
        return False
    # The UPDATE applies only if nobody claimed the run since we read it.
    unchanged = Q(last_started_at__isnull=True) | Q(
        last_started_at__lt=job.due_if_started_before(now)
    )
    claimed = (
        ScheduledRun.objects.filter(
            pk=run.pk, last_status=run.last_status, claimed_by=run.claimed_by
        )
        .filter(unchanged)
        .update(
            last_started_at=now,
            last_status=ScheduledRun.Status.RUNNING,
            last_error="",
            claimed_by=claimer,
            updated_at=timezone.now(),
        )
    )
    return claimed == 1


def run_job(job: Job) -> bool:
    """Run one job now and record how it went. Returns True if it succeeded."""
    try:
        job.function()
    except Exception:  # noqa: BLE001 - one failing job must not stop the others
        logger.exception("periodic job %s failed", job.name)
        ScheduledRun.objects.filter(name=job.name).update(
            last_finished_at=timezone.now(),
            last_status=ScheduledRun.Status.FAILED,
            last_error=traceback.format_exc()[-4000:],
            updated_at=timezone.now(),
        )
        return False
    ScheduledRun.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(),
        last_status=ScheduledRun.Status.SUCCEEDED,
        updated_at=timezone.now(),
    )
    return True


def run_due(now: datetime.datetime | None = None, *, claimer: str = "") -> list[str]:
    """Run every registered job that is due at `now`, once. Returns the names of the jobs run.
    `claimer`: the scheduler's heartbeat name (see _claim)."""
    now = now or timezone.now()
    ran = []
    for name in sorted(registry):
        job = registry[name]
        if _claim(job, now, claimer):
            logger.info("running periodic job %s", name)
            run_job(job)
            ran.append(name)
    return ran
