"""Stored files on a real disk: encrypted through the storage API, served by access-checked views
only, rotated with the field keys, encrypted in place when stored in clear, spooled encrypted
while uploaded, and deleted when no longer needed."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tutela.conftest import World, files_containing
from tutela.core import filecrypt, schedule
from tutela.core.filecrypt import FileDecryptionError
from tutela.core.services import files
from tutela.core.storage import encrypted_storage
from tutela.core.upload_handlers import EncryptedTemporaryFileUploadHandler

KEY_A = "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs="
KEY_NEW = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE="
SECRET = b"Mariam Coulibaly, +223 66 55 44 33, survivor"
PDF = b"%PDF-1.4\n" + SECRET + b"\n%%EOF\n"


def old_time(name: str, hours: int) -> None:
    path = Path(encrypted_storage().inner.path(name))
    stamp = (timezone.now() - datetime.timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_a_saved_file_is_cipher_text_on_disk_and_plain_through_the_storage(
    disk_storage: Path,
) -> None:
    name = default_storage.save("meetings/2026/05/sheet.pdf", ContentFile(PDF))
    assert files_containing(disk_storage, b"Mariam") == []
    assert (disk_storage / "media" / name).stat().st_size > len(PDF)
    with default_storage.open(name) as handle:
        assert handle.read() == PDF
    assert default_storage.size(name) == len(PDF)


def test_stored_files_have_no_url_and_no_path(disk_storage: Path) -> None:
    name = default_storage.save("advocacy/x.pdf", ContentFile(PDF))
    with pytest.raises(NotImplementedError, match="access"):
        default_storage.url(name)
    with pytest.raises(NotImplementedError):
        default_storage.path(name)


def test_a_large_file_round_trips(disk_storage: Path) -> None:
    content = os.urandom(3 * 1024 * 1024 + 17)
    name = default_storage.save("imports/big.bin", ContentFile(content))
    with default_storage.open(name) as handle:
        assert handle.read() == content


def test_the_default_storage_must_encrypt(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    assert "tutela.E010" in [e.id for e in run_checks()]


def test_meeting_document_is_served_decrypted_never_cached_and_only_to_members(
    disk_storage: Path, world: World, as_user: Any
) -> None:
    from tutela.coordination.models import MeetingDocument
    from tutela.coordination.services.meeting_records import document_upload
    from tutela.coordination.tests.meeting_helpers import make_meeting

    meeting = make_meeting(world)
    document = document_upload(
        meeting=meeting,
        by=world.coordinator,
        file=SimpleUploadedFile("liste-signee.pdf", PDF, content_type="application/pdf"),
        kind=MeetingDocument.Kind.ATTENDANCE_SHEET,
    )
    assert files_containing(disk_storage, b"Mariam") == []
    url = reverse("coordination:meeting_document", args=["mali", meeting.pk, document.pk])
    response = as_user(world.partner).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Length"] == str(len(PDF))
    assert as_user(world.outsider).get(url).status_code == 404


def test_rotation_re_encrypts_files_under_the_new_key(disk_storage: Path, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    name = default_storage.save("clearance/note.docx", ContentFile(PDF))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_A]
    result = files.stored_files_rotate()
    assert (result.files, result.changed) == (1, 1)
    assert files.stored_files_rotate().changed == 0
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    with default_storage.open(name) as handle:
        assert handle.read() == PDF


def test_without_rotation_a_removed_key_locks_the_file(disk_storage: Path, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    name = default_storage.save("clearance/note.docx", ContentFile(PDF))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    with pytest.raises(FileDecryptionError):
        default_storage.open(name)


@pytest.mark.django_db
def test_rotate_keys_command_rotates_files_too(disk_storage: Path, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    default_storage.save("advocacy/letter.pdf", ContentFile(PDF))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_A]
    call_command("rotate_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    with default_storage.open("advocacy/letter.pdf") as handle:
        assert handle.read() == PDF


@pytest.mark.django_db
def test_files_stored_in_clear_are_encrypted_in_place(disk_storage: Path) -> None:
    media = disk_storage / "media" / "meetings" / "2025" / "12"
    media.mkdir(parents=True)
    (media / "old-sheet.pdf").write_bytes(PDF)
    assert files_containing(disk_storage, b"Mariam") != []
    with pytest.raises(FileDecryptionError, match="not encrypted"):
        default_storage.open("meetings/2025/12/old-sheet.pdf")
    call_command("encrypt_files", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert files_containing(disk_storage, b"Mariam") == []
    with default_storage.open("meetings/2025/12/old-sheet.pdf") as handle:
        assert handle.read() == PDF
    assert files.stored_files_encrypt().changed == 0


def test_large_uploads_are_spooled_encrypted_while_received(disk_storage: Path) -> None:
    handler = EncryptedTemporaryFileUploadHandler()
    handler.new_file("file", "incidents.csv", "text/csv", 4_000_000)
    chunk = b"name,phone\n" + SECRET * 1000
    for start in range(0, 4_000_000, len(chunk)):
        handler.receive_data_chunk(chunk, start)
    uploaded = handler.file_complete(len(chunk) * (4_000_000 // len(chunk) + 1))
    spooled = list((disk_storage / "uploads").iterdir())
    assert len(spooled) == 1
    assert files_containing(disk_storage, b"Mariam") == []
    assert uploaded.read(len(chunk)) == chunk
    assert not hasattr(uploaded, "temporary_file_path")
    uploaded.close()
    assert list((disk_storage / "uploads").iterdir()) == []


def test_a_large_upload_through_a_view_arrives_whole(
    disk_storage: Path, world: World, as_user: Any
) -> None:
    from tutela.coordination.models import MeetingDocument
    from tutela.coordination.tests.meeting_helpers import make_meeting

    meeting = make_meeting(world)
    big = PDF + os.urandom(3 * 1024 * 1024)
    response = as_user(world.coordinator).post(
        reverse("coordination:meeting_document_upload", args=["mali", meeting.pk]),
        {"kind": "document", "title": "Big", "file": SimpleUploadedFile("big.pdf", big)},
    )
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    with document.file.open("rb") as handle:
        assert handle.read() == big
    assert files_containing(disk_storage, b"Mariam") == []


@pytest.mark.django_db
def test_clean_up_deletes_files_nothing_refers_to_once_old(disk_storage: Path) -> None:
    orphan = default_storage.save("meetings/2026/01/orphan.pdf", ContentFile(PDF))
    young = default_storage.save("meetings/2026/01/young.pdf", ContentFile(PDF))
    old_time(orphan, hours=7)
    result = files.stored_files_clean()
    assert result.orphans == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(young)


@pytest.mark.django_db
def test_clean_up_keeps_files_records_refer_to(disk_storage: Path, world: World) -> None:
    from tutela.coordination.models import MeetingDocument
    from tutela.coordination.tests.meeting_helpers import make_meeting

    meeting = make_meeting(world)
    document = MeetingDocument(meeting=meeting, title="Sheet")
    document.file.save("sheet.pdf", ContentFile(PDF))
    old_time(document.file.name, hours=100)
    assert files.stored_files_clean().orphans == 0
    assert default_storage.exists(document.file.name)


def test_the_scheduler_runs_the_clean_up_every_hour() -> None:
    schedule.autodiscover()
    job = schedule.registry["core.stored_files_clean"]
    assert job.interval == datetime.timedelta(hours=1)


def test_fingerprints_of_the_test_keys_differ() -> None:
    assert filecrypt.key_fingerprint(KEY_A) != filecrypt.key_fingerprint(KEY_NEW)


def test_every_file_field_stores_through_the_encrypting_storage() -> None:
    from tutela.core.checks import file_storage_check

    assert file_storage_check(None) == []
    assert len(files.file_fields()) >= 5


def test_a_file_field_with_its_own_clear_storage_is_refused(monkeypatch: Any) -> None:
    from django.core.files.storage import FileSystemStorage

    from tutela.coordination.models import MeetingDocument
    from tutela.core.checks import file_storage_check

    field = MeetingDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage())
    assert [e.id for e in file_storage_check(None)] == ["tutela.E011"]


@pytest.mark.django_db
def test_a_stored_file_can_be_opened_again_after_closing(disk_storage: Path, world: World) -> None:
    from tutela.coordination.models import MeetingDocument
    from tutela.coordination.tests.meeting_helpers import make_meeting

    document = MeetingDocument(meeting=make_meeting(world), title="Sheet")
    document.file.save("sheet.pdf", ContentFile(PDF))
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    with document.file.open("rb") as handle:
        assert handle.read() == PDF


def test_rotation_goes_past_a_file_no_key_opens(disk_storage: Path, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    lost = default_storage.save("advocacy/lost.pdf", ContentFile(PDF))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    kept = default_storage.save("advocacy/kept.pdf", ContentFile(PDF))
    other = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE="
    settings.FIELD_ENCRYPTION_KEYS = [other, KEY_NEW]
    result = files.stored_files_rotate()
    assert result.unreadable == [lost]
    assert result.changed == 1
    settings.FIELD_ENCRYPTION_KEYS = [other]
    with default_storage.open(kept) as handle:
        assert handle.read() == PDF


@pytest.mark.django_db
def test_stored_names_do_not_carry_the_names_users_gave_their_files(
    disk_storage: Path, world: World, as_user: Any
) -> None:
    """A file name says what is inside ("survivants-VBG-Mopti.xlsx"): the folder listing and an
    object store's keys would show it in clear next to the cipher text. Stored names are random;
    downloads are named from the record."""
    from tutela.activities.services.imports import import_5w_file
    from tutela.coordination.models import MeetingDocument
    from tutela.coordination.services.meeting_records import document_upload
    from tutela.coordination.tests.meeting_helpers import make_meeting

    meeting = make_meeting(world)
    document = document_upload(
        meeting=meeting,
        by=world.coordinator,
        file=SimpleUploadedFile("survivants-VBG-Mopti.pdf", PDF, content_type="application/pdf"),
        kind=MeetingDocument.Kind.ATTENDANCE_SHEET,
        title="Liste signée — réunion GBV Mopti",
    )
    record = import_5w_file(
        by=world.partner,
        operation=world.operation,
        file=SimpleUploadedFile("survivants-VBG-Mopti.csv", b"not,a,5w\n1,2,3\n"),
        organisation=world.partner.organisation,
    )
    assert record.file_name == "survivants-VBG-Mopti.csv"  # the user's name, kept on the record
    stored = [str(p.relative_to(disk_storage)) for p in disk_storage.rglob("*") if p.is_file()]
    assert any(name.endswith(".pdf") for name in stored)
    assert any(name.endswith(".csv") for name in stored)
    assert [name for name in stored if "survivants" in name.lower()] == []
    assert document.file.name.startswith("meetings/")
    assert document.file.name.endswith(".pdf")
    assert record.file.name.startswith("imports/")

    url = reverse("coordination:meeting_document", args=["mali", meeting.pk, document.pk])
    response = as_user(world.partner).get(url)
    assert b"".join(response.streaming_content) == PDF
    assert "liste-signée-réunion-gbv-mopti.pdf" in response["Content-Disposition"].replace(
        "%C3%A9", "é"
    )
