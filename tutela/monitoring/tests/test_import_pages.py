"""The monitoring import pages: upload, result, annotated workbook, commit, mapping, history,
saved mappings and XLSForm downloads; and who may see them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.conftest import World
from tutela.monitoring.imports.xlsforms import xlsform_convert
from tutela.monitoring.models import Incident, MonitoringImport, MonitoringMapping
from tutela.monitoring.services.imports import import_monitoring_file
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import csv_bytes, incident_row, incidents_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def url(name: str, *args: Any) -> str:
    return reverse(f"monitoring:{name}", args=["mali", *args])


def upload_file(data: bytes, name: str = "incidents.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def dry_run(world: World, data: bytes, by: Any = None, **kwargs: Any) -> MonitoringImport:
    return import_monitoring_file(
        by=by or world.partner,
        operation=world.operation,
        organisation=kwargs.pop("organisation", None),
        file=io.BytesIO(data),
        file_name="incidents.csv",
        dry_run=True,
        **kwargs,
    )


def test_upload_page_shows_the_form_and_xlsform_links(seeded: World, as_user: Any) -> None:
    response = as_user(seeded.partner).get(url("import"))
    assert response.status_code == 200
    body = response.content.decode()
    assert url("xlsform_incidents") in body
    assert url("xlsform_community") in body
    assert 'name="organisation"' not in body  # partners import for their own organisation


def test_manager_sees_the_organisation_choice(seeded: World, as_user: Any) -> None:
    response = as_user(seeded.coordinator).get(url("import"))
    assert 'name="organisation"' in response.content.decode()


def test_upload_dry_run_then_import_for_real(seeded: World, as_user: Any) -> None:
    client = as_user(seeded.partner)
    response = client.post(
        url("import"),
        {"file": upload_file(incidents_csv(incident_row(1))), "kind": "incidents", "dry_run": "on"},
    )
    record = MonitoringImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("import_detail", record.pk)
    assert record.status == "dry_run"
    assert record.organisation == seeded.amss
    page = client.get(url("import_detail", record.pk))
    assert page.status_code == 200
    assert 'id="import-for-real"' in page.content.decode()
    assert Incident.objects.count() == 0
    response = client.post(url("import_commit", record.pk))
    new = MonitoringImport.objects.exclude(pk=record.pk).get()
    assert new.status == "imported"
    assert response["Location"] == url("import_detail", new.pk)
    assert Incident.objects.filter(organisation=seeded.amss).count() == 1
    record.refresh_from_db()
    assert not record.file  # the dry run's copy is deleted once imported


def test_manager_uploads_for_a_partner_that_authorised_it(seeded: World, as_user: Any) -> None:
    def upload_for(organisation: Any) -> Any:
        return as_user(seeded.imo).post(
            url("import"),
            {
                "file": upload_file(incidents_csv()),
                "kind": "incidents",
                "organisation": organisation.pk,
            },
        )

    response = upload_for(seeded.amss)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Incident.objects.exists()
    as_user(seeded.partner).post(
        reverse("core:organisation_delegation", args=["mali", seeded.amss.pk]),
        {"scope": "monitoring", "action": "grant"},
    )
    upload_for(seeded.amss)
    assert Incident.objects.get().organisation == seeded.amss


def test_partner_cannot_choose_another_organisation(seeded: World, as_user: Any) -> None:
    as_user(seeded.partner).post(
        url("import"),
        {"file": upload_file(incidents_csv()), "kind": "incidents", "organisation": seeded.drc.pk},
    )
    # The field is not on a partner's form: the upload is for their own organisation.
    assert Incident.objects.get().organisation == seeded.amss


def test_rejected_upload_lists_problems_and_annotated_download(seeded: World, as_user: Any) -> None:
    record = dry_run(seeded, incidents_csv(incident_row(1, risks="zzz")))
    client = as_user(seeded.partner)
    page = client.get(url("import_detail", record.pk)).content.decode()
    assert "zzz" in page
    assert url("import_annotated", record.pk) in page
    response = client.get(url("import_annotated", record.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_mapping_page_saves_mapping_and_rechecks(seeded: World, as_user: Any) -> None:
    data = csv_bytes(
        ["Quand", "Cercle", "Quoi", "Source", "Verification"],
        [["2026-03-01", "Bandiagara", "Tuerie", "hotline", "verified"]],
    )
    record = dry_run(seeded, data)
    assert record.status == "rejected"
    client = as_user(seeded.partner)
    page = client.get(url("import_mapping", record.pk))
    assert page.status_code == 200
    # Columns: Quand -> occurred_on, Cercle -> admin2_name, Quoi -> risks.
    post = {
        "name": "Our sheet",
        "col_0": "occurred_on",
        "col_1": "admin2_name",
        "col_2": "risks",
        "col_3": "source",
        "col_4": "verification",
    }
    response = client.post(url("import_mapping", record.pk), post)
    assert response.status_code == 200  # the unknown value "Tuerie" is now asked for
    assert "Tuerie" in response.content.decode()
    form = response.context["form"]
    key = next(row.key for row in form.value_rows if row.value == "Tuerie")
    asked = response.context["asked"]
    response = client.post(
        url("import_mapping", record.pk), {**post, key: "killing", "asked": asked}
    )
    mapping = MonitoringMapping.objects.get()
    assert mapping.name == "Our sheet"
    assert mapping.organisation == seeded.amss
    assert mapping.values["risks"] == {"Tuerie": "killing"}
    new = MonitoringImport.objects.latest("pk")
    assert response["Location"] == url("import_detail", new.pk)
    assert new.status == "dry_run", new.problems


def test_history_and_mappings_pages(seeded: World, as_user: Any) -> None:
    dry_run(seeded, incidents_csv())
    dry_run(seeded, incidents_csv(), by=seeded.other_partner)
    response = as_user(seeded.partner).get(url("import_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1
    response = as_user(seeded.coordinator).get(url("import_list"))
    assert len(response.context["page"].object_list) == 2
    assert as_user(seeded.partner).get(url("mapping_list")).status_code == 200


def test_history_is_paginated(seeded: World, as_user: Any) -> None:
    for _index in range(51):
        MonitoringImport.objects.create(
            operation=seeded.operation, organisation=seeded.amss, kind="incidents", file_name="x"
        )
    client = as_user(seeded.partner)
    assert len(client.get(url("import_list")).context["page"].object_list) == 50
    assert len(client.get(url("import_list") + "?page=2").context["page"].object_list) == 1


@pytest.mark.parametrize("form", ["xlsform_incidents", "xlsform_community"])
def test_xlsform_download(seeded: World, as_user: Any, form: str) -> None:
    response = as_user(seeded.partner).get(url(form))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "<h:html" in xlsform_convert(response.content)


# --- access denied -------------------------------------------------------------------------------


PAGES = ["import", "import_list", "mapping_list", "xlsform_incidents", "xlsform_community"]
RECORD_PAGES = ["import_detail", "import_progress", "import_annotated", "import_mapping"]


@pytest.mark.parametrize("name", PAGES)
def test_outsiders_and_other_operations_are_refused(seeded: World, as_user: Any, name: str) -> None:
    assert as_user(seeded.outsider).get(url(name)).status_code == 404
    assert as_user(seeded.other_operation_user).get(url(name)).status_code == 404
    assert as_user(seeded.viewer).get(url(name)).status_code == 403


def test_anonymous_is_sent_to_sign_in(seeded: World, client: Any) -> None:
    response = client.get(url("import"))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_other_organisation_cannot_see_an_upload(seeded: World, as_user: Any, name: str) -> None:
    record = dry_run(seeded, incidents_csv(incident_row(1, risks="zzz")))
    assert as_user(seeded.other_partner).get(url(name, record.pk)).status_code == 404
    assert as_user(seeded.outsider).get(url(name, record.pk)).status_code == 404
    assert as_user(seeded.other_operation_user).get(url(name, record.pk)).status_code == 404


def test_other_organisation_cannot_commit(seeded: World, as_user: Any) -> None:
    record = dry_run(seeded, incidents_csv())
    response = as_user(seeded.other_partner).post(url("import_commit", record.pk))
    assert response.status_code == 404
    assert Incident.objects.count() == 0


def test_manager_sees_counts_but_not_the_rows_of_a_partners_upload(
    seeded: World, as_user: Any
) -> None:
    record = dry_run(seeded, incidents_csv(incident_row(1, risks="zzz")))
    client = as_user(seeded.coordinator)
    page = client.get(url("import_detail", record.pk))
    assert page.status_code == 200
    assert "zzz" not in page.content.decode()
    assert client.get(url("import_annotated", record.pk)).status_code == 404
    assert client.get(url("import_mapping", record.pk)).status_code == 404
    assert client.post(url("import_commit", record.pk)).status_code == 404
