"""The OpenAPI schema documents the planning API without a warning (a serializer the schema
generator cannot type used to break `tutela spectacular` for the whole API)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_openapi_schema_documents_the_planning_endpoints_without_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    schema = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=schema)
    text = schema.getvalue()
    for endpoint in (
        "plans/{id}/framework/",
        "projects/{id}/reported/",
        "funding/coverage/",
        "allocations/{id}/ranking/",
        "allocations/{id}/proposals/{proposal_pk}/scores/",
    ):
        assert f"/api/v1/operations/{{slug}}/planning/{endpoint}" in text, endpoint
