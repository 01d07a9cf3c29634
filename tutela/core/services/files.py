"""Stored files as a whole: encrypting those stored before encryption existed, re-encrypting
under a new field key (key rotation), and deleting what is no longer needed: the files of old
uploads (after UPLOAD_RETENTION_HOURS) and files no record refers to (a failed save, a restore).

Every function goes through the storage API (the local disk or an object store alike), a file at
a time and a segment at a time, so that nothing is held whole in memory.
"""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from tutela.core import filecrypt
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write
from tutela.core.storage import EncryptedStorage, encrypted_storage

logger = logging.getLogger(__name__)

# A stored file no record refers to is deleted only once it is this old: a record being saved
# refers to its file only when its transaction commits.
ORPHAN_GRACE = datetime.timedelta(hours=6)


@dataclass
class FilesResult:
    files: int = 0
    changed: int = 0
    # Stored files no configured key opens (left as they are, listed in the log).
    unreadable: list[str] = field(default_factory=list)


def _head(storage: EncryptedStorage, name: str) -> bytes:
    with storage.raw_open(name) as source:
        return source.read(len(filecrypt.MAGIC))


# --- encryption in place -------------------------------------------------------------------------


def stored_files_encrypt(*, by: User | None = None, audit: bool = True) -> FilesResult:
    """Encrypt, in place, every stored file that is still in clear (stored before files were
    encrypted). Each file is replaced whole (see EncryptedStorage.raw_write); running it again
    does nothing more. `audit=False`: no audit entry (the migration that calls it runs before
    the audit log's latest shape exists)."""
    storage = encrypted_storage()
    result = FilesResult()
    for name in list(storage.raw_names()):
        result.files += 1
        if filecrypt.is_encrypted(_head(storage, name)):
            continue
        with storage.raw_open(name) as plain:
            storage.raw_write(name, io.BufferedReader(filecrypt.EncryptingReader(plain)))
        result.changed += 1
    if result.changed and audit:
        audit_write(
            actor=by,
            action=AuditEntry.Action.SECURITY,
            entity_type="encryption",
            summary=f"Stored files encrypted in place: {result.changed} of {result.files}",
        )
    return result


def stored_files_rotate() -> FilesResult:
    """Re-encrypt under the first field key every stored file whose key is wrapped under another
    one (step 2 of key rotation, with the columns: see services/keys.py). A file is replaced
    only once its new copy is whole; an interrupted run is finished by running it again."""
    storage = encrypted_storage()
    result = FilesResult()
    for name in list(storage.raw_names()):
        result.files += 1
        with storage.raw_open(name) as source:
            if not filecrypt.is_encrypted(source.read(len(filecrypt.MAGIC))):
                logger.warning("Stored file %s is not encrypted: run `tutela encrypt_files`", name)
                continue
            source.seek(0)
            _header, wrapped, _prefix = filecrypt.read_header(source)
            if filecrypt.wrapped_by_primary(wrapped):
                continue
        with storage.raw_open(name) as source:
            try:
                reader = filecrypt.DecryptingReader(source)
            except filecrypt.FileDecryptionError:
                logger.error("Stored file %s: no key in TUTELA_FIELD_KEYS opens it", name)
                result.unreadable.append(name)
                continue
            plain = io.BufferedReader(reader, filecrypt.SEGMENT)
            storage.raw_write(name, io.BufferedReader(filecrypt.EncryptingReader(plain)))
        result.changed += 1
    return result


# --- what is kept --------------------------------------------------------------------------------


def file_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) holding a stored file, across all installed apps."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def referenced_names() -> set[str]:
    names: set[str] = set()
    for model, field_name in file_fields():
        values = model._default_manager.exclude(**{field_name: ""}).values_list(
            field_name, flat=True
        )
        names.update(value for value in values.iterator(chunk_size=2000) if value)
    return names


def upload_record_models() -> list[type[models.Model]]:
    """The models of importers' upload records (they say so with `keeps_upload = True`)."""
    return [model for model in apps.get_models() if getattr(model, "keeps_upload", False)]


def _delete_after_commit(storage: object, name: str) -> None:
    def delete() -> None:
        try:
            storage.delete(name)  # type: ignore[attr-defined]
        except Exception:
            # Left for the next sweep of files no record refers to.
            logger.exception("Could not delete stored file %s", name)

    transaction.on_commit(delete)


def upload_files_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of upload records last changed more than UPLOAD_RETENTION_HOURS ago
    (the record stays, with its counts and problems; its page says the file is no longer
    kept). The number of files deleted."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.UPLOAD_RETENTION_HOURS)
    deleted = 0
    for model in upload_record_models():
        expired = model._default_manager.exclude(file="").filter(updated_at__lt=cutoff)
        # The cells corrected in the browser (core.imports.corrections) go with the file.
        cleared = {"file": ""}
        if any(f.name == "corrections" for f in model._meta.get_fields()):
            cleared["corrections"] = ""
        for pk, name in expired.values_list("pk", "file").iterator(chunk_size=500):
            with transaction.atomic():
                if model._default_manager.filter(pk=pk, file=name).update(**cleared) == 1:
                    storage = model._meta.get_field("file").storage  # type: ignore[union-attr]
                    _delete_after_commit(storage, name)
                    deleted += 1
    return deleted


def orphan_files_delete(*, now: datetime.datetime | None = None) -> int:
    """Delete stored files that no record refers to and that are older than ORPHAN_GRACE (what
    a failed save, an interrupted rewrite or a restore over other files left). The number
    deleted."""
    now = now or timezone.now()
    storage = encrypted_storage()
    known = referenced_names()
    deleted = 0
    for name in list(storage.raw_names()):
        if name in known:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            continue
        if now - modified < ORPHAN_GRACE:
            continue
        storage.delete(name)
        deleted += 1
    return deleted


@dataclass
class CleanupResult:
    expired: int
    orphans: int


def stored_files_clean(*, now: datetime.datetime | None = None) -> CleanupResult:
    """The periodic clean-up (`tutela scheduler`, hourly; `tutela clean_files`): expired upload
    files, then files nothing refers to; one audit entry when anything was deleted."""
    result = CleanupResult(
        expired=upload_files_expire(now=now), orphans=orphan_files_delete(now=now)
    )
    if result.expired or result.orphans:
        audit_write(
            actor=None,
            action=AuditEntry.Action.DELETE,
            entity_type="stored_files",
            summary=(
                f"Stored files deleted: {result.expired} uploads past their retention, "
                f"{result.orphans} files no record refers to"
            ),
        )
    return result


def file_release(field_file: models.fields.files.FieldFile) -> None:
    """Let go of a record's stored file: the field is emptied now (saved with the record by the
    caller) and the file deleted once the transaction commits. The cells corrected in the
    browser on an upload record (core.imports.corrections) go with its file: they are its data."""
    if not field_file:
        return
    name = field_file.name
    storage = field_file.storage
    field_file.name = ""
    instance = field_file.instance
    setattr(instance, field_file.field.attname, "")
    if hasattr(instance, "corrections"):
        instance.corrections = ""
    if name:
        _delete_after_commit(storage, name)
