"""Counts are bounded on every way in (API, form, import, service): an absurd count gets a clear
error and saves nothing, and counts at the bound add up without overflowing any total."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.conftest import api_key_for
from tutela.core.counts import MAX_COUNT
from tutela.monitoring.incidents.data import PeopleCount, References, incident_problems
from tutela.monitoring.models import Incident, IncidentSummary, MonitoringImport
from tutela.monitoring.services import imports as import_service
from tutela.monitoring.tests.import_helpers import incident_row, incidents_csv
from tutela.monitoring.tests.incident_fixtures import Mon, data, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/api/v1/operations/mali/monitoring/incidents/"
HUGE = 2**63 - 1


def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


def body(count: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "occurred_on": "2026-03-10",
        "reported_on": "2026-03-12",
        "area_pcode": "ML0501",
        "risks": [{"risk": "R02", "violation": "killing"}],
        "people": [{"sex": "F", "age_band": "18-59", "count": count}],
        "source": "monitoring_visit",
        "verification": "unverified",
    }
    values.update(changes)
    return values


def test_api_refuses_an_unbounded_count_and_others_record_afterwards(mon: Mon) -> None:
    w = mon.world
    response = api(w.partner).post(BASE, body(HUGE), format="json")
    assert response.status_code == 400
    assert "people" in response.json()
    assert not Incident.objects.exists()
    # Another organisation's incident in the same month, area and risk is recorded as usual.
    response = api(w.other_partner).post(BASE, body(3), format="json")
    assert response.status_code == 201, response.json()


def test_api_refuses_unbounded_households(mon: Mon) -> None:
    response = api(mon.world.partner).post(
        BASE, body(3, displacement_caused=True, displaced_households=HUGE), format="json"
    )
    assert response.status_code == 400
    assert "displaced_households" in response.json()


def test_service_refuses_lines_that_add_up_beyond_the_bound(mon: Mon) -> None:
    refs = References.load(mon.operation)
    lines = [
        PeopleCount("F", "18-59", False, None, MAX_COUNT),
        PeopleCount("M", "18-59", False, None, 1),
    ]
    found = {(f, c) for f, c, _m in incident_problems(data(people=lines), refs)}
    assert ("people", "too_large") in found
    one = [PeopleCount("F", "18-59", False, None, MAX_COUNT + 1)]
    messages = [m for f, c, m in incident_problems(data(people=one), refs) if c == "too_large"]
    assert messages
    assert "100,000,000" in messages[0]


def test_form_refuses_an_unbounded_count(mon: Mon, as_user: Any) -> None:
    form = {
        "blocks": "1",
        "occurred_on": "2026-03-10",
        "reported_on": "2026-03-12",
        "area": "ML0501",
        "main_risk": "R02",
        "violations": ["killing"],
        "group_0": "",
        "n_0_F_3": str(HUGE),
        "source": "monitoring_visit",
        "verification": "unverified",
        "narrative": "",
        "narrative_checked": "",
    }
    response = as_user(mon.world.partner).post(
        reverse("monitoring:incident_create", args=["mali"]), form
    )
    assert response.status_code == 200
    assert "n_0_F_3" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_import_refuses_an_unbounded_count_with_a_clear_message(mon: Mon) -> None:
    record = import_service.import_monitoring_file(
        by=mon.world.partner,
        operation=mon.operation,
        organisation=None,
        file=io.BytesIO(incidents_csv(incident_row(1, women="500000000"))),
        file_name="incidents.csv",
    )
    assert record.status == MonitoringImport.Status.REJECTED
    messages = [p["message"] for p in record.problems]
    assert any("too large" in m and "100,000,000" in m for m in messages), messages
    assert not Incident.objects.exists()


def test_counts_at_the_bound_add_up_without_overflow(mon: Mon) -> None:
    w = mon.world
    at_bound = [PeopleCount("F", "18-59", False, None, MAX_COUNT)]
    for organisation, by in ((w.amss, w.partner), (w.other_org, w.other_partner)):
        for _i in range(3):
            mon.record(organisation=organisation, by=by, people=at_bound)
    assert sum(IncidentSummary.objects.values_list("people", flat=True)) == 6 * MAX_COUNT
