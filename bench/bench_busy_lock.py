"""Busy-database benchmark (issue 11, requirement 1), on SQLite:

1. The 5W summary rebuild of N synthetic rows: how long it holds SQLite's write lock at a time,
   in chunks (ACTIVITY_SUMMARY_CHUNK_ROWS, default 100,000) and in one go (as before chunking).
   Measured from outside: a second connection tries to take the write lock every 5 ms.
2. `tutela serve` (gunicorn, task worker, scheduler as real processes) on a copy of the demo-less
   test database, with U signed-in users browsing for L seconds freely, then L seconds while
   another process holds the write lock: requests, errors and latency per phase, whether any
   process died, and how long after the release a task queued during the lock ran.

    cd bench && ../.venv/bin/python bench_busy_lock.py [--rows 100000] [--chunk-rows N]
        [--users 8] [--lock 12] [--skip-rebuild] [--skip-stack]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _setup import ROOT, WORK, median, ms, p95


def lock_probe(database: Path, stop: threading.Event, out: list[float]) -> None:
    """Record every continuous interval during which another connection held the write lock."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    held_since: float | None = None
    while not stop.is_set():
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            if held_since is not None:
                out.append(time.perf_counter() - held_since)
                held_since = None
        except sqlite3.OperationalError:
            held_since = held_since or time.perf_counter()
        time.sleep(0.005)
    probe.close()


def rebuild_locks(rows: int, chunk_rows: int | None) -> None:
    from _setup import django_setup

    if "DATABASE_URL" in os.environ:
        print("part 1 measures SQLite's write lock: run without DATABASE_URL")
        return
    django_setup(f"pivot-{rows}.sqlite3")
    from django.conf import settings
    from django.db import connection

    from bench.synthetic.fivew import generate
    from tutela.activities.models import ActivityReport
    from tutela.activities.services.summaries import DEFAULT_CHUNK_ROWS, summaries_rebuild
    from tutela.core.models import Operation

    operation, _ = Operation.objects.get_or_create(
        slug=f"bench-{rows}", defaults={"name": f"Benchmark {rows} rows"}
    )
    if not ActivityReport.objects.filter(operation=operation).exists():
        print(f"generating {rows:,} synthetic 5W rows (once, shared with bench_5w_pivot)...")
        generate(operation=operation, n_rows=rows, seed=1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 0
    database = Path(connection.settings_dict["NAME"])
    print(f"\n5W summary rebuild, {rows:,} rows, SQLite write lock held (longest / total):")
    chunked = chunk_rows or DEFAULT_CHUNK_ROWS
    for label, chunk in ((f"chunks of {chunked:,}", chunked), ("a chunk per grain", 10**12)):
        settings.ACTIVITY_SUMMARY_CHUNK_ROWS = chunk
        stop, held = threading.Event(), []
        probe = threading.Thread(target=lock_probe, args=(database, stop, held))
        probe.start()
        started = time.perf_counter()
        summaries_rebuild(operation=operation, force=True)
        took = time.perf_counter() - started
        stop.set()
        probe.join()
        print(
            f"  {label:18} rebuild {took:6.1f} s   longest hold {max(held, default=0):6.2f} s"
            f"   {len(held)} holds"
        )


def stack(users: int, lock_seconds: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tutela.core.tests.stack import (
        Browser,
        Served,
        descendants,
        free_port,
        shell_json,
        stack_env,
        static_link,
        tutela,
    )

    base = Path(tempfile.mkdtemp(prefix="tutela-busy-", dir=WORK if WORK.exists() else None))
    var = base / "var"
    env = stack_env(var)
    print(f"\nstack on SQLite in {var}: migrating...", flush=True)
    tutela(env, "migrate", "-v0")
    static_link(var.parent / "static-build", var)
    data = shell_json(env, "from tutela.core.tests.stack_data import build; build()")
    served = Served(env=env, args=["serve", "--bind"], log=base / "serve.log")
    served.port = free_port()
    served.args.append(f"127.0.0.1:{served.port}")
    served.start()
    try:
        served.wait_healthy()
        before = set(descendants(served.process.pid))  # type: ignore[union-attr]
        browsers = []
        for n in range(users):
            browser = Browser(served.base)
            who = "coordinator" if n % 2 == 0 else "partner"
            browser.login(str(data[who]), str(data["password"]))
            browsers.append(browser)
        slug = data["slug"]
        pages = ["/", f"/o/{slug}/", f"/o/{slug}/5w/pivot/", f"/o/{slug}/5w/imports/"]

        def phase(name: str, locked: bool) -> None:
            results: list[tuple[Any, float]] = []
            task = None
            lock = None
            if locked:
                task = shell_json(
                    env,
                    "import datetime, json; from django.utils import timezone; "
                    "from tutela.core.tasks import send_email; "
                    "r = send_email.using(run_after=timezone.now() + datetime.timedelta(seconds=3))"
                    ".enqueue(subject='s', body='b', recipients=['a@x.org']); "
                    "print(json.dumps({'id': str(r.id).replace('-', '')}))",
                )
                lock = sqlite3.connect(var / "tutela.sqlite3", timeout=60, isolation_level=None)
                lock.execute("BEGIN IMMEDIATE")
            until = time.monotonic() + lock_seconds

            def browse(browser: Browser) -> None:
                while time.monotonic() < until:
                    for path in pages:
                        started = time.perf_counter()
                        try:
                            status = browser.get(path, timeout=120)[0]
                        except OSError as exc:
                            status = repr(exc)
                        results.append((status, time.perf_counter() - started))
                        time.sleep(0.2)

            threads = [threading.Thread(target=browse, args=(b,)) for b in browsers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ran_after = ""
            if lock is not None:
                lock.execute("ROLLBACK")
                released = time.perf_counter()
                lock.close()
                assert task is not None
                while time.perf_counter() - released < 120:
                    row = (
                        sqlite3.connect(var / "tutela.sqlite3")
                        .execute(
                            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?",
                            (task["id"],),
                        )
                        .fetchone()
                    )
                    if row and row[0] == "SUCCESSFUL":
                        ran_after = (
                            f"; queued task ran {time.perf_counter() - released:.1f} s after"
                        )
                        break
                    time.sleep(0.1)
            times = [t for _s, t in results]
            errors = sum(1 for s, _t in results if s != 200)
            print(
                f"  {name:22} {len(results):5} requests  {errors} errors  p50 {ms(median(times))}"
                f"  p95 {ms(p95(times))}  max {ms(max(times))}{ran_after}",
                flush=True,
            )

        print(f"{users} signed-in users, {lock_seconds} s per phase:")
        phase("free", locked=False)
        phase("write lock held", locked=True)
        after = set(descendants(served.process.pid))  # type: ignore[union-attr]
        died = " stopped (" in served.log_text()
        print(f"  processes unchanged: {before <= after and not died}")
        print("  /healthz:", json.dumps(served.wait_healthy(timeout=30)))
    finally:
        served.stop()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--lock", type=int, default=12)
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--skip-stack", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if not args.skip_rebuild:
        rebuild_locks(args.rows, args.chunk_rows)
    if not args.skip_stack:
        stack(args.users, args.lock)


if __name__ == "__main__":
    main()
