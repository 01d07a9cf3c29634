"""API: the operation's audit log (managers only), its filters, and the OpenAPI schema/docs."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write

ApiFor = Callable[[User | None], APIClient]
AUDIT = "/api/v1/operations/mali/audit/"


@pytest.fixture
def api() -> ApiFor:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


@pytest.fixture
def entries(world: World) -> None:
    with time_machine.travel(datetime.datetime(2026, 1, 10, 9, tzinfo=datetime.UTC), tick=False):
        audit_write(
            actor=world.coordinator,
            action=AuditEntry.Action.CREATE,
            instance=world.cluster,
            operation=world.operation,
        )
    with time_machine.travel(datetime.datetime(2026, 2, 5, 9, tzinfo=datetime.UTC), tick=False):
        audit_write(
            actor=world.imo,
            action=AuditEntry.Action.UPDATE,
            instance=world.amss,
            operation=world.operation,
            before={"website": ""},
            after={"website": "https://amss.example.org"},
        )
    with time_machine.travel(datetime.datetime(2026, 2, 20, 9, tzinfo=datetime.UTC), tick=False):
        audit_write(
            actor=world.partner,
            action=AuditEntry.Action.EXPORT,
            operation=world.operation,
            entity_type="core.contact",
            summary="Exported 3 contacts",
        )
        # Another operation's log and sign-ins (no operation) never show here.
        audit_write(
            actor=world.other_operation_user,
            action=AuditEntry.Action.CREATE,
            instance=world.unhcr,
            operation=world.other_operation,
        )
        audit_write(actor=world.coordinator, action=AuditEntry.Action.LOGIN, summary="signed in")


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_managers_read_the_operations_log_newest_first(
    world: World, api: ApiFor, entries: None, persona: str
) -> None:
    response = api(getattr(world, persona)).get(AUDIT)

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [e["action"] for e in data["results"]] == ["export", "update", "create"]
    update = data["results"][1]
    assert update["actor"] == world.imo.pk
    assert update["actor_label"] == "imo@unhcr.test"
    assert update["entity_type"] == "core.organisation"
    assert update["entity_id"] == str(world.amss.pk)
    assert update["before"] == {"website": ""}
    assert update["after"] == {"website": "https://amss.example.org"}
    assert update["created_at"].startswith("2026-02-05T09:00:00")


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_partner"])
def test_non_managers_cannot_read_the_log(
    world: World, api: ApiFor, entries: None, persona: str
) -> None:
    assert api(getattr(world, persona)).get(AUDIT).status_code == 403


def test_audit_filters(world: World, api: ApiFor, entries: None) -> None:
    client = api(world.coordinator)

    def actions(query: str) -> list[str]:
        response = client.get(f"{AUDIT}?{query}")
        assert response.status_code == 200, response.json()
        return [e["action"] for e in response.json()["results"]]

    assert actions("action=update") == ["update"]
    assert actions("entity_type=core.contact") == ["export"]
    assert actions(f"actor={world.imo.pk}") == ["update"]
    assert actions("actor=FOCAL@amss.test") == ["export"]
    assert actions("created_after=2026-02-01") == ["export", "update"]
    assert actions("created_before=2026-02-05") == ["update", "create"]
    assert actions("created_after=2026-02-01&created_before=2026-02-10") == ["update"]
    assert actions("search=exported") == ["export"]
    assert actions("ordering=created_at") == ["create", "update", "export"]
    assert client.get(f"{AUDIT}?action=nonsense").status_code == 400
    assert client.get(f"{AUDIT}?created_after=yesterday").status_code == 400


def test_audit_log_is_paginated(world: World, api: ApiFor) -> None:
    for i in range(51):
        audit_write(
            actor=world.imo,
            action=AuditEntry.Action.READ,
            operation=world.operation,
            summary=f"read {i}",
        )

    data = api(world.imo).get(AUDIT).json()

    assert data["count"] == 51
    assert len(data["results"]) == 50
    assert data["next"] is not None


# --- OpenAPI schema and docs ---------------------------------------------------------------------


def test_openapi_schema_generates_without_warnings(db: None) -> None:
    out = io.StringIO()

    # --fail-on-warn turns any warning (unknown types, name clashes...) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out)


def test_schema_documents_every_endpoint(world: World, as_user: Any) -> None:
    response = as_user(world.partner).get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/operations/",
        "/api/v1/operations/{slug}/",
        "/api/v1/operations/{slug}/areas/",
        "/api/v1/operations/{slug}/areas.geojson",
        "/api/v1/operations/{slug}/areas/lookup/",
        "/api/v1/operations/{slug}/organisations/",
        "/api/v1/operations/{slug}/organisations/{acronym}/",
        "/api/v1/operations/{slug}/bodies/",
        "/api/v1/operations/{slug}/bodies/{id}/",
        "/api/v1/operations/{slug}/bodies/{id}/memberships/",
        "/api/v1/operations/{slug}/memberships/{id}/",
        "/api/v1/operations/{slug}/contacts/",
        "/api/v1/operations/{slug}/contacts/{id}/",
        "/api/v1/operations/{slug}/audit/",
    ]:
        assert path in paths
    audit_params = {
        p["name"] for p in paths["/api/v1/operations/{slug}/audit/"]["get"]["parameters"]
    }
    assert {"action", "entity_type", "actor", "created_after", "created_before", "page"} <= (
        audit_params
    )
    assert set(paths["/api/v1/auth/token/"]) == {"post", "delete"}


def test_swagger_docs_render(world: World, as_user: Any) -> None:
    client = as_user(world.partner)
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    # No inline script: the strict content security policy would block it.
    assert b"<script>" not in response.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content
