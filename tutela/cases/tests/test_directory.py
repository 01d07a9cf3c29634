"""The service directory: kept by each organisation, published to members, exported, used to
pick a referral's receiver."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from tutela.cases.models import Service, ServiceType
from tutela.cases.services import directory as services
from tutela.cases.tests.conftest import CaseWorld, consent, register
from tutela.conftest import client_for
from tutela.core.models import AdminArea
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset


def add(cw: CaseWorld, by=None, organisation=None, **values):  # type: ignore[no-untyped-def]
    values.setdefault("name", "Clinique juridique mobile")
    values.setdefault("hours", "Lun-Ven 8h-16h")
    values.setdefault("areas", [AdminArea.objects.get(pcode="ML05")])
    return services.service_create(
        operation=cw.operation,
        by=by or cw.drc_supervisor,
        organisation=organisation or cw.world.drc,
        service_type=ServiceType.objects.get(operation=cw.operation, code="legal"),
        languages=["Français", "Fulfulde"],
        contact_name="Point focal",
        contact_phone="+223 70 00 00 99",
        referral_requirements="Consentement signé",
        **values,
    )


def test_organisations_keep_their_own_services(cw: CaseWorld) -> None:
    service = add(cw)
    assert service.contact_phone == "+223 70 00 00 99"
    with pytest.raises(PermissionDenied):
        add(cw, by=cw.drc_supervisor, organisation=cw.world.amss)
    with pytest.raises(PermissionDenied):
        add(cw, by=cw.caseworker)
    add(cw, by=cw.world.coordinator, organisation=cw.world.amss, name="Écoute")
    with pytest.raises(ValidationError):
        add(cw, areas=[AdminArea.objects.get(pcode="CO")])
    with pytest.raises(PermissionDenied):
        services.service_update(service=service, by=cw.supervisor, name="x")
    services.service_update(service=service, by=cw.drc_supervisor, name="Clinique juridique")


def test_members_see_published_services_filtered_by_area(cw: CaseWorld) -> None:
    add(cw)
    add(cw, name="Interne", is_published=False)
    add(cw, name="Ségou", areas=[AdminArea.objects.get(pcode="ML04")])
    viewer = client_for(cw.world.viewer)
    text = viewer.get("/o/mali/cases/services/").content.decode()
    assert "Clinique juridique mobile" in text
    assert "Interne" not in text
    # A P-code finds services of the area, its parents and its children.
    found = viewer.get("/api/v1/operations/mali/cases/directory/", {"area": "ML0501"}).json()
    assert [s["name"] for s in found["results"]] == ["Clinique juridique mobile"]
    own = client_for(cw.drc_caseworker).get("/o/mali/cases/services/").content.decode()
    assert "Interne" in own


def test_the_directory_exports_as_xlsx_and_csv(cw: CaseWorld) -> None:
    add(cw)
    client = client_for(cw.world.partner)
    xlsx = client.get("/o/mali/cases/services/export.xlsx")
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("#org+acronym", "#service+type", "#service+name")
    assert rows[2][:3] == ("DRC", "Legal aid", "Clinique juridique mobile")
    csv_response = client.get("/o/mali/cases/services/export.csv")
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert lines[2][0] == "DRC"
    assert lines[2][3] == "ML05"
    for fmt, response in (("xlsx", xlsx), ("csv", csv_response)):
        rows = assert_valid_hxl(hxl_dataset(response.content, fmt))
        assert rows[0]["#service+name"] == "Clinique juridique mobile"
        assert rows[0]["#loc+code+list"] == "ML05"


def test_a_referral_picks_its_receiver_from_the_directory(cw: CaseWorld) -> None:
    service = add(cw)
    case = register(cw)
    consent(cw, case)
    response = client_for(cw.caseworker).post(
        f"/o/mali/cases/{case.pk}/refer/",
        {
            "service": service.pk,
            "priority": "urgent",
            "services_requested": [service.service_type.pk],
            "reason": "Acte de naissance",
            "fields": ["names"],
            "caregiver_informed": "unknown",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = case.referrals.get()
    assert (referral.to_organisation, referral.service) == (cw.world.drc, service)


def test_the_directory_page_adds_a_service(cw: CaseWorld) -> None:
    client = client_for(cw.drc_supervisor)
    legal = ServiceType.objects.get(operation=cw.operation, code="legal")
    response = client.post(
        "/o/mali/cases/services/new/",
        {
            "organisation": cw.world.drc.pk,
            "service_type": legal.pk,
            "name": "Aide juridique",
            "areas": "ML05, ml0501",
            "languages": "Français, Bambara",
            "is_published": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get()
    assert sorted(a.pcode for a in service.areas.all()) == ["ML05", "ML0501"]
    assert service.languages == ["Français", "Bambara"]
    bad = client.post(
        "/o/mali/cases/services/new/",
        {"organisation": cw.world.drc.pk, "service_type": legal.pk, "name": "X", "areas": "ZZ99"},
    )
    assert bad.status_code == 400
    assert "ZZ99" in bad.content.decode()


def test_exports_never_write_a_typed_formula(cw: CaseWorld) -> None:
    add(cw, name='=HYPERLINK("http://evil.test","x")', hours="@SUM(1+1)")
    client = client_for(cw.world.partner)
    workbook = load_workbook(io.BytesIO(client.get("/o/mali/cases/services/export.xlsx").content))
    cell = workbook.active.cell(row=3, column=3)
    # Stored as a text cell (never a formula) and shown exactly as typed: the shared rule of
    # tutela.core.spreadsheets for XLSX; CSV gets the apostrophe.
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.test","x")'
    text = client.get("/o/mali/cases/services/export.csv").content.decode("utf-8-sig")
    line = list(csv.reader(io.StringIO(text)))[2]
    assert line[2].startswith("'=")
    assert line[7] == "'@SUM(1+1)"
    assert line[9] == "'+223 70 00 00 99"
