"""`tutela scheduler`: runs the periodic jobs registered in the apps' `schedules.py` modules.

Runs beside the web server and `tutela db_worker` (see `tutela serve`). Any number of scheduler
processes may run: each job's run is claimed in the database, so it runs once. A busy or
unreachable database delays the checks (with a log line), it does not stop the scheduler. Its
heartbeat (core.WorkerHeartbeat) shows on /healthz and lets other schedulers take over a run it
was doing when it was killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils.crypto import get_random_string

from tutela.core import schedule, workers
from tutela.core.db_locks import backoff_delays
from tutela.core.models import WorkerHeartbeat

logger = logging.getLogger("tutela.scheduler")


class Command(BaseCommand):
    help = "Run the periodic jobs (outbox retries, daily digest, reminders...) when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Seconds between two checks (default 30).",
        )

    def handle(
        self, *args: Any, once: bool = False, interval: float = 30.0, **options: Any
    ) -> None:
        schedule.autodiscover()
        verbose = int(options.get("verbosity", 1)) > 0
        self.name = f"scheduler-{workers.hostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
        if once:
            self._beat()
            try:
                self._run(verbose)
            finally:
                workers.heartbeat_stop(name=self.name)
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        # Finish the job in hand, then leave, on Ctrl-C or when the supervisor stops us.
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if verbose:
            names = ", ".join(sorted(schedule.registry)) or "none"
            self.stdout.write(f"Scheduler started; jobs: {names}")
        beating = threading.Thread(target=self._beat_until, args=(stop,), daemon=True)
        beating.start()
        delays = backoff_delays()
        while not stop.is_set():
            try:
                self._beat()
                self._run(verbose)
            except (OperationalError, InterfaceError) as exc:
                # A locked or unreachable database: wait and check again.
                delay = min(next(delays), interval)
                logger.warning(
                    "scheduler: the database is busy or unreachable (%s); retrying in %.1f s",
                    " ".join(str(exc).split()),
                    delay,
                )
                self._drop_stale_connections()
                stop.wait(delay)
                continue
            delays = backoff_delays()
            stop.wait(interval)
        with contextlib.suppress(OperationalError, InterfaceError):
            workers.heartbeat_stop(name=self.name)
        if verbose:
            self.stdout.write("Scheduler stopped.")

    def _beat(self) -> None:
        workers.heartbeat_beat(name=self.name, kind=WorkerHeartbeat.Kind.SCHEDULER)

    def _beat_until(self, stop: threading.Event) -> None:
        """Keep the heartbeat fresh while a long job runs in the main thread."""
        while not stop.wait(workers.HEARTBEAT_SECONDS):
            try:
                self._beat()
            except (OperationalError, InterfaceError) as exc:
                logger.warning("scheduler: heartbeat not written (%s)", exc)
            finally:
                close_old_connections()

    def _run(self, verbose: bool) -> None:
        self._drop_stale_connections()
        ran = schedule.run_due(claimer=self.name)
        self._drop_stale_connections()
        if verbose and ran:
            self.stdout.write(f"Ran: {', '.join(ran)}")

    @staticmethod
    def _drop_stale_connections() -> None:
        # A long-running process: drop connections the database has closed meanwhile. Never
        # inside a transaction (call_command from a caller's transaction, as in the tests): there
        # Django would close the caller's connection.
        if not connection.in_atomic_block:
            close_old_connections()
