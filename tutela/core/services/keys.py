"""Re-encrypting personal data under the primary key (step 2 of key rotation, see crypto.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from tutela.core.crypto import PREFIX, encrypted_fields, rotate
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write

BATCH = 500


@dataclass
class RotationResult:
    columns: int
    values: int


@transaction.atomic
def keys_rotate(*, by: User | None = None) -> RotationResult:
    """Read every encrypted column raw, re-encrypt each value under the first key, write it back.

    Runs in one transaction: an interruption leaves every value as it was (readable with the old
    keys, which are still configured)."""
    total = 0
    columns = 0
    for model, field_name in encrypted_fields():
        columns += 1
        column = model._meta.get_field(field_name).column  # type: ignore[union-attr]
        # .values_list goes through from_db_value (decryption); read the raw cipher text instead.
        queryset = model._default_manager.exclude(**{field_name: ""}).order_by("pk")
        quote_name = connection.ops.quote_name
        qualified = f"{quote_name(model._meta.db_table)}.{quote_name(str(column))}"
        raw = queryset.extra(select={"_raw": qualified}).values_list("pk", "_raw")  # noqa: S610
        for pk, stored in raw.iterator(chunk_size=BATCH):
            if not stored or not stored.startswith(PREFIX):
                continue
            model._default_manager.filter(pk=pk).update(**{field_name: _Raw(rotate(stored))})
            total += 1
    audit_write(
        actor=by,
        action=AuditEntry.Action.SECURITY,
        entity_type="encryption",
        summary=f"Encryption keys rotated: {total} values in {columns} columns re-encrypted",
    )
    return RotationResult(columns=columns, values=total)


class _Raw(str):
    """A value already encrypted: written as is (see EncryptedTextField.get_prep_value)."""

    __slots__ = ()
