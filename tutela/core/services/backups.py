"""Backups: one encrypted archive holding the database and every stored file, and its restore.

The archive is a tar stream encrypted in the age format (age-encryption.org/v1, through pyrage)
to one or more age public keys (TUTELA_BACKUP_RECIPIENTS). The server that makes backups holds
only public keys: it cannot read its own backups, and neither can whoever takes them from it.
The private key (an age identity) is kept apart, offline, and is needed only to restore; the
standard `age` tool opens an archive too (`age -d -i key.txt backup.tar.age | tar x`).

Members, in this order:
    manifest.json        format, date, database engine, applied migrations, and the
                         fingerprints of the field keys the data needs (restore checks them
                         before touching anything)
    database.sqlite3     SQLite's online backup API: a consistent copy while the app runs; or
    database.pgdump      pg_dump's custom format (one consistent snapshot)
    files/<name>         every stored file, as stored: still encrypted under the field keys

Stored files and encrypted columns stay encrypted under the field keys inside the archive, so a
restore needs those keys as well as the backup key: keep both, apart from each other and from
the backups (README "Backups").

Nothing in clear is written to disk on the way: the PostgreSQL dump and the decrypted archive are
spooled encrypted under a key held in memory (filecrypt.EncryptedSpool); the SQLite copy is made
next to the database (same protection as the database itself) and removed.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pyrage
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.utils import validate_file_name
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from tutela.core import filecrypt
from tutela.core.crypto import PREFIX, encrypted_fields
from tutela.core.models import AuditEntry
from tutela.core.services.audit import audit_write
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
        raw = (
            model._default_manager.exclude(**{field_name: ""})
            .extra(select={"_raw": column})  # noqa: S610 - a column name from the model
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


# --- writing the archive -------------------------------------------------------------------------


def _pg_program(name: str) -> str:
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


def _pg_arguments(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
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


def _dump_postgresql(connection: Any, spool: filecrypt.EncryptedSpool) -> None:
    arguments, env = _pg_arguments(connection.settings_dict)
    command = [_pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    process = subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
        command + arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None
    while block := process.stdout.read(BLOCK):
        spool.write(block)
    _out, errors = process.communicate()
    if process.returncode != 0:
        raise BackupError(f"pg_dump failed: {errors.decode(errors='replace').strip()[-500:]}")


def _dump_sqlite(connection: Any, path: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        # The online backup API: a consistent copy, page by page, while others keep writing.
        connection.connection.backup(target)
    finally:
        target.close()


def _applied_migrations(connection: Any) -> list[list[str]]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted([app, name] for app, name in loader.applied_migrations)


class _ChunkReader(io.RawIOBase):
    """A stream read from an iterator of byte strings (the tar archive as it is made)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(target), len(self._pending))
        target[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _tar_member(name: str, size: int, source: IO[bytes]) -> Iterator[bytes]:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    yield info.tobuf(format=tarfile.PAX_FORMAT)
    remaining = size
    while remaining:
        block = source.read(min(BLOCK, remaining))
        if not block:
            raise BackupError(f"{name} changed while it was being archived; run the backup again.")
        remaining -= len(block)
        yield block
    if size % tarfile.BLOCKSIZE:
        yield b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE)


def _tar_stream(
    manifest: dict[str, Any],
    database: tuple[str, int, IO[bytes]],
    storage: EncryptedStorage,
    result: BackupResult,
) -> Iterator[bytes]:
    encoded = json.dumps(manifest, indent=2).encode()
    yield from _tar_member(MANIFEST, len(encoded), io.BytesIO(encoded))
    yield from _tar_member(*database)
    for name in storage.raw_names():
        try:
            size = storage.inner.size(name)
            source = storage.raw_open(name)
        except (OSError, FileNotFoundError):
            # Deleted since it was listed (an expired upload): nothing to keep.
            result.missing.append(name)
            continue
        with source:
            yield from _tar_member(FILES + name, size, source)
        result.files += 1
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


class _CountingWriter(io.BufferedIOBase):
    def __init__(self, target: IO[bytes]) -> None:
        super().__init__()
        self.target = target
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.target.write(data)
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        self.target.flush()


def backup_create(
    *, output: IO[bytes], recipients: list[str] | None = None, using: str = DEFAULT_DB_ALIAS
) -> BackupResult:
    """Write an encrypted archive of the database and the stored files to `output`."""
    age_recipients = backup_recipients(recipients)
    connection = connections[using]
    storage = encrypted_storage()
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of a {vendor} database are not supported.")
    result = BackupResult(database=vendor, files=0, bytes_written=0, keys=keys_needed(storage))
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": vendor,
        "migrations": _applied_migrations(connection),
        "field_keys": result.keys,
    }
    writer = _CountingWriter(output)
    with tempfile.TemporaryDirectory(dir=_work_dir(), prefix="tutela-backup-") as work:
        if vendor == "sqlite":
            path = Path(work) / "database.sqlite3"
            _dump_sqlite(connection, path)
            with path.open("rb") as database:
                member = ("database.sqlite3", path.stat().st_size, database)
                stream = io.BufferedReader(
                    _ChunkReader(_tar_stream(manifest, member, storage, result)), BLOCK
                )
                pyrage.encrypt_io(stream, writer, age_recipients)
        else:
            with filecrypt.EncryptedSpool(work) as spool:
                _dump_postgresql(connection, spool)
                with spool.reader() as dump:
                    member = ("database.pgdump", spool.size, dump)  # type: ignore[assignment]
                    stream = io.BufferedReader(
                        _ChunkReader(_tar_stream(manifest, member, storage, result)), BLOCK
                    )
                    pyrage.encrypt_io(stream, writer, age_recipients)
    writer.flush()
    result.bytes_written = writer.count
    if result.missing:
        logger.warning("Files deleted during the backup: %s", ", ".join(result.missing))
    audit_write(
        actor=None,
        action=AuditEntry.Action.EXPORT,
        entity_type="backup",
        summary=f"Backup made: {vendor} database and {result.files} stored files",
    )
    return result


def _work_dir() -> str | None:
    """Where temporary copies go: beside the SQLite database (protected as it is), else the
    system's temporary folder (only encrypted spools go there)."""
    var = getattr(settings, "VAR_DIR", None)
    if var is not None and Path(var).is_dir():
        return str(var)
    return None


# --- restoring -----------------------------------------------------------------------------------


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """No row in any table of Tutela's own apps (a database just migrated, or not at all),
    leaving aside the bookkeeping of a fresh install: the audit log (a backup made there is
    logged) and the scheduler's last runs."""
    tables = set(connections[using].introspection.table_names())
    bookkeeping = {"core.auditentry", "core.scheduledrun"}
    for model in apps.get_models():
        if model._meta.app_label not in OWN_APPS or model._meta.db_table not in tables:
            continue
        if model._meta.label_lower in bookkeeping:
            continue
        if model._base_manager.using(using).exists():
            return False
    return True


def _read_manifest(archive: tarfile.TarFile) -> tuple[dict[str, Any], tarfile.TarInfo]:
    first = archive.next()
    if first is None or first.name != MANIFEST:
        raise BackupError("This is not a Tutela backup (no manifest).")
    handle = archive.extractfile(first)
    assert handle is not None
    manifest: dict[str, Any] = json.loads(handle.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')} is not supported.")
    return manifest, first


def _check_restorable(manifest: dict[str, Any], connection: Any, force: bool) -> None:
    held = {filecrypt.key_fingerprint(key) for key in settings.FIELD_ENCRYPTION_KEYS}
    lacking = [fingerprint for fingerprint in manifest["field_keys"] if fingerprint not in held]
    if lacking:
        raise BackupError(
            "This backup needs field encryption keys that TUTELA_FIELD_KEYS does not hold "
            f"(fingerprints: {', '.join(lacking)}); nothing was changed. Add the keys kept with "
            "this instance's secrets (compare with `tutela key_fingerprints`) and try again."
        )
    if manifest["database"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['database']} database; this instance uses "
            f"{connection.vendor}. Nothing was changed."
        )
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    unknown = [
        f"{a}.{n}" for a, n in manifest["migrations"] if (a, n) not in loader.disk_migrations
    ]
    if unknown:
        raise BackupError(
            "This backup was made by a newer version of Tutela (migrations "
            f"{', '.join(unknown[:5])} are unknown here): upgrade Tutela first."
        )
    if not force and not database_is_empty(connection.alias):
        raise BackupError(
            "The database is not empty: restoring would replace everything in it. Run again "
            "with --force to do so (stop the web server, worker and scheduler first)."
        )


def _restore_sqlite(connection: Any, source: IO[bytes], work: str) -> None:
    path = Path(work) / "restore.sqlite3"
    with path.open("wb") as handle:
        shutil.copyfileobj(source, handle, BLOCK)
    connection.ensure_connection()
    backup = sqlite3.connect(path)
    try:
        backup.backup(connection.connection)
    finally:
        backup.close()


def _restore_postgresql(connection: Any, source: IO[bytes]) -> None:
    arguments, env = _pg_arguments(connection.settings_dict)
    connection.close()
    command = [
        _pg_program("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    process = subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
        command + arguments,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None
    try:
        shutil.copyfileobj(source, process.stdin, BLOCK)
        process.stdin.close()
    except BrokenPipeError:
        pass
    errors = process.stderr.read() if process.stderr else b""
    if process.wait() != 0:
        raise BackupError(
            "pg_restore failed; the database was left as it was: "
            f"{errors.decode(errors='replace').strip()[-500:]}"
        )


def _restore_file(storage: EncryptedStorage, name: str, source: IO[bytes]) -> None:
    try:
        validate_file_name(name, allow_relative_path=True)
    except ValidationError as exc:
        raise BackupError(f"The backup holds a file with an unsafe name: {name!r}.") from exc
    storage.raw_write(name, source)


def _restore_members(tar: tarfile.TarFile, connection: Any, work: str) -> int:
    """Write back the database and the files of the archive; the number of files."""
    storage = encrypted_storage()
    files = 0
    for member in tar:
        handle = tar.extractfile(member)
        if handle is None:
            continue
        if member.name == "database.sqlite3" and connection.vendor == "sqlite":
            _restore_sqlite(connection, handle, work)
        elif member.name == "database.pgdump" and connection.vendor == "postgresql":
            _restore_postgresql(connection, handle)
        elif member.name.startswith(FILES):
            _restore_file(storage, member.name[len(FILES) :], handle)
            files += 1
    return files


def backup_restore(
    *,
    archive: IO[bytes],
    identities: list[pyrage.x25519.Identity],
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> RestoreResult:
    """Bring back the database and stored files of an archive. Checked before anything changes:
    the backup key opens it, this instance holds the field keys it needs, the database engine is
    the same, this version of Tutela knows its migrations, and the database is empty (or
    `force`)."""
    connection = connections[using]
    with (
        tempfile.TemporaryDirectory(dir=_work_dir(), prefix="tutela-restore-") as work,
        filecrypt.EncryptedSpool(work) as spool,
    ):
        try:
            pyrage.decrypt_io(
                cast(io.BufferedIOBase, archive), cast(io.BufferedIOBase, spool), identities
            )
        except pyrage.DecryptError as exc:
            raise BackupError(
                "The backup cannot be decrypted with this key (or it is damaged)."
            ) from exc
        try:
            with spool.reader() as plain, tarfile.open(fileobj=plain, mode="r:") as tar:
                manifest, _first = _read_manifest(tar)
                _check_restorable(manifest, connection, force)
                files = _restore_members(tar, connection, work)
        except (tarfile.TarError, json.JSONDecodeError, KeyError) as exc:
            raise BackupError(f"This is not a Tutela backup, or it is damaged ({exc}).") from exc
    audit_write(
        actor=None,
        action=AuditEntry.Action.SECURITY,
        entity_type="backup",
        summary=f"Restored from the backup made at {manifest['created_at']} ({files} files)",
    )
    return RestoreResult(
        created_at=manifest["created_at"], database=manifest["database"], files=files
    )
