"""Fix in place: a 5W file with errors in three rows is corrected in the browser's table, checked
again over the whole file with the corrections, and imported with the corrected values; the
stored file is never changed, the corrections are encrypted and audited, and only those who may
enter rows for the upload reach them."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tutela.activities.models import ActivityReport, ImportRecord
from tutela.activities.services.imports import (
    import_5w_file,
    import_5w_start,
    import_annotated_workbook,
)
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    HEADERS,
    Ops,
    ops_fixture,
    row,
    xlsx_bytes,
)
from tutela.core.imports import corrections
from tutela.core.imports.uploads import record_upload_bytes
from tutela.core.models import AuditEntry
from tutela.core.services import files

pytestmark = pytest.mark.django_db

PCODE = HEADERS.index("admin2_pcode")


def bad_rows() -> list[dict[str, Any]]:
    """Four rows (spreadsheet rows 3 to 6, under the header and hashtag rows); rows 3, 4 and 5
    name a cercle that does not exist."""
    return [
        row(admin2_pcode="ML0599"),
        row(population_group="REF", admin2_pcode="ML0598"),
        row(activity="PRO-LEG", indicator="", admin2_pcode="ML0597"),
        row(population_group="RET"),
    ]


def check(ops: Ops, data: bytes) -> ImportRecord:
    return import_5w_file(
        by=ops.world.partner,
        operation=ops.operation,
        file=io.BytesIO(data),
        file_name="5w_mars.xlsx",
        dry_run=True,
    )


def url(name: str, pk: int) -> str:
    return reverse(f"activities:{name}", kwargs={"slug": "mali", "pk": pk})


def cell(row_number: int, column: int = PCODE) -> str:
    return f"cell-{row_number}-{column}"


def latest() -> ImportRecord:
    return ImportRecord.objects.latest("pk")


def test_fix_recheck_fix_and_import_with_the_corrected_values(ops: Ops, as_user: Any) -> None:
    original = xlsx_bytes(bad_rows())
    first = check(ops, original)
    assert first.status == ImportRecord.Status.REJECTED
    assert sorted(p["row"] for p in first.problems) == [3, 4, 5]
    client = as_user(ops.world.partner)
    detail = client.get(url("import_detail", first.pk)).content.decode()
    assert url("import_fix", first.pk) in detail

    page = client.get(url("import_fix", first.pk)).content.decode()
    # Only the rows with problems, each problem beside its cell.
    assert 'id="fix-row-3"' in page
    assert 'id="fix-row-5"' in page
    assert 'id="fix-row-6"' not in page
    assert f'name="{cell(4)}"' in page
    assert 'value="ML0598"' in page

    response = client.post(
        url("import_fix", first.pk),
        {cell(3): "ML0501", cell(4): "ML0501", cell(5): "ML0597", "page": "1"},
    )
    second = latest()
    assert second.pk != first.pk
    assert response.status_code == 302
    assert response["Location"] == url("import_detail", second.pk)
    assert second.status == ImportRecord.Status.REJECTED
    assert [(p["row"], p["column"]) for p in second.problems] == [(5, "admin2_pcode")]
    assert second.error_count == 1
    entry = AuditEntry.objects.get(entity_id=str(second.pk), action=AuditEntry.Action.UPDATE)
    assert entry.actor == ops.world.partner
    assert entry.after["changed_cells"] == 2
    assert "ML0501" not in entry.summary
    # The corrections are stored encrypted, the file as uploaded.
    with connection.cursor() as cursor:
        cursor.execute("SELECT corrections FROM activities_importrecord WHERE id = %s", [second.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc:")
    assert "ML0501" not in stored
    assert record_upload_bytes(second) == original
    # ... and stays downloadable as it was uploaded.
    assert (
        url("import_original", second.pk)
        in client.get(url("import_detail", second.pk)).content.decode()
    )
    response = client.get(url("import_original", second.pk))
    assert b"".join(response.streaming_content) == original
    # The annotated workbook shows the corrected values.
    sheet = load_workbook(io.BytesIO(import_annotated_workbook(record=second))).active
    assert sheet is not None
    assert [sheet.cell(row=r, column=PCODE + 1).value for r in (3, 4, 5)] == [
        "ML0501",
        "ML0501",
        "ML0597",
    ]

    page = client.get(url("import_fix", second.pk)).content.decode()
    assert 'id="fix-row-5"' in page
    assert 'id="fix-row-3"' not in page
    client.post(url("import_fix", second.pk), {cell(5): "ML0502", "page": "1"})
    third = latest()
    assert third.status == ImportRecord.Status.DRY_RUN, third.problems
    assert third.error_count == 0
    assert record_upload_bytes(third) == original
    assert ActivityReport.objects.count() == 0

    response = client.post(url("import_commit", third.pk))
    imported = latest()
    assert imported.status == ImportRecord.Status.IMPORTED, imported.problems
    assert imported.created_count == 4
    # The corrections go with the files: none is kept once its file is let go of (the imported
    # upload keeps its file, with warnings, for the annotated workbook, until it expires).
    assert not ImportRecord.objects.filter(file="").exclude(corrections="").exists()
    assert ImportRecord.objects.exclude(corrections="").count() == (1 if imported.file else 0)
    assert sorted(ActivityReport.objects.values_list("admin2__pcode", flat=True)) == [
        "ML0501",
        "ML0501",
        "ML0501",
        "ML0502",
    ]


def test_a_corrected_value_goes_through_the_value_tables_and_rules(ops: Ops, as_user: Any) -> None:
    rows = bad_rows()[:1] + [
        row(population_group="Groupe inconnu", activity="PRO-LEG", indicator="")
    ]
    first = check(ops, xlsx_bytes(rows))
    group = HEADERS.index("population_group")
    assert {(p["row"], p["column"]) for p in first.problems if p["severity"] == "error"} == {
        (3, "admin2_pcode"),
        (4, "population_group"),
    }
    client = as_user(ops.world.partner)
    # "Déplacés" is a word of the file's language that the value matching knows for IDPs.
    client.post(url("import_fix", first.pk), {cell(3): "ML0501", cell(4, group): "Déplacés"})
    second = latest()
    assert second.status == ImportRecord.Status.DRY_RUN, second.problems
    assert second.created_count == 2


def test_other_organisation_and_viewer_cannot_see_or_post_corrections(
    ops: Ops, as_user: Any
) -> None:
    first = check(ops, xlsx_bytes(bad_rows()))
    other = as_user(ops.world.other_partner)
    assert other.get(url("import_fix", first.pk)).status_code == 404
    assert other.post(url("import_fix", first.pk), {cell(3): "ML0501"}).status_code == 404
    assert other.get(url("import_original", first.pk)).status_code == 404
    viewer = as_user(ops.world.viewer)
    assert viewer.get(url("import_fix", first.pk)).status_code == 403
    assert viewer.post(url("import_fix", first.pk), {cell(3): "ML0501"}).status_code == 403
    outsider = as_user(ops.world.outsider)
    assert outsider.get(url("import_fix", first.pk)).status_code in {403, 404}
    assert ImportRecord.objects.count() == 1
    first.refresh_from_db()
    assert first.corrections == ""


def test_an_imported_upload_cannot_be_corrected(ops: Ops, as_user: Any) -> None:
    record = import_5w_file(
        by=ops.world.partner,
        operation=ops.operation,
        file=io.BytesIO(xlsx_bytes([row()])),
        file_name="5w.xlsx",
    )
    assert record.status == ImportRecord.Status.IMPORTED
    assert as_user(ops.world.partner).get(url("import_fix", record.pk)).status_code == 404


def test_corrected_cells_are_capped_with_a_clear_message(
    ops: Ops, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corrections, "MAX_CORRECTED_CELLS", 2)
    first = check(ops, xlsx_bytes(bad_rows()))
    client = as_user(ops.world.partner)
    response = client.post(
        url("import_fix", first.pk),
        {cell(3): "ML0501", cell(4): "ML0501", cell(5): "ML0501", "page": "1"},
        follow=True,
    )
    assert "At most 2 cells of an upload can be corrected" in response.content.decode()
    assert ImportRecord.objects.count() == 1
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()
    # Within the cap it goes through (row 3 still wrong), a third cell would pass the cap, and a
    # cell given back its value in the file loses its correction.
    client.post(url("import_fix", first.pk), {cell(3): "ML0596", cell(4): "ML0501"})
    second = latest()
    assert len(corrections.corrections_load(second.corrections)) == 2
    assert sorted(p["row"] for p in second.problems) == [3, 5]
    client.post(url("import_fix", second.pk), {cell(5): "ML0501"})
    assert ImportRecord.objects.count() == 2
    client.post(url("import_fix", second.pk), {cell(5): "ML0501", cell(3): "ML0599"})
    third = latest()
    assert set(corrections.corrections_load(third.corrections)) == {(4, PCODE), (5, PCODE)}
    assert [p["row"] for p in third.problems] == [3]


def test_the_background_worker_imports_with_the_corrections(
    ops: Ops, django_capture_on_commit_callbacks: Any
) -> None:
    stored = corrections.corrections_dump(
        {
            (r, PCODE): corrections.Correction(
                row=r, column=PCODE, header="admin2_pcode", value="ML0501"
            )
            for r in (3, 4, 5)
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = import_5w_start(
            by=ops.world.partner,
            operation=ops.operation,
            file=io.BytesIO(xlsx_bytes(bad_rows())),
            file_name="big.xlsx",
            background=True,
            corrections=stored,
        )
        assert record.status == ImportRecord.Status.PENDING
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert ActivityReport.objects.filter(admin2__pcode="ML0501").count() == 4


def test_corrections_expire_with_the_file(ops: Ops, as_user: Any) -> None:
    first = check(ops, xlsx_bytes(bad_rows()))
    as_user(ops.world.partner).post(url("import_fix", first.pk), {cell(3): "ML0501"})
    second = latest()
    assert second.corrections
    assert files.upload_files_expire(now=timezone.now() + datetime.timedelta(days=30)) == 1
    second.refresh_from_db()
    assert not second.file
    assert second.corrections == ""


def test_the_mapping_page_reads_the_file_with_its_corrections(ops: Ops, as_user: Any) -> None:
    """After cells are corrected in the browser, the mapping page's values are those the import
    will read: a population group word corrected to a known code is no longer asked about."""
    rows = [
        row(),
        row(population_group="Zorglub du quartier", admin2_pcode="ML0502"),
        row(population_group="RET"),
    ]
    first = check(ops, xlsx_bytes(rows))
    assert first.status == ImportRecord.Status.REJECTED
    client = as_user(ops.world.partner)
    before = client.get(url("import_mapping", first.pk)).content.decode()
    assert "Zorglub du quartier" in before
    group = HEADERS.index("population_group")
    client.post(url("import_fix", first.pk), {cell(4, group): "IDP", "page": "1"})
    second = latest()
    assert second.pk != first.pk
    assert second.status == ImportRecord.Status.DRY_RUN, second.problems
    after = client.get(url("import_mapping", second.pk)).content.decode()
    assert "Zorglub du quartier" not in after
