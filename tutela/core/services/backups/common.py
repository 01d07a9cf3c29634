"""What writing and reading a backup share: the archive's layout, results, errors, the backup
keys (age) and the field keys a backup needs, PostgreSQL's programs, where temporary copies go."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection

from tutela.core import filecrypt
from tutela.core.crypto import PREFIX, encrypted_fields
from tutela.core.storage import EncryptedStorage, encrypted_storage

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
BLOCK = 1024 * 1024
# Tutela's own apps: a database with a row in any of their tables is not empty.
OWN_APPS = ("core", "activities", "monitoring", "coordination", "cases")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupResult:
    database: str
    files: int
    bytes_written: int
    keys: list[str]
    missing: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    created_at: str
    database: str
    files: int


# --- keys ----------------------------------------------------------------------------------------


def backup_recipients(values: list[str] | None = None) -> list[pyrage.x25519.Recipient]:
    """The age public keys backups are encrypted to: `values`, or TUTELA_BACKUP_RECIPIENTS."""
    texts = values if values else settings.BACKUP_RECIPIENTS
    if not texts:
        raise BackupError(
            "No backup key: set TUTELA_BACKUP_RECIPIENTS to an age public key (age1...). Make a "
            "key pair with `tutela generate_backup_key` and keep its private part off this server."
        )
    recipients = []
    for text in texts:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(text.strip()))
        except pyrage.RecipientError as exc:
            raise BackupError(f"Not an age public key: {text.strip()[:20]}…") from exc
    return recipients


def backup_identities(path: str | os.PathLike[str]) -> list[pyrage.x25519.Identity]:
    """The age private keys in an identity file (lines AGE-SECRET-KEY-1…; # comments)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BackupError(f"Cannot read the backup key file {path}: {exc.strerror}.") from exc
    identities = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError as exc:
                raise BackupError(f"{path} holds a line that is not an age private key.") from exc
    if not identities:
        raise BackupError(f"{path} holds no age private key (AGE-SECRET-KEY-1…).")
    return identities


def _key_index(token: bytes, fernets: list[Fernet]) -> int | None:
    for index, fernet in enumerate(fernets):
        try:
            fernet.decrypt(token)
        except InvalidToken:
            continue
        return index
    return None


def keys_needed(storage: EncryptedStorage | None = None) -> list[str]:
    """Fingerprints of the field keys that the data needs: the primary key, and each other key
    that still opens an encrypted value or a stored file (before `rotate_keys` has finished)."""
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    fernets = [Fernet(key.encode()) for key in keys]
    used = {0}
    for model, field_name in encrypted_fields():
        column = model._meta.get_field(field_name).column  # type: ignore[union-attr]
        # Qualified, and without the model's ordering: an ordering on a related model joins a
        # table that may have a column of the same name (ambiguous on SQLite).
        quote_name = connection.ops.quote_name
        qualified = f"{quote_name(model._meta.db_table)}.{quote_name(str(column))}"
        raw = (
            model._default_manager.exclude(**{field_name: ""})
            .order_by()
            .extra(select={"_raw": qualified})  # noqa: S610 - a column name from the model
            .values_list("_raw", flat=True)
        )
        for stored in raw.iterator(chunk_size=2000):
            if stored and stored.startswith(PREFIX):
                index = _key_index(stored[len(PREFIX) :].encode(), fernets)
                if index is not None:
                    used.add(index)
        if len(used) == len(keys):
            break
    storage = storage or encrypted_storage()
    for name in storage.raw_names():
        if len(used) == len(keys):
            break
        with storage.raw_open(name) as source:
            try:
                _header, wrapped, _prefix = filecrypt.read_header(source)
            except filecrypt.FileDecryptionError:
                continue
        index = _key_index(wrapped, fernets)
        if index is not None:
            used.add(index)
    return [filecrypt.key_fingerprint(keys[index]) for index in sorted(used)]


# --- PostgreSQL's programs and temporary copies ---------------------------------------------


def pg_program(name: str) -> str:
    """pg_dump / pg_restore: from TUTELA_PG_BIN, the PATH, or the newest installed PostgreSQL."""
    folder = os.environ.get("TUTELA_PG_BIN")
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise BackupError(f"{name} is not installed (install PostgreSQL's client programs).")
    return str(candidates[-1])


def pg_arguments(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ}
    arguments = []
    if settings_dict.get("HOST"):
        arguments += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    arguments += ["--no-password", "--dbname", str(settings_dict["NAME"])]
    return arguments, env


def work_dir() -> str | None:
    """Where temporary copies go: beside the SQLite database (protected as it is), else the
    system's temporary folder (only encrypted spools go there)."""
    var = getattr(settings, "VAR_DIR", None)
    if var is not None and Path(var).is_dir():
        return str(var)
    return None
