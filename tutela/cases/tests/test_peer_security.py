"""Referrals between Tutela instances, what was missing (issue 15): the SSRF filter on a peer's
address (refused before registration and again before each delivery, after DNS resolution, unless
TUTELA_PEER_ALLOWED_HOSTS lists the host; redirects not followed), the inbox's rate limit per peer
key (429 with Retry-After), a withdrawal (of the referral or of its consent) told to the peer and
applied there, the receiver's own case opened from an inbound referral, and the receiver's
escalation of one left unanswered.

Real sockets on loopback stand for the other Tutela where a connection matters (a listener that
must receive nothing; a small HTTP server that answers); test_peers_stack.py runs two servers."""

from __future__ import annotations

import datetime
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tutela.cases import peer_http
from tutela.cases.models import Case, InboundReferral, Peer, PeerMessage
from tutela.cases.peer_packages import KeyPair
from tutela.cases.services import consent as consent_services
from tutela.cases.services import peers as services
from tutela.cases.services import referrals as referral_services
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.test_peers import (
    Remote,
    closed_port,
    make_remote,
    post,
    referral_payload,
    refused,
    send_to_remote,
)
from tutela.conftest import client_for
from tutela.core.models import AdminArea, AuditEntry, OutboxMessage

NOT_PUBLIC = [
    "http://127.0.0.1:8000",
    "http://localhost:8000",
    "http://[::1]:8000",
    "http://169.254.169.254",  # the cloud's metadata service
    "http://[fd00:ec2::254]",  # its IPv6 address
    "http://10.1.2.3",
    "http://172.16.0.5",
    "http://192.168.1.20",
    "http://100.64.0.1",  # carrier-grade NAT
    "http://0.0.0.0:8000",
    "http://[::ffff:127.0.0.1]:8000",  # IPv4 loopback inside IPv6
    "http://224.0.0.1",
]


@pytest.fixture(autouse=True)
def allow_loopback(settings: Any) -> Any:
    """The other Tutela of these tests is on 127.0.0.1, allowed through the setting (the tests of
    the filter itself empty it first)."""
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]
    return settings


@pytest.fixture
def remote(cw: CaseWorld) -> Remote:
    return make_remote(cw)


def register(cw: CaseWorld, base_url: str) -> Any:
    keys = KeyPair.generate()
    return services.peer_register(
        operation=cw.operation,
        by=cw.world.coordinator,
        name="Tutela elsewhere",
        base_url=base_url,
        remote_operation="herat",
        signing_key=keys.signing_public,
        encryption_key=keys.encryption_public,
    )


# --- SSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_peer_address_that_is_not_public_is_refused(
    cw: CaseWorld, settings: Any, url: str
) -> None:
    settings.TUTELA_PEER_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as refusal:
        register(cw, url)
    assert "base_url" in refusal.value.message_dict
    assert "not a public address" in refusal.value.message_dict["base_url"][0]


def test_a_public_address_and_an_allowed_host_are_accepted(cw: CaseWorld, settings: Any) -> None:
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]
    assert register(cw, "https://203.0.113.0.nip.invalid").pk  # does not resolve yet: later
    assert register(cw, "http://127.0.0.1:8000").pk
    assert peer_http.resolve("http://127.0.0.1:8000")[3] == "127.0.0.1"
    settings.TUTELA_PEER_ALLOWED_HOSTS = []
    assert peer_http._is_public("8.8.8.8")
    assert not peer_http._is_public("::ffff:169.254.169.254")


def test_the_page_shows_why_an_address_is_refused(cw: CaseWorld, settings: Any) -> None:
    settings.TUTELA_PEER_ALLOWED_HOSTS = []
    keys = KeyPair.generate()
    page = client_for(cw.world.coordinator).post(
        "/o/mali/cases/peers/",
        {
            "name": "Metadata",
            "base_url": "http://169.254.169.254",
            "remote_operation": "herat",
            "signing_key": keys.signing_public,
            "encryption_key": keys.encryption_public,
        },
    )
    assert page.status_code == 400
    assert "not a public address" in page.content.decode()
    assert not Peer.objects.filter(name="Metadata").exists()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A real socket on loopback that must never be connected to."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server
    server.close()


def test_a_delivery_to_an_address_no_longer_allowed_is_refused_without_connecting(
    cw: CaseWorld, remote: Remote, listener: socket.socket, settings: Any
) -> None:
    # Registered while the setting allowed it; an administrator then removed the host.
    port = listener.getsockname()[1]
    remote.peer.base_url = f"http://127.0.0.1:{port}"
    remote.peer.save()
    referral = send_to_remote(cw, remote, ["names"])
    settings.TUTELA_PEER_ALLOWED_HOSTS = []
    message = PeerMessage.objects.get(referral=referral)
    assert services.peer_message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert "address_refused" in message.last_error
    assert message.next_attempt_at is None
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody knocked


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    headers_out: dict[str, str] = {}
    bodies: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        type(self).bodies.append(self.rfile.read(length))
        self.send_response(self.status)
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"received": "referral", "code": "x"}).encode())

    def log_message(self, *args: Any) -> None:
        pass


def serve(handler: type[_Answer]) -> tuple[http.server.HTTPServer, int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def test_an_allowed_host_gets_the_package_and_a_redirect_is_not_followed(
    cw: CaseWorld, remote: Remote, allow_loopback: Any, listener: socket.socket
) -> None:
    class Ok(_Answer):
        bodies: list[bytes] = []

    class Redirect(_Answer):
        status = 307
        headers_out = {"Location": f"http://127.0.0.1:{listener.getsockname()[1]}/"}
        bodies: list[bytes] = []

    ok, ok_port = serve(Ok)
    moved, moved_port = serve(Redirect)
    try:
        remote.peer.base_url = f"http://127.0.0.1:{ok_port}"
        remote.peer.save()
        first = send_to_remote(cw, remote, ["names"])
        message = PeerMessage.objects.get(referral=first)
        assert services.peer_message_deliver(message_id=message.pk) == "delivered"
        assert len(Ok.bodies) == 1
        assert json.loads(Ok.bodies[0])["format"] == "tutela-peer-package"

        remote.peer.base_url = f"http://127.0.0.1:{moved_port}"
        remote.peer.save()
        second = send_to_remote(cw, remote, ["names"])
        message = PeerMessage.objects.get(referral=second)
        assert services.peer_message_deliver(message_id=message.pk) == "failed"
        message.refresh_from_db()
        assert message.last_error.startswith("307")
        assert len(Redirect.bodies) == 1
        with pytest.raises(BlockingIOError):
            listener.accept()  # the redirect's target was never reached
    finally:
        ok.shutdown()
        moved.shutdown()


# --- Rate limit ----------------------------------------------------------------------------------


def test_the_inbox_limits_each_peer_key_and_says_when_to_retry(
    cw: CaseWorld, remote: Remote, client: Any, settings: Any
) -> None:
    settings.TUTELA_PEER_INBOX_PER_MINUTE = 3
    for number in range(1, 4):
        answer = post(client, remote.seal(referral_payload(f"REF-2026-00000{number}")))
        assert answer.status_code == 200, answer.content
    # A forged package claiming the peer's key does not spend its allowance: refused as forged.
    tampered = json.loads(remote.seal(referral_payload("REF-2026-000009")))
    tampered["id"] = "0" * 32
    refused(client, json.dumps(tampered).encode(), 403, "bad_signature")
    over = post(client, remote.seal(referral_payload("REF-2026-000004")))
    assert over.status_code == 429, over.content
    assert over.json()["code"] == "rate_limited"
    assert 1 <= int(over["Retry-After"]) <= 60
    assert InboundReferral.objects.count() == 3  # nothing written for the one refused
    # Another peer has its own allowance.
    keys = KeyPair.generate()
    services.peer_register(
        operation=cw.operation,
        by=cw.world.coordinator,
        name="Tutela Kandahar",
        base_url=f"http://127.0.0.1:{closed_port()}",
        remote_operation="kandahar",
        signing_key=keys.signing_public,
        encryption_key=keys.encryption_public,
    )
    other = Remote(keys=keys, organisation=remote.organisation, peer=remote.peer)
    assert post(client, other.seal(referral_payload("REF-2026-000004"))).status_code == 200
    # A minute later the first peer is let in again.
    later = timezone.now() + datetime.timedelta(seconds=61)
    body = remote.seal(referral_payload("REF-2026-000005"))
    assert services.package_receive(body=body, now=later)["received"] == "referral"


def test_the_sender_retries_a_package_the_peer_rate_limited(
    cw: CaseWorld, remote: Remote, allow_loopback: Any
) -> None:
    class Busy(_Answer):
        status = 429
        headers_out = {"Retry-After": "30"}
        bodies: list[bytes] = []

    busy, port = serve(Busy)
    try:
        remote.peer.base_url = f"http://127.0.0.1:{port}"
        remote.peer.save()
        referral = send_to_remote(cw, remote, ["names"])
        message = PeerMessage.objects.get(referral=referral)
        assert services.peer_message_deliver(message_id=message.pk) == "queued"
        message.refresh_from_db()
        assert message.last_error.startswith("429")
    finally:
        busy.shutdown()


# --- Withdrawal ----------------------------------------------------------------------------------


def test_withdrawing_a_referral_tells_the_peer_after_the_referral_and_strips_what_waits(
    cw: CaseWorld, remote: Remote
) -> None:
    referral = send_to_remote(cw, remote, ["names", "sex"])
    referral_services.referral_withdraw(referral=referral, by=cw.caseworker, reason="Moved away")
    sent = PeerMessage.objects.get(referral=referral, kind="referral")
    # Not delivered yet: it leaves without the shared data.
    assert json.loads(sent.payload)["referral"]["shared"] == {}
    withdrawal = PeerMessage.objects.get(referral=referral, kind="withdrawal")
    body = json.loads(withdrawal.payload)["withdrawal"]
    assert (body["code"], body["what"], body["reason"]) == (referral.code, "referral", "Moved away")
    # It waits for the referral (not an attempt), and goes once that is delivered.
    assert services.peer_message_deliver(message_id=withdrawal.pk) == "queued"
    withdrawal.refresh_from_db()
    assert withdrawal.attempts == 0
    sent.status = PeerMessage.Status.FAILED
    sent.save()
    assert services.peer_message_deliver(message_id=withdrawal.pk) == "failed"
    assert AuditEntry.objects.filter(
        entity_type="cases.referral", entity_id=str(referral.pk), after__withdrawn="referral"
    ).exists()


def test_withdrawing_the_consent_tells_the_peer(cw: CaseWorld, remote: Remote) -> None:
    referral = send_to_remote(cw, remote, ["names"])
    consent_services.consent_withdraw(consent=referral.consent, by=cw.caseworker, note="Asked")
    withdrawal = PeerMessage.objects.get(referral=referral, kind="withdrawal")
    assert json.loads(withdrawal.payload)["withdrawal"]["what"] == "consent"


def withdrawal(code: str, what: str = "referral", reason: str = "Moved away") -> dict[str, Any]:
    return {
        "kind": "withdrawal",
        "withdrawal": {
            "code": code,
            "what": what,
            "reason": reason,
            "at": timezone.now().isoformat(),
        },
    }


def test_a_withdrawal_received_removes_what_was_shared(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload("REF-2026-000001")))
    post(client, remote.seal(referral_payload("REF-2026-000002")))
    first, second = InboundReferral.objects.order_by("code")
    refused(client, remote.seal(withdrawal("REF-1999-000001")), 404, "unknown_referral")
    refused(client, remote.seal(withdrawal(first.code, what="all")), 400, "invalid")

    answer = post(client, remote.seal(withdrawal(first.code)))
    assert answer.json() == {"received": "withdrawal", "code": first.code, "status": "withdrawn"}
    first.refresh_from_db()
    assert first.status == "withdrawn"
    assert (first.shared_data, first.shared_fields) == ("", [])
    assert first.withdrawal_reason == "Moved away"
    with pytest.raises(ValidationError):
        services.inbound_referral_accept(inbound=first, by=cw.drc_supervisor)
    assert AuditEntry.objects.filter(
        entity_type="cases.inboundreferral", entity_id=str(first.pk), action="update"
    ).exists()
    assert OutboxMessage.objects.filter(
        kind="cases.peer_referral_withdrawn", recipient=cw.drc_supervisor
    ).exists()

    # The consent withdrawn: the referral stays, without its data, and no case comes from it.
    services.inbound_referral_accept(inbound=second, by=cw.drc_supervisor)
    assert post(client, remote.seal(withdrawal(second.code, what="consent"))).status_code == 200
    second.refresh_from_db()
    assert second.status == "accepted"
    assert second.shared_data == ""
    assert second.consent_withdrawn_at is not None
    with pytest.raises(ValidationError):
        services.inbound_referral_open_case(
            inbound=second, by=cw.drc_caseworker, area=AdminArea.objects.get(pcode="ML0501")
        )


# --- The receiver's own case, and its escalation -------------------------------------------------


def test_the_receiver_opens_its_own_case_from_an_accepted_inbound_referral(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload()))
    inbound = InboundReferral.objects.get()
    area = AdminArea.objects.get(pcode="ML0501")
    with pytest.raises(ValidationError):  # not accepted yet
        services.inbound_referral_open_case(inbound=inbound, by=cw.drc_caseworker, area=area)
    with pytest.raises(PermissionDenied):  # not the receiving organisation
        services.inbound_referral_open_case(inbound=inbound, by=cw.caseworker, area=area)
    services.inbound_referral_accept(inbound=inbound, by=cw.drc_supervisor)
    with pytest.raises(ValidationError) as no_place:
        services.inbound_referral_open_case(inbound=inbound, by=cw.drc_caseworker)
    assert "area" in no_place.value.message_dict
    case = services.inbound_referral_open_case(inbound=inbound, by=cw.drc_caseworker, area=area)
    inbound.refresh_from_db()
    assert inbound.case == case
    assert case.organisation == cw.drc_caseworker.organisation
    principal = case.people.get(is_principal=True)
    assert (principal.given_name, principal.family_name) == ("Fatima", "Sadiqi")
    assert principal.sex == "F"
    assert principal.phone == ""  # not shared, not there
    with pytest.raises(ValidationError):
        services.inbound_referral_open_case(inbound=inbound, by=cw.drc_caseworker, area=area)
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(
        entity_type="cases.inboundreferral", entity_id=str(inbound.pk), actor=cw.drc_caseworker
    ).exists()


def test_an_inbound_referral_left_unanswered_is_escalated_once(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload()))
    inbound = InboundReferral.objects.get()
    assert services.inbound_referrals_escalate() == []
    later = inbound.respond_by + datetime.timedelta(minutes=1)
    assert services.inbound_referrals_escalate(now=later) == [inbound]
    mails = OutboxMessage.objects.filter(kind="cases.peer_referral_overdue")
    assert [m.recipient for m in mails] == [cw.drc_supervisor]
    assert inbound.code in mails[0].subject
    assert "Sadiqi" not in mails[0].subject + mails[0].text
    assert services.inbound_referrals_escalate(now=later) == []
    inbound.refresh_from_db()
    assert inbound.escalated_at == later


def test_the_inbound_pages_and_api_open_a_case_and_show_a_withdrawal(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload("REF-2026-000001")))
    post(client, remote.seal(referral_payload("REF-2026-000002")))
    first, second = InboundReferral.objects.order_by("code")
    drc = client_for(cw.drc_caseworker)
    page = f"/o/mali/cases/inbound-referrals/{first.pk}/"
    assert "open-case" not in drc.get(page).content.decode()  # not accepted yet
    services.inbound_referral_accept(inbound=first, by=cw.drc_supervisor)
    assert 'id="open-case"' in drc.get(page).content.decode()
    # The sending organisation's staff, and the receiving one's without the place: refused.
    assert client_for(cw.caseworker).get(f"{page}open-case/").status_code == 404
    assert drc.post(f"{page}open-case/", {}).status_code == 400
    opened = drc.post(f"{page}open-case/", {"area": "ML0501"})
    assert opened.status_code == 302
    first.refresh_from_db()
    assert first.case is not None
    assert 'id="own-case"' in drc.get(page).content.decode()

    api = f"/api/v1/operations/mali/cases/inbound-referrals/{second.pk}/"
    assert drc.post(f"{api}accept/").status_code == 200
    created = drc.post(
        f"{api}open-case/",
        {"area": "ML0501"},
        content_type="application/json",
    )
    # The same person as the first: a probable duplicate until confirmed.
    assert created.status_code == 409, created.content
    assert created.json()["code"] == "probable_duplicate"
    post(client, remote.seal(withdrawal(second.code)))
    shown = drc.get(f"/o/mali/cases/inbound-referrals/{second.pk}/").content.decode()
    assert "Moved away" in shown
    assert "Sadiqi" not in shown
    assert "open-case" not in shown
    assert drc.get(api).json()["status"] == "withdrawn"
