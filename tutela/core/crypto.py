"""Field-level encryption of personal data at rest.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under the keys
in `settings.FIELD_ENCRYPTION_KEYS`. The first key encrypts; every key decrypts, so a key can be
rotated without downtime:

1. generate a new key (`tutela generate_key`) and put it *first* in TUTELA_FIELD_KEYS, keeping the
   old ones after it; restart;
2. run `tutela rotate_keys`, which re-encrypts every encrypted column with the new key;
3. remove the old key from TUTELA_FIELD_KEYS; restart.

A stored value is the Fernet token, prefixed with ``enc:`` so that plain text left by a migration
is never mistaken for cipher text. Encrypted columns cannot be searched or sorted by the database.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TUTELA_FIELD_KEYS holds an invalid key: each must be 32 url-safe base64-encoded bytes "
            "(generate one with `tutela generate_key`)."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with any key in TUTELA_FIELD_KEYS: "
            "was a key removed before `tutela rotate_keys` finished?"
        ) from exc


def rotate(stored: str) -> str:
    """Re-encrypt a stored value under the primary key."""
    return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column whose content is encrypted at rest and decrypted on load.

    Empty strings are stored empty (nothing to protect, and forms can test for blank).
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, str) and type(value) is not str and value.startswith(PREFIX):
            # A str subclass carrying cipher text already (key rotation writes these): keep it.
            return str(value)
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) pair stored encrypted, across all installed apps."""

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
