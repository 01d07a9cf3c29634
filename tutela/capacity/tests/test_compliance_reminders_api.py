"""The reminder lead time through the API (issue 17: pages and API with the same services):
GET and PUT /api/v1/operations/<slug>/capacity/compliance/reminders/, for coordinators and IMOs
only, through compliance_settings_update (validated, audited), as its OpenAPI schema says."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tutela.capacity.models import ComplianceSettings
from tutela.capacity.services.compliance import REMINDER_DAYS, reminder_days
from tutela.conftest import World, api_key_for
from tutela.core.models import AuditEntry
from tutela.core.tests.test_api_contract import validate

pytestmark = pytest.mark.django_db

URL = "/api/v1/operations/mali/capacity/compliance/reminders/"
SCHEMA_PATH = "/api/v1/operations/{slug}/capacity/compliance/reminders/"


def api(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


def audited() -> int:
    return AuditEntry.objects.filter(entity_type="capacity.compliancesettings").count()


@pytest.mark.parametrize("manager", ["coordinator", "imo"])
def test_managers_read_and_set_the_lead_time(world: World, manager: str) -> None:
    client = api(getattr(world, manager))
    assert client.get(URL).json() == {"reminder_days": REMINDER_DAYS}
    response = client.put(URL, {"reminder_days": 7}, format="json")
    assert response.status_code == 200
    assert response.json() == {"reminder_days": 7}
    assert reminder_days(world.operation) == 7
    assert client.get(URL).json() == {"reminder_days": 7}
    assert client.put(URL, {"reminder_days": 0}, format="json").json() == {"reminder_days": 0}
    assert reminder_days(world.operation) == 0
    # One entry for the creation, one for the change, as the page leaves them.
    entries = AuditEntry.objects.filter(entity_type="capacity.compliancesettings")
    assert [e.action for e in entries.order_by("pk")] == ["create", "update"]
    assert {e.actor_id for e in entries} == {getattr(world, manager).pk}
    assert {e.operation_id for e in entries} == {world.operation.pk}


@pytest.mark.parametrize(
    ("persona", "refused"),
    [
        ("partner", {403}),
        ("other_partner", {403}),
        ("caseworker", {403}),
        ("viewer", {403}),
        ("other_operation_user", {404}),
        ("outsider", {404}),
        ("anonymous", {401, 403}),
    ],
)
def test_other_personas_neither_read_nor_set_it(
    world: World, persona: str, refused: set[int]
) -> None:
    client = api(None if persona == "anonymous" else getattr(world, persona))
    assert client.get(URL).status_code in refused
    assert client.put(URL, {"reminder_days": 7}, format="json").status_code in refused
    assert not ComplianceSettings.objects.exists()
    assert audited() == 0


@pytest.mark.parametrize("value", [31, -1, "seven", None, 2.5])
def test_a_lead_time_out_of_bounds_is_refused_and_nothing_changes(world: World, value: Any) -> None:
    client = api(world.imo)
    client.put(URL, {"reminder_days": 5}, format="json")
    response = client.put(URL, {"reminder_days": value}, format="json")
    assert response.status_code == 400
    assert "reminder_days" in str(response.json())
    assert reminder_days(world.operation) == 5
    assert client.put(URL, {}, format="json").status_code == 400
    assert audited() == 1


def test_answers_match_the_openapi_schema(world: World) -> None:
    client = api(world.coordinator)
    schema = client.get("/api/schema/?format=json").json()
    assert set(schema["paths"][SCHEMA_PATH]) >= {"get", "put"}
    validate(schema, SCHEMA_PATH, "get", 200, client.get(URL).json())
    put = client.put(URL, {"reminder_days": 12}, format="json")
    validate(schema, SCHEMA_PATH, "put", 200, put.json())
    body = schema["paths"][SCHEMA_PATH]["put"]["requestBody"]["content"]["application/json"]
    request_schema = body["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][request_schema]["properties"]
    assert fields["reminder_days"]["minimum"] == 0
    assert fields["reminder_days"]["maximum"] == 30
