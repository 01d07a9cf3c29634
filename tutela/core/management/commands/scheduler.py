"""`tutela scheduler`: runs the periodic jobs registered in the apps' `schedules.py` modules.

Runs beside the web server and `tutela db_worker` (see scripts/run.sh). Any number of scheduler
processes may run: each job's run is claimed in the database, so it runs once.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from tutela.core import schedule


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
        if once:
            self._run(verbose)
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        # Finish the job in hand, then leave, on Ctrl-C or when run.sh stops us.
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if verbose:
            names = ", ".join(sorted(schedule.registry)) or "none"
            self.stdout.write(f"Scheduler started; jobs: {names}")
        while not stop.is_set():
            self._run(verbose)
            stop.wait(interval)
        if verbose:
            self.stdout.write("Scheduler stopped.")

    def _run(self, verbose: bool) -> None:
        self._drop_stale_connections()
        ran = schedule.run_due()
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
