"""Referrals between Tutela instances, in one process: the package's cryptography, peers managed by
the operation's managers, a referral to a hosted organisation queued with the consented fields only
and retried while the peer is down (a real refused connection), the inbox refusing forged,
tampered, replayed, oversized, expired and malformed packages with nothing written, inbound
referrals for the receiving organisation only, answers going back and moving the sender's referral.

The other Tutela is played by a key pair made here; test_peers_stack.py runs two real servers."""

from __future__ import annotations

import datetime
import json
import socket
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tutela.cases import peer_packages
from tutela.cases.models import (
    InboundReferral,
    InstanceKey,
    Peer,
    PeerMessage,
    PeerPackageSeen,
    Referral,
    ServiceType,
)
from tutela.cases.peer_packages import KeyPair, PackageError
from tutela.cases.services import peers as services
from tutela.cases.services import referrals as referral_services
from tutela.cases.tests.conftest import CaseWorld, consent, register
from tutela.conftest import client_for, make_user
from tutela.core.models import AuditEntry, OperationRole, Organisation
from tutela.core.models.roles import Role

INBOX = "/api/v1/peers/inbox/"


def closed_port() -> int:
    """A port nobody listens on (the peer is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def loopback_peers_allowed(settings: Any) -> None:
    """The other Tutela of these tests is on 127.0.0.1: allowed through the setting, as an
    administrator would for two instances on one private network (test_peer_security.py checks
    that it is refused without)."""
    settings.TUTELA_PEER_ALLOWED_HOSTS = ["127.0.0.1"]


@dataclass
class Remote:
    """The other Tutela: its keys, the organisation it hosts, its registration here."""

    keys: KeyPair
    organisation: Organisation
    peer: Peer

    def seal(self, payload: dict[str, Any], **kwargs: Any) -> bytes:
        kwargs.setdefault("operation", "mali")
        return peer_packages.seal(
            payload,
            keys=self.keys,
            recipient=services.instance_public_keys()["encryption_key"],
            **kwargs,
        )


@pytest.fixture
def remote(cw: CaseWorld) -> Remote:
    return make_remote(cw)


def make_remote(cw: CaseWorld) -> Remote:
    keys = KeyPair.generate()
    irc = Organisation.objects.create(name="International Rescue Committee", acronym="IRC")
    irc.operations.add(cw.operation)
    peer = services.peer_register(
        operation=cw.operation,
        by=cw.world.coordinator,
        name="Tutela Herat",
        base_url=f"http://127.0.0.1:{closed_port()}",
        remote_operation="herat",
        signing_key=keys.signing_public,
        encryption_key=keys.encryption_public,
        organisations=[irc],
    )
    return Remote(keys=keys, organisation=irc, peer=peer)


def send_to_remote(cw: CaseWorld, remote: Remote, fields: list[str]) -> Referral:
    case = register(cw)
    consent(cw, case, organisations=[remote.organisation], fields=["names", "sex", "age"])
    return referral_services.referral_send(
        case=case,
        by=cw.caseworker,
        to_organisation=remote.organisation,
        reason="Needs a safe shelter",
        priority="urgent",
        services_requested=[ServiceType.objects.get(operation=cw.operation, code="shelter")],
        fields=fields,
    )


def referral_payload(code: str = "REF-2026-000001", **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    referral = {
        "code": code,
        "to_organisation": "DRC",
        "from_organisation": "IRC — International Rescue Committee",
        "priority": "emergency",
        "services_requested": ["Shelter"],
        "reason": "Threatened by a relative",
        "caregiver_informed": None,
        "shared_fields": ["names", "sex"],
        "shared": {
            "code": "CASE-9",
            "names": {"given_name": "Fatima", "family_name": "Sadiqi", "other_names": ""},
            "sex": "F",
        },
        "sent_at": now.isoformat(),
        "respond_by": (now + datetime.timedelta(hours=24)).isoformat(),
    }
    referral.update(changes)
    return {"kind": "referral", "referral": referral}


def post(client: Any, body: bytes) -> Any:
    return client.post(INBOX, data=body, content_type="application/json")


# --- The package ---------------------------------------------------------------------------------


def test_a_package_opens_only_for_its_recipient_and_only_unchanged() -> None:
    sender, receiver, other = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    body = peer_packages.seal(
        {"kind": "x"}, keys=sender, recipient=receiver.encryption_public, operation="mali"
    )
    package = peer_packages.read_header(body)
    peer_packages.verify(package, signing_key=sender.signing_public)
    assert peer_packages.open_payload(package, keys=receiver) == {"kind": "x"}
    assert b"kind" not in body
    with pytest.raises(PackageError) as wrong:
        peer_packages.open_payload(package, keys=other)
    assert wrong.value.code == "wrong_recipient"
    # Another peer cannot pass the package off as its own.
    with pytest.raises(PackageError) as forged:
        peer_packages.verify(package, signing_key=other.signing_public)
    assert forged.value.code == "bad_signature"
    # Any field changed breaks the signature; a re-signed changed header breaks the decryption.
    for field, value in (("operation", "chad"), ("id", "0" * 32)):
        with pytest.raises(PackageError) as tampered:
            peer_packages.verify({**package, field: value}, signing_key=sender.signing_public)
        assert tampered.value.code == "bad_signature"
    moved = {**package, "operation": "chad"}
    with pytest.raises(PackageError) as undecryptable:
        peer_packages.open_payload(moved, keys=receiver)
    assert undecryptable.value.code == "undecryptable"


@pytest.mark.django_db
def test_the_instance_keys_are_made_once_and_kept_encrypted() -> None:
    first = services.instance_public_keys()
    assert services.instance_public_keys() == first
    assert InstanceKey.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_private, encryption_private FROM cases_instancekey")
        row = cursor.fetchone()
    assert all(str(value).startswith("enc:") for value in row)


# --- Peers ---------------------------------------------------------------------------------------


def test_managers_register_and_revoke_peers_audited(cw: CaseWorld, remote: Remote) -> None:
    assert AuditEntry.objects.filter(entity_type="cases.peer", action="create").exists()
    coordinator = client_for(cw.world.coordinator)
    listed = coordinator.get("/api/v1/operations/mali/cases/peers/").json()
    assert [p["organisations"] for p in listed["results"]] == [["IRC"]]
    keys = coordinator.get("/api/v1/operations/mali/cases/peers/keys/").json()
    assert keys == services.instance_public_keys()
    revoked = coordinator.post(f"/api/v1/operations/mali/cases/peers/{remote.peer.pk}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert AuditEntry.objects.filter(
        entity_type="cases.peer", entity_id=str(remote.peer.pk), action="update"
    ).exists()


def test_only_managers_see_or_change_peers(cw: CaseWorld, remote: Remote) -> None:
    base = "/api/v1/operations/mali/cases/peers/"
    for user in (cw.caseworker, cw.supervisor, cw.world.partner, cw.world.viewer):
        client = client_for(user)
        assert client.get(base).status_code == 403, user
        assert client.get(f"{base}keys/").status_code == 403
        assert client.post(f"{base}{remote.peer.pk}/revoke/").status_code == 403
    assert client_for(cw.world.other_operation_user).get(base).status_code == 404
    with pytest.raises(PermissionDenied):
        services.peer_revoke(peer=remote.peer, by=cw.supervisor)
    assert Peer.objects.get().status == "active"


def test_a_peer_needs_real_keys_and_members_of_the_operation(cw: CaseWorld) -> None:
    with pytest.raises(ValidationError) as bad:
        services.peer_register(
            operation=cw.operation,
            by=cw.world.coordinator,
            name="X",
            base_url="http://127.0.0.1:9",
            remote_operation="x",
            signing_key="not a key",
            encryption_key=services.instance_public_keys()["signing_key"],
            organisations=[],
        )
    assert "signing_key" in bad.value.message_dict
    assert "encryption_key" not in bad.value.message_dict
    keys = KeyPair.generate()
    outsider = Organisation.objects.create(name="Elsewhere", acronym="ELS")
    with pytest.raises(ValidationError) as foreign:
        services.peer_register(
            operation=cw.operation,
            by=cw.world.coordinator,
            name="X",
            base_url="http://127.0.0.1:9",
            remote_operation="x",
            signing_key=keys.signing_public,
            encryption_key=keys.encryption_public,
            organisations=[outsider],
        )
    assert "organisations" in foreign.value.message_dict
    assert not Peer.objects.exists()


# --- Sending -------------------------------------------------------------------------------------


def test_a_referral_to_a_hosted_organisation_leaves_with_the_consented_fields_only(
    cw: CaseWorld, remote: Remote
) -> None:
    # The caseworker asks for the phone and the ID documents too: the consent does not cover them.
    case = register(cw)
    consent(cw, case, organisations=[remote.organisation], fields=["names", "sex", "age"])
    with pytest.raises(ValidationError):
        referral_services.referral_send(
            case=case,
            by=cw.caseworker,
            to_organisation=remote.organisation,
            reason="x",
            services_requested=[ServiceType.objects.get(operation=cw.operation, code="shelter")],
            fields=["names", "phone", "id_documents"],
        )
    assert not PeerMessage.objects.exists()
    referral = send_to_remote(cw, remote, ["names", "sex"])
    message = PeerMessage.objects.get(referral=referral)
    payload = json.loads(message.payload)
    sent = payload["referral"]
    assert sent["to_organisation"] == "IRC"
    assert set(sent["shared"]) == {"code", "names", "sex"}
    text = json.dumps(payload)
    assert "ML-0457-88213" not in text
    assert "+223 76 12 34 56" not in text
    # Encrypted at rest while it waits.
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM cases_peermessage")
        assert cursor.fetchone()[0].startswith("enc:")


def test_a_peer_down_leaves_the_referral_waiting_and_retried_later(
    cw: CaseWorld, remote: Remote
) -> None:
    referral = send_to_remote(cw, remote, ["names"])
    message = PeerMessage.objects.get(referral=referral)
    assert services.peer_message_deliver(message_id=message.pk) == "queued"
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error.startswith("no answer")
    assert message.next_attempt_at > timezone.now()
    # Not due yet: the scheduler's pass leaves it; once due it is tried again.
    assert services.peer_messages_deliver_due() == 0
    later = message.next_attempt_at + datetime.timedelta(seconds=1)
    assert services.peer_messages_deliver_due(now=later) == 1
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.status == "queued"
    delivery = client_for(cw.caseworker).get(
        f"/api/v1/operations/mali/cases/referrals/{referral.pk}/delivery/"
    )
    assert delivery.json()["status"] == "queued"
    # The receiving side of a local referral has no delivery; the sender's other referrals 404.
    assert (
        client_for(cw.drc_caseworker)
        .get(f"/api/v1/operations/mali/cases/referrals/{referral.pk}/delivery/")
        .status_code
        == 404
    )


def test_a_revoked_peer_gets_nothing_more(cw: CaseWorld, remote: Remote) -> None:
    referral = send_to_remote(cw, remote, ["names"])
    services.peer_revoke(peer=remote.peer, by=cw.world.coordinator)
    message = PeerMessage.objects.get(referral=referral)
    assert message.status == "failed"
    assert services.peer_message_deliver(message_id=message.pk) == "failed"
    assert message.attempts == 0


def test_the_retry_delay_grows_to_an_hour() -> None:
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 30)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]


# --- Receiving -----------------------------------------------------------------------------------


def test_a_received_referral_is_for_the_receiving_organisation_only(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    answer = post(client, remote.seal(referral_payload()))
    assert answer.status_code == 200, answer.content
    inbound = InboundReferral.objects.get()
    assert inbound.organisation == cw.world.drc
    assert AuditEntry.objects.filter(
        entity_type="cases.inboundreferral", action="create", entity_id=str(inbound.pk)
    ).exists()
    base = "/api/v1/operations/mali/cases/inbound-referrals/"
    seen = client_for(cw.drc_caseworker).get(f"{base}{inbound.pk}/").json()
    assert seen["shared"]["names"]["family_name"] == "Sadiqi"
    assert AuditEntry.objects.filter(
        entity_type="cases.inboundreferral", action="read", actor=cw.drc_caseworker
    ).exists()
    assert len(client_for(cw.drc_supervisor).get(base).json()["results"]) == 1
    # Another organisation's case staff, and everyone without a case role, see nothing of it.
    assert client_for(cw.caseworker).get(f"{base}{inbound.pk}/").status_code == 404
    assert client_for(cw.caseworker).get(base).json()["results"] == []
    for user in (cw.world.coordinator, cw.world.partner, cw.world.viewer):
        assert client_for(user).get(f"{base}{inbound.pk}/").status_code == 403
        assert client_for(user).post(f"{base}{inbound.pk}/accept/").status_code == 403
    assert client_for(cw.caseworker).post(f"{base}{inbound.pk}/accept/").status_code == 404
    # Encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT shared_data, reason FROM cases_inboundreferral")
        assert all(value.startswith("enc:") for value in cursor.fetchone())


def refused(client: Any, body: bytes, status: int, code: str) -> None:
    answer = post(client, body)
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code


def test_bad_packages_are_refused_and_nothing_is_written(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    good = remote.seal(referral_payload())
    stranger = KeyPair.generate()
    forged = peer_packages.seal(
        referral_payload(),
        keys=stranger,
        recipient=services.instance_public_keys()["encryption_key"],
        operation="mali",
    )
    refused(client, forged, 403, "unknown_peer")
    package = json.loads(good)
    # A known peer's key in the header, a stranger's signature.
    package_forged = json.loads(forged)
    package_forged["sender"] = remote.keys.signing_public
    refused(client, json.dumps(package_forged).encode(), 403, "bad_signature")
    tampered = dict(package)
    tampered["ciphertext"] = package["ciphertext"][:-4] + (
        "AAAA" if package["ciphertext"][-4:] != "AAAA" else "BBBB"
    )
    refused(client, json.dumps(tampered).encode(), 403, "bad_signature")
    refused(client, b"x" * (peer_packages.MAX_BYTES + 1), 413, "too_large")
    refused(client, b"{not json", 400, "malformed")
    refused(client, json.dumps({**package, "extra": 1}).encode(), 400, "malformed")
    refused(client, json.dumps({**package, "version": 2}).encode(), 400, "unsupported_version")
    old = timezone.now() - datetime.timedelta(minutes=30)
    refused(client, remote.seal(referral_payload(), now=old), 400, "expired")
    refused(client, remote.seal(referral_payload(), operation="chad"), 403, "unknown_peer")
    # Payloads the schema does not allow.
    unlisted = referral_payload()
    unlisted["referral"]["shared"]["phone"] = "+93 700 000 000"
    refused(client, remote.seal(unlisted), 400, "invalid")
    extra = referral_payload()
    extra["referral"]["case_id"] = 12
    refused(client, remote.seal(extra), 400, "invalid")
    refused(client, remote.seal(referral_payload(to_organisation="ELSEWHERE")), 400, "invalid")
    refused(client, remote.seal(referral_payload(priority="whenever")), 400, "invalid")
    refused(client, remote.seal({"kind": "delete"}), 400, "invalid")
    assert not InboundReferral.objects.exists()
    assert not PeerPackageSeen.objects.exists()
    # The good one is taken once; the same package again is a replay.
    assert post(client, good).status_code == 200
    refused(client, good, 409, "replay")
    assert InboundReferral.objects.count() == 1
    # A revoked peer's packages are refused.
    services.peer_revoke(peer=remote.peer, by=cw.world.coordinator)
    refused(client, remote.seal(referral_payload(code="REF-2026-000002")), 403, "unknown_peer")
    assert InboundReferral.objects.count() == 1


# --- Answers -------------------------------------------------------------------------------------


def answer(code: str, status: str, **values: Any) -> dict[str, Any]:
    data = {"code": code, "status": status, "reason": "", "feedback": ""}
    data.update(values)
    data["at"] = timezone.now().isoformat()
    return {"kind": "answer", "answer": data}


def test_answers_from_the_peer_move_the_senders_referral(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    referral = send_to_remote(cw, remote, ["names"])
    refused(client, remote.seal(answer(referral.code, "completed", feedback="x")), 409, "conflict")
    refused(client, remote.seal(answer("REF-1999-000001", "accepted")), 404, "unknown_referral")
    assert post(client, remote.seal(answer(referral.code, "accepted"))).status_code == 200
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.responded_at is not None
    done = remote.seal(answer(referral.code, "completed", feedback="Sheltered for 3 months"))
    assert post(client, done).status_code == 200
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert referral.feedback == "Sheltered for 3 months"
    assert AuditEntry.objects.filter(
        entity_type="cases.referral", entity_id=str(referral.pk), action="update"
    ).exists()


def test_another_peer_cannot_answer_for_a_referral_it_did_not_receive(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    referral = send_to_remote(cw, remote, ["names"])
    keys = KeyPair.generate()
    services.peer_register(
        operation=cw.operation,
        by=cw.world.coordinator,
        name="Tutela Kandahar",
        base_url="http://127.0.0.1:9",
        remote_operation="kandahar",
        signing_key=keys.signing_public,
        encryption_key=keys.encryption_public,
    )
    body = peer_packages.seal(
        answer(referral.code, "declined", reason="no"),
        keys=keys,
        recipient=services.instance_public_keys()["encryption_key"],
        operation="mali",
    )
    refused(client, body, 404, "unknown_referral")
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_answering_an_inbound_referral_queues_the_answer_for_the_peer(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload()))
    inbound = InboundReferral.objects.get()
    base = f"/api/v1/operations/mali/cases/inbound-referrals/{inbound.pk}/"
    drc = client_for(cw.drc_caseworker)
    assert (
        drc.post(f"{base}complete/", {"feedback": " "}, content_type="application/json").status_code
        == 400
    )
    assert drc.post(f"{base}accept/").json()["status"] == "accepted"
    completed = drc.post(
        f"{base}complete/",
        {"feedback": "Placed in a safe house"},
        content_type="application/json",
    )
    assert completed.json()["status"] == "completed"
    answers = [json.loads(m.payload)["answer"] for m in PeerMessage.objects.order_by("pk")]
    assert [(a["status"], a["feedback"]) for a in answers] == [
        ("accepted", ""),
        ("completed", "Placed in a safe house"),
    ]
    assert {m.peer_id for m in PeerMessage.objects.all()} == {remote.peer.pk}


def test_declining_an_inbound_referral_forgets_what_it_shared(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload()))
    inbound = InboundReferral.objects.get()
    with pytest.raises(ValidationError):
        services.inbound_referral_decline(inbound=inbound, by=cw.drc_supervisor, reason=" ")
    services.inbound_referral_decline(inbound=inbound, by=cw.drc_supervisor, reason="Full")
    inbound.refresh_from_db()
    assert inbound.shared_data == ""
    assert inbound.decline_reason == "Full"
    other = make_user("case@amss2.test", "Other", cw.world.amss)
    OperationRole.objects.create(user=other, operation=cw.operation, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        services.inbound_referral_accept(inbound=inbound, by=other)


# --- Pages ---------------------------------------------------------------------------------------


def test_the_peers_page_is_for_managers_and_registers_a_peer(cw: CaseWorld) -> None:
    page = client_for(cw.world.coordinator).get("/o/mali/cases/peers/")
    assert page.status_code == 200
    assert services.instance_public_keys()["encryption_key"] in page.content.decode()
    for user in (cw.caseworker, cw.supervisor, cw.world.partner, cw.world.viewer):
        assert client_for(user).get("/o/mali/cases/peers/").status_code == 403
    assert client_for(cw.world.other_operation_user).get("/o/mali/cases/peers/").status_code == 404
    keys = KeyPair.generate()
    posted = client_for(cw.world.coordinator).post(
        "/o/mali/cases/peers/",
        {
            "name": "Tutela Kabul",
            "base_url": "https://tutela.example.org",
            "remote_operation": "kabul",
            "signing_key": keys.signing_public,
            "encryption_key": keys.encryption_public,
            "organisations": [cw.world.drc.pk],
        },
    )
    assert posted.status_code == 302
    peer = Peer.objects.get()
    assert list(peer.organisations.all()) == [cw.world.drc]
    assert (
        client_for(cw.supervisor).post(f"/o/mali/cases/peers/{peer.pk}/revoke/").status_code == 403
    )
    client_for(cw.world.coordinator).post(f"/o/mali/cases/peers/{peer.pk}/revoke/")
    peer.refresh_from_db()
    assert peer.status == "revoked"


def test_the_inbound_referral_pages_answer_through_the_peer(
    cw: CaseWorld, remote: Remote, client: Any
) -> None:
    post(client, remote.seal(referral_payload()))
    inbound = InboundReferral.objects.get()
    url = f"/o/mali/cases/inbound-referrals/{inbound.pk}/"
    drc = client_for(cw.drc_supervisor)
    listed = drc.get("/o/mali/cases/inbound-referrals/")
    assert inbound.code in listed.content.decode()
    page = drc.get(url)
    assert "Sadiqi" in page.content.decode()
    assert client_for(cw.caseworker).get(url).status_code == 404
    assert (
        inbound.code
        not in client_for(cw.caseworker).get("/o/mali/cases/inbound-referrals/").content.decode()
    )
    assert client_for(cw.world.coordinator).get(url).status_code == 403
    drc.post(url, {"decline": "1", "reason": "No place left"})
    inbound.refresh_from_db()
    assert inbound.status == "declined"
    assert json.loads(PeerMessage.objects.get().payload)["answer"]["reason"] == "No place left"
