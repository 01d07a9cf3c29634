"""Task reminders and referral escalations go out through the outbox to a real SMTP server on
loopback, run by the scheduler; they name cases by code only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tutela.cases.models import ServiceType
from tutela.cases.services import referrals, workflow
from tutela.cases.tests.conftest import CaseWorld, consent, register
from tutela.core import schedule

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


def test_the_scheduler_sends_reminders_and_escalations(
    cw: CaseWorld, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    schedule.autodiscover()
    assert {"cases.referral_escalation", "cases.task_reminders", "cases.retention"} <= set(
        schedule.registry
    )
    case = register(cw)
    consent(cw, case)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.follow_up_schedule(case=case, by=cw.caseworker, due_on=today, kind="phone")
        referral = referrals.referral_send(
            case=case,
            by=cw.caseworker,
            to_organisation=cw.world.drc,
            priority="emergency",
            reason="Abri d'urgence",
            fields=["names"],
            services_requested=[ServiceType.objects.get(operation=cw.operation, code="shelter")],
        )
    assert smtp_server.recipients() == ["sup@drc.test"]
    smtp_server.envelopes.clear()

    later = timezone.now() + datetime.timedelta(hours=25)
    later = later.replace(hour=6, minute=0)
    if later < referral.respond_by:
        later += datetime.timedelta(days=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        ran = schedule.run_due()
    assert {"cases.referral_escalation", "cases.task_reminders"} <= set(ran)
    recipients = smtp_server.recipients()
    assert recipients.count("sup@amss.test") == 1  # escalation
    assert "sup@drc.test" in recipients  # escalation to the receiving side
    assert "case@amss.test" in recipients  # the caseworker's reminder
    (reminder,) = [m for m in smtp_server.messages_to("case@amss.test")]
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    assert case.code in text
    assert "/o/mali/cases/tasks/" in text
    for message in smtp_server.messages():
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Aïcha" not in body
        assert "Traoré" not in body
        assert "76 12 34 56" not in body
    escalation = smtp_server.messages_to("sup@amss.test")[0]
    assert referral.code in escalation["Subject"]
