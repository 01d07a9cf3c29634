"""`tutela backup` and `tutela restore`: one encrypted archive of the database and the stored
files, brought back identical (every table, every file), on SQLite and on PostgreSQL; and the
refusals that protect a running instance (a database in use, missing field keys, a wrong key)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tutela.conftest import World
from tutela.core.filecrypt import key_fingerprint
from tutela.core.models import AuditEntry, Organisation
from tutela.core.services.backups import (
    BackupError,
    backup_create,
    backup_restore,
    database_is_empty,
)
from tutela.core.storage import encrypted_storage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_log_flushable"),
]

SECRET = b"Hawa Dembele, +223 70 11 22 33"
OTHER_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE="


@pytest.fixture
def backup_key() -> pyrage.x25519.Identity:
    return pyrage.x25519.Identity.generate()


def every_table() -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    rows: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def stored_files() -> dict[str, bytes]:
    storage = encrypted_storage()
    result = {}
    for name in storage.raw_names():
        with storage.raw_open(name) as handle:
            result[name] = handle.read()
    return result


def some_files(world: World) -> None:
    from tutela.coordination.services.meeting_records import document_upload
    from tutela.coordination.tests.meeting_helpers import make_meeting

    meeting = make_meeting(world)
    document_upload(
        meeting=meeting,
        by=world.coordinator,
        file=ContentFile(b"%PDF-1.4\n" + SECRET, name="liste.pdf"),
        kind="attendance",
    )
    default_storage.save("imports/2026/05/big.csv", ContentFile(b"x" * 300_000 + SECRET))


def make_backup(path: Path, key: pyrage.x25519.Identity) -> Any:
    with path.open("wb") as output:
        return backup_create(output=output, recipients=[str(key.to_public())])


def restore(path: Path, key: pyrage.x25519.Identity, **options: Any) -> Any:
    with path.open("rb") as archive:
        return backup_restore(archive=archive, identities=[key], **options)


def test_round_trip_brings_back_every_table_and_file(
    disk_storage: Path, world: World, backup_key: Any, tmp_path: Path
) -> None:
    some_files(world)
    tables, files = every_table(), stored_files()
    assert len(files) == 2
    archive = tmp_path / "backup.tar.age"
    result = make_backup(archive, backup_key)
    assert result.files == 2
    assert SECRET not in archive.read_bytes()
    assert b"Mali" not in archive.read_bytes()

    # Everything changes after the backup: rows added and deleted, a file deleted and one added.
    Organisation.objects.create(name="Added after the backup", acronym="AFTER")
    from tutela.coordination.models import MeetingDocument

    document = MeetingDocument.objects.get()
    default_storage.delete(document.file.name)
    document.delete()
    default_storage.save("meetings/new.pdf", ContentFile(b"%PDF new"))
    assert every_table() != tables

    restored = restore(archive, backup_key, force=True)
    assert restored.files == 2
    after = every_table()
    audit = AuditEntry._meta.db_table
    # One row more in the audit log: the restore itself.
    assert len(after[audit]) == len(tables[audit]) + 1
    assert set(tables[audit]) <= set(after[audit])
    assert {t: r for t, r in after.items() if t != audit} == {
        t: r for t, r in tables.items() if t != audit
    }
    now = stored_files()
    assert {name: now[name] for name in files} == files
    # What was added since is no longer referenced: the hourly clean-up deletes it.
    assert set(now) - set(files) == {"meetings/new.pdf"}
    with MeetingDocument.objects.get().file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4\n" + SECRET


def test_restore_refuses_a_database_in_use_without_force(
    disk_storage: Path, world: World, backup_key: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.age"
    make_backup(archive, backup_key)
    Organisation.objects.create(name="Still here", acronym="HERE")
    tables = every_table()
    with pytest.raises(BackupError, match="not empty.*--force"):
        restore(archive, backup_key)
    assert every_table() == tables


def test_restore_into_an_empty_database_needs_no_force(
    disk_storage: Path, world: World, backup_key: Any, tmp_path: Path
) -> None:
    some_files(world)
    tables = every_table()
    archive = tmp_path / "backup.tar.age"
    make_backup(archive, backup_key)
    call_command("flush", interactive=False, verbosity=0)
    assert database_is_empty()
    restore(archive, backup_key)
    assert Organisation.objects.filter(pk=world.amss.pk).exists()
    audit = AuditEntry._meta.db_table
    assert {t: r for t, r in every_table().items() if t != audit} == {
        t: r for t, r in tables.items() if t != audit
    }


def test_restore_refuses_an_instance_without_the_field_keys(
    disk_storage: Path, world: World, backup_key: Any, tmp_path: Path, settings: Any
) -> None:
    some_files(world)
    archive = tmp_path / "backup.tar.age"
    result = make_backup(archive, backup_key)
    assert result.keys == [key_fingerprint(settings.FIELD_ENCRYPTION_KEYS[0])]
    tables, files = every_table(), stored_files()
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]
    with pytest.raises(BackupError, match=f"fingerprints: {result.keys[0]}"):
        restore(archive, backup_key, force=True)
    assert every_table() == tables
    assert stored_files() == files


def test_a_backup_needs_the_old_key_until_rotation_finishes(
    disk_storage: Path, world: World, backup_key: Any, tmp_path: Path, settings: Any
) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    some_files(world)
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY, old]
    before = make_backup(tmp_path / "before.tar.age", backup_key)
    assert before.keys == [key_fingerprint(OTHER_KEY), key_fingerprint(old)]
    call_command("rotate_keys", stdout=io.StringIO())
    after = make_backup(tmp_path / "after.tar.age", backup_key)
    assert after.keys == [key_fingerprint(OTHER_KEY)]


def test_a_wrong_backup_key_is_refused(
    disk_storage: Path, world: World, backup_key: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.age"
    make_backup(archive, backup_key)
    with pytest.raises(BackupError, match="cannot be decrypted"):
        restore(archive, pyrage.x25519.Identity.generate(), force=True)


def test_backup_needs_a_backup_key(disk_storage: Path, world: World, settings: Any) -> None:
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(BackupError, match="TUTELA_BACKUP_RECIPIENTS"):
        backup_create(output=io.BytesIO())


def test_commands_round_trip_and_the_age_tool_opens_the_archive(
    disk_storage: Path, world: World, tmp_path: Path, settings: Any
) -> None:
    some_files(world)
    keys = io.StringIO()
    call_command("generate_backup_key", stdout=keys, stderr=io.StringIO())
    identity_file = tmp_path / "backup-key.txt"
    identity_file.write_text(keys.getvalue())
    public = keys.getvalue().split("public key: ")[1].split()[0]
    settings.BACKUP_RECIPIENTS = [public]
    out = io.StringIO()
    call_command("backup", "-o", str(tmp_path), stdout=out)
    archive = next(tmp_path.glob("tutela-*.tar.age"))
    assert "2 stored files" in out.getvalue()
    assert not list(tmp_path.glob(".tutela-backup-*"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), "--identity", str(identity_file))
    call_command(
        "restore", str(archive), "--identity", str(identity_file), "--force", stdout=io.StringIO()
    )
    if shutil.which("age") is None:
        pytest.skip("the age tool is not installed (scripts/system-deps.sh installs it)")
    plain = subprocess.run(  # noqa: S603
        ["age", "--decrypt", "--identity", str(identity_file), str(archive)],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json"
    assert names[1] in ("database.sqlite3", "database.pgdump")
    assert sorted(names[2:]) == sorted(f"files/{name}" for name in stored_files())


def test_an_encrypted_file_that_is_not_a_backup_is_refused(
    disk_storage: Path, world: World, backup_key: Any
) -> None:
    archive = io.BytesIO()
    pyrage.encrypt_io(
        io.BufferedReader(io.BytesIO(b"just some text, not a tar")),  # type: ignore[arg-type]
        archive,
        [backup_key.to_public()],
    )
    archive.seek(0)
    with pytest.raises(BackupError, match="not a Tutela backup"):
        backup_restore(archive=archive, identities=[backup_key], force=True)
