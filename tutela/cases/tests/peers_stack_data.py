"""Data and actions for test_peers_stack.py, run inside `tutela shell -c` on each of the two
instances; each function prints one JSON line.

Instance A (operation "herat") holds AMSS's case and knows IRC as an organisation working in
instance B; instance B (operation "kabul") hosts IRC and knows AMSS as working in A.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

PASSWORD = "Stack-Test-Password-2026!"
PHONE = "+93 70 555 0199"
ID_NUMBER = "AF-TZK-7741-0093"


def _out(value: dict[str, Any]) -> dict[str, Any]:
    print(json.dumps(value))
    return value


def build(*, slug: str, own: str, remote: str) -> dict[str, Any]:
    from tutela.cases.services.peers import instance_public_keys
    from tutela.cases.services.reference import cases_seed
    from tutela.core.models import AdminArea, Operation, OperationRole, Organisation, User
    from tutela.core.services.geography import geo_load_bundled
    from tutela.core.services.reference import reference_seed

    if not AdminArea.objects.filter(pcode="ML").exists():
        geo_load_bundled(country="MLI")
    operation = Operation.objects.create(slug=slug, name=f"Peers {slug}")
    operation.countries.add(AdminArea.objects.get(pcode="ML"))
    reference_seed(operation=operation)
    cases_seed(operation=operation)
    mine = Organisation.objects.create(name=f"{own} organisation", acronym=own, type="nngo")
    theirs = Organisation.objects.create(name=f"{remote} organisation", acronym=remote, type="ingo")
    for organisation in (mine, theirs):
        organisation.operations.add(operation)
    coordinator = User.objects.create_user(f"coordinator@{slug}.test", PASSWORD, full_name="Coord")
    OperationRole.objects.create(user=coordinator, operation=operation, role="coordinator")
    for role in ("caseworker", "supervisor"):
        user = User.objects.create_user(
            f"{role}@{slug}.test", PASSWORD, full_name=role.title(), organisation=mine
        )
        OperationRole.objects.create(user=user, operation=operation, role=role)
    return _out({"slug": slug, **instance_public_keys()})


def register_peer(
    *, slug: str, base_url: str, remote_operation: str, keys: dict[str, str], hosts: list[str]
) -> dict[str, Any]:
    from tutela.cases.services.peers import peer_register
    from tutela.core.models import Operation, Organisation, User

    operation = Operation.objects.get(slug=slug)
    peer = peer_register(
        operation=operation,
        by=User.objects.get(email=f"coordinator@{slug}.test"),
        name=f"Tutela {remote_operation}",
        base_url=base_url,
        remote_operation=remote_operation,
        signing_key=keys["signing_key"],
        encryption_key=keys["encryption_key"],
        organisations=Organisation.objects.filter(acronym__in=hosts),
    )
    return _out({"peer": peer.pk})


def refer(*, slug: str, to: str) -> dict[str, Any]:
    """Register a case, record its consent to share names, sex and age with `to`, try a referral
    that asks for the phone and the ID too (refused), then send the consented one."""
    from django.core.exceptions import ValidationError

    from tutela.cases.models import ServiceType
    from tutela.cases.services.cases import PersonData, case_register
    from tutela.cases.services.consent import consent_record
    from tutela.cases.services.referrals import referral_send
    from tutela.core.models import AdminArea, Operation, Organisation, User

    operation = Operation.objects.get(slug=slug)
    caseworker = User.objects.get(email=f"caseworker@{slug}.test")
    receiver = Organisation.objects.get(acronym=to)
    case = case_register(
        operation=operation,
        by=caseworker,
        principal=PersonData(
            given_name="Zarmina",
            family_name="Haidari",
            sex="F",
            date_of_birth=datetime.date(1991, 5, 2),
            phone=PHONE,
            id_type="national_id",
            id_number=ID_NUMBER,
        ),
        area=AdminArea.objects.get(pcode="ML0501"),
        confirm_not_duplicate=True,
    )
    consent_record(
        case=case,
        by=caseworker,
        purpose="sharing",
        organisations=[receiver],
        fields=["names", "sex", "age"],
    )
    values: dict[str, Any] = {
        "case": case,
        "by": caseworker,
        "to_organisation": receiver,
        "reason": "Needs legal aid and a safe shelter",
        "priority": "emergency",
        "services_requested": [ServiceType.objects.get(operation=operation, code="shelter")],
    }
    try:
        referral_send(**values, fields=["names", "sex", "phone", "id_documents"])
        refused = ""
    except ValidationError as error:
        refused = str(error)
    referral = referral_send(**values, fields=["names", "sex"])
    return _out({"referral": referral.pk, "code": referral.code, "refused": refused})


def referral_state(*, pk: int) -> dict[str, Any]:
    from tutela.cases.models import PeerMessage, Referral
    from tutela.cases.services.peers import referral_delivery

    referral = Referral.objects.get(pk=pk)
    message = referral_delivery(referral)
    withdrawal = PeerMessage.objects.filter(referral=referral, kind="withdrawal").first()
    return _out(
        {
            "withdrawal": withdrawal.status if withdrawal else "",
            "status": referral.status,
            "feedback": referral.feedback,
            "delivery": message.status if message else "",
            "attempts": message.attempts if message else 0,
            "error": message.last_error if message else "",
        }
    )


def inbound_state(*, slug: str) -> dict[str, Any]:
    from tutela.cases.models import InboundReferral
    from tutela.cases.services.peers import answer_delivery
    from tutela.cases.shared_fields import shared_values
    from tutela.core.models import AuditEntry

    found = []
    for inbound in InboundReferral.objects.filter(operation__slug=slug).order_by("pk"):
        message = answer_delivery(inbound)
        found.append(
            {
                "pk": inbound.pk,
                "code": inbound.code,
                "organisation": inbound.organisation.acronym,
                "status": inbound.status,
                "shared": shared_values(inbound.shared_data),
                "withdrawal_reason": inbound.withdrawal_reason,
                "audited_updates": AuditEntry.objects.filter(
                    entity_type="cases.inboundreferral", entity_id=str(inbound.pk), action="update"
                ).count(),
                "answer_delivery": message.status if message else "",
            }
        )
    return _out({"inbound": found})


def answer(*, slug: str, pk: int, status: str, text: str = "") -> dict[str, Any]:
    from tutela.cases.models import InboundReferral
    from tutela.cases.services import peers
    from tutela.core.models import User

    inbound = InboundReferral.objects.get(pk=pk)
    by = User.objects.get(email=f"supervisor@{slug}.test")
    if status == "accepted":
        peers.inbound_referral_accept(inbound=inbound, by=by)
    elif status == "declined":
        peers.inbound_referral_decline(inbound=inbound, by=by, reason=text)
    else:
        peers.inbound_referral_complete(inbound=inbound, by=by, feedback=text)
    return _out({"status": status})


def withdraw(*, pk: int, reason: str) -> dict[str, Any]:
    from tutela.cases.models import Referral
    from tutela.cases.services.referrals import referral_withdraw

    referral = Referral.objects.get(pk=pk)
    referral_withdraw(referral=referral, by=referral.referred_by, reason=reason)
    return _out({"status": referral.status})


def seal_referral(*, slug: str, code: str, to: str) -> dict[str, Any]:
    """A package as this instance would send it to its peer (for the inbox tests)."""
    from django.utils import timezone

    from tutela.cases import peer_packages
    from tutela.cases.models import Peer
    from tutela.cases.services.peers import instance_keys

    peer = Peer.objects.get(operation__slug=slug)
    now = timezone.now()
    payload = {
        "kind": "referral",
        "referral": {
            "code": code,
            "to_organisation": to,
            "from_organisation": "AMSS",
            "priority": "normal",
            "services_requested": ["Shelter"],
            "reason": "Test",
            "caregiver_informed": None,
            "shared_fields": ["sex"],
            "shared": {"sex": "F"},
            "sent_at": now.isoformat(),
            "respond_by": (now + datetime.timedelta(days=14)).isoformat(),
        },
    }
    body = peer_packages.seal(
        payload,
        keys=instance_keys(),
        recipient=peer.encryption_key,
        operation=peer.remote_operation,
    )
    return _out({"package": body.decode()})
