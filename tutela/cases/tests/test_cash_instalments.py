"""Cash instalments after approval (issue 15, "Cash for protection"): an unpaid instalment's due
date and amount can be changed (never above what was approved; audited), a paid one is locked;
the instalments due are the caseworker's tasks (the tasks page) and the scheduler's daily reminder
e-mails them to a real SMTP server on loopback, by code only."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tutela.cases.models import CashAssistance
from tutela.cases.selectors.tasks import tasks_due_soon, tasks_for_user
from tutela.cases.services import cash as cash_services
from tutela.cases.tests import cash_fixtures
from tutela.cases.tests.cash_fixtures import cash_case, cash_for
from tutela.cases.tests.conftest import CaseWorld
from tutela.conftest import client_for
from tutela.core import schedule
from tutela.core.models import AuditEntry

basket = cash_fixtures.basket
TODAY = timezone.localdate


def approved(cw: CaseWorld) -> CashAssistance:
    item = cash_for(cw, cash_case(cw))
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    return cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=True)


def test_an_unpaid_instalment_changes_and_a_paid_one_is_locked(cw: CaseWorld, basket: Any) -> None:
    item = approved(cw)
    first, second = item.instalments.order_by("number")
    half = item.amount / 2
    assert first.amount == half
    new_day = TODAY() + datetime.timedelta(days=3)
    # More than the approved total: refused (the second person approved that amount).
    with pytest.raises(ValidationError) as too_much:
        cash_services.instalment_edit(
            instalment=first, by=cw.caseworker, due_on=new_day, amount=half + 1
        )
    assert "amount" in too_much.value.message_dict
    with pytest.raises(ValidationError):
        cash_services.instalment_edit(
            instalment=first,
            by=cw.caseworker,
            due_on=TODAY() - datetime.timedelta(days=400),
            amount=half,
        )
    with pytest.raises(PermissionDenied):  # another organisation's caseworker
        cash_services.instalment_edit(
            instalment=first, by=cw.drc_caseworker, due_on=new_day, amount=half
        )
    changed = cash_services.instalment_edit(
        instalment=first, by=cw.caseworker, due_on=new_day, amount=half - Decimal("500")
    )
    assert (changed.due_on, changed.amount) == (new_day, half - Decimal("500"))
    entry = AuditEntry.objects.filter(
        entity_type="cases.cashinstalment", entity_id=str(first.pk), action="update"
    ).latest("pk")
    assert entry.actor == cw.caseworker
    assert entry.before["amount"] != entry.after["amount"]
    # Paid: locked, whatever the change.
    cash_services.instalment_status_set(instalment=changed, by=cw.caseworker, status="paid")
    changed.refresh_from_db()
    with pytest.raises(ValidationError):
        cash_services.instalment_edit(
            instalment=changed, by=cw.caseworker, due_on=new_day, amount=changed.amount
        )
    changed.refresh_from_db()
    assert changed.amount == half - Decimal("500")
    # The other one still changes (up to what is left of the approved amount).
    cash_services.instalment_edit(
        instalment=second, by=cw.caseworker, due_on=second.due_on, amount=half + Decimal("500")
    )


def test_the_edit_page_changes_an_unpaid_instalment_and_refuses_a_paid_one(
    cw: CaseWorld, basket: Any
) -> None:
    item = approved(cw)
    first = item.instalments.get(number=1)
    page = f"/o/mali/cases/cash/{item.pk}/instalments/1/edit/"
    caseworker = client_for(cw.caseworker)
    detail = caseworker.get(f"/o/mali/cases/cash/{item.pk}/").content.decode()
    assert page in detail
    assert client_for(cw.drc_caseworker).get(page).status_code == 404
    assert caseworker.get(page).status_code == 200
    refused = caseworker.post(page, {"due_on": str(first.due_on), "amount": "99999999"})
    assert refused.status_code == 400
    assert "more than" in refused.content.decode()
    saved = caseworker.post(page, {"due_on": str(TODAY()), "amount": str(first.amount - 1000)})
    assert saved.status_code == 302
    first.refresh_from_db()
    assert first.due_on == TODAY()
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    assert caseworker.get(page).status_code == 302  # back to the record, with a message
    assert page not in caseworker.get(f"/o/mali/cases/cash/{item.pk}/").content.decode()


def test_the_api_changes_an_unpaid_instalment_and_refuses_a_paid_one(
    cw: CaseWorld, basket: Any
) -> None:
    item = approved(cw)
    first = item.instalments.get(number=1)
    url = f"/api/v1/operations/mali/cases/cash/{item.pk}/instalments/1/"
    api = client_for(cw.caseworker)
    day = str(TODAY() + datetime.timedelta(days=9))
    body = {"due_on": day, "amount": str(first.amount - 1)}
    assert client_for(cw.drc_caseworker).put(url, body, "application/json").status_code == 404
    changed = api.put(url, body, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["due_on"] == day
    too_much = api.put(url, {**body, "amount": str(item.amount)}, content_type="application/json")
    assert too_much.status_code == 400
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    assert api.put(url, body, content_type="application/json").status_code == 400


def test_instalments_due_are_the_caseworkers_tasks(cw: CaseWorld, basket: Any) -> None:
    item = approved(cw)
    first, second = item.instalments.order_by("number")
    cash_services.instalment_edit(
        instalment=first, by=cw.caseworker, due_on=TODAY(), amount=first.amount
    )
    soon = [t for t in tasks_due_soon(cw.caseworker, cw.operation) if t.kind == "cash_instalment"]
    assert [(t.due, t.cash_id) for t in soon] == [(TODAY(), item.pk)]
    assert item.code in str(soon[0].label)
    every = [t for t in tasks_for_user(cw.caseworker, cw.operation) if t.kind == "cash_instalment"]
    assert len(every) == 2
    # Not the task of someone who does not own the case.
    assert not [
        t for t in tasks_for_user(cw.caseworker2, cw.operation) if t.kind == "cash_instalment"
    ]
    page = client_for(cw.caseworker).get("/o/mali/cases/tasks/").content.decode()
    assert f"/o/mali/cases/cash/{item.pk}/" in page
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    assert not [
        t for t in tasks_due_soon(cw.caseworker, cw.operation) if t.kind == "cash_instalment"
    ]


@pytest.mark.smtp
def test_the_scheduler_emails_the_instalments_due(
    cw: CaseWorld, basket: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    schedule.autodiscover()
    item = approved(cw)
    first = item.instalments.get(number=1)
    tomorrow = TODAY() + datetime.timedelta(days=1)
    cash_services.instalment_edit(
        instalment=first, by=cw.caseworker, due_on=tomorrow, amount=first.amount
    )
    smtp_server.envelopes.clear()
    morning = timezone.now().replace(hour=5, minute=31) + datetime.timedelta(days=1)
    with (
        time_machine.travel(morning, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ran = schedule.run_due()
    assert "cases.task_reminders" in ran
    (reminder,) = smtp_server.messages_to("case@amss.test")
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    assert item.code in text
    assert "Aïcha" not in text
    assert "Traoré" not in text
