"""`tutela serve`: the web server (gunicorn), the task worker and the scheduler, supervised.

What `make run` runs after migrating. A child that crashes is restarted (tutela.core.supervise);
one that keeps crashing stops everything with status 1 and a log line. Ctrl-C or TERM stops all.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tutela.core.startup import var_secure
from tutela.core.supervise import Child, Supervisor


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler, restarting any that crashes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (2)")
        parser.add_argument(
            "--task-workers", type=int, default=1, help="background-task workers (1)"
        )
        parser.add_argument("--no-scheduler", action="store_true", help="no scheduler here")
        parser.add_argument(
            "--max-restarts",
            type=int,
            default=5,
            help="restarts of one process within --window before giving up (5)",
        )
        parser.add_argument("--window", type=float, default=600.0, help="seconds (600)")
        parser.add_argument(
            "--timeout",
            type=int,
            default=0,
            help="gunicorn's request timeout; default TUTELA_WEB_TIMEOUT (busy timeout + 60 s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Installations made before files were private: fix their modes now (uploads included).
        changed = var_secure(deep=True)
        if changed:
            self.stderr.write(f"Made {len(changed)} file(s) under the var directory private.")
        python = sys.executable
        timeout = options["timeout"] or int(settings.WEB_TIMEOUT)
        children = [
            Child(
                "web",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    options["bind"],
                    "--workers",
                    str(options["web_workers"]),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                    # Several instances may run on one machine (scale-out on loopback).
                    "--no-control-socket",
                    # A request that needs a write may wait for SQLite's lock this long.
                    "--timeout",
                    str(timeout),
                ],
            )
        ]
        for number in range(max(0, options["task_workers"])):
            suffix = f"-{number + 1}" if options["task_workers"] > 1 else ""
            children.append(
                Child(
                    f"db_worker{suffix}", [python, "-m", "tutela.cli", "db_worker", "--no-reload"]
                )
            )
        if not options["no_scheduler"]:
            children.append(Child("scheduler", [python, "-m", "tutela.cli", "scheduler"]))
        supervisor = Supervisor(
            children, max_restarts=options["max_restarts"], window=options["window"]
        )
        status = supervisor.run()
        if status:
            sys.exit(status)
