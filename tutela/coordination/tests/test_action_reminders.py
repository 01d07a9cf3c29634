"""Action point reminders, sent by the daily job through a real SMTP server on loopback: one
before the due date, one the day after, then weekly while the point stays open; never twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from tutela.conftest import SmtpServer, World
from tutela.coordination.models import ActionPoint, ActionPointEvent
from tutela.coordination.schedules import send_action_point_reminders
from tutela.coordination.services.actions import (
    action_point_set_status,
    action_point_update,
)
from tutela.coordination.tests.action_fixtures import contact, make_action_point
from tutela.core import schedule
from tutela.core.models import OutboxMessage, User

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

DUE = datetime.date(2026, 3, 10)


def run_job_on(day: datetime.date, capture: Any) -> None:
    """Run the registered daily job at 05:00 UTC on `day`."""
    moment = datetime.datetime.combine(day, datetime.time(5, 0), tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=True), capture(execute=True):
        send_action_point_reminders()


def received(smtp: SmtpServer) -> list[tuple[list[str], str, str]]:
    result = []
    for envelope, message in zip(smtp.envelopes, smtp.messages(), strict=True):
        body = message.get_body(preferencelist=("plain",))
        result.append((sorted(envelope.rcpt_tos), str(message["Subject"]), body.get_content()))
    return result


def test_job_is_registered_daily() -> None:
    job = schedule.registry["coordination.action_point_reminders"]
    assert job.at == datetime.time(5, 0)
    assert job.function is send_action_point_reminders


def test_reminders_before_and_after_the_due_date_each_sent_once(
    world: World, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)):
        point = make_action_point(world, owner=world.partner, due_date=DUE)

    # Four days before: too early.
    run_job_on(datetime.date(2026, 3, 6), django_capture_on_commit_callbacks)
    assert received(smtp_server) == []

    # Three days before: one reminder to the owner.
    run_job_on(datetime.date(2026, 3, 7), django_capture_on_commit_callbacks)
    [(to, subject, text)] = received(smtp_server)
    assert to == ["focal@amss.test"]
    assert "2026-03-10" in subject
    assert "Share the list of IDP sites in Bandiagara" in text
    assert f"/o/mali/coordination/action-points/{point.pk}/" in text
    point.refresh_from_db()
    assert point.reminded_before_at is not None

    # The job running again, and on the due date itself, sends nothing more.
    run_job_on(datetime.date(2026, 3, 7), django_capture_on_commit_callbacks)
    run_job_on(DUE, django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 1

    # The day after: overdue.
    run_job_on(datetime.date(2026, 3, 11), django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 2
    to, subject, text = received(smtp_server)[1]
    assert to == ["focal@amss.test"]
    assert "2026-03-10" in text
    # Not again the next days...
    run_job_on(datetime.date(2026, 3, 12), django_capture_on_commit_callbacks)
    run_job_on(datetime.date(2026, 3, 17), django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 2
    # ...but a week later, while it is still open.
    run_job_on(datetime.date(2026, 3, 18), django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 3

    # Done: no more reminders.
    action_point_set_status(action_point=point, by=world.partner, status="done")
    run_job_on(datetime.date(2026, 3, 25), django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 3

    reminders = point.events.filter(kind=ActionPointEvent.Kind.REMINDER)
    assert [e.changes["kind"] for e in reminders] == ["before", "after", "after"]
    assert all(e.changes["to"] == ["focal@amss.test"] for e in reminders)
    assert OutboxMessage.objects.filter(kind="action_point_reminder", status="sent").count() == 3


def test_organisation_owned_point_reminds_its_contacts(
    world: World, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    contact(world, world.amss, "coord@amss.test", world.cluster)
    contact(world, world.amss, "field@amss.test")
    contact(world, world.drc, "pm@drc.test", world.cluster)
    make_action_point(world, owner_organisation=world.amss, due_date=DUE)
    run_job_on(datetime.date(2026, 3, 9), django_capture_on_commit_callbacks)
    # The AMSS contact attending the cluster (the body following the point up).
    assert [to for to, _s, _t in received(smtp_server)] == [["coord@amss.test"]]


def test_digest_owner_gets_the_reminder_in_the_digest(
    world: World, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=world.partner.pk).update(email_mode="digest")
    make_action_point(world, owner=User.objects.get(pk=world.partner.pk), due_date=DUE)
    run_job_on(datetime.date(2026, 3, 8), django_capture_on_commit_callbacks)
    assert received(smtp_server) == []
    message = OutboxMessage.objects.get(kind="action_point_reminder")
    assert message.status == "held_for_digest"


def test_changing_the_due_date_rearms_the_reminders(
    world: World, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    point = make_action_point(world, owner=world.partner, due_date=DUE)
    run_job_on(datetime.date(2026, 3, 8), django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 1
    point.refresh_from_db()
    action_point_update(
        action_point=point, by=world.coordinator, due_date=datetime.date(2026, 3, 20)
    )
    run_job_on(datetime.date(2026, 3, 17), django_capture_on_commit_callbacks)
    assert len(received(smtp_server)) == 2
    assert "2026-03-20" in received(smtp_server)[1][1]


def test_points_without_due_date_or_owner_are_not_reminded(
    world: World, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    make_action_point(world, due_date=None)
    no_owner = make_action_point(world, owner_organisation=None, due_date=DUE)
    make_action_point(world, owner_organisation=world.drc, due_date=DUE)  # DRC has no contact
    run_job_on(datetime.date(2026, 3, 9), django_capture_on_commit_callbacks)
    assert received(smtp_server) == []
    assert not ActionPoint.objects.filter(reminded_before_at__isnull=False).exists()
    assert not no_owner.events.filter(kind="reminder").exists()
