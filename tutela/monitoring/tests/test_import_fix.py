"""Fix in place for monitoring incidents: a file with errors in three rows is corrected in the
browser's table, checked again over the whole file with the corrections, and imported with the
corrected values; the stored file is never changed, the corrections are encrypted and audited,
and only those who may import and see the upload's rows reach them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from tutela.conftest import World
from tutela.core.imports import corrections
from tutela.core.imports.uploads import record_upload_bytes
from tutela.core.models import AuditEntry
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services.imports import import_monitoring_file
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import INCIDENT_HEADERS, incident_row, incidents_csv

pytestmark = pytest.mark.django_db

PCODE = INCIDENT_HEADERS.index("admin2_pcode")
NARRATIVE = INCIDENT_HEADERS.index("narrative")


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def url(name: str, pk: int) -> str:
    return reverse(f"monitoring:{name}", args=["mali", pk])


def cell(row_number: int, column: int = PCODE) -> str:
    return f"cell-{row_number}-{column}"


def bad_file() -> bytes:
    """Four incidents (spreadsheet rows 2 to 5); rows 2, 3 and 4 name a cercle that does not
    exist."""
    return incidents_csv(
        incident_row(1, admin2_pcode="ML9999"),
        incident_row(2, admin2_pcode="ML9998"),
        incident_row(3, admin2_pcode="ML9997"),
        incident_row(4),
    )


def check(world: World, data: bytes) -> MonitoringImport:
    return import_monitoring_file(
        by=world.partner,
        operation=world.operation,
        organisation=None,
        file=io.BytesIO(data),
        file_name="incidents.csv",
        dry_run=True,
    )


def latest() -> MonitoringImport:
    return MonitoringImport.objects.latest("pk")


def test_fix_recheck_fix_and_import_incidents(seeded: World, as_user: Any) -> None:
    original = bad_file()
    first = check(seeded, original)
    assert first.status == MonitoringImport.Status.REJECTED
    assert sorted(p["row"] for p in first.problems if p["column"] == "admin2_pcode") == [2, 3, 4]
    client = as_user(seeded.partner)
    assert (
        url("import_fix", first.pk) in client.get(url("import_detail", first.pk)).content.decode()
    )
    page = client.get(url("import_fix", first.pk)).content.decode()
    assert 'id="fix-row-2"' in page
    assert 'id="fix-row-5"' not in page
    assert "Attack on the market." in page

    client.post(url("import_fix", first.pk), {cell(2): "ML0501", cell(3): "ML0502", "page": "1"})
    second = latest()
    assert second.status == MonitoringImport.Status.REJECTED
    assert [p["row"] for p in second.problems if p["severity"] == "error"] == [4]
    entry = AuditEntry.objects.get(entity_id=str(second.pk), action=AuditEntry.Action.UPDATE)
    assert entry.entity_type == "monitoring.monitoringimport"
    assert entry.after["changed_cells"] == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT corrections FROM monitoring_monitoringimport WHERE id = %s", [second.pk]
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc:")
    assert "ML0502" not in stored
    assert record_upload_bytes(second) == original
    response = client.get(url("import_original", second.pk))
    assert b"".join(response.streaming_content) == original
    assert AuditEntry.objects.filter(
        entity_id=str(second.pk), action=AuditEntry.Action.EXPORT
    ).exists()

    client.post(
        url("import_fix", second.pk),
        {cell(4): "ML0501", cell(4, NARRATIVE): "Attack on the well.", "page": "1"},
    )
    third = latest()
    assert third.status == MonitoringImport.Status.DRY_RUN, third.problems
    assert third.error_count == 0
    assert Incident.objects.count() == 0

    client.post(url("import_commit", third.pk))
    imported = latest()
    assert imported.status == MonitoringImport.Status.IMPORTED, imported.problems
    areas = dict(Incident.objects.values_list("external_id", "area__pcode"))
    assert areas == {"EXT-1": "ML0501", "EXT-2": "ML0502", "EXT-3": "ML0501", "EXT-4": "ML0501"}
    assert Incident.objects.get(external_id="EXT-3").narrative == "Attack on the well."
    # The corrections (personal data too) go with the files: none is kept once imported.
    assert not MonitoringImport.objects.exclude(corrections="").exists()


def test_other_organisation_and_viewer_cannot_see_or_post_corrections(
    seeded: World, as_user: Any
) -> None:
    first = check(seeded, bad_file())
    other = as_user(seeded.other_partner)
    for target in ("import_fix", "import_original"):
        assert other.get(url(target, first.pk)).status_code == 404
    assert other.post(url("import_fix", first.pk), {cell(2): "ML0501"}).status_code == 404
    viewer = as_user(seeded.viewer)
    assert viewer.get(url("import_fix", first.pk)).status_code == 403
    assert viewer.post(url("import_fix", first.pk), {cell(2): "ML0501"}).status_code == 403
    assert MonitoringImport.objects.count() == 1
    first.refresh_from_db()
    assert first.corrections == ""


def test_corrected_cells_are_capped(
    seeded: World, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corrections, "MAX_CORRECTED_CELLS", 2)
    first = check(seeded, bad_file())
    response = as_user(seeded.partner).post(
        url("import_fix", first.pk),
        {cell(2): "ML0501", cell(3): "ML0501", cell(4): "ML0501"},
        follow=True,
    )
    assert "At most 2 cells of an upload can be corrected" in response.content.decode()
    assert MonitoringImport.objects.count() == 1


def test_the_mapping_page_reads_the_file_with_its_corrections(seeded: World, as_user: Any) -> None:
    """After cells are corrected in the browser, the mapping page asks only about the values the
    import will read: a risk word corrected to a known code is no longer listed."""
    risks = INCIDENT_HEADERS.index("risks")
    first = check(
        seeded, incidents_csv(incident_row(1), incident_row(2, risks="Zorglub du marché"))
    )
    assert first.status == MonitoringImport.Status.REJECTED
    client = as_user(seeded.partner)
    assert "Zorglub du marché" in client.get(url("import_mapping", first.pk)).content.decode()
    client.post(url("import_fix", first.pk), {cell(3, risks): "R02", "page": "1"})
    second = latest()
    assert second.status == MonitoringImport.Status.DRY_RUN, second.problems
    page = client.get(url("import_mapping", second.pk)).content.decode()
    assert "Zorglub du marché" not in page
