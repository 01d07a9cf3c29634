"""Upload pages: upload with dry run, the result page, "import for real", the annotated workbook,
the column-mapping page, saved mappings, import history, background progress."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.activities.models import ActivityReport, ColumnMapping, ImportRecord
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    rows_of,
)
from tutela.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db

UPLOAD = "/o/mali/5w/upload/"
HEADER = "month,activity,indicator,admin1_pcode,admin2_pcode,population_group,girls,boys,women,men,older_women,older_men,total,with_disability"  # noqa: E501
GOOD = [
    "2026-03,PRO-PSS,PRO-PSS-01,ML05,ML0501,IDP,5,4,10,6,1,1,27,2",
    "2026-03,PRO-LEG,PRO-LEG-01,ML05,ML0502,HST,1,1,2,2,0,0,6,0",
]


def csv_file(*lines: str, header: str = HEADER, name: str = "amss-march.csv") -> SimpleUploadedFile:
    content = "\n".join([header, *lines]) + "\n"
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def upload(client, file, **extra):
    data = {"file": file, **extra}
    return client.post(UPLOAD, data)


def latest() -> ImportRecord:
    return ImportRecord.objects.order_by("-pk").first()


# --- upload and result ---------------------------------------------------------------------------


def test_upload_page_renders_for_partner_and_manager(fivew, as_user):
    partner_page = as_user(fivew.world.partner).get(UPLOAD).content.decode()
    assert 'name="file"' in partner_page
    assert 'name="dry_run"' in partner_page
    assert 'name="organisation"' not in partner_page
    manager_page = as_user(fivew.world.imo).get(UPLOAD).content.decode()
    assert 'name="organisation"' in manager_page


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_upload_pages_are_404_outside(fivew, as_user, persona):
    client = as_user(getattr(fivew.world, persona))
    assert client.get(UPLOAD).status_code == 404
    assert client.get("/o/mali/5w/imports/").status_code == 404


def test_viewer_cannot_upload(fivew, as_user):
    client = as_user(fivew.world.viewer)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, csv_file(*GOOD), dry_run="on").status_code == 403
    assert not ImportRecord.objects.exists()


def test_dry_run_then_import_for_real(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    response = upload(client, csv_file(*GOOD), dry_run="on")
    record = latest()
    assert response.status_code == 302
    assert response["Location"] == f"/o/mali/5w/imports/{record.pk}/"
    assert record.status == ImportRecord.Status.DRY_RUN
    assert record.organisation == world.amss
    assert not ActivityReport.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-created">2<' in page
    assert 'id="import-for-real"' in page
    assert "Dry run: nothing was saved" in page
    response = client.post(f"/o/mali/5w/imports/{record.pk}/import/")
    final = latest()
    assert final.pk != record.pk
    assert response["Location"] == f"/o/mali/5w/imports/{final.pk}/"
    assert final.status == ImportRecord.Status.IMPORTED
    assert final.created_count == 2
    assert len(rows_of(world.amss)) == 2
    assert AuditEntry.objects.filter(
        entity_type="activities.importrecord", entity_id=str(final.pk)
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "The rows are saved." in page
    assert 'id="import-for-real"' not in page


def test_a_rejected_file_lists_problems_and_gives_the_annotated_workbook(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    bad = GOOD[1].replace(",6,0", ",6,9")  # more persons with disability than reached
    upload(client, csv_file(GOOD[0], bad))
    record = latest()
    assert record.status == ImportRecord.Status.REJECTED
    assert not ActivityReport.objects.exists()
    page = client.get(f"/o/mali/5w/imports/{record.pk}/").content.decode()
    assert "nothing was saved" in page
    assert "with_disability" in page
    assert 'id="import-for-real"' not in page
    response = client.get(f"/o/mali/5w/imports/{record.pk}/problems.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="amss-march-problems.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    comments = [cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment]
    assert any("disability" in text for text in comments)


def test_a_clean_import_straight_away(fivew, as_user):
    upload(as_user(fivew.world.partner), csv_file(*GOOD))
    assert latest().status == ImportRecord.Status.IMPORTED
    assert ActivityReport.objects.count() == 2


def test_a_partner_cannot_import_for_another_organisation(fivew, as_user):
    world = fivew.world
    # The partner's upload is always for their own organisation, whatever is posted.
    upload(as_user(world.partner), csv_file(*GOOD), organisation=str(world.other_org.pk))
    assert latest().organisation == world.amss
    assert not rows_of(world.other_org)


def test_manager_imports_for_a_chosen_organisation(fivew, as_user):
    world = fivew.world
    upload(as_user(world.imo), csv_file(*GOOD), organisation=str(world.drc.pk))
    assert latest().organisation == world.drc
    assert len(rows_of(world.drc)) == 2


def test_an_unreadable_file_is_refused_on_the_form(fivew, as_user):
    response = upload(
        as_user(fivew.world.partner),
        SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain"),
    )
    assert response.status_code == 200
    assert "Upload an Excel workbook (.xlsx) or a CSV file." in response.content.decode()
    assert not ImportRecord.objects.exists()


# --- mappings ------------------------------------------------------------------------------------

OWN_HEADER = "Mois,Code activité,Indicateur,Région,Cercle,Bénéficiaires,Nombre"
OWN_LINES = [
    "2026-03,PRO-PSS,PRO-PSS-01,ML05,ML0501,Déplacés du site,27",
    "2026-03,PRO-LEG,PRO-LEG-01,ML05,ML0502,Famille hôte,6",
]
OWN_TARGETS = [
    "month",
    "activity",
    "indicator",
    "admin1_pcode",
    "admin2_pcode",
    "population_group",
    "total",
]


def columns_chosen(name: str = "Kobo mensuel") -> dict[str, str]:
    data = {f"col_{i}": target for i, target in enumerate(OWN_TARGETS)}
    data["name"] = name
    return data


def test_a_file_with_unknown_columns_goes_through_the_mapping_page(fivew, as_user):
    client = as_user(fivew.world.partner)
    upload(client, csv_file(*OWN_LINES, header=OWN_HEADER, name="kobo.csv"), dry_run="on")
    record = latest()
    assert record.status == ImportRecord.Status.REJECTED
    detail = client.get(f"/o/mali/5w/imports/{record.pk}/").content.decode()
    assert f"/o/mali/5w/imports/{record.pk}/mapping/" in detail
    url = f"/o/mali/5w/imports/{record.pk}/mapping/"
    page = client.get(url).content.decode()
    for header in ("Région", "Cercle", "Bénéficiaires", "Nombre"):
        assert f">{header}</label>" in page
    # Once the population group column is chosen, the file's own words for it are asked for.
    response = client.post(url, columns_chosen())
    assert response.status_code == 200
    page = response.content.decode()
    assert ">Déplacés du site</label>" in page
    assert ">Famille hôte</label>" in page
    assert 'name="asked" value="population_group"' in page
    assert not ColumnMapping.objects.exists()


def test_mapping_is_saved_reused_and_audited(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    upload(client, csv_file(*OWN_LINES, header=OWN_HEADER, name="kobo.csv"), dry_run="on")
    record = latest()
    url = f"/o/mali/5w/imports/{record.pk}/mapping/"
    page = client.post(url, columns_chosen()).content.decode()
    data = {**columns_chosen(), "asked": "population_group"}
    for key, value in re.findall(
        r'<label for="id_(val_population_group_[0-9a-f]+)">([^<]+)</label>', page
    ):
        data[key] = "IDP" if value.startswith("Déplacés") else "HST"
    response = client.post(url, data)
    checked = latest()
    assert response.status_code == 302
    assert response["Location"] == f"/o/mali/5w/imports/{checked.pk}/"
    mapping = ColumnMapping.objects.get(name="Kobo mensuel")
    assert mapping.organisation == world.amss
    assert mapping.columns["Bénéficiaires"] == "population_group"
    assert mapping.values["population_group"] == {"Déplacés du site": "IDP", "Famille hôte": "HST"}
    assert AuditEntry.objects.filter(
        entity_type="activities.columnmapping", entity_id=str(mapping.pk), action="create"
    ).exists()
    assert checked.mapping == mapping
    assert checked.status == ImportRecord.Status.DRY_RUN, checked.problems
    assert checked.created_count == 2
    # Next month the mapping is offered on the upload page, and works in one go.
    upload_page = client.get(UPLOAD).content.decode()
    assert "Kobo mensuel" in upload_page
    upload(client, csv_file(*OWN_LINES, header=OWN_HEADER, name="kobo2.csv"), mapping=mapping.pk)
    assert latest().status == ImportRecord.Status.IMPORTED
    assert sorted(r.population_group.code for r in rows_of(world.amss)) == ["HST", "IDP"]
    # Another organisation does not see it.
    other_page = as_user(world.other_partner).get(UPLOAD).content.decode()
    assert "Kobo mensuel" not in other_page


def test_a_mapping_must_give_the_required_fields(fivew, as_user):
    client = as_user(fivew.world.partner)
    upload(client, csv_file(*OWN_LINES, header=OWN_HEADER, name="kobo.csv"), dry_run="on")
    record = latest()
    response = client.post(
        f"/o/mali/5w/imports/{record.pk}/mapping/", {"col_0": "month", "name": "Incomplete"}
    )
    assert response.status_code == 200
    assert "These fields need a column" in response.content.decode()
    assert not ColumnMapping.objects.exists()


# --- history and access --------------------------------------------------------------------------


def test_history_shows_own_organisation_to_partners_and_all_to_managers(fivew, as_user):
    world = fivew.world
    upload(as_user(world.partner), csv_file(*GOOD, name="amss.csv"), dry_run="on")
    upload(as_user(world.other_partner), csv_file(*GOOD, name="other.csv"), dry_run="on")
    partner_page = as_user(world.partner).get("/o/mali/5w/imports/").content.decode()
    assert "amss.csv" in partner_page
    assert "other.csv" not in partner_page
    imo_page = as_user(world.imo).get("/o/mali/5w/imports/").content.decode()
    assert "amss.csv" in imo_page
    assert "other.csv" in imo_page


def test_partner_cannot_open_another_organisations_upload(fivew, as_user):
    world = fivew.world
    upload(as_user(world.other_partner), csv_file(*GOOD, name="other.csv"), dry_run="on")
    record = latest()
    client = as_user(world.partner)
    for suffix in ("", "problems.xlsx", "mapping/", "progress/"):
        assert client.get(f"/o/mali/5w/imports/{record.pk}/{suffix}").status_code == 404
    assert client.post(f"/o/mali/5w/imports/{record.pk}/import/").status_code == 404
    assert not ActivityReport.objects.exists()


def test_a_queued_import_shows_progress_until_done(fivew, as_user):
    world = fivew.world
    job = Job.objects.create(
        user=world.partner, operation=fivew.operation, kind="5w_import", label="big.xlsx"
    )
    job.progress = 40
    job.status = Job.Status.RUNNING
    job.save()
    record = ImportRecord.objects.create(
        operation=fivew.operation,
        organisation=world.amss,
        user=world.partner,
        file_name="big.xlsx",
        job=job,
    )
    client = as_user(world.partner)
    page = client.get(f"/o/mali/5w/imports/{record.pk}/").content.decode()
    assert f'hx-get="/o/mali/5w/imports/{record.pk}/progress/"' in page
    assert 'value="40"' in page
    partial = client.get(f"/o/mali/5w/imports/{record.pk}/progress/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert 'id="import-progress"' in partial.content.decode()
    record.status = ImportRecord.Status.IMPORTED
    record.save()
    done = client.get(f"/o/mali/5w/imports/{record.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"


def test_partner_cannot_use_another_organisations_mapping(fivew, as_user):
    world = fivew.world
    other_mapping = ColumnMapping.objects.create(
        operation=fivew.operation,
        organisation=world.other_org,
        name="Other's Kobo",
        columns={"Mois": "month"},
    )
    client = as_user(world.partner)
    assert "Other's Kobo" not in client.get(UPLOAD).content.decode()
    response = upload(client, csv_file(*GOOD), mapping=str(other_mapping.pk))
    assert response.status_code == 200
    assert not ImportRecord.objects.exists()


def test_the_problems_workbook_of_a_big_rejected_upload_is_prepared_in_the_background(
    fivew, as_user, django_capture_on_commit_callbacks
):
    # 600 rows, each with a problem: more than the record keeps, so every row must be checked
    # again to mark them all; that is the worker's job, not a web request's.
    bad = GOOD[1].replace(",6,0", ",6,9")
    client = as_user(fivew.world.partner)
    upload(client, csv_file(*[bad] * 600))
    record = latest()
    assert record.status == ImportRecord.Status.REJECTED
    assert record.error_count >= 600 > len(record.problems)
    detail = f"/o/mali/5w/imports/{record.pk}/"
    annotated = f"/o/mali/5w/imports/{record.pk}/problems.xlsx"
    page = client.get(detail).content.decode()
    assert 'class="secondary">Prepare the file with the problems marked' in page
    assert f'href="{annotated}"' not in page
    # A GET does not build it while the request waits: back to the page, which offers to.
    response = client.get(annotated)
    assert response.status_code == 302
    assert response["Location"] == detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(annotated)
    assert response.status_code == 302
    job = Job.objects.get(kind="5w_problems")
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result["record"] == record.pk
    page = client.get(detail).content.decode()
    assert 'class="secondary">Prepare the file with the problems marked' not in page
    assert f'href="{annotated}"' in page
    response = client.get(annotated)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    listing = workbook.worksheets[1]
    listed = sum(1 for _row in listing.iter_rows()) - 1
    assert listed == record.error_count + record.warning_count


def test_the_problems_workbook_is_refused_to_other_organisations(fivew, as_user):
    bad = GOOD[1].replace(",6,0", ",6,9")
    upload(as_user(fivew.world.partner), csv_file(*[bad] * 600))
    record = latest()
    other = as_user(fivew.world.other_partner)
    assert other.post(f"/o/mali/5w/imports/{record.pk}/problems.xlsx").status_code == 404
    assert not Job.objects.filter(kind="5w_problems").exists()
