"""The OpenAPI schema and the browsable API docs are for signed-in people only (issue 10,
item 17): they describe every endpoint, field and filter of a service holding protection data."""

from __future__ import annotations

from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for


def test_schema_refuses_anonymous_callers(db: None) -> None:
    response = APIClient().get("/api/schema/?format=json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert b"/api/v1/" not in response.content


def test_schema_in_yaml_refuses_anonymous_callers_too(db: None) -> None:
    response = Client().get("/api/schema/")

    assert response.status_code == 401
    assert b"paths" not in response.content


def test_docs_send_anonymous_visitors_to_sign_in(db: None) -> None:
    for path in ("/api/docs/", "/api/docs/?script="):
        response = Client().get(path)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/api/docs/")


def test_schema_with_a_token(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(world.viewer)}")

    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    assert "/api/v1/me/" in response.json()["paths"]


def test_docs_for_a_signed_in_person(world: World, as_user: Any) -> None:
    assert as_user(world.viewer).get("/api/docs/").status_code == 200
