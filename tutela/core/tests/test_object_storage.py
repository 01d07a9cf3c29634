"""Stored files in an S3-compatible object store (django-storages' S3Storage), against a real S3
HTTP endpoint on loopback: moto's standalone server, run as its own process. The objects are
cipher text; the app reads them back through the storage API, serves them through its views,
rotates them and puts them in backups as it does on a local disk."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyrage
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from tutela.conftest import World, free_port
from tutela.core.services import files
from tutela.core.services.backups import backup_create, backup_restore

SECRET = b"Salimata Konate, +223 65 43 21 09"
PDF = b"%PDF-1.4\n" + SECRET + b"\n%%EOF\n"
BUCKET = "tutela-media"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_endpoint: str, settings: Any) -> Any:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tutela.core.storage.EncryptedStorage",
            "OPTIONS": {
                "inner": {
                    "BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {
                        "bucket_name": BUCKET,
                        "location": "media",
                        "endpoint_url": s3_endpoint,
                        "region_name": "us-east-1",
                        "access_key": CREDENTIALS["aws_access_key_id"],
                        "secret_key": CREDENTIALS["aws_secret_access_key"],
                        "default_acl": None,
                        "file_overwrite": True,
                        "object_parameters": {"ContentType": "application/octet-stream"},
                    },
                }
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def objects(client: Any) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for item in listed
    }


def test_files_are_cipher_text_in_the_bucket(s3_storage: Any) -> None:
    big = PDF + os.urandom(2 * 1024 * 1024)
    name = default_storage.save("meetings/2026/05/sheet.pdf", ContentFile(big))
    stored = objects(s3_storage)
    assert list(stored) == [f"media/{name}"]
    assert SECRET not in stored[f"media/{name}"]
    with default_storage.open(name) as handle:
        assert handle.read() == big
    assert default_storage.size(name) == len(big)
    assert default_storage.exists(name)
    default_storage.delete(name)
    assert objects(s3_storage) == {}


@pytest.mark.django_db
def test_a_meeting_document_through_the_views(s3_storage: Any, world: World, as_user: Any) -> None:
    from tutela.coordination.models import MeetingDocument
    from tutela.coordination.tests.meeting_helpers import make_meeting

    meeting = make_meeting(world)
    response = as_user(world.coordinator).post(
        reverse("coordination:meeting_document_upload", args=["mali", meeting.pk]),
        {"kind": "attendance", "title": "Liste", "file": ContentFile(PDF, name="liste.pdf")},
    )
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    assert all(SECRET not in body for body in objects(s3_storage).values())
    download = as_user(world.partner).get(
        reverse("coordination:meeting_document", args=["mali", meeting.pk, document.pk])
    )
    assert b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_rotation_and_encryption_in_place_in_the_bucket(s3_storage: Any, settings: Any) -> None:
    first = settings.FIELD_ENCRYPTION_KEYS[0]
    new = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE="
    s3_storage.put_object(Bucket=BUCKET, Key="media/old/clear.pdf", Body=PDF)
    assert files.stored_files_encrypt().changed == 1
    assert SECRET not in objects(s3_storage)["media/old/clear.pdf"]
    settings.FIELD_ENCRYPTION_KEYS = [new, first]
    assert files.stored_files_rotate().changed == 1
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with default_storage.open("old/clear.pdf") as handle:
        assert handle.read() == PDF


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("audit_log_flushable")
def test_backup_and_restore_of_files_in_the_bucket(s3_storage: Any, world: World) -> None:
    key = pyrage.x25519.Identity.generate()
    name = default_storage.save("advocacy/letter.pdf", ContentFile(PDF))
    archive = io.BytesIO()
    assert backup_create(output=archive, recipients=[str(key.to_public())]).files == 1
    before = objects(s3_storage)
    default_storage.delete(name)
    archive.seek(0)
    backup_restore(archive=archive, identities=[key], force=True)
    assert objects(s3_storage) == before
