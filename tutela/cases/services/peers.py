"""Referrals between Tutela instances (README "Case management", "Referrals to another Tutela").

Sending: a referral to an organisation that a registered peer hosts is sent as usual
(`referral_send`: the consent check, the shared fields copied); `referral_peer_channel`, registered
as a delivery channel, queues a `PeerMessage` carrying the referral's IASC fields and only its
shared fields. The task worker seals and posts it (`peer_message_deliver`); while the peer is down
the message waits and is retried with a growing delay by the scheduler
(`peer_messages_deliver_due`).
Never in the request.

Receiving: `package_receive` checks the package (tutela.cases.peer_packages: size, format, known
active peer, signature, time window, replay), decrypts it, validates the payload strictly and
writes an `InboundReferral` (or applies an answer to one of our referrals), audited; any failure
raises `PackageError` and writes nothing.

Answering: the receiving organisation accepts, declines or completes an inbound referral here;
each answer goes back to the sender the same way and moves its referral to the same state as a
local answer would (its deadline and escalation unchanged).
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.cases import access, peer_http, peer_packages, shared_fields
from tutela.cases.models import (
    Case,
    InboundReferral,
    InstanceKey,
    Peer,
    PeerMessage,
    PeerPackageSeen,
    Referral,
)
from tutela.cases.peer_packages import KeyPair, PackageError
from tutela.cases.selectors.inbound import inbound_referrals_late
from tutela.cases.services import notifications
from tutela.cases.services.referrals import case_from_shared
from tutela.cases.shared_fields import shared_values
from tutela.core.models import AdminArea, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import mail_enqueue

logger = logging.getLogger(__name__)

# A message is tried this many times (about two days with the delays below), then marked failed.
MAX_ATTEMPTS = 40
TIMEOUT_SECONDS = 20
INBOX_PATH = "/api/v1/peers/inbox/"


def retry_delay(attempts: int) -> datetime.timedelta:
    """After the `attempts`-th failure: 30 s, 1, 2, 4... minutes, at most an hour."""
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


# --- This instance's keys ------------------------------------------------------------------------


def instance_keys() -> KeyPair:
    """This instance's key pair, made on first use (private keys encrypted at rest)."""
    key = InstanceKey.objects.order_by("pk").first()
    if key is None:
        pair = KeyPair.generate()
        key = InstanceKey.objects.create(
            signing_private=peer_packages.b64(pair.signing_private),
            encryption_private=peer_packages.b64(pair.encryption_private),
            signing_public=pair.signing_public,
            encryption_public=pair.encryption_public,
        )
        # Two first uses at once may both create one: the oldest row is the key, always.
        key = InstanceKey.objects.order_by("pk").first() or key
    return KeyPair(
        signing_private=peer_packages.unb64(key.signing_private),
        encryption_private=peer_packages.unb64(key.encryption_private),
    )


def instance_public_keys() -> dict[str, str]:
    keys = instance_keys()
    return {"signing_key": keys.signing_public, "encryption_key": keys.encryption_public}


# --- Peers ---------------------------------------------------------------------------------------


def _require_manager(by: User, operation: Operation) -> None:
    if not access.can_manage_peers(by, operation):
        raise PermissionDenied


def _check_organisations(operation: Operation, organisations: Iterable[Organisation]) -> list[Any]:
    chosen = list(organisations)
    members = set(operation.organisations.values_list("pk", flat=True))
    if any(o.pk not in members for o in chosen):
        raise ValidationError({"organisations": _("Not an organisation of this operation.")})
    return chosen


@transaction.atomic
def peer_register(
    *,
    operation: Operation,
    by: User,
    name: str,
    base_url: str,
    remote_operation: str,
    signing_key: str,
    encryption_key: str,
    organisations: Iterable[Organisation] = (),
) -> Peer:
    """Register another Tutela (its keys as its own peers page shows them)."""
    _require_manager(by, operation)
    errors: dict[str, str] = {}
    for field, value in (("signing_key", signing_key), ("encryption_key", encryption_key)):
        try:
            peer_packages.check_public_key(value)
        except ValueError:
            errors[field] = _("Paste the key as the other Tutela shows it (44 characters).")
    if signing_key.strip() == instance_keys().signing_public:
        errors["signing_key"] = _("This is this Tutela's own key.")
    try:
        peer_http.check_url(base_url.strip())
    except peer_http.AddressRefused as error:
        errors["base_url"] = _("This Tutela does not send to this address: %(why)s") % {
            "why": error
        }
    if errors:
        raise ValidationError(errors)
    if Peer.objects.filter(
        operation=operation, signing_key=signing_key.strip(), status=Peer.Status.ACTIVE
    ).exists():
        raise ValidationError({"signing_key": _("A peer with this key is already registered.")})
    chosen = _check_organisations(operation, organisations)
    peer = Peer(
        operation=operation,
        name=name.strip(),
        base_url=base_url.strip().rstrip("/"),
        remote_operation=remote_operation.strip(),
        signing_key=signing_key.strip(),
        encryption_key=encryption_key.strip(),
        registered_by=by,
    )
    peer.full_clean()
    peer.save()
    peer.organisations.set(chosen)
    audit_create(actor=by, instance=peer, operation=operation)
    return peer


@transaction.atomic
def peer_organisations_set(*, peer: Peer, by: User, organisations: Iterable[Organisation]) -> Peer:
    _require_manager(by, peer.operation)
    chosen = _check_organisations(peer.operation, organisations)
    before = {"organisations": sorted(peer.organisations.values_list("acronym", flat=True))}
    peer.organisations.set(chosen)
    after = {"organisations": sorted(o.acronym for o in chosen)}
    audit_write(
        actor=by,
        action="update",
        instance=peer,
        operation=peer.operation,
        before=before,
        after=after,
    )
    return peer


@transaction.atomic
def peer_revoke(*, peer: Peer, by: User) -> Peer:
    """Stop trusting a peer: its packages are refused, nothing more is sent to it."""
    _require_manager(by, peer.operation)
    if peer.status == Peer.Status.REVOKED:
        raise ValidationError(_("This peer is already revoked."))
    before = snapshot(peer)
    peer.status = Peer.Status.REVOKED
    peer.revoked_at = timezone.now()
    peer.save(update_fields=["status", "revoked_at", "updated_at"])
    PeerMessage.objects.filter(peer=peer, status=PeerMessage.Status.QUEUED).update(
        status=PeerMessage.Status.FAILED, last_error="peer revoked", next_attempt_at=None
    )
    audit_update(actor=by, instance=peer, operation=peer.operation, before=before)
    return peer


def peer_hosting(operation: Operation, organisation_id: int) -> Peer | None:
    return (
        Peer.objects.filter(
            operation=operation, status=Peer.Status.ACTIVE, organisations__pk=organisation_id
        )
        .order_by("pk")
        .first()
    )


# --- Sending -------------------------------------------------------------------------------------


def _queue(*, peer: Peer, kind: str, payload: dict[str, Any], **links: Any) -> PeerMessage:
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
    _queue(
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
    withdrawal = _queue(
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


# --- Receiving -----------------------------------------------------------------------------------

HTTP_STATUS = {
    "too_large": 413,
    "unknown_peer": 403,
    "bad_signature": 403,
    "replay": 409,
    "conflict": 409,
    "unknown_referral": 404,
    "rate_limited": 429,
}


def _text(value: Any, name: str, *, limit: int, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
        raise PackageError("invalid", f"{name}: text of at most {limit} characters expected.")
    return value


def _when(value: Any, name: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(_text(value, name, limit=40))
    except ValueError as exc:
        raise PackageError("invalid", f"{name}: a date and time expected.") from exc
    if moment.tzinfo is None:
        raise PackageError("invalid", f"{name}: a time zone expected.")
    return moment


def _object(value: Any, name: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise PackageError("invalid", f"{name}: exactly the fields {sorted(keys)} expected.")
    return value


REFERRAL_KEYS = {
    "code",
    "to_organisation",
    "from_organisation",
    "priority",
    "services_requested",
    "reason",
    "caregiver_informed",
    "shared_fields",
    "shared",
    "sent_at",
    "respond_by",
}
ANSWER_KEYS = {"code", "status", "reason", "feedback", "at"}
WITHDRAWAL_KEYS = {"code", "what", "reason", "at"}


def _receive_referral(peer: Peer, data: dict[str, Any]) -> InboundReferral:
    data = _object(data, "referral", REFERRAL_KEYS)
    code = _text(data["code"], "code", limit=40)
    organisation = Organisation.objects.filter(
        acronym=_text(data["to_organisation"], "to_organisation", limit=40),
        operations=peer.operation,
    ).first()
    if organisation is None:
        raise PackageError("invalid", "to_organisation: not an organisation of this operation.")
    if data["priority"] not in Referral.Priority.values:
        raise PackageError("invalid", "priority: emergency, urgent or normal expected.")
    services = data["services_requested"]
    if not isinstance(services, list) or not 0 < len(services) <= 30:
        raise PackageError("invalid", "services_requested: a list of 1 to 30 names expected.")
    services = [_text(s, "services_requested", limit=200) for s in services]
    if data["caregiver_informed"] not in (True, False, None):
        raise PackageError("invalid", "caregiver_informed: true, false or null expected.")
    fields = data["shared_fields"]
    if not isinstance(fields, list) or any(f not in shared_fields.FIELDS for f in fields):
        raise PackageError("invalid", "shared_fields: known field codes expected.")
    shared = data["shared"]
    if not isinstance(shared, dict) or not set(shared) <= {*fields, "code"}:
        # A value the sender's consent did not list is never kept.
        raise PackageError("invalid", "shared: only the listed shared fields may be sent.")
    if InboundReferral.objects.filter(peer=peer, code=code).exists():
        raise PackageError("conflict", "This referral was already received.")
    inbound = InboundReferral.objects.create(
        operation=peer.operation,
        peer=peer,
        organisation=organisation,
        code=code,
        from_organisation=_text(data["from_organisation"], "from_organisation", limit=250),
        priority=data["priority"],
        services_requested=services,
        reason=_text(data["reason"], "reason", limit=20_000),
        caregiver_informed=data["caregiver_informed"],
        shared_fields=list(fields),
        shared_data=json.dumps(shared),
        sent_at=_when(data["sent_at"], "sent_at"),
        respond_by=_when(data["respond_by"], "respond_by"),
    )
    audit_create(actor=None, instance=inbound, operation=peer.operation)
    inbound_referral_notify(inbound)
    return inbound


def _receive_answer(peer: Peer, data: dict[str, Any]) -> Referral:
    data = _object(data, "answer", ANSWER_KEYS)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .filter(
            operation=peer.operation,
            code=_text(data["code"], "code", limit=40),
            to_organisation__in=peer.organisations.all(),
        )
        .first()
    )
    if referral is None:
        raise PackageError("unknown_referral", "No referral of ours with this code went to you.")
    status = data["status"]
    reason = _text(data["reason"], "reason", limit=5000, empty=True)
    feedback = _text(data["feedback"], "feedback", limit=20_000, empty=True)
    at = min(_when(data["at"], "at"), timezone.now())
    expected = {
        Referral.Status.ACCEPTED: Referral.Status.SENT,
        Referral.Status.DECLINED: Referral.Status.SENT,
        Referral.Status.COMPLETED: Referral.Status.ACCEPTED,
    }
    if status not in expected:
        raise PackageError("invalid", "status: accepted, declined or completed expected.")
    if referral.status != expected[status]:
        raise PackageError("conflict", f"The referral is {referral.status}.")
    if status == Referral.Status.DECLINED and not reason.strip():
        raise PackageError("invalid", "reason: a declined referral says why.")
    if status == Referral.Status.COMPLETED and not feedback.strip():
        raise PackageError("invalid", "feedback: a completed referral gives feedback.")
    before = snapshot(referral)
    referral.status = status
    if referral.responded_at is None:
        referral.responded_at = max(at, referral.sent_at)
    if status == Referral.Status.DECLINED:
        referral.decline_reason = reason.strip()
        # The receiver does not keep what it declined (nor does its copy here).
        referral.shared_data = ""
    if status == Referral.Status.COMPLETED:
        referral.completed_at = max(at, referral.sent_at)
        referral.feedback = feedback.strip()
    referral.save()
    audit_update(actor=None, instance=referral, operation=referral.operation, before=before)
    notifications.referral_answered_notify(referral)
    return referral


def _receive_withdrawal(peer: Peer, data: dict[str, Any]) -> InboundReferral:
    """The sender withdrew the referral, or the consent it rested on: what it shared is removed
    here; a withdrawn referral can no longer be answered, and no case can be opened from either."""
    data = _object(data, "withdrawal", WITHDRAWAL_KEYS)
    inbound = (
        InboundReferral.objects.select_for_update(of=("self",))
        .filter(peer=peer, code=_text(data["code"], "code", limit=40))
        .first()
    )
    if inbound is None:
        raise PackageError("unknown_referral", "No referral with this code came from you.")
    what = data["what"]
    if what not in ("referral", "consent"):
        raise PackageError("invalid", "what: referral or consent expected.")
    reason = _text(data["reason"], "reason", limit=5000, empty=True)
    at = min(_when(data["at"], "at"), timezone.now())
    before = snapshot(inbound)
    inbound.shared_data = ""
    inbound.shared_fields = []
    if what == "referral":
        if inbound.status in (InboundReferral.Status.SENT, InboundReferral.Status.ACCEPTED):
            inbound.status = InboundReferral.Status.WITHDRAWN
        inbound.withdrawn_at = inbound.withdrawn_at or at
        inbound.withdrawal_reason = reason.strip()
    else:
        inbound.consent_withdrawn_at = inbound.consent_withdrawn_at or at
    inbound.save()
    audit_update(actor=None, instance=inbound, operation=inbound.operation, before=before)
    inbound_withdrawn_notify(inbound, what)
    return inbound


def _inbox_count(peer: Peer, now: datetime.datetime) -> None:
    """The inbox's rate limit: at most TUTELA_PEER_INBOX_PER_MINUTE packages per peer key in a
    one-minute window, counted once the signature is checked (a forger cannot spend a real peer's
    allowance) and before anything is decrypted or written. Counted in its own transaction: a
    package refused later still counts."""
    limit = settings.TUTELA_PEER_INBOX_PER_MINUTE
    window = datetime.timedelta(minutes=1)
    with transaction.atomic():
        row = (
            Peer.objects.select_for_update()
            .only("inbox_window_start", "inbox_window_count")
            .get(pk=peer.pk)
        )
        start, count = row.inbox_window_start, row.inbox_window_count
        if start is None or not start <= now < start + window:
            start, count = now, 0
        if count >= limit:
            retry_after = max(1, math.ceil((start + window - now).total_seconds()))
            raise PackageError(
                "rate_limited",
                f"At most {limit} packages a minute: try again in {retry_after} seconds.",
                retry_after=retry_after,
            )
        Peer.objects.filter(pk=peer.pk).update(
            inbox_window_start=start, inbox_window_count=count + 1
        )


def package_receive(*, body: bytes, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Take in one package posted to the inbox. Raises PackageError (nothing written but the rate
    count) if it is too large, malformed, from an unknown or revoked peer, badly signed, over the
    peer's rate limit, out of its time window, a replay, not for this instance, or its payload is
    not exactly what the schema allows."""
    now = now or timezone.now()
    package = peer_packages.read_header(body)
    peer = (
        Peer.objects.select_related("operation")
        .filter(
            operation__slug=package["operation"],
            signing_key=package["sender"],
            status=Peer.Status.ACTIVE,
        )
        .first()
    )
    if peer is None:
        raise PackageError("unknown_peer", "The sender is not an active peer of this operation.")
    peer_packages.verify(package, signing_key=peer.signing_key)
    _inbox_count(peer, now)
    return _package_take(peer, package, now)


@transaction.atomic
def _package_take(peer: Peer, package: dict[str, Any], now: datetime.datetime) -> dict[str, Any]:
    peer_packages.check_time(package, now)
    if PeerPackageSeen.objects.filter(peer=peer, package_id=package["id"]).exists():
        raise PackageError("replay", "This package was already received.")
    payload = peer_packages.open_payload(package, keys=instance_keys())
    kind = payload.get("kind")
    if set(payload) != {"kind", str(kind)} or kind not in ("referral", "answer", "withdrawal"):
        raise PackageError(
            "invalid", "The payload is a referral, an answer or a withdrawal, nothing else."
        )
    try:
        with transaction.atomic():
            PeerPackageSeen.objects.create(peer=peer, package_id=package["id"])
    except IntegrityError as exc:
        raise PackageError("replay", "This package was already received.") from exc
    if kind == "referral":
        inbound = _receive_referral(peer, payload["referral"])
        return {"received": "referral", "code": inbound.code}
    if kind == "withdrawal":
        inbound = _receive_withdrawal(peer, payload["withdrawal"])
        return {"received": "withdrawal", "code": inbound.code, "status": inbound.status}
    referral = _receive_answer(peer, payload["answer"])
    return {"received": "answer", "code": referral.code, "status": referral.status}


def packages_seen_forget(now: datetime.datetime | None = None) -> int:
    """Ids older than twice the time window can go: such a package is refused as expired."""
    limit = (now or timezone.now()) - 2 * peer_packages.WINDOW
    deleted, _ = PeerPackageSeen.objects.filter(received_at__lt=limit).delete()
    return deleted


def inbound_referral_notify(inbound: InboundReferral) -> None:
    """E-mail the receiving organisation's supervisors (code and deadline only, never a name)."""

    for user in notifications.supervisors_of(inbound.operation, inbound.organisation_id):
        with translation.override(user.language or inbound.operation.default_language):
            subject = _("New referral %(code)s from another Tutela") % {"code": inbound.code}
            text = _(
                "%(org)s sent your organisation the referral %(code)s through another Tutela. "
                "Please answer by %(deadline)s UTC."
            ) % {
                "org": inbound.from_organisation,
                "code": inbound.code,
                "deadline": inbound.respond_by.strftime("%Y-%m-%d %H:%M"),
            }
            mail_enqueue(
                operation=inbound.operation,
                kind="cases.peer_referral_received",
                subject=subject,
                text=text,
                to_users=[user],
            )


# --- Answering an inbound referral ---------------------------------------------------------------


def _answer(
    inbound: InboundReferral, by: User, status: str, *, reason: str = "", feedback: str = ""
) -> InboundReferral:
    if inbound.peer.status != Peer.Status.ACTIVE:
        raise ValidationError(_("The other Tutela is no longer a registered peer."))
    before = snapshot(inbound)
    now = timezone.now()
    inbound.status = status
    if inbound.responded_at is None:
        inbound.responded_at = now
        inbound.responded_by = by
    if status == InboundReferral.Status.DECLINED:
        inbound.decline_reason = reason
        inbound.shared_data = ""
    if status == InboundReferral.Status.COMPLETED:
        inbound.completed_at = now
        inbound.feedback = feedback
    inbound.save()
    audit_update(actor=by, instance=inbound, operation=inbound.operation, before=before)
    _queue(
        peer=inbound.peer,
        kind=PeerMessage.Kind.ANSWER,
        payload={
            "kind": "answer",
            "answer": {
                "code": inbound.code,
                "status": status,
                "reason": reason,
                "feedback": feedback,
                "at": now.isoformat(),
            },
        },
        inbound=inbound,
    )
    return inbound


@transaction.atomic
def inbound_referral_accept(*, inbound: InboundReferral, by: User) -> InboundReferral:
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    if inbound.status != InboundReferral.Status.SENT:
        raise ValidationError(_("Only a referral waiting for an answer can be accepted."))
    return _answer(inbound, by, InboundReferral.Status.ACCEPTED)


@transaction.atomic
def inbound_referral_decline(*, inbound: InboundReferral, by: User, reason: str) -> InboundReferral:
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    if inbound.status != InboundReferral.Status.SENT:
        raise ValidationError(_("Only a referral waiting for an answer can be declined."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    return _answer(inbound, by, InboundReferral.Status.DECLINED, reason=reason.strip())


@transaction.atomic
def inbound_referral_complete(
    *, inbound: InboundReferral, by: User, feedback: str
) -> InboundReferral:
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    if inbound.status != InboundReferral.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be completed."))
    if not feedback.strip():
        raise ValidationError({"feedback": _("Give feedback to the referring organisation.")})
    return _answer(inbound, by, InboundReferral.Status.COMPLETED, feedback=feedback.strip())


def answer_delivery(inbound: InboundReferral) -> PeerMessage | None:
    return PeerMessage.objects.filter(inbound=inbound).order_by("-created_at", "-id").first()


def inbound_withdrawn_notify(inbound: InboundReferral, what: str) -> None:
    """E-mail the receiving organisation's supervisors that the sender took the referral (or its
    consent) back (the code only)."""
    for user in notifications.supervisors_of(inbound.operation, inbound.organisation_id):
        with translation.override(user.language or inbound.operation.default_language):
            if what == "referral":
                subject = _("Referral %(code)s withdrawn") % {"code": inbound.code}
                text = _(
                    "%(org)s withdrew the referral %(code)s. What it shared has been removed "
                    "from this Tutela."
                )
            else:
                subject = _("Consent withdrawn for the referral %(code)s") % {"code": inbound.code}
                text = _(
                    "The person referred by %(org)s in the referral %(code)s withdrew their "
                    "consent. What it shared has been removed from this Tutela."
                )
            mail_enqueue(
                operation=inbound.operation,
                kind="cases.peer_referral_withdrawn",
                subject=subject,
                text=text % {"org": inbound.from_organisation, "code": inbound.code},
                to_users=[user],
            )


# --- The receiving side: its own case, and referrals left unanswered -----------------------------


@transaction.atomic
def inbound_referral_open_case(
    *,
    inbound: InboundReferral,
    by: User,
    area: AdminArea | None = None,
    confirm_not_duplicate: bool = False,
) -> Case:
    """The receiving organisation opens its own case from an accepted inbound referral, with the
    fields the sender's consent let through (and nothing else); the case is linked to it."""
    if not access.can_answer_inbound_referral(by, inbound):
        raise PermissionDenied
    inbound = InboundReferral.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status not in (InboundReferral.Status.ACCEPTED, InboundReferral.Status.COMPLETED):
        raise ValidationError(_("Accept the referral before opening a case from it."))
    if inbound.case_id is not None:
        raise ValidationError(_("A case was already opened from this referral."))
    if inbound.consent_withdrawn_at is not None or inbound.withdrawn_at is not None:
        raise ValidationError(
            _("The referring organisation withdrew what it shared: no case can be opened from it.")
        )
    case = case_from_shared(
        operation=inbound.operation,
        by=by,
        shared_data=inbound.shared_data,
        area=area,
        case_type=Case.Type.GENERAL,
        summary=_("Opened from the referral %(code)s received from %(org)s.")
        % {"code": inbound.code, "org": inbound.from_organisation},
        confirm_not_duplicate=confirm_not_duplicate,
    )
    before = snapshot(inbound)
    inbound.case = case
    inbound.save(update_fields=["case", "updated_at"])
    audit_update(actor=by, instance=inbound, operation=inbound.operation, before=before)
    return case


def inbound_referrals_overdue(now: datetime.datetime | None = None) -> Any:
    """Late (the rule the receiving staff's notice shows too) and not escalated yet."""
    return (
        inbound_referrals_late(InboundReferral.objects.all(), now or timezone.now())
        .filter(escalated_at__isnull=True)
        .select_related("operation", "organisation")
    )


@transaction.atomic
def inbound_referrals_escalate(*, now: datetime.datetime | None = None) -> list[InboundReferral]:
    """The receiving side's escalation: each referral from another Tutela past its deadline
    without an answer is e-mailed once to the receiving organisation's supervisors, audited."""
    now = now or timezone.now()
    escalated = []
    for inbound in inbound_referrals_overdue(now).select_for_update(of=("self",)):
        for user in notifications.supervisors_of(inbound.operation, inbound.organisation_id):
            with translation.override(user.language or inbound.operation.default_language):
                mail_enqueue(
                    operation=inbound.operation,
                    kind="cases.peer_referral_overdue",
                    subject=_("Referral %(code)s not answered in time") % {"code": inbound.code},
                    text=_(
                        "The referral %(code)s that %(org)s sent your organisation through "
                        "another Tutela was due for an answer by %(deadline)s UTC and has none. "
                        "Please accept or decline it."
                    )
                    % {
                        "code": inbound.code,
                        "org": inbound.from_organisation,
                        "deadline": inbound.respond_by.strftime("%Y-%m-%d %H:%M"),
                    },
                    to_users=[user],
                )
        before = snapshot(inbound)
        inbound.escalated_at = now
        inbound.save(update_fields=["escalated_at", "updated_at"])
        audit_update(actor=None, instance=inbound, operation=inbound.operation, before=before)
        escalated.append(inbound)
    return escalated
