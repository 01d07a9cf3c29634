"""Where case documents and photos are kept: the one place that touches file storage.

`document_store` saves the content through Django's storage API (the project's encrypting
storage, tutela.core.storage.EncryptedStorage: a key per file, wrapped by the field keys, rotated
by `rotate_keys`) under a random name, so neither the content nor the person's name (often in a
file name) is readable on disk; `document_read` returns the clear content and `document_remove`
deletes it. The record keeps the name in a FileField, so the clean-up of files no record refers
to, key rotation and backups know the file.
"""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

FOLDER = "cases"
# Photos and scans of documents; larger files are refused.
MAX_BYTES = 10 * 1024 * 1024


def document_store(content: bytes) -> str:
    """Store (encrypted by the storage); returns the storage name to keep on the record."""
    name = f"{FOLDER}/{uuid.uuid4().hex}.bin"
    return default_storage.save(name, ContentFile(content))


def document_read(storage_name: str) -> bytes:
    with default_storage.open(storage_name, "rb") as handle:
        return handle.read()


def document_remove(storage_name: str) -> None:
    if storage_name and default_storage.exists(storage_name):
        default_storage.delete(storage_name)
