"""Periodic jobs (core/schedule.py) and the `tutela scheduler` command."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tutela.conftest import SmtpServer, World
from tutela.core import schedule
from tutela.core.models import OutboxMessage, ScheduledRun
from tutela.core.services.mail import mail_enqueue

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, schedule.Job]:
    """An empty registry for the test (the real one is put back afterwards)."""
    fresh: dict[str, schedule.Job] = {}
    monkeypatch.setattr(schedule, "registry", fresh)
    return fresh


def test_a_job_every_five_minutes_runs_once_per_interval(registry: dict[str, Any]) -> None:
    calls: list[str] = []

    @schedule.every("test.tick", minutes=5)
    def tick() -> None:
        calls.append("tick")

    assert schedule.run_due(at(10, 9, 0)) == ["test.tick"]
    # A second scheduler pass (or a second scheduler process) at the same moment: nothing.
    assert schedule.run_due(at(10, 9, 0)) == []
    assert schedule.run_due(at(10, 9, 4)) == []
    assert schedule.run_due(at(10, 9, 5)) == ["test.tick"]
    assert calls == ["tick", "tick"]
    run = ScheduledRun.objects.get(name="test.tick")
    assert run.last_started_at == at(10, 9, 5)
    assert run.last_status == ScheduledRun.Status.SUCCEEDED
    assert run.last_finished_at is not None


def test_a_daily_job_runs_once_a_day_after_its_time(registry: dict[str, Any]) -> None:
    calls: list[datetime.datetime] = []

    @schedule.daily("test.morning", at=datetime.time(6, 0))
    def morning() -> None:
        calls.append(timezone.now())

    # First start of the scheduler, after 06:00: the day's run has not happened, so it runs.
    assert schedule.run_due(at(10, 7)) == ["test.morning"]
    assert schedule.run_due(at(10, 23, 59)) == []
    assert schedule.run_due(at(11, 5, 59)) == []
    assert schedule.run_due(at(11, 6, 0)) == ["test.morning"]
    assert schedule.run_due(at(11, 6, 0)) == []
    # The scheduler was down for two days: one catch-up run, not two.
    assert schedule.run_due(at(13, 8)) == ["test.morning"]
    assert schedule.run_due(at(13, 9)) == []
    assert len(calls) == 3


def test_a_job_another_scheduler_started_is_not_run_again(registry: dict[str, Any]) -> None:
    calls: list[str] = []

    @schedule.every("test.tick", minutes=5)
    def tick() -> None:
        calls.append("tick")

    # Another process claimed this interval a moment ago (its UPDATE came first).
    ScheduledRun.objects.create(
        name="test.tick", last_started_at=at(10, 9, 0), last_status=ScheduledRun.Status.RUNNING
    )
    assert schedule.run_due(at(10, 9, 1)) == []
    assert calls == []
    # Two claims for the same moment: only the first one wins.
    job = registry["test.tick"]
    assert schedule._claim(job, at(10, 9, 6)) is True
    assert schedule._claim(job, at(10, 9, 6)) is False


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(
    registry: dict[str, Any],
) -> None:
    calls: list[str] = []

    @schedule.every("test.a_broken", minutes=5)
    def broken() -> None:
        raise RuntimeError("the SMTP relay is misconfigured")

    @schedule.every("test.b_fine", minutes=5)
    def fine() -> None:
        calls.append("fine")

    assert schedule.run_due(at(10, 9)) == ["test.a_broken", "test.b_fine"]
    assert calls == ["fine"]
    run = ScheduledRun.objects.get(name="test.a_broken")
    assert run.last_status == ScheduledRun.Status.FAILED
    assert "RuntimeError: the SMTP relay is misconfigured" in run.last_error
    assert ScheduledRun.objects.get(name="test.b_fine").last_status == "succeeded"
    # It is tried again at the next interval, and a success clears the error.
    registry["test.a_broken"] = schedule.Job(
        name="test.a_broken", function=fine, interval=datetime.timedelta(minutes=5)
    )
    assert "test.a_broken" in schedule.run_due(at(10, 9, 5))
    run.refresh_from_db()
    assert (run.last_status, run.last_error) == (ScheduledRun.Status.SUCCEEDED, "")


def test_two_jobs_cannot_share_a_name(registry: dict[str, Any]) -> None:
    @schedule.every("test.same", minutes=5)
    def one() -> None: ...

    with pytest.raises(ValueError, match="test.same"):

        @schedule.daily("test.same")
        def two() -> None: ...


def test_the_core_jobs_are_discovered() -> None:
    schedule.autodiscover()
    assert schedule.registry["core.outbox_send_due"].interval == datetime.timedelta(minutes=5)
    assert schedule.registry["core.digest_send"].at == datetime.time(6, 0)


def test_scheduler_once_runs_what_is_due_and_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    schedule.autodiscover()
    monkeypatch.setitem(
        schedule.registry,
        "test.tick",
        schedule.Job(
            name="test.tick",
            function=lambda: calls.append("tick"),
            interval=datetime.timedelta(minutes=5),
        ),
    )
    call_command("scheduler", once=True, verbosity=0)
    call_command("scheduler", once=True, verbosity=0)
    assert calls == ["tick"]
    assert set(ScheduledRun.objects.values_list("name", flat=True)) >= {
        "test.tick",
        "core.outbox_send_due",
        "core.digest_send",
    }


def test_the_outbox_job_sends_what_the_worker_could_not(
    smtp_server: SmtpServer, world: World
) -> None:
    # Queued without the worker (as if the task queue had been down).
    mail_enqueue(
        operation=world.operation,
        kind="coordination.alert",
        subject="Alerte",
        text="t",
        to_users=[world.partner],
        digestible=False,
    )
    schedule.autodiscover()
    schedule.registry["core.outbox_send_due"].function()
    assert smtp_server.recipients() == ["focal@amss.test"]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_the_digest_job_sends_the_digests(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.partner.email_mode = "digest"
    world.partner.save()
    mail_enqueue(
        operation=world.operation, kind="x", subject="Held", text="t", to_users=[world.partner]
    )
    schedule.autodiscover()
    with django_capture_on_commit_callbacks(execute=True):
        schedule.registry["core.digest_send"].function()
    [digest] = smtp_server.messages_to("focal@amss.test")
    assert "Held" in digest.get_body(preferencelist=("plain",)).get_content()
