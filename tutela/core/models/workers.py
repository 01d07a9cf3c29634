"""The heartbeats of Tutela's long-running processes (task workers, schedulers).

A process writes its row when it starts and every few seconds after; `/healthz` reads them, and
the reaper (core.workers) uses them to tell a task or a periodic job whose process was
killed (kill -9, a crash, a machine that went down) from one still running.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    class Kind(models.TextChoices):
        WORKER = "worker", _("Task worker")
        SCHEDULER = "scheduler", _("Scheduler")

    # The worker id django_tasks_db records on the tasks it claims, or the scheduler's id.
    name = models.CharField(_("name"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    hostname = models.CharField(_("host name"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen at"))
    # The task being run (a django_tasks_db result id), for the operator.
    task_id = models.CharField(_("current task"), max_length=64, blank=True)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.hostname}:{self.pid})"
