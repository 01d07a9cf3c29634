"""Sending to a peer: a referral to an organisation that a registered peer hosts (or its withdrawal,
or our answer to one of theirs) is queued as a `PeerMessage`; the task worker seals and posts it
(`peer_message_deliver`), and while the peer is down the scheduler retries it with a growing delay
(`peer_messages_deliver_due`). Never in the request.
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.cases import peer_http, peer_packages
from tutela.cases.models import (
    Peer,
    PeerMessage,
    Referral,
)
from tutela.cases.services.peer_registry import instance_keys, peer_hosting
from tutela.cases.shared_fields import shared_values
from tutela.core.models import User
from tutela.core.services.audit import audit_write

logger = logging.getLogger(__name__)


# A message is tried this many times (about two days with the delays below), then marked failed.
MAX_ATTEMPTS = 40
TIMEOUT_SECONDS = 20
INBOX_PATH = "/api/v1/peers/inbox/"


def retry_delay(attempts: int) -> datetime.timedelta:
    """After the `attempts`-th failure: 30 s, 1, 2, 4... minutes, at most an hour."""
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


# --- Sending -------------------------------------------------------------------------------------


def peer_message_queue(
    *, peer: Peer, kind: str, payload: dict[str, Any], **links: Any
) -> PeerMessage:
    message = PeerMessage.objects.create(
        peer=peer,
        kind=kind,
        package_id=uuid.uuid4().hex,
        payload=json.dumps(payload),
        next_attempt_at=timezone.now(),
        **links,
    )
    message_id = message.pk
    transaction.on_commit(lambda: _enqueue(message_id), robust=True)
    return message


def _enqueue(message_id: int) -> None:
    peer_message_send.enqueue(message_id=message_id)


def referral_payload(referral: Referral) -> dict[str, Any]:
    """What leaves for the peer: the IASC fields and the shared fields only (already limited to
    what the consent allowed when the referral was sent)."""
    shared = shared_values(referral.shared_data)
    allowed = set(referral.shared_fields) | {"code"}
    return {
        "kind": "referral",
        "referral": {
            "code": referral.code,
            "to_organisation": referral.to_organisation.acronym,
            "from_organisation": (
                f"{referral.from_organisation.acronym} — {referral.from_organisation.name}"
            )[:250],
            "priority": referral.priority,
            "services_requested": [s.name for s in referral.services_requested.all()],
            "reason": referral.reason,
            "caregiver_informed": referral.caregiver_informed,
            "shared_fields": list(referral.shared_fields),
            "shared": {k: v for k, v in shared.items() if k in allowed},
            "sent_at": referral.sent_at.isoformat(),
            "respond_by": referral.respond_by.isoformat(),
        },
    }


def referral_peer_channel(*, referral: Referral) -> None:
    """Delivery channel (services.referrals.channels): a referral to an organisation hosted by a
    peer is queued for it."""
    peer = peer_hosting(referral.operation, referral.to_organisation_id)
    if peer is None:
        return
    if referral.to_user_id is not None or referral.service_id is not None:
        raise ValidationError(
            _("The receiving organisation works in another Tutela: choose no person or service.")
        )
    peer_message_queue(
        peer=peer,
        kind=PeerMessage.Kind.REFERRAL,
        payload=referral_payload(referral),
        referral=referral,
    )


def referral_delivery(referral: Referral) -> PeerMessage | None:
    """The package of a referral sent to another Tutela (None for a local referral)."""
    return (
        PeerMessage.objects.filter(referral=referral, kind=PeerMessage.Kind.REFERRAL)
        .select_related("peer")
        .first()
    )


def referral_peer_withdrawal(*, referral: Referral, by: User, what: str, reason: str) -> None:
    """Withdrawal channel (services.consent.withdrawal_channels): the peer that received the
    referral is told that it was withdrawn (`what` "referral") or that its consent was (`what`
    "consent"); it then removes what was shared. A package not delivered yet loses the shared data
    before it leaves; the withdrawal waits for it (`peer_message_deliver`),
    then is retried like any other package while the peer is down."""
    message = (
        PeerMessage.objects.select_for_update()
        .filter(referral=referral, kind=PeerMessage.Kind.REFERRAL)
        .select_related("peer")
        .first()
    )
    if message is None or message.peer.status != Peer.Status.ACTIVE:
        return  # a local referral, or a peer revoked (nothing more is sent to it)
    if message.status == PeerMessage.Status.QUEUED:
        payload = json.loads(message.payload)
        payload["referral"]["shared_fields"] = []
        payload["referral"]["shared"] = {}
        message.payload = json.dumps(payload)
        message.save(update_fields=["payload", "updated_at"])
    withdrawal = peer_message_queue(
        peer=message.peer,
        kind=PeerMessage.Kind.WITHDRAWAL,
        payload={
            "kind": "withdrawal",
            "withdrawal": {
                "code": referral.code,
                "what": what,
                "reason": reason[:5000],
                "at": timezone.now().isoformat(),
            },
        },
        referral=referral,
    )
    audit_write(
        actor=by,
        action="update",
        instance=referral,
        operation=referral.operation,
        after={"peer_told": message.peer.name, "withdrawn": what, "package": withdrawal.package_id},
    )


def _post(peer: Peer, body: bytes) -> tuple[int, dict[str, Any]]:
    """Post to the peer's inbox through the SSRF filter (tutela.cases.peer_http)."""
    status, answer = peer_http.post(peer.base_url + INBOX_PATH, body, timeout=TIMEOUT_SECONDS)
    return status, _json(answer)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw[:10_000])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _referral_waiting(withdrawal: PeerMessage) -> bool:
    """A withdrawal goes after the referral it withdraws: while that is still queued (or being
    sent) it waits; if that was refused, there is nothing to withdraw over there."""
    if withdrawal.referral_id is None:
        return False
    referral_message = PeerMessage.objects.filter(
        referral_id=withdrawal.referral_id, kind=PeerMessage.Kind.REFERRAL
    ).first()
    if referral_message is None or referral_message.status == PeerMessage.Status.DELIVERED:
        return False
    if referral_message.status == PeerMessage.Status.QUEUED:
        withdrawal.next_attempt_at = timezone.now() + retry_delay(1)
        withdrawal.save(update_fields=["next_attempt_at", "updated_at"])
    else:
        withdrawal.status = PeerMessage.Status.FAILED
        withdrawal.next_attempt_at = None
        withdrawal.last_error = "the referral itself never reached the peer: nothing to withdraw"
        withdrawal.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
    return True


def peer_message_deliver(*, message_id: int) -> str:
    """One attempt at delivering a message (the task worker's job); its status afterwards.
    A peer down or failing (5xx, timeout) is retried later; a refusal (4xx) is final."""
    with transaction.atomic():
        message = (
            PeerMessage.objects.select_for_update()
            .select_related("peer", "peer__operation")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != PeerMessage.Status.QUEUED:
            return message.status if message else "missing"
        if message.kind == PeerMessage.Kind.WITHDRAWAL and _referral_waiting(message):
            return str(message.status)
        # Claimed for this attempt: another worker skips it until the delay passes.
        message.attempts += 1
        message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
        message.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    peer = message.peer
    body = peer_packages.seal(
        json.loads(message.payload),
        keys=instance_keys(),
        recipient=peer.encryption_key,
        operation=peer.remote_operation,
        package_id=message.package_id,
    )
    refused = False
    try:
        status, answer = _post(peer, body)
    except peer_http.AddressRefused as error:
        # Not sent at all: an address this instance does not post to is final, not retried.
        status, answer, refused = 0, {"code": "address_refused", "detail": str(error)}, True
    except (OSError, ValueError) as error:
        status, answer = 0, {"detail": str(error)}
    delivered = 200 <= status < 300 or (status == 409 and answer.get("code") == "replay")
    retry = not refused and (status == 0 or status >= 500 or status in (408, 429))
    message.refresh_from_db()
    if delivered:
        message.status = PeerMessage.Status.DELIVERED
        message.delivered_at = timezone.now()
        message.next_attempt_at = None
        message.last_error = ""
    else:
        message.last_error = (
            f"{status or 'no answer'}: {answer.get('code') or ''} "
            + str(answer.get("detail") or "")[:250]
        )
        if not retry or message.attempts >= MAX_ATTEMPTS:
            message.status = PeerMessage.Status.FAILED
            message.next_attempt_at = None
        logger.warning("peer message %s to %s: %s", message.pk, peer.name, message.last_error)
    message.save(
        update_fields=["status", "delivered_at", "next_attempt_at", "last_error", "updated_at"]
    )
    return message.status


@task()
def peer_message_send(*, message_id: int) -> str:
    """Deliver one package to another Tutela, in the task worker (`tutela db_worker`), queued once
    the transaction commits. A peer down is retried by the scheduler (cases.peer_delivery), not
    raised. Returns the message's status. Defined next to its service, as activities does, so
    that no module imports the other back."""
    return peer_message_deliver(message_id=message_id)


def peer_messages_deliver_due(now: datetime.datetime | None = None) -> int:
    """The scheduler's pass: try again every message whose delay has passed."""
    now = now or timezone.now()
    due = list(
        PeerMessage.objects.filter(
            status=PeerMessage.Status.QUEUED, next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:200]
    )
    for message_id in due:
        peer_message_deliver(message_id=message_id)
    return len(due)
