"""Writing a backup: the database snapshot, then every stored file, as one tar stream encrypted to
the backup's age public keys as it is made (see the package's docstring for the layout)."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyrage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from tutela.core import filecrypt
from tutela.core.models import AuditEntry
from tutela.core.services.audit import audit_write
from tutela.core.services.backups.common import (
    BLOCK,
    FILES,
    FORMAT,
    MANIFEST,
    BackupError,
    BackupResult,
    backup_recipients,
    keys_needed,
    pg_arguments,
    pg_program,
    work_dir,
)
from tutela.core.storage import EncryptedStorage, encrypted_storage

logger = logging.getLogger(__name__)


def _dump_postgresql(connection: Any, spool: filecrypt.EncryptedSpool) -> None:
    arguments, env = pg_arguments(connection.settings_dict)
    command = [pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
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
    with tempfile.TemporaryDirectory(dir=work_dir(), prefix="tutela-backup-") as work:
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
