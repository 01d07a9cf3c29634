"""What is left on disk of a 5W upload: the file is kept encrypted while a rejected or checked
upload may need it, deleted at once after a clean import, and after the retention period."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.activities.models import ImportRecord
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.conftest import files_containing
from tutela.core.services import files

pytestmark = pytest.mark.django_db

UPLOAD = "/o/mali/5w/upload/"
HEADER = "month,activity,indicator,admin1_pcode,admin2_pcode,population_group,girls,boys,women,men,older_women,older_men,total,with_disability,comment"  # noqa: E501
GOOD = "2026-03,PRO-PSS,PRO-PSS-01,ML05,ML0501,IDP,5,4,10,6,1,1,27,2"
SECRET = "Oumou Keita 66 01 02 03"


def upload(client: Any, *lines: str, header: str = HEADER) -> ImportRecord:
    content = "\n".join([header, *lines]) + "\n"
    client.post(UPLOAD, {"file": SimpleUploadedFile("amss.csv", content.encode())})
    return ImportRecord.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_a_rejected_5w_upload_is_stored_encrypted_then_expires(
    disk_storage: Path, fivew: Any, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(fivew.world.partner)
    record = upload(client, f"2026-03,NOPE,PRO-PSS-01,ML05,ML0501,IDP,1,1,1,1,0,0,4,0,{SECRET}")
    assert record.status == "rejected"
    assert record.file
    assert files_containing(disk_storage, b"Oumou") == []
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=49)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        files.stored_files_clean()
    record.refresh_from_db()
    assert not record.file
    assert [p for p in (disk_storage / "media").rglob("*") if p.is_file()] == []


def test_a_clean_5w_import_keeps_no_file(
    disk_storage: Path, fivew: Any, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = upload(as_user(fivew.world.partner), GOOD, header=HEADER.removesuffix(",comment"))
    assert record.status == "imported", record.problems
    assert not record.file
    assert [p for p in (disk_storage / "media").rglob("*") if p.is_file()] == []
    assert not default_storage.listdir("")[1]
