"""The peer inbox's limit per client address (services/peer_inbox.py), through the real inbox view:
counted before the body is read, so that garbage, forged and oversized posts are refused 429 once
an address is over its allowance, before any parse or signature check; other addresses keep
theirs; X-Forwarded-For only when TUTELA_TRUSTED_PROXY_COUNT says our proxies write it; an IPv6
client by its /64; a new window lets the address in again."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tutela.cases import peer_packages
from tutela.cases.models import InboundReferral, PeerInboxAddressWindow
from tutela.cases.peer_packages import KeyPair
from tutela.cases.services import peer_inbox
from tutela.cases.services import peers as services
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.test_peers import INBOX, Remote, make_remote, referral_payload


@pytest.fixture(autouse=True)
def loopback_peers_allowed(settings: Any) -> Any:
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.TUTELA_PEER_INBOX_PER_ADDRESS_PER_MINUTE = 3
    settings.TUTELA_TRUSTED_PROXY_COUNT = 0
    return settings


@pytest.fixture
def remote(cw: CaseWorld) -> Remote:
    return make_remote(cw)


def _post(client: Any, body: bytes, address: str = "203.0.113.7", **extra: Any) -> Any:
    return client.post(
        INBOX, data=body, content_type="application/json", REMOTE_ADDR=address, **extra
    )


def _forged() -> bytes:
    stranger = KeyPair.generate()
    return peer_packages.seal(
        referral_payload(),
        keys=stranger,
        recipient=services.instance_public_keys()["encryption_key"],
        operation="mali",
    )


def _at_start_of_minute() -> Any:
    # The window starts on the minute: begin well inside one so that the posts share it.
    now = timezone.now()
    return time_machine.travel(now.replace(second=5, microsecond=0), tick=True)


def test_an_address_over_its_allowance_is_refused_before_anything_is_read(
    cw: CaseWorld, remote: Remote, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _at_start_of_minute():
        assert _post(client, b"not json").status_code == 400
        assert _post(client, _forged()).status_code == 403
        assert _post(client, remote.seal(referral_payload("REF-2026-000001"))).status_code == 200
        # Spy on the parse and the signature check (the real ones still run): over the limit,
        # neither is reached, whatever is posted.
        reached: list[str] = []
        read_header, verify = peer_packages.read_header, peer_packages.verify
        monkeypatch.setattr(
            peer_packages, "read_header", lambda body: reached.append("parse") or read_header(body)
        )
        monkeypatch.setattr(
            peer_packages,
            "verify",
            lambda *a, **k: reached.append("verify") or verify(*a, **k),
        )
        oversized = b"x" * (peer_packages.MAX_BYTES + 10)
        for body in (b"not json", _forged(), oversized, remote.seal(referral_payload("REF-9"))):
            answer = _post(client, body)
            assert answer.status_code == 429, answer.content
            assert answer.json()["code"] == "rate_limited"
            assert 1 <= int(answer["Retry-After"]) <= 60
        assert reached == []
        assert InboundReferral.objects.count() == 1
        row = PeerInboxAddressWindow.objects.get(address="203.0.113.7")
        assert row.count == 7  # the refused posts count too: a flood stays refused
        # Another address has its own allowance, and is parsed and verified as before.
        other = _post(client, remote.seal(referral_payload("REF-2026-000002")), "198.51.100.9")
        assert other.status_code == 200, other.content
        assert reached == ["parse", "verify"]


def test_the_next_minute_lets_the_address_in_again_and_old_windows_go(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    with _at_start_of_minute() as traveller:
        for _ in range(4):
            last = _post(client, b"{}")
        assert last.status_code == 429
        traveller.shift(datetime.timedelta(seconds=60))
        assert _post(client, remote.seal(referral_payload())).status_code == 200
        assert PeerInboxAddressWindow.objects.count() == 1  # the past window's row deleted


def test_x_forwarded_for_is_ignored_unless_our_proxies_write_it(
    db: None, client: Any, settings: Any
) -> None:
    with _at_start_of_minute():
        # Without a trusted proxy, a client cannot pick a fresh address per post.
        answers = [
            _post(client, b"{}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
            for n in range(1, 6)
        ]
        assert answers == [400, 400, 400, 429, 429]
        # Behind one proxy (REMOTE_ADDR is the proxy): the address the proxy appended counts, and
        # what the client wrote in front of it does not.
        settings.TUTELA_TRUSTED_PROXY_COUNT = 1
        proxy = "10.0.0.2"
        statuses = [
            _post(client, b"{}", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.1")
            for n in range(1, 5)
        ]
        assert [a.status_code for a in statuses] == [400, 400, 400, 429]
        assert _post(client, b"{}", proxy, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 400


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    meta = {"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}
    assert peer_inbox.client_address(meta) == "2001:db8:1:2::/64"
    assert peer_inbox.client_address({"REMOTE_ADDR": "2001:db8:1:2:ffff::9"}) == (
        "2001:db8:1:2::/64"
    )
    assert peer_inbox.client_address({"REMOTE_ADDR": "::ffff:203.0.113.5"}) == "203.0.113.5"
    assert peer_inbox.client_address({}) == "unknown"


def test_the_limit_counts_every_post_of_one_address_in_one_row(cw: CaseWorld) -> None:
    now = timezone.now().replace(second=30, microsecond=0)
    for _ in range(3):
        peer_inbox.inbox_address_count(address="203.0.113.7", now=now)
    with pytest.raises(peer_packages.PackageError) as refused:
        peer_inbox.inbox_address_count(address="203.0.113.7", now=now)
    assert refused.value.code == "rate_limited"
    assert refused.value.retry_after == 30
    assert json.dumps(list(PeerInboxAddressWindow.objects.values_list("count", flat=True))) == "[4]"
