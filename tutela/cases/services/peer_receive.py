"""Receiving from a peer: `package_receive` checks a package posted to the inbox
(tutela.cases.peer_packages: size, format, known active peer, signature, rate, time window,
replay), decrypts it, validates the payload strictly and writes an `InboundReferral` (or applies an
answer or a withdrawal to a referral), audited; any failure raises `PackageError` and writes
nothing. The receiving organisation's supervisors are e-mailed (codes only, never a name).
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.cases import peer_packages, shared_fields
from tutela.cases.models import (
    InboundReferral,
    Peer,
    PeerPackageSeen,
    Referral,
)
from tutela.cases.peer_packages import PackageError
from tutela.cases.services import notifications
from tutela.cases.services.peer_registry import instance_keys
from tutela.core.models import Organisation
from tutela.core.services.audit import audit_create, audit_update, snapshot
from tutela.core.services.mail import mail_enqueue

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
