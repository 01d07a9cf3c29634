"""Restoring a backup: everything is checked before anything changes (the backup key, the field
keys, the database engine, the migrations, an empty database or --force), then the database and
the stored files are written back."""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any, cast

import pyrage
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.utils import validate_file_name
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from tutela.core import filecrypt
from tutela.core.models import AuditEntry
from tutela.core.planner_stats import analyze_database
from tutela.core.services.audit import audit_write
from tutela.core.services.backups.common import (
    BLOCK,
    FILES,
    FORMAT,
    MANIFEST,
    OWN_APPS,
    BackupError,
    RestoreResult,
    pg_arguments,
    pg_program,
    work_dir,
)
from tutela.core.storage import EncryptedStorage, encrypted_storage

logger = logging.getLogger(__name__)


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
    arguments, env = pg_arguments(connection.settings_dict)
    connection.close()
    command = [
        pg_program("pg_restore"),
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
        tempfile.TemporaryDirectory(dir=work_dir(), prefix="tutela-restore-") as work,
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
    # pg_restore brings back no planner statistics: without them every large table is planned
    # as nearly empty until autovacuum notices (see tutela.core.planner_stats).
    analyze_database(connection.alias)
    audit_write(
        actor=None,
        action=AuditEntry.Action.SECURITY,
        entity_type="backup",
        summary=f"Restored from the backup made at {manifest['created_at']} ({files} files)",
    )
    return RestoreResult(
        created_at=manifest["created_at"], database=manifest["database"], files=files
    )
