"""Incident dates and sites are bounded on every way in (issue 10, item 17): a date of 1900 is a
typing mistake and "-1+1" is a spreadsheet formula, not a place; the web form, the API and the
importer refuse both with a clear message, through the shared checks of incident_data."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.conftest import api_key_for
from tutela.monitoring.models import Incident, MonitoringImport
from tutela.monitoring.services import imports as import_service
from tutela.monitoring.tests.import_helpers import incident_row, incidents_csv
from tutela.monitoring.tests.incident_fixtures import Mon, mon_fixture  # noqa: F401
from tutela.monitoring.tests.test_incident_api import body
from tutela.monitoring.tests.test_incident_pages import form_data

pytestmark = pytest.mark.django_db
API = "/api/v1/operations/mali/monitoring/incidents/"
FORMULAS = ["-1+1", "=1+2", "+33 612", "@SUM(A1)", '=HYPERLINK("http://x")', "Camp\n=1"]
EARLY = {"occurred_on": "1900-01-01", "reported_on": "1900-01-02"}


def post(mon: Mon, **changes: Any) -> Any:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(mon.world.partner)}")
    return client.post(API, body(**changes), format="json")


@pytest.mark.parametrize("site", FORMULAS)
def test_api_refuses_a_formula_as_site(mon: Mon, site: str) -> None:
    response = post(mon, site=site)

    assert response.status_code == 400
    assert "place name or code" in response.json()["site"][0]
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "site", ["Marché de Bandiagara", "Camp N°3 (extension)", "Quartier Château-d'Eau", "12B"]
)
def test_api_accepts_place_names_and_codes(mon: Mon, site: str) -> None:
    response = post(mon, site=site)

    assert response.status_code == 201, response.json()
    assert Incident.objects.get().site == site


@pytest.mark.parametrize("field", ["occurred_on", "reported_on"])
def test_api_refuses_dates_of_1900(mon: Mon, field: str) -> None:
    response = post(mon, **EARLY)

    assert response.status_code == 400
    assert "check the year" in response.json()[field][0]
    assert not Incident.objects.exists()


def test_form_refuses_a_formula_site_and_a_date_of_1900(mon: Mon, as_user: Any) -> None:
    response = as_user(mon.world.partner).post(
        reverse("monitoring:incident_create", args=["mali"]),
        form_data(site="-1+1", **EARLY),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "place name or code" in page
    assert "check the year" in page
    assert not Incident.objects.exists()


def test_import_refuses_a_formula_site_and_a_date_of_1900(mon: Mon) -> None:
    data = incidents_csv(
        incident_row(1), incident_row(2, site="-1+1"), incident_row(3, occurred_on="1900-01-01")
    )

    record = import_service.import_monitoring_file(
        operation=mon.operation,
        file=io.BytesIO(data),
        file_name="incidents.csv",
        by=mon.world.partner,
        organisation=None,
    )

    assert record.status == MonitoringImport.Status.REJECTED
    problems = {(p["row"], p["column"]): p["message"] for p in record.problems}
    assert "place name or code" in problems[(3, "site")]
    assert "check the year" in problems[(4, "occurred_on")]
    assert not Incident.objects.exists()
