"""Shared set-up for the benchmarks: Django on the database named by DATABASE_URL (default: a
SQLite file under /tmp/tutela-bench), development settings, migrated."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("TUTELA_BENCH_DIR", "/tmp/tutela-bench"))


def django_setup(default_sqlite: str, *, fresh: bool = False) -> str:
    """Configure Django; returns "sqlite" or "postgresql". `fresh`: start from an empty SQLite
    file (a benchmark whose timings depend on the table's size must not inherit earlier runs)."""
    WORK.mkdir(parents=True, exist_ok=True)
    if fresh and "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"{default_sqlite}{suffix}").unlink(missing_ok=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK / default_sqlite}")
    os.environ.setdefault("TUTELA_DEBUG", "1")
    os.environ.setdefault("TUTELA_VAR_DIR", str(WORK / "var"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    _create_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def _create_postgres_database(url: str) -> None:
    """A throw-away server (scripts/with-postgres.sh) starts without the database: create it."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timed(fn: Callable[[], object], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def timed_after(before: Callable[[], object], fn: Callable[[], object], runs: int) -> list[float]:
    """`fn` timed right after `before` (untimed) each run, e.g. the first read after a write."""
    out = []
    for _ in range(runs + 1):
        before()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out[1:]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values)


def record(name: str, vendor: str, figures: dict[str, object]) -> None:
    """Keep a benchmark's figures for `bench_summary.py` (JSON under the bench directory)."""
    import datetime
    import json

    out = WORK / "results"
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "name": name,
        "vendor": vendor,
        "at": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        **figures,
    }
    rows = figures.get("rows", "")
    (out / f"{name}-{vendor}-{rows}.json").write_text(json.dumps(figures, indent=1))
