"""What is left on disk of a monitoring upload (issue: a rejected CSV still held a name and a
phone number in clear): the file is stored encrypted while its annotated workbook, mapping page
or "import for real" may need it, deleted when a clean import no longer does, and after the
retention period in any case."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.conftest import World, files_containing
from tutela.core.services import files
from tutela.monitoring.models import MonitoringImport
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import incident_row, incidents_csv

pytestmark = pytest.mark.django_db

NAME = "Kadiatou Sangare"
PHONE = "+223 76 45 12 98"


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def url(name: str, *args: Any) -> str:
    return reverse(f"monitoring:{name}", args=["mali", *args])


def post_upload(client: Any, data: bytes, *, dry_run: bool = False) -> MonitoringImport:
    form = {"file": SimpleUploadedFile("incidents.csv", data), "kind": "incidents"}
    if dry_run:
        form["dry_run"] = "on"
    response = client.post(url("import"), form)
    assert response.status_code == 302
    return MonitoringImport.objects.order_by("-pk").first()  # type: ignore[return-value]


def rejected_csv() -> bytes:
    narrative = f"Survivor {NAME}, phone {PHONE}, met at the health centre."
    return incidents_csv(incident_row(1, admin2_pcode="ML9999", narrative=narrative))


def test_a_rejected_upload_leaves_no_clear_text_on_disk(
    disk_storage: Path, seeded: World, as_user: Any
) -> None:
    client = as_user(seeded.partner)
    record = post_upload(client, rejected_csv())
    assert record.status == "rejected"
    assert record.file
    assert files_containing(disk_storage, NAME.encode()) == []
    assert files_containing(disk_storage, PHONE.encode()) == []
    # The file is kept, encrypted, for the annotated workbook.
    response = client.get(url("import_annotated", record.pk))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_rejected_upload_is_deleted_after_the_retention_period(
    disk_storage: Path,
    seeded: World,
    as_user: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.UPLOAD_RETENTION_HOURS = 48
    client = as_user(seeded.partner)
    record = post_upload(client, rejected_csv())
    name = record.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert files.stored_files_clean().expired == 0
    assert default_storage.exists(name)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=49)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert files.stored_files_clean().expired == 1
    assert not default_storage.exists(name)
    assert list((disk_storage / "media").rglob("*.csv")) == []
    record.refresh_from_db()
    assert not record.file
    assert record.status == "rejected"  # the record, its counts and problems stay
    page = client.get(url("import_annotated", record.pk), follow=True)
    assert "no longer kept" in page.content.decode()


def test_a_clean_import_keeps_no_file(
    disk_storage: Path, seeded: World, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = post_upload(as_user(seeded.partner), incidents_csv(incident_row(1)))
    assert record.status == "imported"
    assert not record.file
    assert list((disk_storage / "media").rglob("*")) == [] or all(
        p.is_dir() for p in (disk_storage / "media").rglob("*")
    )


def test_importing_a_dry_run_for_real_lets_the_dry_runs_file_go(
    disk_storage: Path, seeded: World, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(seeded.partner)
    checked = post_upload(client, incidents_csv(incident_row(1)), dry_run=True)
    assert checked.status == "dry_run"
    name = checked.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("import_commit", checked.pk))
    checked.refresh_from_db()
    assert not checked.file
    assert not default_storage.exists(name)
    assert MonitoringImport.objects.get(status="imported").file.name == ""
