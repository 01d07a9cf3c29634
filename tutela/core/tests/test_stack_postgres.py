"""Beyond one machine (issue 11, requirement 7): two app servers, two task workers and two
schedulers (two `tutela serve`, real processes on loopback) on one PostgreSQL database. An
import made through one server is seen through the other; each queued task runs once; each
periodic job runs once although both schedulers start together.

Runs in the PostgreSQL pass (`scripts/with-postgres.sh pytest ...`), on a database of its own.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tutela.core.tests.stack import (
    Browser,
    migrated_sqlite,  # noqa: F401 - fixture (its static files are shared)
    serve_factory,  # noqa: F401 - fixture
    shell_json,
    stack_env,
    static_link,
    tutela,
)
from tutela.core.tests.test_stack_kill import post_upload

URL = os.environ.get("DATABASE_URL", "")
pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(not URL.startswith("postgres"), reason="PostgreSQL pass only"),
]
TASKS = 40


@pytest.fixture
def postgres_database() -> Any:
    import psycopg

    name = f"tutela_stack_{uuid.uuid4().hex[:10]}"
    parts = urllib.parse.urlsplit(URL)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_servers_two_workers_two_schedulers_on_one_postgresql(
    postgres_database: str,
    migrated_sqlite: Path,  # noqa: F811
    serve_factory: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    # One var directory (secrets, uploads) for both servers, as a shared volume would be.
    var = tmp_path / "var"
    var.mkdir()
    static_link(migrated_sqlite.parent, var)
    env = stack_env(var, database_url=postgres_database)
    tutela(env, "migrate", "-v0")
    workbook = tmp_path / "5w.xlsx"
    data = shell_json(
        env,
        f"from tutela.core.tests.stack_data import build; build(rows=500, path={str(workbook)!r})",
    )
    one = serve_factory(env, "serve", "--web-workers", "1", name="one")
    two = serve_factory(env, "serve", "--web-workers", "1", name="two")
    one.wait_healthy()
    # Each stack's worker and scheduler beat once started: under load the second stack's first
    # beat comes a little after its web server answers.
    health = two.wait_healthy(
        until=lambda h: h["worker"]["alive"] == 2 and h["scheduler"]["alive"] == 2
    )
    assert health["worker"]["alive"] == 2
    assert health["scheduler"]["alive"] == 2

    # An import through server one is seen through server two.
    through_one, through_two = Browser(one.base), Browser(two.base)
    through_one.login(str(data["coordinator"]), str(data["password"]))
    through_two.login(str(data["coordinator"]), str(data["password"]))
    upload = f"/o/{data['slug']}/5w/upload/"
    status, html = post_upload(through_one, upload, workbook, int(data["organisation_id"]))
    assert status == 200, html[:2000]
    record = re.search(rf"/o/{data['slug']}/5w/imports/(\d+)/", html)
    assert record, html[:3000]
    status, html, _ = through_two.get(f"/o/{data['slug']}/5w/imports/")
    assert status == 200
    assert workbook.name in html
    status, pivot, _ = through_two.get(f"/o/{data['slug']}/5w/pivot/")
    assert status == 200

    # Tasks queued at once: each runs exactly once, in one of the two workers.
    queued = shell_json(
        env,
        "import json; from tutela.core.tasks import send_email; "
        f"ids = [str(send_email.enqueue(subject=f'stack task {{n}}', body='b', "
        f"recipients=['a@example.org']).id) for n in range({TASKS})]; "
        "print(json.dumps({'ids': ids}))",
    )
    deadline = time.monotonic() + 300
    finished: dict[str, Any] = {}
    while time.monotonic() < deadline:
        finished = shell_json(
            env,
            "import json; from django_tasks_db.models import DBTaskResult; "
            "rows = DBTaskResult.objects.filter(task_path__endswith='send_email'); "
            "print(json.dumps({'status': sorted(set(rows.values_list('status', flat=True))), "
            "'workers': [r.worker_ids for r in rows]}))",
        )
        if finished["status"] == ["SUCCESSFUL"]:
            break
        time.sleep(2)
    assert finished["status"] == ["SUCCESSFUL"], finished
    assert all(len(ids) == 1 for ids in finished["workers"]), finished  # claimed once each
    logs = one.log_text() + two.log_text()
    sent = Counter(re.findall(r"Subject: (stack task \d+)", logs))
    assert len(queued["ids"]) == TASKS
    assert sent == Counter({f"stack task {n}": 1 for n in range(TASKS)}), sent

    # Both schedulers started together: each periodic job of 5 minutes or more ran once.
    runs = Counter(re.findall(r"running periodic job ([\w.]+)", logs))
    for name in (
        "core.outbox_send_due",
        "core.digest_send",
        "coordination.action_point_reminders",
        "monitoring.early_warning",
    ):
        assert runs[name] == 1, runs
