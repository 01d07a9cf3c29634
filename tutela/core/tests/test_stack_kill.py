"""Kill -9 loses nothing (issue 11, requirement 4), with real processes on a temporary SQLite file:
- the task worker killed in the middle of an import: no 5W row is saved, the import and its job
  are shown as failed with a clear message (the restarted worker finds its predecessor's task),
  and the same file can be imported again;
- the web worker killed in the middle of an upload imported in the request: no row is saved, the
  upload is rejected with a clear message once the request cannot be running any more, and the
  same file can be posted again."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tutela.core.tests.stack import (
    Browser,
    children_of,
    find_child,
    migrated_sqlite,  # noqa: F401 - fixture
    serve_factory,  # noqa: F401 - fixture
    shell_json,
    sqlite_query,
    sqlite_var,
    stack_env,
)

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="runs on its own SQLite file (the PostgreSQL run skips it)",
    ),
]


PAUSE_POINT = "5w-rows-written"


def paused_env(var: Path, marker: Path, **extra: str) -> dict[str, str]:
    """A stack whose first 5W write pauses inside its transaction, rows written and not
    committed (tutela/core/faults.py), so the kill lands there every time."""
    return stack_env(var, TUTELA_FAULT_PAUSE=f"{PAUSE_POINT}:{marker}", **extra)


def wait_for_pause(marker: Path, timeout: float = 300) -> int:
    """The process id of the process paused at the fault point, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and (text := marker.read_text().strip()):
            return int(text)
        time.sleep(0.05)
    raise AssertionError("no import reached the rows' transaction")


def write_lock_held(database: Path) -> bool:
    """Another connection holds SQLite's write lock (an import's transaction is open)."""
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: {value!r}")


def rows_of(database: Path, operation_id: int) -> int:
    return int(
        sqlite_query(
            database,
            "SELECT COUNT(*) FROM activities_activityreport WHERE operation_id = ?",
            (operation_id,),
        )[0][0]
    )


def test_killing_the_worker_during_an_import_saves_nothing_and_fails_the_job_clearly(
    migrated_sqlite: Path,  # noqa: F811
    serve_factory: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    var = sqlite_var(migrated_sqlite, tmp_path / "var")
    marker = tmp_path / "paused"
    env = paused_env(var, marker)
    workbook = tmp_path / "5w-big.xlsx"
    rows = 3_000
    data = shell_json(
        env,
        "from tutela.core.tests.stack_data import build; "
        f"build(rows={rows}, path={str(workbook)!r})",
    )
    served = serve_factory(env, "serve", "--web-workers", "1")
    served.wait_healthy()
    database = var / "tutela.sqlite3"
    queue = (
        "from tutela.core.tests.stack_data import import_queue; "
        f"import_queue(slug={data['slug']!r}, path={str(workbook)!r})"
    )
    first = shell_json(env, queue)
    paused = wait_for_pause(marker)
    # The worker itself holds the rows' transaction (parsing ran in its sandboxed child).
    worker = find_child(served, "tutela.cli db_worker")
    assert paused == worker
    assert write_lock_held(database)
    os.kill(worker, signal.SIGKILL)

    # The supervisor restarts the worker, which marks its predecessor's task failed.
    def job() -> tuple[Any, ...] | None:
        found = sqlite_query(
            database, "SELECT status, message FROM core_job WHERE id = ?", (first["job_id"],)
        )
        return found[0] if found and found[0][0] == "failed" else None

    status, message = wait_until(job, 120, "the job is not marked failed")
    assert "stopped while running this job" in message
    record = sqlite_query(
        database,
        "SELECT status, problems FROM activities_importrecord WHERE id = ?",
        (first["record_id"],),
    )[0]
    assert record[0] == "rejected"
    assert "worker_lost" in record[1]
    assert rows_of(database, int(data["operation_id"])) == 0
    log = served.log_text()
    assert "db_worker stopped (killed by SIGKILL); restarting it" in log
    # The user sees why on the import's page.
    browser = Browser(served.base)
    browser.login(str(data["coordinator"]), str(data["password"]))
    status_code, html, _ = browser.get(f"/o/{data['slug']}/5w/imports/{first['record_id']}/")
    assert status_code == 200
    assert "stopped while running this job" in html

    # Run again: the same file imports completely.
    second = shell_json(env, queue)
    wait_until(
        lambda: (
            sqlite_query(database, "SELECT status FROM core_job WHERE id = ?", (second["job_id"],))
            == [("succeeded",)]
        ),
        600,
        "the second import did not finish",
    )
    assert rows_of(database, int(data["operation_id"])) == rows


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_upload(browser: Browser, path: str, workbook: Path, organisation: int) -> tuple[Any, str]:
    import urllib.error
    import urllib.request

    status, html, _ = browser.get(path)
    assert status == 200, html[:2000]
    body, content_type = multipart(
        {
            "csrfmiddlewaretoken": browser.csrf(html),
            "organisation": str(organisation),
            "mapping": "",
        },
        {"file": (workbook.name, workbook.read_bytes())},
    )
    request = urllib.request.Request(  # noqa: S310
        browser.base + path,
        data=body,
        headers={"Content-Type": content_type, "Referer": browser.base + path},
    )
    try:
        with browser.opener.open(request, timeout=300) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError as exc:
        return repr(exc), ""


def test_killing_the_web_worker_during_an_upload_saves_nothing_and_rejects_it_clearly(
    migrated_sqlite: Path,  # noqa: F811
    serve_factory: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    var = sqlite_var(migrated_sqlite, tmp_path / "var")
    # A short request timeout, so that the abandoned upload is found within the test.
    marker = tmp_path / "paused"
    env = paused_env(var, marker, TUTELA_WEB_TIMEOUT="40")
    workbook = tmp_path / "5w-small.xlsx"
    rows = 6_000
    data = shell_json(
        env,
        "from tutela.core.tests.stack_data import build; "
        f"build(rows={rows}, path={str(workbook)!r})",
    )
    # Small enough to be imported in the web request itself (not the background worker).
    assert workbook.stat().st_size < 512 * 1024
    served = serve_factory(env, "serve", "--web-workers", "1")
    served.wait_healthy()
    database = var / "tutela.sqlite3"
    browser = Browser(served.base)
    browser.login(str(data["coordinator"]), str(data["password"]))
    upload = f"/o/{data['slug']}/5w/upload/"
    organisation = int(data["organisation_id"])

    outcome: list[Any] = []
    posting = threading.Thread(
        target=lambda: outcome.append(post_upload(browser, upload, workbook, organisation))
    )
    posting.start()
    paused = wait_for_pause(marker)
    web_master = find_child(served, "gunicorn config.wsgi")
    assert paused in children_of(web_master)  # the web worker imports it in the request
    assert write_lock_held(database)
    os.kill(paused, signal.SIGKILL)
    posting.join(120)
    assert outcome
    assert outcome[0][0] != 200, outcome  # the post did not succeed
    assert rows_of(database, int(data["operation_id"])) == 0

    # The upload's record is rejected with a clear message once the request cannot be running.
    def rejected() -> Any:
        found = sqlite_query(
            database,
            "SELECT status, problems FROM activities_importrecord WHERE operation_id = ?",
            (data["operation_id"],),
        )
        return found if found and all(r[0] == "rejected" for r in found) else None

    records = wait_until(rejected, 240, "the abandoned upload is not rejected")
    assert "The server stopped while importing this file" in records[0][1]

    # The web server is back (gunicorn started a new worker) and the same file goes through.
    served.wait_healthy(timeout=60)
    status, html = post_upload(browser, upload, workbook, organisation)
    assert status == 200, html[:2000]
    assert rows_of(database, int(data["operation_id"])) == rows
