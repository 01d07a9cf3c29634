import os

from django.db import connection


def test_suite_runs_on_the_database_it_was_given():
    """`make test-postgres` must really run on PostgreSQL, not fall back to SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_default_sqlite_database_uses_write_ahead_logging(tmp_path):
    """The embedded default lets the web server read while the worker writes (WAL mode)."""
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TUTELA_DEBUG": "1",
        "TUTELA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tutela.cli", "migrate", "-v0"], cwd=root, env=env, check=True
    )
    db = tmp_path / "tutela.sqlite3"
    assert db.exists()
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
