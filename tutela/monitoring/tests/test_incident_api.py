"""Incident records API: the same access rules and services as the pages; narrative only for
those allowed; access-denied answers leave the database and audit log as they were."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tutela.conftest import api_key_for
from tutela.core.models import AuditEntry
from tutela.monitoring.models import Incident
from tutela.monitoring.tests.incident_fixtures import Mon, gbv, mon_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/api/v1/operations/mali/monitoring/incidents/"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


def body(**changes: Any) -> dict[str, Any]:
    data = {
        "occurred_on": "2026-03-10",
        "reported_on": "2026-03-12",
        "area_pcode": "ML0501",
        "risks": [{"risk": "R02", "violation": "killing"}, {"risk": "R12"}],
        "perpetrator": "nsag",
        "people": [
            {"sex": "F", "age_band": "18-59", "population_group": "IDP", "count": 3},
            {"sex": "M", "age_band": "0-4", "with_disability": True, "count": 1},
        ],
        "services": ["health"],
        "source": "monitoring_visit",
        "verification": "unverified",
        "narrative": "Mme Awa Diallo a été blessée.",
    }
    data.update(changes)
    return data


@pytest.fixture
def records(mon: Mon):
    w = mon.world
    amss = mon.record()
    amss.narrative = "Attaque de nuit."
    amss.save()
    return {
        "amss": amss,
        "amss_gbv": mon.record(**vars(gbv())),
        "other": mon.record(organisation=w.other_org, by=w.other_partner, area_pcode="ML04"),
        "other_gbv": mon.record(organisation=w.other_org, by=w.other_partner, **vars(gbv())),
    }


def test_partner_records_an_incident_and_the_narrative_is_masked(mon):
    response = api(mon.world.partner).post(BASE, body(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["organisation"] == "AMSS"
    assert data["reference"].startswith("INC-")
    assert data["main_risk"] == "R02"
    assert data["people_affected"] == 4
    assert data["narrative"] == "Mme [name] a été blessée."
    assert {"risk": "R12", "violation": None} in data["risks"]
    incident = Incident.objects.get()
    assert incident.created_by == mon.world.partner
    assert (
        AuditEntry.objects.filter(action="create", entity_type="monitoring.incident").count() == 1
    )


def test_problems_come_back_as_field_errors(mon):
    response = api(mon.world.partner).post(
        BASE,
        body(
            reported_on="2026-03-01",
            area_pcode="ZZ",
            risks=[{"risk": "R02", "violation": "gbv_rape"}],
        ),
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert {"reported_on", "area_pcode", "risks"} <= set(errors)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("persona", ["viewer"])
def test_users_without_an_organisation_role_cannot_record(mon, persona):
    response = api(getattr(mon.world, persona)).post(BASE, body(), format="json")
    assert response.status_code == 403
    assert not Incident.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_outsiders_get_not_found(mon, records, persona):
    client = api(getattr(mon.world, persona))
    assert client.get(BASE).status_code == 404
    assert client.post(BASE, body(), format="json").status_code == 404
    assert client.get(f"{BASE}{records['amss'].pk}/").status_code == 404
    assert Incident.objects.count() == 4
    assert not AuditEntry.objects.filter(action="read").exists()


def test_anonymous_callers_are_refused(mon):
    assert APIClient().get(BASE).status_code in (401, 403)


def listed(user):
    response = api(user).get(BASE)
    assert response.status_code == 200
    return {item["reference"]: item for item in response.json()["results"]}


def test_list_returns_only_visible_records_with_narratives_for_readers(mon, records):
    partner = listed(mon.world.partner)
    assert set(partner) == {records["amss"].reference, records["amss_gbv"].reference}
    assert partner[records["amss"].reference]["narrative"] == "Attaque de nuit."

    analyst = listed(mon.analyst)
    assert set(analyst) == {records["amss"].reference, records["other"].reference}
    assert analyst[records["amss"].reference]["narrative"] == "Attaque de nuit."

    assert listed(mon.world.coordinator) == {}
    assert set(listed(mon.world.other_partner)) == {
        records["other"].reference,
        records["other_gbv"].reference,
    }


def test_list_filters_and_rejects_bad_values(mon, records):
    client = api(mon.analyst)
    response = client.get(BASE, {"area": "ML04"})
    assert [i["reference"] for i in response.json()["results"]] == [records["other"].reference]
    assert client.get(BASE, {"month": "March"}).status_code == 400


def test_list_query_count_does_not_grow_with_records(mon, records, django_assert_max_num_queries):
    for _i in range(5):
        mon.record()
    client = api(mon.world.partner)
    # The token's first use is recorded (once per 5 minutes): not part of what a list costs.
    assert client.get("/api/v1/me/").status_code == 200
    with django_assert_max_num_queries(20):
        response = client.get(BASE)
    assert response.json()["count"] == 7


def test_list_reads_are_audited_one_entry_per_record(mon, records):
    """Reading narratives through the list is audited as reading each record is."""
    response = api(mon.analyst).get(BASE)

    assert response.status_code == 200
    listed_ids = {str(item["id"]) for item in response.json()["results"]}
    entries = AuditEntry.objects.filter(action="read", entity_type="monitoring.incident")
    assert {e.entity_id for e in entries} == listed_ids
    assert entries.count() == len(listed_ids) == 2
    assert all(e.actor == mon.analyst and "list" in e.summary for e in entries)


def test_list_audit_covers_only_the_page_returned(mon, records, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for _i in range(3):
        mon.record()
    response = api(mon.world.partner).get(BASE)
    assert response.status_code == 200
    assert response.json()["count"] == 5
    page = {str(item["id"]) for item in response.json()["results"]}
    entries = AuditEntry.objects.filter(action="read", entity_type="monitoring.incident")
    assert {e.entity_id for e in entries} == page


def test_an_empty_list_writes_no_entry(mon, records):
    assert api(mon.world.coordinator).get(BASE).json()["count"] == 0
    assert not AuditEntry.objects.filter(action="read").exists()


def test_detail_is_audited(mon, records):
    response = api(mon.world.partner).get(f"{BASE}{records['amss_gbv'].pk}/")

    assert response.status_code == 200
    assert response.json()["is_gbv"]
    entry = AuditEntry.objects.get(action="read")
    assert entry.actor == mon.world.partner
    assert entry.entity_id == str(records["amss_gbv"].pk)


@pytest.mark.parametrize(
    ("persona", "record"),
    [
        ("other_partner", "amss"),
        ("coordinator", "amss"),
        ("viewer", "amss"),
        ("partner", "other"),
        ("analyst", "amss_gbv"),
        ("analyst", "other_gbv"),
    ],
)
def test_records_the_caller_may_not_see_are_not_found(mon, records, persona, record):
    user = mon.analyst if persona == "analyst" else getattr(mon.world, persona)
    client = api(user)
    target = f"{BASE}{records[record].pk}/"

    assert client.get(target).status_code == 404
    assert client.patch(target, {"verification": "verified"}, format="json").status_code == 404
    assert client.delete(target).status_code == 404
    assert Incident.objects.get(pk=records[record].pk).verification.code == "unverified"
    assert not AuditEntry.objects.filter(action__in=["read", "update", "delete"]).exists()


def test_analyst_reads_but_does_not_change_other_organisations_records(mon, records):
    client = api(mon.analyst)
    target = f"{BASE}{records['other'].pk}/"

    assert client.get(target).status_code == 200
    assert client.patch(target, {"verification": "verified"}, format="json").status_code == 403
    assert client.delete(target).status_code == 403
    assert Incident.objects.get(pk=records["other"].pk).verification.code == "unverified"


def test_patch_changes_only_the_fields_given(mon, records):
    target = f"{BASE}{records['amss'].pk}/"
    response = api(mon.world.caseworker).patch(
        target,
        {"verification": "verified", "people": [{"sex": "M", "age_band": "60+", "count": 2}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["verification"] == "verified"
    assert data["people_affected"] == 2
    assert data["main_risk"] == "R02"
    assert data["narrative"] == "Attaque de nuit."
    assert AuditEntry.objects.filter(action="update", entity_type="monitoring.incident").exists()


def test_put_replaces_the_record(mon, records):
    target = f"{BASE}{records['amss'].pk}/"
    response = api(mon.world.partner).put(
        target, body(risks=[{"risk": "R10", "violation": "ied"}]), format="json"
    )

    assert response.status_code == 200
    assert response.json()["risks"] == [{"risk": "R10", "violation": "ied"}]


def test_owner_deletes(mon, records):
    target = f"{BASE}{records['amss'].pk}/"
    assert api(mon.world.partner).delete(target).status_code == 204
    assert not Incident.objects.filter(pk=records["amss"].pk).exists()
    assert AuditEntry.objects.filter(action="delete", entity_type="monitoring.incident").exists()


def test_schema_includes_the_endpoints(mon, as_user):
    response = as_user(mon.world.partner).get("/api/schema/")
    assert response.status_code == 200
    assert b"/monitoring/incidents/" in response.content
