"""The in-app notice of referrals received from another Tutela that are past their deadline: the
receiving organisation's case staff see them on every case page (code, how late) and on their home
page (count and delay only, no code), for as long as they stay unanswered — escalated by e-mail
or not; nobody else sees them; the e-mail escalation keeps the same rule."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tutela.cases.models import InboundReferral
from tutela.cases.selectors.inbound import inbound_referrals_late_for_user, late_label
from tutela.cases.services import peers as services
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.test_home import _home, _panel
from tutela.cases.tests.test_peers import Remote, make_remote, post, referral_payload
from tutela.conftest import client_for

LIST = "/o/mali/cases/list/"
INBOUND = "/o/mali/cases/inbound-referrals/"


@pytest.fixture(autouse=True)
def loopback_peers_allowed(settings: Any) -> None:
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def remote(cw: CaseWorld) -> Remote:
    return make_remote(cw)


def _received(client: Any, remote: Remote, code: str, priority: str = "emergency") -> Any:
    # The deadline the sender set from the priority (emergency 24 h, normal two weeks).
    hours = {"emergency": 24, "normal": 24 * 14}[priority]
    respond_by = (timezone.now() + datetime.timedelta(hours=hours)).isoformat()
    payload = referral_payload(code, priority=priority, respond_by=respond_by)
    answer = post(client, remote.seal(payload))
    assert answer.status_code == 200, answer.content
    return InboundReferral.objects.get(code=code)


def _page(user: Any, url: str = LIST) -> str:
    response = client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_receiving_staff_see_late_inbound_referrals_on_the_case_pages(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    late = _received(client, remote, "REF-2026-000001")
    on_time = _received(client, remote, "REF-2026-000002", priority="normal")
    assert 'id="late-inbound"' not in _page(cw.drc_caseworker)  # nothing late yet
    with time_machine.travel(late.respond_by + datetime.timedelta(days=2, hours=3, minutes=10)):
        for user in (cw.drc_caseworker, cw.drc_supervisor):
            page = _page(user)
            assert 'id="late-inbound"' in page
            notice = page[page.find('id="late-inbound"') :]
            notice = notice[: notice.find("</div>")]
            assert late.code in notice
            assert "2 days 3 hours late" in notice
            assert on_time.code not in notice  # two weeks for a normal referral
            assert f"{INBOUND}{late.pk}/" in notice
        # The list of received referrals marks the late one with its delay.
        rows = _page(cw.drc_caseworker, INBOUND)
        assert rows.count("2 days 3 hours late") == 2  # the notice and its row
        # Escalated by e-mail: still shown while it waits for an answer.
        assert services.inbound_referrals_escalate() == [late]
        assert late.code in _page(cw.drc_caseworker)
        # Not the sending side's staff, nor another organisation's: nothing to answer there.
        assert 'id="late-inbound"' not in _page(cw.caseworker)
        assert 'id="late-inbound"' not in _page(cw.supervisor)
        # Answered: gone.
        services.inbound_referral_decline(
            inbound=late, by=cw.drc_supervisor, reason="No shelter space left"
        )
        assert 'id="late-inbound"' not in _page(cw.drc_caseworker)


def test_the_receiving_staff_home_counts_late_inbound_referrals_without_codes(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    first = _received(client, remote, "REF-2026-000001")
    _received(client, remote, "REF-2026-000002")
    assert "past their deadline" not in _panel(_home(cw.drc_caseworker), "cases-referrals")
    with time_machine.travel(first.respond_by + datetime.timedelta(hours=5, minutes=1)):
        page = _home(cw.drc_caseworker)
        panel = _panel(page, "cases-referrals")
        assert "Received from other Tutela instances, past their deadline: 2" in panel
        assert "the oldest 5 hours late" in panel
        assert INBOUND in panel
        assert first.code not in page
        assert "past their deadline" not in _panel(_home(cw.caseworker), "cases-referrals")


def test_the_notice_and_the_escalation_share_one_rule(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    inbound = _received(client, remote, "REF-2026-000001")
    before = inbound.respond_by - datetime.timedelta(seconds=1)
    after = inbound.respond_by + datetime.timedelta(seconds=1)
    for now, expected in ((before, []), (after, [inbound])):
        shown = [
            i.inbound
            for i in inbound_referrals_late_for_user(cw.drc_caseworker, cw.operation, now=now)
        ]
        assert shown == expected
        assert list(services.inbound_referrals_overdue(now)) == expected
    services.inbound_referral_accept(inbound=inbound, by=cw.drc_supervisor)
    assert inbound_referrals_late_for_user(cw.drc_caseworker, cw.operation, now=after) == []
    assert list(services.inbound_referrals_overdue(after)) == []


def test_how_late_reads_in_days_and_hours() -> None:
    hours = datetime.timedelta(hours=1)
    assert late_label(datetime.timedelta(minutes=3)) == "1 hour late"
    assert late_label(5 * hours) == "5 hours late"
    assert late_label(24 * hours) == "1 day late"
    assert late_label(49 * hours) == "2 days 1 hour late"
