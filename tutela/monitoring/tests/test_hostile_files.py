"""The hostile-file corpus (core/tests/hostile_corpus.py) through the monitoring importers: the web
upload (dry run; big files through the task worker), `tutela import_incidents` and the area
population upload: each file rejected with a clear message, nothing written, the process alive."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tutela.conftest import World
from tutela.core.tests.hostile_corpus import CORPUS, corpus_file
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.services.settings import area_populations_import

pytestmark = pytest.mark.django_db

FORM_REFUSED = {"csv_long_line"}
READABLE = {"deeply_nested"}
SAMPLE = ["dimension_bomb", "xls_bomb", "ods_repeated_bomb", "billion_laughs", "csv_long_value"]


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def assert_rejected_clearly(record: MonitoringImport, name: str) -> None:
    assert record.status == MonitoringImport.Status.REJECTED, (name, record.status)
    problem = record.problems[0]
    if name not in READABLE:
        assert problem["code"] in {"too_big", "unsafe", "unreadable", "parse_failed"}, problem
    assert problem["message"]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_web_upload_of_a_hostile_file_is_rejected_with_a_clear_message(
    seeded: World, as_user: Any, django_capture_on_commit_callbacks: Any, name: str
) -> None:
    file_name, data = corpus_file(name)
    client = as_user(seeded.partner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("monitoring:import", args=["mali"]),
            {"file": SimpleUploadedFile(file_name, data), "kind": "incidents", "dry_run": "on"},
        )
    if name in FORM_REFUSED:
        assert response.status_code == 200
        assert "too big" in response.content.decode()
        assert not MonitoringImport.objects.exists()
        return
    assert response.status_code == 302, name
    record = MonitoringImport.objects.get()
    assert_rejected_clearly(record, name)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("name", SAMPLE)
def test_import_incidents_command_rejects_a_hostile_file(
    seeded: World, tmp_path: Path, name: str
) -> None:
    file_name, data = corpus_file(name)
    path = tmp_path / file_name
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError, match="rejected"):
        call_command(
            "import_incidents", str(path), "--operation", "mali", "--org", "AMSS", "--dry-run",
            stdout=out,
        )  # fmt: skip
    assert_rejected_clearly(MonitoringImport.objects.get(), name)


@pytest.mark.parametrize("name", SAMPLE)
def test_population_upload_rejects_a_hostile_file(seeded: World, name: str) -> None:
    file_name, data = corpus_file(name)
    result = area_populations_import(
        operation=seeded.operation, by=seeded.coordinator, source=data, file_name=file_name
    )
    assert result.problems
    assert result.problems[0].code in {"too_big", "unsafe", "unreadable", "parse_failed"}
