"""5W API: rows, pivot, presence, coverage and gaps, with the same visibility, counting rule,
hidden partner names and small-count suppression as the pages."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tutela.activities.tests.analysis_fixtures import (  # noqa: F401
    JAN,
    FiveW,
    add_planning,
    add_row,
    five_w_fixture,
    hide_names_in,
)
from tutela.conftest import api_key_for
from tutela.core.models import AuditEntry, User

ApiFor = Callable[[User | None], APIClient]
BASE = "/api/v1/operations/mali/5w/"
ENDPOINTS = ["rows/", "pivot/", "presence/", "coverage/", "gaps/"]


@pytest.fixture
def api() -> ApiFor:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unauthenticated_callers_get_401(five_w: FiveW, api: ApiFor, endpoint: str) -> None:
    response = api(None).get(BASE + endpoint)
    assert response.status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_users_without_a_role_get_404(
    five_w: FiveW, api: ApiFor, endpoint: str, persona: str
) -> None:
    response = api(getattr(five_w.world, persona)).get(BASE + endpoint)
    assert response.status_code == 404
    assert "results" not in response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_other_operation_is_404_for_a_member_of_this_one(
    five_w: FiveW, api: ApiFor, endpoint: str
) -> None:
    response = api(five_w.world.partner).get(f"/api/v1/operations/colombia/5w/{endpoint}")
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoints_are_read_only(five_w: FiveW, api: ApiFor, endpoint: str) -> None:
    response = api(five_w.world.coordinator).post(BASE + endpoint, {}, format="json")
    assert response.status_code == 405


def test_bad_query_parameters_answer_400(five_w: FiveW, api: ApiFor) -> None:
    client = api(five_w.world.coordinator)
    response = client.get(BASE + "pivot/", {"rows": "admin1,colour"})
    assert response.status_code == 400
    assert "rows" in response.json()
    assert client.get(BASE + "rows/", {"month_from": "March"}).status_code == 400
    assert client.get(BASE + "rows/", {"activity": "NOPE"}).status_code == 400
    assert client.get(BASE + "presence/", {"level": 7}).status_code == 400


# --- Rows ----------------------------------------------------------------------------------------


def test_partner_lists_own_rows_and_validated_rows_of_others(five_w: FiveW, api: ApiFor) -> None:
    data = api(five_w.world.partner).get(BASE + "rows/").json()
    assert data["count"] == 5
    rows = [
        (r["organisation"], r["month"], r["total"], r["submission_status"]) for r in data["results"]
    ]
    assert ("AMSS", "2026-03", 20, "draft") in rows
    assert ("OTHER", "2026-02", 7, "submitted") not in rows
    first = data["results"][0]
    assert first["activity"] == "PRO-PSS"
    assert first["admin1_pcode"] == "ML05"
    assert first["body"] == "PRO"
    assert first["population_group"] == "IDP"
    assert set(first) >= {"girls", "boys", "women", "men", "older_women", "older_men"}


def test_coordinator_lists_every_row_and_filters(five_w: FiveW, api: ApiFor) -> None:
    client = api(five_w.world.coordinator)
    assert client.get(BASE + "rows/").json()["count"] == 6
    assert client.get(BASE + "rows/", {"organisation": "OTHER"}).json()["count"] == 2
    assert client.get(BASE + "rows/", {"area": "ML0501"}).json()["count"] == 4
    assert (
        client.get(BASE + "rows/", {"month_from": "2026-02", "month_to": "2026-02"}).json()["count"]
        == 3
    )
    assert client.get(BASE + "rows/", {"validated_only": "true"}).json()["count"] == 4


def test_sensitive_rows_of_others_are_not_listed(five_w: FiveW, api: ApiFor) -> None:
    w = five_w.world
    add_row(w, w.drc, "GBV-CM", five_w.areas["ML0502"], JAN, bands=(3, 0, 4, 0, 0, 0))
    partner = api(w.partner).get(BASE + "rows/", {"activity": "GBV-CM"}).json()
    coordinator = api(w.coordinator).get(BASE + "rows/", {"activity": "GBV-CM"}).json()
    assert partner["count"] == 0
    assert coordinator["count"] == 1


def test_row_list_hides_partner_names_in_insecure_areas(five_w: FiveW, api: ApiFor) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0501"])
    rows = api(w.viewer).get(BASE + "rows/").json()["results"]
    bandiagara = [r for r in rows if r["admin2_pcode"] == "ML0501"]
    assert bandiagara
    assert all(r["organisation"] is None and r["partner_hidden"] for r in bandiagara)
    assert any(r["organisation"] == "OTHER" for r in rows)
    # The partner's own rows keep its name.
    own = api(w.partner).get(BASE + "rows/", {"area": "ML0501"}).json()["results"]
    assert {r["organisation"] for r in own} == {"AMSS", None}
    managers = api(w.imo).get(BASE + "rows/", {"area": "ML0501"}).json()["results"]
    assert {r["organisation"] for r in managers} == {"AMSS", "DRC"}


def test_row_list_query_count_is_bounded(
    five_w: FiveW, api: ApiFor, django_assert_max_num_queries
) -> None:  # noqa: ANN001
    # Eight of them read the page's related rows by id (implementing partner, indicator, body,
    # population group, submission, admin 1-3): a few small queries instead of a join PostgreSQL
    # took ~70 ms to plan. None grows with the rows.
    client = api(five_w.world.partner)
    with django_assert_max_num_queries(20):
        client.get(BASE + "rows/")


# --- Pivot, presence, coverage, gaps -------------------------------------------------------------


def test_pivot_endpoint(five_w: FiveW, api: ApiFor) -> None:
    data = api(five_w.world.partner).get(BASE + "pivot/", {"rows": "admin2,organisation"}).json()
    assert [d["key"] for d in data["dimensions"]] == ["admin2", "organisation"]
    assert data["dimensions"][0]["label"] == "Cercle"
    assert data["rows"][0] == {
        "codes": {"admin2": "ML0501", "organisation": "AMSS"},
        "labels": {"admin2": "Bandiagara", "organisation": "AMSS"},
        "values": {
            "girls": 5,
            "boys": 5,
            "women": 10,
            "men": 10,
            "older_women": 0,
            "older_men": 0,
            "total": 30,
            "with_disability": 0,
            "quantity": 0,
        },
    }
    assert data["totals"]["total"] == 120
    assert data["rule"] == "max_month"
    assert "counted once" in data["rule_text"]
    assert data["suppressed"] is False
    columns = {c["key"]: c["hxl"] for c in data["columns"]}
    assert columns["total"] == "#reached+total"


def test_pivot_endpoint_suppresses_small_counts_for_another_organisation(
    five_w: FiveW, api: ApiFor
) -> None:
    w = five_w.world
    add_row(w, w.drc, "GBV-CM", five_w.areas["ML0502"], JAN, bands=(3, 0, 4, 0, 0, 0))
    add_row(w, w.drc, "GBV-CM", five_w.areas["ML0501"], JAN, bands=(9, 0, 8, 0, 0, 0))
    params = {"rows": "admin2", "activity": "GBV-CM"}
    data = api(w.partner).get(BASE + "pivot/", params).json()
    assert data["suppressed"] is True
    assert data["threshold"] == 5
    # DRC's small groups in Djenné (3 girls, 4 women) are withheld or pooled: never shown.
    djenne = next((r for r in data["rows"] if r["codes"]["admin2"] == "ML0502"), None)
    if djenne is not None:
        assert djenne["values"]["girls"] in (None, 0)
        assert djenne["values"]["women"] in (None, 0)
    assert data["rounded"] is True
    published = [v for r in data["rows"] for k, v in r["values"].items() if k != "quantity"]
    assert all(v is None or v == 0 or v >= 5 for v in published)
    coordinator = api(w.coordinator).get(BASE + "pivot/", params).json()
    assert coordinator["suppressed"] is False


def test_presence_endpoint_hides_names_in_insecure_areas(five_w: FiveW, api: ApiFor) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0502"])
    data = api(w.partner).get(BASE + "presence/", {"level": 2}).json()
    assert data["level"] == 2
    by_pcode = {a["pcode"]: a for a in data["areas"]}
    assert by_pcode["ML0501"]["organisations"] == ["AMSS", "DRC"]
    assert by_pcode["ML0502"]["organisations"] is None
    assert by_pcode["ML0502"]["partners"] == 1
    managers = api(w.coordinator).get(BASE + "presence/", {"level": 2}).json()
    assert {a["pcode"]: a["organisations"] for a in managers["areas"]}["ML0502"] == ["OTHER"]


def test_coverage_and_gaps_endpoints(five_w: FiveW, api: ApiFor) -> None:
    w = five_w.world
    add_planning(w, five_w.areas["ML0502"], pin=1000, targeted=400, severity=4)
    add_planning(w, five_w.areas["ML0501"], pin=100, severity=4)
    client = api(w.viewer)
    coverage = client.get(BASE + "coverage/", {"level": 2}).json()
    djenne = next(a for a in coverage["areas"] if a["pcode"] == "ML0502")
    assert (djenne["reached"], djenne["people_in_need"], djenne["pct_pin"]) == (40, 1000, 4.0)
    assert djenne["pct_targeted"] == 10.0
    gaps = client.get(BASE + "gaps/", {"level": 2}).json()
    assert gaps["has_planning"] is True
    assert [g["pcode"] for g in gaps["gaps"]] == ["ML0502"]
    assert gaps["gaps"][0]["reasons"] == [
        "People reached cover 4.0% of the people in need (below 25%)."
    ]
    wider = client.get(BASE + "gaps/", {"level": 2, "threshold": 90}).json()
    assert [g["pcode"] for g in wider["gaps"]] == ["ML0502", "ML0501"]
    assert not AuditEntry.objects.filter(action="export").exists()


def test_openapi_schema_documents_the_5w_endpoints(db: None) -> None:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out)
    schema = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=schema)
    text = schema.getvalue()
    for endpoint in ENDPOINTS:
        assert f"/api/v1/operations/{{slug}}/5w/{endpoint}" in text


def test_row_list_does_not_load_area_boundaries(five_w: FiveW, api: ApiFor) -> None:
    # Decoding every row's area boundaries was most of the list's time (bench/bench_load.py).
    with CaptureQueriesContext(connection) as queries:
        response = api(five_w.world.coordinator).get(BASE + "rows/")
    assert response.status_code == 200
    assert {r["admin2_pcode"] for r in response.json()["results"]} >= {"ML0501"}
    assert [q["sql"] for q in queries.captured_queries if '"geometry"' in q["sql"]] == []
