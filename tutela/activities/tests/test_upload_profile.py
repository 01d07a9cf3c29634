"""The 5W upload page reads a file with a ready-made import profile (the HDX HXL 3W...): chosen on
the form (or by following "Use" on the profiles page), kept on the upload's record, and used again
by "import for real", a queued run in the background and the annotated workbook."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.activities.models import ActivityReport, ColumnMapping, ImportRecord
from tutela.activities.services.imports import import_5w_start
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    rows_of,
)
from tutela.activities.tests.test_import_profile_hxl3w import HEADERS, ROWS, TAGS

pytestmark = pytest.mark.django_db

UPLOAD = "/o/mali/5w/upload/"


def hxl_3w(rows: list[list[object]] = ROWS, name: str = "mli_3w.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, TAGS, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def latest() -> ImportRecord:
    found = ImportRecord.objects.order_by("-pk").first()
    assert found is not None
    return found


def test_the_upload_page_offers_the_profiles_and_preselects_the_one_followed(fivew, as_user):
    client = as_user(fivew.world.partner)
    page = client.get(UPLOAD).content.decode()
    assert 'name="profile"' in page
    assert '<option value="hxl-3w">' in page
    chosen = client.get(UPLOAD + "?profile=hxl-3w").content.decode()
    assert '<option value="hxl-3w" selected>' in chosen
    profiles = client.get("/o/mali/5w/imports/profiles/").content.decode()
    assert 'href="/o/mali/5w/upload/?profile=hxl-3w"' in profiles


def test_a_partner_checks_then_imports_an_hxl_3w_with_the_profile(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    response = client.post(UPLOAD, {"file": hxl_3w(), "profile": "hxl-3w", "dry_run": "on"})
    record = latest()
    assert response["Location"] == f"/o/mali/5w/imports/{record.pk}/"
    assert record.status == ImportRecord.Status.DRY_RUN, record.problems
    assert record.profile == "hxl-3w"
    assert record.mapping is None
    assert record.created_count == 2
    page = client.get(response["Location"]).content.decode()
    assert "profile “hxl-3w”" in page
    assert not ActivityReport.objects.exists()
    # "Import for real" reads the stored file with the same profile.
    response = client.post(f"/o/mali/5w/imports/{record.pk}/import/")
    final = latest()
    assert final.pk != record.pk
    assert final.status == ImportRecord.Status.IMPORTED, final.problems
    assert final.profile == "hxl-3w"
    reports = {r.population_group.code: r for r in rows_of(world.amss)}
    assert set(reports) == {"IDP", "HST"}
    assert reports["IDP"].total == 27
    assert reports["IDP"].site == "Site de Wendou"
    assert reports["HST"].status == "completed"


def test_without_the_profile_the_page_cannot_read_the_file(fivew, as_user):
    client = as_user(fivew.world.partner)
    client.post(UPLOAD, {"file": hxl_3w(), "dry_run": "on"})
    record = latest()
    assert record.status == ImportRecord.Status.REJECTED
    assert record.profile == ""


def test_a_mapping_and_a_profile_together_are_refused(fivew, as_user):
    world = fivew.world
    mapping = ColumnMapping.objects.create(
        operation=fivew.operation, organisation=world.amss, name="Ours", columns={}
    )
    client = as_user(world.partner)
    response = client.post(
        UPLOAD, {"file": hxl_3w(), "profile": "hxl-3w", "mapping": str(mapping.pk)}
    )
    assert response.status_code == 200
    assert "Choose a saved mapping or a profile, not both." in response.content.decode()
    unknown = client.post(UPLOAD, {"file": hxl_3w(), "profile": "nope"})
    assert unknown.status_code == 200
    assert 'name="profile"' in unknown.content.decode()
    assert not ImportRecord.objects.exists()


def test_a_queued_upload_is_read_with_its_profile_in_the_background(
    fivew, django_capture_on_commit_callbacks
):
    """A big upload goes to the worker once its record commits (the test settings run tasks at
    once): the worker reads the stored file with the profile kept on the record."""
    world = fivew.world
    with django_capture_on_commit_callbacks(execute=True):
        record = import_5w_start(
            by=world.partner,
            operation=fivew.operation,
            file=hxl_3w(),
            file_name="mli_3w.csv",
            profile="hxl-3w",
            background=True,
        )
        assert record.status == ImportRecord.Status.PENDING
    record.refresh_from_db()
    assert record.profile == "hxl-3w"
    assert record.job is not None
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert len(rows_of(world.amss)) == 2


def test_the_annotated_workbook_of_a_profile_upload_marks_the_rows_problems(fivew, as_user):
    world = fivew.world
    bad = [list(ROWS[0]), list(ROWS[1])]
    bad[1][HEADERS.index("District Pcode")] = "ML9999"  # no such district
    client = as_user(world.partner)
    client.post(UPLOAD, {"file": hxl_3w(bad), "profile": "hxl-3w", "dry_run": "on"})
    record = latest()
    assert record.status == ImportRecord.Status.REJECTED
    assert any(p.get("row") == 4 for p in record.problems), record.problems
    response = client.get(f"/o/mali/5w/imports/{record.pk}/problems.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    commented = {cell.row for row in sheet.iter_rows() for cell in row if cell.comment}
    assert 4 in commented, commented
