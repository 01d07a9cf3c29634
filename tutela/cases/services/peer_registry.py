"""The peers of an operation (README "Referrals to another Tutela"): this instance's own keys, and
the other Tutelas a coordinator registers, links to organisations and revokes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access, peer_http, peer_packages
from tutela.cases.models import (
    InstanceKey,
    Peer,
    PeerMessage,
)
from tutela.cases.peer_packages import KeyPair
from tutela.core.models import Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

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
