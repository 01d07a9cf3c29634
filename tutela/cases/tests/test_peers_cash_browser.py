"""In headless Chromium, in French: the coordinator registers another Tutela on the peers page (an
address on the metadata service refused with the reason, a public one accepted); DRC's
caseworker accepts a referral received from that Tutela and opens DRC's own case from it; the
caseworker changes an unpaid cash instalment on the cash page and finds it locked once paid.

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from tutela.cases.models import Case, InboundReferral, Peer
from tutela.cases.peer_packages import KeyPair
from tutela.cases.services import cash as cash_services
from tutela.cases.services import peers as services
from tutela.cases.tests import cash_fixtures
from tutela.cases.tests.cash_fixtures import cash_case, cash_for
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.test_peers import make_remote, referral_payload
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

basket = cash_fixtures.basket


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def message(page: Any, text: str) -> None:
    page.locator(".messages").get_by_text(text).first.wait_for()


def click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def test_peers_pages_in_french(
    browser_page: Any, live_server: Any, cw: CaseWorld, settings: Any
) -> None:
    settings.TUTELA_PEER_ALLOWED_HOSTS = []
    for user in (cw.world.coordinator, cw.drc_caseworker):
        user.language = "fr"
        user.save()
    page = browser_page
    signed_in(page, live_server, cw.world.coordinator)
    page.goto("/o/mali/cases/peers/")
    assert services.instance_public_keys()["signing_key"] in page.inner_text("main")
    keys = KeyPair.generate()

    def fill(address: str) -> None:
        page.fill("#id_name", "Tutela Herat")
        page.fill("#id_base_url", address)
        page.fill("#id_remote_operation", "herat")
        page.fill("#id_signing_key", keys.signing_public)
        page.fill("#id_encryption_key", keys.encryption_public)
        click_and_wait(page, page.get_by_role("button", name=_fr("Register")))

    fill("http://169.254.169.254")
    refusal = _fr("This Tutela does not send to this address: %(why)s").split("%(why)s")[0]
    assert refusal.strip() in page.inner_text("main")
    assert "169.254.169.254" in page.inner_text("main")
    assert not Peer.objects.exists()
    fill("https://tutela.example.org")
    message(page, _fr("Peer registered."))
    assert "Tutela Herat" in page.inner_text("main")
    assert page.js_errors == []

    # A referral arrives from another Tutela for DRC: accepted, then DRC's own case opened.
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]
    remote = make_remote(cw)
    services.package_receive(body=remote.seal(referral_payload()))
    inbound = InboundReferral.objects.get()
    signed_in(page, live_server, cw.drc_caseworker)
    page.goto(f"/o/mali/cases/inbound-referrals/{inbound.pk}/")
    assert "Sadiqi" in page.inner_text("#shared")
    click_and_wait(page, page.get_by_role("button", name=_fr("Accept the referral")))
    message(page, _fr("Referral accepted; the answer is on its way."))
    click_and_wait(page, page.locator("#open-case"))
    page.fill("#id_area", "ML0501")
    click_and_wait(page, page.get_by_role("button", name=_fr("Open the case")))
    case = Case.objects.get()
    message(page, _fr("Case %(code)s opened.") % {"code": case.code})
    assert "Fatima Sadiqi" in page.inner_text("main")
    page.goto(f"/o/mali/cases/inbound-referrals/{inbound.pk}/")
    assert page.locator("#own-case a").get_attribute("href") == (f"/o/mali/cases/{case.pk}/")
    assert page.js_errors == []


def test_cash_instalment_changed_then_locked_in_french(
    browser_page: Any, live_server: Any, cw: CaseWorld, basket: Any
) -> None:
    cw.caseworker.language = "fr"
    cw.caseworker.save()
    item = cash_for(cw, cash_case(cw))
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=True)
    first = item.instalments.get(number=1)
    page = browser_page
    signed_in(page, live_server, cw.caseworker)
    page.goto(f"/o/mali/cases/cash/{item.pk}/")
    click_and_wait(page, page.locator("a.instalment-edit").first)
    day = timezone.localdate() + datetime.timedelta(days=5)
    page.fill("#id_due_on", day.isoformat())
    page.fill("#id_amount", str(item.amount * 2))
    click_and_wait(page, page.get_by_role("button", name=_fr("Save")))
    assert str(item.amount) in page.inner_text("main")  # the approved total, in the refusal
    page.fill("#id_amount", str(first.amount - Decimal("1000")))
    click_and_wait(page, page.get_by_role("button", name=_fr("Save")))
    message(page, _fr("Instalment changed."))
    first.refresh_from_db()
    assert (first.due_on, first.amount) == (day, item.amount / 2 - Decimal("1000"))
    assert day.isoformat() in page.inner_text("main")
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    page.goto(f"/o/mali/cases/cash/{item.pk}/")
    assert page.locator("a.instalment-edit").count() == 1  # the second one only
    page.goto(f"/o/mali/cases/cash/{item.pk}/instalments/1/edit/")
    message(page, _fr("A paid or cancelled instalment cannot be changed."))
    assert page.js_errors == []
