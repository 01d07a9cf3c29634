"""Writing the audit log. Services call these explicitly (never from signals)."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest

from tutela.core.crypto import EncryptedTextField
from tutela.core.models import AuditEntry, Operation, User, Visitor


def _fingerprint(value: str, *, instance: models.Model, field: str) -> str:
    """A short keyed digest of an encrypted value, salted with the record and field it belongs
    to: enough for the log to show that a value of this record changed (one phone number
    replaced by another), useless for guessing what it is. The salt matters: without it the same
    text gave the same digest in every record, so anyone able to write a record (their own
    incident) with a guessed text could confirm the guess by comparing digests in the log."""
    salt = f"{instance._meta.label_lower}:{instance.pk}:{field}:"
    digest = hmac.new(
        settings.SECRET_KEY.encode(), (salt + value).encode(), hashlib.sha256
    ).hexdigest()
    return f"[encrypted #{digest[:8]}]"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, FieldFile):
        # The storage name (random, no personal data), not the file.
        return value.name or ""
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values, ready for the audit log.

    Encrypted personal data never enters the log in clear: it is recorded as "[encrypted #digest]"
    (or empty), a short keyed digest salted with the record and field, so that the log shows that
    it changed, not what it says, and the digests of two records cannot be compared. Foreign keys
    are recorded by id.
    """
    wanted = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        if field.name in {"password", "totp_secret", "token_hash"}:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField):
            value = _fingerprint(value, instance=instance, field=field.attname) if value else ""
        data[field.attname] = _jsonable(value)
    for field in instance._meta.many_to_many:
        if wanted is not None and field.name not in wanted:
            continue
        if instance.pk is not None:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    keys += [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _actor(actor: Visitor | None) -> User | None:
    """The signed-in user an entry is by (None: the command line, an anonymous visitor)."""
    return actor if isinstance(actor, User) else None


def _actor_label(actor: Visitor | None) -> str:
    user = _actor(actor)
    return "" if user is None else str(user.email)


def audit_write(
    *,
    actor: Visitor | None,
    action: str,
    instance: models.Model | None = None,
    operation: Operation | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
    entity_type: str = "",
    entity_id: str = "",
) -> AuditEntry:
    if before is not None and after is not None:
        before, after = changed(before, after)
    if instance is not None:
        entity_type = entity_type or instance._meta.label_lower
        entity_id = entity_id or str(instance.pk)
        summary = summary or str(instance)[:300]
    return AuditEntry.objects.create(
        operation=operation,
        actor=_actor(actor),
        actor_label=_actor_label(actor),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary[:300],
        before=before,
        after=after,
        ip_address=client_ip(request),
    )


def audit_read(
    *,
    actor: Visitor | None,
    instance: models.Model,
    operation: Operation | None,
    request: HttpRequest | None = None,
    reason: str = "",
) -> AuditEntry:
    """Record that a user read a sensitive record (a case, an incident narrative...).

    Later modules call this from their access helpers, so that every read is logged."""
    summary = f"{instance}" + (f" — {reason}" if reason else "")
    return audit_write(
        actor=actor,
        action=AuditEntry.Action.READ,
        instance=instance,
        operation=operation,
        summary=summary,
        request=request,
    )


def audit_read_many(
    *,
    actor: Visitor | None,
    instances: Iterable[models.Model],
    operation: Operation | None,
    request: HttpRequest | None = None,
    reason: str = "",
    after: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """Record that a user read several sensitive records at once (a page of a list): one entry
    per record, as `audit_read` writes for one, so that an auditor asking "who read this record?"
    finds list reads too; written with one INSERT."""
    label = _actor_label(actor)
    user = _actor(actor)
    ip = client_ip(request)
    entries = [
        AuditEntry(
            operation=operation,
            actor=user,
            actor_label=label,
            action=AuditEntry.Action.READ,
            entity_type=instance._meta.label_lower,
            entity_id=str(instance.pk),
            summary=(f"{instance}" + (f" — {reason}" if reason else ""))[:300],
            after=after,
            ip_address=ip,
        )
        for instance in instances
    ]
    return AuditEntry.objects.bulk_create(entries) if entries else []


def audit_create(
    *,
    actor: Visitor | None,
    instance: models.Model,
    operation: Operation | None,
    request: Any = None,
) -> AuditEntry:
    return audit_write(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=instance,
        operation=operation,
        after=snapshot(instance),
        request=request,
    )


def audit_update(
    *,
    actor: Visitor | None,
    instance: models.Model,
    operation: Operation | None,
    before: dict[str, Any],
    request: Any = None,
) -> AuditEntry | None:
    """Log an update; nothing is logged when nothing changed."""
    after = snapshot(instance)
    b, a = changed(before, after)
    if not a and not b:
        return None
    return audit_write(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=instance,
        operation=operation,
        before=b,
        after=a,
        request=request,
    )
