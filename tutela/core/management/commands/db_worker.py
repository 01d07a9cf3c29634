"""`tutela db_worker`: django_tasks_db's worker, made to run for months beside a busy database.

Differences from the original command (same options):
- a locked database (SQLite's write lock held by an import, a rebuild, another process) or a
  database that went away (PostgreSQL restarted) never stops the worker: it waits, with back-off
  and a log line, and goes on (the original dies when taking its claim transaction fails);
- a task's result is recorded even when the lock is taken at that moment (the original gives up
  after three tries 0.1 s apart and can record a successful task as failed);
- a heartbeat row (core.WorkerHeartbeat) tells `/healthz` the worker is alive, and lets the reaper
  tell the tasks of a killed worker from running ones (core.workers); at start the worker
  marks failed the tasks its killed predecessors left running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as BaseCommand
from django_tasks_db.management.commands.db_worker import Worker as BaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from tutela.core import workers
from tutela.core.db_locks import backoff_delays, is_locked, retry_locked
from tutela.core.models import WorkerHeartbeat

logger = logging.getLogger("tutela.worker")


class Worker(BaseWorker):
    heartbeat_seconds = workers.HEARTBEAT_SECONDS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current_task = ""
        self._stop_beating = threading.Event()

    # --- heartbeat -------------------------------------------------------------------------------

    def _beat(self) -> None:
        workers.heartbeat_beat(
            name=self.worker_id, kind=WorkerHeartbeat.Kind.WORKER, task_id=self.current_task
        )

    def _beat_forever(self) -> None:
        while not self._stop_beating.wait(self.heartbeat_seconds):
            try:
                self._beat()
            except (OperationalError, InterfaceError) as exc:
                logger.warning("worker %s: heartbeat not written (%s)", self.worker_id, exc)
            finally:
                close_old_connections()
        connections.close_all()

    def _start(self) -> None:
        def start() -> None:
            self._beat()
            reaped = workers.tasks_reap_lost()
            if reaped:
                logger.warning("marked %d task(s) of stopped workers failed", len(reaped))

        retry_locked(start, what="worker start", should_stop=lambda: not self.running)
        if not self.batch:
            threading.Thread(target=self._beat_forever, name="heartbeat", daemon=True).start()

    def _stop(self) -> None:
        self._stop_beating.set()
        # If this fails, the reaper and /healthz find the row stale instead.
        with contextlib.suppress(OperationalError, InterfaceError):
            workers.heartbeat_stop(name=self.worker_id)

    # --- the loop --------------------------------------------------------------------------------

    def run(self) -> None:
        logger.info("worker %s starting (queues %s)", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together
        self._start()
        try:
            self._loop()
        finally:
            self._stop()

    def _loop(self) -> None:
        delays = backoff_delays()
        while self.running:
            try:
                outcome = self._iteration()
            except (OperationalError, InterfaceError) as exc:
                if not (is_locked(exc) or isinstance(exc, InterfaceError) or _is_disconnect(exc)):
                    raise
                delay = next(delays)
                logger.warning(
                    "worker %s: the database is busy or unreachable (%s); retrying in %.1f s",
                    self.worker_id,
                    " ".join(str(exc).split()),
                    delay,
                )
                close_old_connections()
                connections.close_all()
                if self.running:
                    time.sleep(delay)
                continue
            delays = backoff_delays()
            if outcome == "stop":
                return
            close_old_connections()
            if self.running and outcome == "idle":
                time.sleep(self.interval)

    def _iteration(self) -> str:
        """Claim and run one task. "ran", "idle" (nothing to do) or "stop" (batch done, or the
        maximum number of tasks run)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        # A lock error here (taking the claim transaction or inside it) reaches _loop.
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is not None:
            self.current_task = str(task_result.id)
            try:
                self.run_task(task_result)
            finally:
                self.current_task = ""
        elif self.batch:
            logger.info("no more tasks for worker %s; exiting", self.worker_id)
            return "stop"
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("worker %s ran its %d tasks; exiting", self.worker_id, self._run_tasks)
            return "stop"
        return "ran" if task_result is not None else "idle"

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As the original, but recording the outcome waits for a busy database."""
        original_successful = db_task_result.set_successful
        original_failed = db_task_result.set_failed

        def set_successful(value: Any) -> None:
            retry_locked(lambda: original_successful(value), what="recording a task's result")

        def set_failed(exc: BaseException) -> None:
            retry_locked(lambda: original_failed(exc), what="recording a task's failure")

        db_task_result.set_successful = set_successful
        db_task_result.set_failed = set_failed
        super().run_task(db_task_result)


def _is_disconnect(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(
        words in text
        for words in ("connection", "server closed", "terminating", "could not connect")
    )


class Command(BaseCommand):
    help = (
        "Run the background-task worker (imports, e-mail, rebuilds). Survives a busy or "
        "restarting database; writes a heartbeat for /healthz."
    )

    def handle(self, **options: Any) -> None:
        # As the original command, with Tutela's Worker.
        self.configure_logging(options["verbosity"])
        reload, batch = options["reload"], options["batch"]
        if reload and batch:
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
