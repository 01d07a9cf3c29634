"""Heartbeats, /healthz, the tasks of a killed worker, and periodic jobs that must not run twice
(issue 11, requirements 4 and 7)."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tutela.conftest import World
from tutela.core import schedule, workers
from tutela.core.models import Job, ScheduledRun, WorkerHeartbeat
from tutela.core.services import jobs
from tutela.core.tasks import send_email

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def beat(name: str, kind: str, *, seconds_ago: float, host: str = "other-host") -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        name=name,
        kind=kind,
        hostname=host,
        pid=1,
        started_at=now - datetime.timedelta(hours=1),
        seen_at=now - datetime.timedelta(seconds=seconds_ago),
    )


@pytest.mark.django_db
def test_healthz_is_ok_when_the_database_a_worker_and_a_scheduler_are_alive() -> None:
    beat("w1", "worker", seconds_ago=5)
    beat("s1", "scheduler", seconds_ago=5)
    response = Client().get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == {"ok": True}
    assert data["worker"]["alive"] == 1
    # Nothing an anonymous caller should learn: no host names, process ids or settings.
    text = response.content.decode()
    assert "other-host" not in text
    assert "w1" not in text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_fails_when_the_worker_heartbeat_is_stale() -> None:
    beat("w1", "worker", seconds_ago=workers.lease_seconds() + 30)
    beat("s1", "scheduler", seconds_ago=5)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == {"ok": False, "alive": 0, "seconds_since_heartbeat": None}


@pytest.mark.django_db
def test_a_heartbeat_on_this_machine_is_alive_while_its_process_runs() -> None:
    """On one machine the process decides, not the heartbeat's age (on SQLite a heartbeat waits
    for the write lock like any write)."""
    now = timezone.now()
    old = now - datetime.timedelta(hours=2)
    # A real process whose command line names Tutela (this test's own process may be an xdist
    # worker whose command line does not).
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", "import time; time.sleep(120)", "tutela-heartbeat-test"]
    )
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    deadline = time.monotonic() + 20
    while b"tutela-heartbeat-test" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the child has started the program
    try:
        mine = WorkerHeartbeat(
            name="me", kind="worker", hostname=workers.hostname(), pid=process.pid, seen_at=old
        )
        gone = WorkerHeartbeat(
            name="gone", kind="worker", hostname=workers.hostname(), pid=2**22 + 7, seen_at=now
        )
        assert workers.heartbeat_is_alive(mine, now)
        assert not workers.heartbeat_is_alive(gone, now)
    finally:
        process.kill()
        process.wait()
    assert not workers.heartbeat_is_alive(mine, now)


@pytest.mark.django_db(transaction=True)
def test_the_task_of_a_dead_worker_is_failed_with_its_job_and_upload(world: World) -> None:
    from django_tasks_db.models import DBTaskResult

    from tutela.activities.models import ImportRecord

    with override_settings(TASKS=DB_TASKS):
        dead = send_email.enqueue(subject="a", body="b", recipients=["a@example.org"])
        alive = send_email.enqueue(subject="c", body="d", recipients=["a@example.org"])
    DBTaskResult.objects.filter(id=dead.id).update(status="RUNNING", worker_ids=["killed"])
    DBTaskResult.objects.filter(id=alive.id).update(status="RUNNING", worker_ids=["busy"])
    beat("killed", "worker", seconds_ago=workers.lease_seconds() + 30)
    beat("busy", "worker", seconds_ago=2)
    job = jobs.job_create(user=world.coordinator, operation=world.operation, kind="x", label="f")
    jobs.job_attach_task(job=job, task_result_id=str(dead.id))
    jobs.job_progress(job=job, progress=40)
    record = ImportRecord.objects.create(
        operation=world.operation, kind="5w", user=world.coordinator, file_name="f.xlsx", job=job
    )

    assert workers.tasks_reap_lost() == [str(dead.id)]

    assert DBTaskResult.objects.get(id=dead.id).status == "FAILED"
    assert DBTaskResult.objects.get(id=alive.id).status == "RUNNING"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped while running this job" in job.message
    record.refresh_from_db()
    assert record.status == "rejected"
    assert [p["code"] for p in record.problems] == ["worker_lost"]
    # Nothing more to do the second time.
    assert workers.tasks_reap_lost() == []


@pytest.mark.django_db
def test_an_upload_abandoned_by_a_killed_web_request_is_rejected(world: World) -> None:
    from tutela.activities.models import ImportRecord

    record = ImportRecord.objects.create(
        operation=world.operation, kind="5w", user=world.coordinator, file_name="f.xlsx"
    )
    fresh = ImportRecord.objects.create(
        operation=world.operation, kind="5w", user=world.coordinator, file_name="g.xlsx"
    )
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    ImportRecord.objects.filter(pk=record.pk).update(created_at=long_ago)
    assert workers.uploads_reap_abandoned() == 1
    record.refresh_from_db()
    fresh.refresh_from_db()
    assert record.status == "rejected"
    assert "The server stopped while importing this file" in record.problems[0]["message"]
    assert fresh.status == "pending"  # may still be running in its request


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    fresh: dict[str, Any] = {}
    monkeypatch.setattr(schedule, "registry", fresh)
    return fresh


def at(hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, 10, hour, minute, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_job_slower_than_its_interval_is_not_started_beside_itself(
    registry: dict[str, Any],
) -> None:
    @schedule.every("test.slow", minutes=5)
    def slow() -> None: ...

    beat("scheduler-a", "scheduler", seconds_ago=1)
    ScheduledRun.objects.create(
        name="test.slow",
        last_started_at=at(9, 0),
        last_status=ScheduledRun.Status.RUNNING,
        claimed_by="scheduler-a",
    )
    # Ten minutes later it is due again, but still running in a live scheduler.
    assert schedule.run_due(at(9, 10), claimer="scheduler-b") == []


@pytest.mark.django_db
def test_a_run_whose_scheduler_died_is_taken_over(registry: dict[str, Any]) -> None:
    calls: list[str] = []

    @schedule.every("test.slow", minutes=5)
    def slow() -> None:
        calls.append("run")

    beat("scheduler-a", "scheduler", seconds_ago=workers.lease_seconds() + 60)
    ScheduledRun.objects.create(
        name="test.slow",
        last_started_at=at(9, 0),
        last_status=ScheduledRun.Status.RUNNING,
        claimed_by="scheduler-a",
    )
    assert schedule.run_due(at(9, 10), claimer="scheduler-b") == ["test.slow"]
    assert calls == ["run"]
    run = ScheduledRun.objects.get(name="test.slow")
    assert (run.last_status, run.claimed_by) == (ScheduledRun.Status.SUCCEEDED, "scheduler-b")
