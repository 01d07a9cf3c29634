"""The API keeps to its OpenAPI schema (issue 10, "API contract"): each finding of the outside
schemathesis run, as a test. The full schemathesis run against a live server is in
test_api_schemathesis.py."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from jsonschema import Draft4Validator, FormatChecker
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for
from tutela.coordination.services.recommendations import (
    recommendation_create,
    recommendation_follow_up,
)
from tutela.coordination.tests.meeting_helpers import START, make_meeting
from tutela.core.models import Body, Organisation

MALI = "/api/v1/operations/mali"
FORMATS = FormatChecker()


@FORMATS.checks("uri")
def is_uri(value: object) -> bool:
    """An absolute URI (jsonschema checks "uri" only with an extra package installed)."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


@pytest.fixture
def schema(world: World) -> dict[str, Any]:
    response = api(world.coordinator).get("/api/schema/?format=json")
    assert response.status_code == 200
    return dict(response.json())


def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


def openapi_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema, $refs pointing into the same document."""
    if isinstance(node, dict):
        out = {key: openapi_to_json_schema(value) for key, value in node.items()}
        if out.pop("nullable", False):
            out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [openapi_to_json_schema(item) for item in node]
    return node


def validate(schema: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    """The answer matches what the schema documents for it (as schemathesis checks it)."""
    response = schema["paths"][path][method]["responses"][str(status)]
    media = response["content"]["application/json"]["schema"]
    document = openapi_to_json_schema({**schema, "__response__": media})
    validator = Draft4Validator({"$ref": "#/__response__", **document}, format_checker=FORMATS)
    errors = [error.message for error in validator.iter_errors(body)]
    assert errors == [], errors


# --- Answers that contradicted the schema --------------------------------------------------------


def test_body_without_lead_matches_the_schema(world: World, schema: dict[str, Any]) -> None:
    body = Body.objects.create(operation=world.operation, name="SAG", kind="sag")

    data = api(world.partner).get(f"{MALI}/bodies/{body.pk}/").json()

    assert data["lead"] is None
    assert data["co_lead"] is None
    validate(schema, "/api/v1/operations/{slug}/bodies/{id}/", "get", 200, data)


def test_organisation_without_country_or_website_matches_the_schema(
    world: World, schema: dict[str, Any]
) -> None:
    Organisation.objects.filter(pk=world.amss.pk).update(country=None, website="")

    data = api(world.partner).get(f"{MALI}/organisations/AMSS/").json()

    assert data["country"] is None
    assert data["website"] == ""
    validate(schema, "/api/v1/operations/{slug}/organisations/{acronym}/", "get", 200, data)


def test_meeting_without_online_link_matches_the_schema(
    world: World, schema: dict[str, Any]
) -> None:
    meeting = make_meeting(world, online_link="")

    data = api(world.partner).get(f"{MALI}/meetings/{meeting.pk}/").json()

    assert data["online_link"] == ""
    validate(schema, "/api/v1/operations/{slug}/meetings/{id}/", "get", 200, data)


def test_attendance_is_a_list_as_documented(world: World, schema: dict[str, Any]) -> None:
    meeting = make_meeting(world)
    with time_machine.travel(START):
        response = api(world.coordinator).put(
            f"{MALI}/meetings/{meeting.pk}/attendance/", {"organisations": ["DRC"]}
        )

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    path = "/api/v1/operations/{slug}/meetings/{id}/attendance/"
    validate(schema, path, "put", 200, response.json())
    validate(
        schema,
        path,
        "get",
        200,
        api(world.partner).get(path.format(slug="mali", id=meeting.pk)).json(),
    )
    assert "page" not in {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}


def test_follow_ups_are_a_list_as_documented(world: World, schema: dict[str, Any]) -> None:
    recommendation = recommendation_create(
        operation=world.operation,
        by=world.coordinator,
        text="Lever le blocus.",
        addressee_kind="authority",
        addressee="Ministère",
        issued_in="other",
        issued_on=datetime.date(2026, 1, 15),
    )
    recommendation_follow_up(
        recommendation=recommendation, by=world.imo, status="implemented", note="Fait."
    )

    data = api(world.coordinator).get(f"{MALI}/recommendations/{recommendation.pk}/follow-ups/")

    assert isinstance(data.json(), list)
    validate(
        schema,
        "/api/v1/operations/{slug}/recommendations/{id}/follow-ups/",
        "get",
        200,
        data.json(),
    )


# --- Requests the schema calls invalid are refused -----------------------------------------------


def test_array_body_for_a_patch_is_refused(world: World) -> None:
    response = api(world.coordinator).patch(f"{MALI}/organisations/AMSS/", [{"name": "X"}])

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Expected an object."]}


def test_null_body_for_a_patch_is_refused_not_a_server_error(world: World) -> None:
    recommendation = recommendation_create(
        operation=world.operation,
        by=world.coordinator,
        text="Lever le blocus.",
        addressee_kind="authority",
        addressee="Ministère",
        issued_in="other",
        issued_on=datetime.date(2026, 1, 15),
    )
    client = api(world.coordinator)

    response = client.generic(
        "PATCH",
        f"{MALI}/recommendations/{recommendation.pk}/",
        "null",
        content_type="application/json",
    )

    assert response.status_code == 400


@pytest.mark.parametrize("page", ["abc", "1.5", "true"])
def test_non_integer_page_is_refused(world: World, page: str) -> None:
    for path in ("organisations/", "monitoring/signals/", "bodies/"):
        response = api(world.coordinator).get(f"{MALI}/{path}", {"page": page})

        assert response.status_code == 400, path
        assert "page" in response.json()


@pytest.mark.parametrize("value", ["abc", "1", "yes", "null"])
def test_non_boolean_filters_are_refused(world: World, value: str) -> None:
    for path, name in (
        ("monitoring/top-risks/", "verified"),
        ("contacts/", "is_active"),
        ("recommendations/", "pending"),
        ("action-points/", "mine"),
    ):
        response = api(world.coordinator).get(f"{MALI}/{path}", {name: value})

        assert response.status_code == 400, (path, response.content)
        assert name in response.json()


def test_boolean_filters_take_true_false_or_nothing(world: World) -> None:
    for value in ("true", "false", ""):
        assert (
            api(world.coordinator).get(f"{MALI}/contacts/", {"is_active": value}).status_code == 200
        )


def test_json_types_are_checked_in_bodies(world: World) -> None:
    client = api(world.coordinator)

    refused = [
        client.post(f"{MALI}/organisations/", {"name": 12, "acronym": "NEW", "type": "nngo"}),
        client.post(f"{MALI}/bodies/", {"name": "SAG", "kind": "sag", "parent": "1"}),
        client.patch(f"{MALI}/memberships/1/", {"is_nuclear": 1}),
    ]

    assert [response.status_code for response in refused[:2]] == [400, 400]
    assert refused[0].json() == {"name": ["Expected a text value."]}
    assert refused[1].json() == {"parent": ["Expected a whole number."]}
    # (No membership 1: its 404 comes first, as for any caller who cannot see it.)
    assert refused[2].status_code in (400, 404)


def test_empty_relation_is_refused_where_the_schema_wants_a_code_or_null(world: World) -> None:
    response = api(world.coordinator).patch(f"{MALI}/organisations/AMSS/", {"country": ""})

    assert response.status_code == 400
    assert "country" in response.json()


def test_nested_objects_of_a_patch_are_whole(world: World) -> None:
    from tutela.monitoring.services.incidents import incident_record
    from tutela.monitoring.services.reference import monitoring_seed
    from tutela.monitoring.tests.incident_fixtures import data as incident_data

    monitoring_seed(operation=world.operation)
    incident = incident_record(
        operation=world.operation, organisation=world.amss, by=world.partner, data=incident_data()
    )

    response = api(world.partner).patch(
        f"{MALI}/monitoring/incidents/{incident.pk}/", {"people": [{"count": 2}]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "people": [{"sex": ["This field is required."], "age_band": ["This field is required."]}]
    }


def test_huge_id_filter_is_refused_not_a_server_error(world: World) -> None:
    for value in ("-2.0246639377348068e+167", "99999999999999999999999", "0.5"):
        response = api(world.coordinator).get(f"{MALI}/bodies/", {"parent": value})

        assert response.status_code == 400


# --- Errors: one shape, documented everywhere ----------------------------------------------------


def test_every_operation_documents_its_errors(schema: dict[str, Any]) -> None:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            if operation.get("security") not in ([], [{}]):
                assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert "application/json" in response["content"], (method, path, status)


def test_errors_carry_a_code(world: World) -> None:
    assert APIClient().get(f"{MALI}/bodies/").json()["code"] == "not_authenticated"
    not_found = api(world.coordinator).get(f"{MALI}/bodies/999999/")
    assert not_found.json() == {"detail": "Not found.", "code": "not_found"}
    forbidden = api(world.partner).post(f"{MALI}/bodies/", {"name": "X", "kind": "sag"})
    assert forbidden.json()["code"] == "permission_denied"


def test_unknown_api_address_answers_json(world: World) -> None:
    response = api(world.coordinator).get(f"{MALI}/bodies/not-a-number/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_form_posts_are_refused_except_for_signing_in(world: World) -> None:
    client = api(world.coordinator)

    form = client.post(
        f"{MALI}/organisations/",
        {"name": "New", "acronym": "NEW", "type": "nngo"},
        format="multipart",
    )
    sign_in = APIClient().post(
        "/api/v1/auth/token/",
        {"email": world.partner.email, "password": "Correct-Horse-Battery-9"},
        format="multipart",
    )

    assert form.status_code == 415
    assert form.json()["code"] == "unsupported_media_type"
    # Signing in with a plain form post (curl -d) still works; multipart does not.
    assert sign_in.status_code == 415
    assert (
        APIClient()
        .post(
            "/api/v1/auth/token/",
            f"email={world.partner.email}&password=Correct-Horse-Battery-9",
            content_type="application/x-www-form-urlencoded",
        )
        .status_code
        == 200
    )
