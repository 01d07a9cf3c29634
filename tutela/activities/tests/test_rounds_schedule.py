"""Monthly reporting rounds opened by the scheduler N days before the month ends: the task run on
several dates opens each month's round once, with its deadline in the next month, audited; never
a second time, even when a manager has closed it since; not for operations that did not ask."""

from __future__ import annotations

import datetime

import pytest

from tutela.activities.models import ActivitySettings, ReportingRound
from tutela.activities.schedules import open_reporting_rounds
from tutela.activities.services.rounds import rounds_open_due
from tutela.conftest import World
from tutela.core import schedule
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(world: World) -> World:
    ActivitySettings.objects.create(
        operation=world.operation, rounds_open_days_before_end=5, rounds_deadline_day=10
    )
    return world


def rounds(world: World) -> list[tuple[str, str, str]]:
    return [
        (f"{r.month:%Y-%m}", r.deadline.isoformat(), r.status)
        for r in ReportingRound.objects.filter(operation=world.operation).order_by("month")
    ]


def test_the_round_opens_n_days_before_month_end_and_only_once(scheduled: World) -> None:
    # April has 30 days: 5 days before its end is the 25th.
    assert rounds_open_due(datetime.date(2026, 4, 24)) == 0
    assert rounds(scheduled) == []
    assert rounds_open_due(datetime.date(2026, 4, 25)) == 1
    assert rounds(scheduled) == [("2026-04", "2026-05-10", "open")]
    for day in (25, 26, 30):
        assert rounds_open_due(datetime.date(2026, 4, day)) == 0
    assert rounds(scheduled) == [("2026-04", "2026-05-10", "open")]
    # December: the deadline falls in January of the next year.
    assert rounds_open_due(datetime.date(2026, 12, 28)) == 1
    assert rounds(scheduled)[-1] == ("2026-12", "2027-01-10", "open")
    entries = AuditEntry.objects.filter(
        entity_type="activities.reportinground", action=AuditEntry.Action.CREATE
    )
    assert entries.count() == 2
    assert all(entry.actor is None for entry in entries)


def test_a_round_closed_by_a_manager_is_not_opened_again(scheduled: World) -> None:
    assert rounds_open_due(datetime.date(2026, 2, 27)) == 1
    ReportingRound.objects.filter(operation=scheduled.operation).update(
        status=ReportingRound.Status.CLOSED
    )
    assert rounds_open_due(datetime.date(2026, 2, 28)) == 0
    assert rounds(scheduled) == [("2026-02", "2026-03-10", "closed")]


def test_operations_without_the_setting_open_nothing(world: World) -> None:
    ActivitySettings.objects.create(operation=world.operation)
    assert rounds_open_due(datetime.date(2026, 4, 30)) == 0
    assert not ReportingRound.objects.exists()


def test_the_scheduler_knows_the_job(scheduled: World) -> None:
    schedule.autodiscover()
    job = schedule.registry["activities.rounds_open"]
    assert job.function is open_reporting_rounds
    assert job.at == datetime.time(4, 50)
