"""Monitoring analysis API: same figures as the pages, same refusals."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from tutela.monitoring.services.early_warning import early_warning_scan
from tutela.monitoring.tests.analysis_fixtures import (
    JAN,
    many,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

ENDPOINTS = ["trend", "top-risks", "hotspots", "signals"]
SEP = datetime.date(2026, 9, 1)


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def data(seeded: Any) -> Any:
    w = seeded.world
    many(7, w.operation, w.drc, seeded.bandiagara, JAN, "R02")
    many(2, w.operation, w.drc, seeded.djenne, JAN, "R10")
    many(9, w.operation, w.drc, seeded.bandiagara, SEP, "R02")
    early_warning_scan(operation=w.operation, month=SEP, notify=False)
    return seeded


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoints_refuse_outsiders_other_operations_and_anonymous(
    data: Any, endpoint: str
) -> None:
    w = data.world
    url = f"/api/v1/operations/mali/monitoring/{endpoint}/"
    for user in (w.outsider, w.other_operation_user):
        assert _client(user).get(url).status_code == 404
    assert APIClient().get(url).status_code in (401, 403)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoints_answer_members(data: Any, endpoint: str) -> None:
    response = _client(data.world.other_partner).get(
        f"/api/v1/operations/mali/monitoring/{endpoint}/"
    )
    assert response.status_code == 200


def test_trend_is_disclosure_controlled(data: Any) -> None:
    w = data.world
    response = _client(w.coordinator).get(
        "/api/v1/operations/mali/monitoring/trend/?month_from=2026-01&month_to=2026-01"
    )
    body = response.json()
    assert body["disclosure_controlled"] is True
    assert body["grand_total"] == 7
    values = [v for row in body["rows"] for v in row["cells"]]
    assert all(v is None or v == 0 or v >= 5 for v in values)


def test_hotspots_by_admin2(data: Any) -> None:
    response = _client(data.world.coordinator).get(
        "/api/v1/operations/mali/monitoring/hotspots/?level=2&month_to=2026-01"
    )
    areas = {a["pcode"]: a["incidents"] for a in response.json()["areas"]}
    assert areas["ML0501"] == 7
    assert areas["ML0502"] == 0


def test_bad_filter_is_a_400(data: Any) -> None:
    response = _client(data.world.coordinator).get(
        "/api/v1/operations/mali/monitoring/trend/?month_from=notamonth"
    )
    assert response.status_code == 400


def test_other_organisation_filter_is_refused(data: Any) -> None:
    response = _client(data.world.partner).get(
        "/api/v1/operations/mali/monitoring/top-risks/?organisation=DRC"
    )
    assert response.status_code == 400


def test_signals_evidence(data: Any) -> None:
    response = _client(data.world.coordinator).get("/api/v1/operations/mali/monitoring/signals/")
    results = response.json()["results"]
    assert {r["area"]["pcode"] for r in results} == {"ML0501", "ML05"}
    bandiagara = next(r for r in results if r["area"]["pcode"] == "ML0501")
    assert bandiagara["observed"] == 9
    assert bandiagara["p_value"] == "< 0.001"
