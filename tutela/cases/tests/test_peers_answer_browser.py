"""In headless Chromium, in French: the coordinator revokes another Tutela on the peers page (its
packages refused from then on); DRC's caseworker sees a referral received from another Tutela
past its deadline (the notice, with how late), and declines it with a reason (the answer queued
for the other Tutela, the notice gone).

The `browser_page` fixture fails the test on any JavaScript error or Content-Security-Policy
violation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext

from tutela.cases.models import InboundReferral, Peer, PeerMessage
from tutela.cases.peer_packages import PackageError
from tutela.cases.services import peers as services
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.test_peers import make_remote, referral_payload
from tutela.cases.tests.test_peers_cash_browser import _fr, click_and_wait, message
from tutela.conftest import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def loopback_peers_allowed(settings: Any) -> None:
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]


def test_the_coordinator_revokes_a_peer_in_french(
    browser_page: Any, live_server: Any, cw: CaseWorld
) -> None:
    cw.world.coordinator.language = "fr"
    cw.world.coordinator.save()
    remote = make_remote(cw)
    page = browser_page
    signed_in(page, live_server, cw.world.coordinator)
    page.goto("/o/mali/cases/peers/")
    row = page.locator("tr", has_text="Tutela Herat")
    click_and_wait(page, row.get_by_role("button", name=_fr("Revoke")))
    message(page, _fr("Peer revoked: its packages are refused from now on."))
    assert _fr("Revoked") in page.locator("tr", has_text="Tutela Herat").inner_text()
    assert page.locator("tr", has_text="Tutela Herat").get_by_role("button").count() == 0
    peer = Peer.objects.get()
    assert peer.status == Peer.Status.REVOKED
    assert peer.revoked_at is not None
    with pytest.raises(PackageError) as refused:
        services.package_receive(body=remote.seal(referral_payload()))
    assert refused.value.code == "unknown_peer"
    assert page.js_errors == []


def test_a_late_inbound_referral_is_declined_with_a_reason_in_french(
    browser_page: Any, live_server: Any, cw: CaseWorld
) -> None:
    cw.drc_caseworker.language = "fr"
    cw.drc_caseworker.save()
    remote = make_remote(cw)
    now = timezone.now()
    payload = referral_payload(
        sent_at=(now - datetime.timedelta(hours=30)).isoformat(),
        respond_by=(now - datetime.timedelta(hours=6, minutes=10)).isoformat(),
    )
    services.package_receive(body=remote.seal(payload))
    inbound = InboundReferral.objects.get()
    page = browser_page
    signed_in(page, live_server, cw.drc_caseworker)
    page.goto("/o/mali/cases/list/")
    notice = page.locator("#late-inbound")
    with translation.override("fr"):
        late = ngettext("%(h)s hour late", "%(h)s hours late", 6) % {"h": 6}
        headline = ngettext(
            "A referral received from another Tutela is past its response deadline.",
            "%(n)s referrals received from other Tutela instances are past their response "
            "deadline.",
            1,
        )
    assert headline in notice.inner_text()
    assert f"{inbound.code}: {late}" in notice.inner_text()
    click_and_wait(page, notice.get_by_role("link", name=inbound.code))
    page.fill("#id_reason", "Plus de place dans le centre d'hébergement ce mois-ci.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Decline"), exact=True))
    message(page, _fr("Referral declined; the answer is on its way."))
    assert "Plus de place dans le centre" in page.inner_text("main")
    inbound.refresh_from_db()
    assert inbound.status == InboundReferral.Status.DECLINED
    assert inbound.decline_reason == "Plus de place dans le centre d'hébergement ce mois-ci."
    assert PeerMessage.objects.filter(inbound=inbound, kind=PeerMessage.Kind.ANSWER).exists()
    assert page.locator("#late-inbound").count() == 0
    assert page.js_errors == []
