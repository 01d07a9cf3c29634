"""Where case documents and photos are kept: the one place that touches file storage.

`document_store` encrypts the content (Fernet, the field keys of tutela.core.crypto) and saves it
through Django's storage API under a random name, so neither the content nor the person's name
(often in a file name) is readable on disk; `document_read` returns the clear content and
`document_remove` deletes it. When the project's encrypted file storage lands, these three
functions switch to it and nothing else changes.
"""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tutela.core.crypto import fernet

FOLDER = "cases"
# Photos and scans of documents; larger files are refused.
MAX_BYTES = 10 * 1024 * 1024


def document_store(content: bytes) -> str:
    """Encrypt and store; returns the storage name to keep on the record."""
    name = f"{FOLDER}/{uuid.uuid4().hex}.bin"
    return default_storage.save(name, ContentFile(fernet().encrypt(content)))


def document_read(storage_name: str) -> bytes:
    with default_storage.open(storage_name, "rb") as handle:
        return fernet().decrypt(handle.read())


def document_remove(storage_name: str) -> None:
    if storage_name and default_storage.exists(storage_name):
        default_storage.delete(storage_name)
