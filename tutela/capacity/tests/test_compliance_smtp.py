"""Reminders before a 5W deadline go out through the outbox to a real SMTP server on loopback,
run by the scheduler: to the organisations that have not handed in (nothing, or a draft), not
to those that have, once per round."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from tutela.activities.models import ReportingRound
from tutela.activities.services.submissions import submission_submit
from tutela.activities.tests.reporting_fixtures import (
    FiveW,
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.capacity.models import ReportingReminder
from tutela.core import schedule
from tutela.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


def test_the_scheduler_reminds_those_who_have_not_reported_once(
    fivew: FiveW, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = fivew.world
    schedule.autodiscover()
    assert "capacity.reporting_reminders" in schedule.registry
    march: ReportingRound = fivew.round  # deadline 10 April 2026
    with time_machine.travel(datetime.datetime(2026, 4, 6, 10, 0, tzinfo=datetime.UTC)):
        save_rows(world.partner, world.amss, line())
        submission_submit(by=world.partner, round=march, organisation=world.amss)
    # Four days before the deadline: too early. Three days before: reminders go out.
    for day, expected in ((6, False), (7, True)):
        moment = datetime.datetime(2026, 4, day, 5, 30, tzinfo=datetime.UTC)
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            ran = schedule.run_due()
        assert "capacity.reporting_reminders" in ran
        assert bool(smtp_server.recipients()) is expected
    recipients = set(smtp_server.recipients())
    # OTHER's partner, UNHCR's coordinator and IMO (UNHCR reports too); nobody of AMSS, which
    # handed in; DRC has no user with a role and no contact: nobody to write to.
    assert recipients == {"focal@other.test", "coord@unhcr.test", "imo@unhcr.test"}
    (message,) = smtp_server.messages_to("focal@other.test")
    text = message.get_body(preferencelist=("plain",)).get_content()
    # The operation's language is French.
    assert "OTHER n'a pas encore remis son rapport 5W de 2026-03" in text
    assert "/o/mali/5w/2026-03/" in text
    assert message["Subject"] == "Rapport 5W de 2026-03 attendu le 2026-04-10"
    assert set(ReportingReminder.objects.values_list("organisation__acronym", flat=True)) == {
        "OTHER",
        "UNHCR",
    }
    entry = AuditEntry.objects.filter(entity_type="capacity.reportingreminder").latest("pk")
    assert entry.after["organisations"] == 2
    smtp_server.envelopes.clear()
    # The next day: nobody is reminded twice.
    with (
        time_machine.travel(datetime.datetime(2026, 4, 8, 5, 30, tzinfo=datetime.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        schedule.run_due()
    assert smtp_server.recipients() == []


def test_the_reminder_lead_time_is_set_per_operation(
    fivew: FiveW, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 17: an operation reminds a week ahead instead of the default three days; the IMO
    sets it on the compliance dashboard (audited)."""
    from tutela.conftest import client_for

    world = fivew.world
    schedule.autodiscover()
    response = client_for(world.imo).post(
        "/o/mali/capacity/compliance/reminders/", {"reminder_days": "7"}
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(entity_type="capacity.compliancesettings").count() == 1
    dashboard = client_for(world.imo).get("/o/mali/capacity/compliance/").content.decode()
    assert 'name="reminder_days" value="7"' in dashboard
    # Eight days before the 10 April deadline: too early. Seven days before: reminders go out.
    for day, expected in ((2, False), (3, True)):
        moment = datetime.datetime(2026, 4, day, 5, 30, tzinfo=datetime.UTC)
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            schedule.run_due()
        assert bool(smtp_server.recipients()) is expected
    assert "focal@other.test" in smtp_server.recipients()


@pytest.mark.parametrize(
    ("persona", "value", "status"),
    [("partner", "7", 403), ("viewer", "7", 403), ("imo", "31", 302), ("imo", "-1", 302)],
)
def test_only_managers_set_a_valid_lead_time(
    fivew: FiveW, persona: str, value: str, status: int
) -> None:
    from tutela.capacity.models import ComplianceSettings
    from tutela.capacity.services.compliance import REMINDER_DAYS, reminder_days
    from tutela.conftest import client_for

    world = fivew.world
    response = client_for(getattr(world, persona)).post(
        "/o/mali/capacity/compliance/reminders/", {"reminder_days": value}
    )
    assert response.status_code == status
    assert not ComplianceSettings.objects.exists()
    assert reminder_days(world.operation) == REMINDER_DAYS
