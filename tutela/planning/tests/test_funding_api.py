"""API of funding: coverage, flows, FTS imports — same rules as the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.core.models import User
from tutela.planning.models import FundingFlow
from tutela.planning.tests.plan_fixtures import PlanWorld

pytestmark = pytest.mark.django_db

FLOWS = Path(__file__).parent / "fixtures" / "fts_flows_mali_2026.csv"


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, *args: object) -> str:
    return reverse(f"planning-api:{name}", args=["mali", *args])


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("fts.csv", FLOWS.read_bytes(), content_type="text/csv")


def test_import_then_coverage(plan_world: PlanWorld) -> None:
    world = plan_world.world
    refused = api(world.partner).post(
        url("funding_imports"), {"file": upload(), "year": 2026}, format="multipart"
    )
    assert refused.status_code == 403
    response = api(world.imo).post(
        url("funding_imports"), {"file": upload(), "year": 2026}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 7
    record = api(world.imo).get(url("funding_import", response.json()["id"]))
    assert record.json()["skipped"] == 4
    assert api(world.partner).get(url("funding_import", response.json()["id"])).status_code == 403
    coverage = api(world.viewer).get(url("funding_coverage"), {"year": 2026}).json()
    assert coverage["total"]["funded_usd"] == "1085000.00"
    assert {r["code"] for r in coverage["rows"]} >= {"AMSS", "DRC", "OTHER"}
    assert api(world.viewer).get(url("funding_coverage"), {"by": "x"}).status_code == 400
    flows = api(world.partner).get(url("funding_flows"), {"year": 2026}).json()
    assert flows["count"] == 7


def test_record_a_flow(plan_world: PlanWorld) -> None:
    world = plan_world.world
    body = {"donor": "ECHO", "amount_usd": "1000.00", "status": "paid", "year": 2026}
    assert api(world.partner).post(url("funding_flows"), body, format="json").status_code == 403
    created = api(world.coordinator).post(
        url("funding_flows"), {**body, "organisation": world.amss.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["organisation"] == "AMSS"
    other = api(world.coordinator).post(
        url("funding_flows"), {**body, "organisation": 999999}, format="json"
    )
    assert other.status_code == 400
    assert FundingFlow.objects.count() == 1
    assert api(world.outsider).get(url("funding_flows")).status_code == 404
