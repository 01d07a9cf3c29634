"""API: organisations, coordination bodies and memberships (reads, writes through the services,
audit rows, manager-only writes)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for
from tutela.core.models import AuditEntry, Body, Membership, Organisation, User

ApiFor = Callable[[User | None], APIClient]
ORGS = "/api/v1/operations/mali/organisations/"
BODIES = "/api/v1/operations/mali/bodies/"


@pytest.fixture
def api() -> ApiFor:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


# --- Organisations: reads ------------------------------------------------------------------------


def test_organisations_of_the_operation(world: World, api: ApiFor) -> None:
    outside = Organisation.objects.create(name="Colombian NGO", acronym="CNGO", type="nngo")
    outside.operations.add(world.other_operation)

    data = api(world.viewer).get(ORGS).json()

    assert [o["acronym"] for o in data["results"]] == ["AMSS", "DRC", "OTHER", "UNHCR"]
    assert data["results"][0] == {
        "acronym": "AMSS",
        "name": "Association Malienne pour la Survie au Sahel",
        "type": "nngo",
        "country": None,
        "website": "",
        "is_demo": False,
    }


def test_organisation_filters_and_search(world: World, api: ApiFor) -> None:
    client = api(world.partner)

    def acronyms(query: str) -> list[str]:
        return [o["acronym"] for o in client.get(f"{ORGS}?{query}").json()["results"]]

    assert acronyms("type=nngo") == ["AMSS", "OTHER"]
    assert acronyms("search=danish") == ["DRC"]
    assert acronyms("ordering=-acronym")[0] == "UNHCR"
    assert client.get(f"{ORGS}?type=bogus").status_code == 400


def test_organisation_list_is_paginated(world: World, api: ApiFor) -> None:
    for i in range(60):
        org = Organisation.objects.create(name=f"NGO {i}", acronym=f"NGO{i:02d}", type="nngo")
        org.operations.add(world.operation)
    client = api(world.partner)

    first = client.get(ORGS).json()
    second = client.get(f"{ORGS}?page=2").json()

    assert first["count"] == 64
    assert len(first["results"]) == 50
    assert first["next"].endswith("?page=2")
    assert len(second["results"]) == 14
    assert second["next"] is None
    assert client.get(f"{ORGS}?page=9").status_code == 404


def test_organisation_detail_by_acronym_any_case(world: World, api: ApiFor) -> None:
    response = api(world.partner).get(f"{ORGS}drc/")

    assert response.status_code == 200
    assert response.json()["name"] == "Danish Refugee Council"


def test_organisation_outside_the_operation_is_404(world: World, api: ApiFor) -> None:
    outside = Organisation.objects.create(name="Colombian NGO", acronym="CNGO", type="nngo")
    outside.operations.add(world.other_operation)

    assert api(world.coordinator).get(f"{ORGS}CNGO/").status_code == 404
    assert api(world.coordinator).patch(f"{ORGS}CNGO/", {"name": "X"}).status_code == 404


# --- Organisations: writes -----------------------------------------------------------------------


def test_manager_adds_an_organisation(world: World, api: ApiFor, areas: dict) -> None:
    response = api(world.coordinator).post(
        ORGS,
        {
            "name": "Norwegian Refugee Council",
            "acronym": "NRC",
            "type": "ingo",
            "country": "ml",
            "website": "https://www.nrc.no",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["acronym"] == "NRC"
    assert response.json()["country"] == "ML"
    nrc = Organisation.objects.get(acronym="NRC")
    assert nrc.operations.filter(pk=world.operation.pk).exists()
    entry = AuditEntry.objects.get(action="create", entity_type="core.organisation")
    assert entry.actor == world.coordinator
    assert entry.operation == world.operation
    assert entry.entity_id == str(nrc.pk)
    assert entry.after["acronym"] == "NRC"


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_partner"])
def test_non_manager_cannot_add_an_organisation(world: World, api: ApiFor, persona: str) -> None:
    response = api(getattr(world, persona)).post(
        ORGS, {"name": "New", "acronym": "NEW", "type": "nngo"}, format="json"
    )

    assert response.status_code == 403
    assert not Organisation.objects.filter(acronym="NEW").exists()
    assert not AuditEntry.objects.exists()


def test_duplicate_acronym_is_a_field_error(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).post(
        ORGS, {"name": "Again", "acronym": "unhcr", "type": "un"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["acronym"]
    assert "UNHCR" in response.json()["acronym"][0]
    assert Organisation.objects.count() == 4


def test_organisation_input_is_validated(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).post(
        ORGS, {"name": "", "acronym": "NEW", "type": "martian", "country": "ZZ"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"name", "type", "country"}


def test_manager_updates_an_organisation(world: World, api: ApiFor) -> None:
    response = api(world.imo).patch(
        f"{ORGS}AMSS/", {"website": "https://amss.example.org"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["website"] == "https://amss.example.org"
    world.amss.refresh_from_db()
    assert world.amss.website == "https://amss.example.org"
    assert world.amss.type == "nngo"
    entry = AuditEntry.objects.get(action="update", entity_type="core.organisation")
    assert entry.actor == world.imo
    assert entry.before["website"] == ""
    assert entry.after["website"] == "https://amss.example.org"
    assert "name" not in entry.after


def test_partner_cannot_update_even_own_organisation(world: World, api: ApiFor) -> None:
    response = api(world.partner).patch(f"{ORGS}AMSS/", {"website": "https://x.org"})

    assert response.status_code == 403
    world.amss.refresh_from_db()
    assert world.amss.website == ""


# --- Bodies --------------------------------------------------------------------------------------


def test_bodies_of_the_operation(world: World, api: ApiFor) -> None:
    Body.objects.create(operation=world.other_operation, name="Colombia cluster", kind="cluster")

    data = api(world.partner).get(BODIES).json()

    assert data["count"] == 2
    cluster = next(b for b in data["results"] if b["code"] == "PRO")
    assert cluster == {
        "id": world.cluster.pk,
        "name": "Cluster Protection Mali",
        "code": "PRO",
        "kind": "cluster",
        "parent": None,
        "lead": "UNHCR",
        "co_lead": "DRC",
        "scope": [],
    }


def test_body_filters(world: World, api: ApiFor) -> None:
    client = api(world.partner)

    def codes(query: str) -> list[str]:
        return [b["code"] for b in client.get(f"{BODIES}?{query}").json()["results"]]

    assert codes("kind=aor") == ["PRO-CPN"]
    assert codes(f"parent={world.cluster.pk}") == ["PRO-CPN"]
    assert codes("lead=unhcr") == ["PRO"]
    assert codes("search=child") == ["PRO-CPN"]


def test_body_of_another_operation_is_404(world: World, api: ApiFor) -> None:
    other = Body.objects.create(operation=world.other_operation, name="CO cluster", kind="cluster")

    assert api(world.coordinator).get(f"{BODIES}{other.pk}/").status_code == 404
    assert api(world.coordinator).get(f"{BODIES}{other.pk}/memberships/").status_code == 404
    assert api(world.coordinator).patch(f"{BODIES}{other.pk}/", {"code": "X"}).status_code == 404


def test_manager_creates_a_body(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).post(
        BODIES,
        {
            "name": "Groupe de travail Mopti",
            "kind": "regional",
            "code": "PRO-MOP",
            "parent": world.cluster.pk,
            "lead": "unhcr",
            "co_lead": "AMSS",
            "scope": ["ml05"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = Body.objects.get(code="PRO-MOP")
    assert response.json()["id"] == body.pk
    assert response.json()["scope"] == ["ML05"]
    assert body.operation == world.operation
    assert body.parent == world.cluster
    assert body.lead == world.unhcr
    assert body.co_lead == world.amss
    assert list(body.scope.values_list("pcode", flat=True)) == ["ML05"]
    entry = AuditEntry.objects.get(action="create", entity_type="core.body")
    assert entry.actor == world.coordinator
    assert entry.entity_id == str(body.pk)


def test_body_scope_must_be_in_the_operations_countries(
    world: World, api: ApiFor, areas: dict
) -> None:
    response = api(world.coordinator).post(
        BODIES, {"name": "X", "kind": "taskforce", "scope": ["CO"]}, format="json"
    )

    assert response.status_code == 400
    assert "scope" in response.json()
    assert not Body.objects.filter(name="X").exists()


def test_body_lead_must_take_part_in_the_operation(world: World, api: ApiFor) -> None:
    Organisation.objects.create(name="Elsewhere", acronym="ELSE", type="nngo")

    response = api(world.coordinator).post(
        BODIES, {"name": "X", "kind": "taskforce", "lead": "ELSE"}, format="json"
    )

    assert response.status_code == 400
    assert "lead" in response.json()


def test_duplicate_body_name_is_refused_by_the_service(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).post(
        BODIES, {"name": "child protection aor", "kind": "aor"}, format="json"
    )

    assert response.status_code == 400
    assert "name" in response.json()
    assert Body.objects.filter(operation=world.operation).count() == 2


def test_partner_cannot_create_a_body(world: World, api: ApiFor) -> None:
    response = api(world.partner).post(BODIES, {"name": "X", "kind": "taskforce"}, format="json")

    assert response.status_code == 403
    assert not Body.objects.filter(name="X").exists()


def test_manager_updates_a_body(world: World, api: ApiFor) -> None:
    response = api(world.imo).patch(
        f"{BODIES}{world.cp_aor.pk}/",
        {"lead": "DRC", "scope": ["ML04", "ML05"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["lead"] == "DRC"
    world.cp_aor.refresh_from_db()
    assert world.cp_aor.lead == world.drc
    assert world.cp_aor.name == "Child Protection AoR"
    assert sorted(world.cp_aor.scope.values_list("pcode", flat=True)) == ["ML04", "ML05"]
    entry = AuditEntry.objects.get(action="update", entity_type="core.body")
    assert entry.before["lead_id"] is None
    assert entry.after["lead_id"] == world.drc.pk


def test_body_model_rules_come_back_as_field_errors(world: World, api: ApiFor) -> None:
    response = api(world.imo).patch(
        f"{BODIES}{world.cluster.pk}/", {"co_lead": "UNHCR"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["co_lead"]
    world.cluster.refresh_from_db()
    assert world.cluster.co_lead == world.drc


def test_body_cannot_be_placed_under_its_own_child(world: World, api: ApiFor) -> None:
    response = api(world.imo).patch(
        f"{BODIES}{world.cluster.pk}/", {"parent": world.cp_aor.pk}, format="json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()


def test_partner_cannot_update_a_body(world: World, api: ApiFor) -> None:
    response = api(world.partner).patch(f"{BODIES}{world.cluster.pk}/", {"code": "HACK"})

    assert response.status_code == 403
    world.cluster.refresh_from_db()
    assert world.cluster.code == "PRO"


# --- Memberships ---------------------------------------------------------------------------------


def memberships_url(body: Body) -> str:
    return f"{BODIES}{body.pk}/memberships/"


def test_memberships_of_a_body(world: World, api: ApiFor) -> None:
    data = api(world.viewer).get(memberships_url(world.cluster)).json()

    assert data["count"] == 4
    unhcr = next(m for m in data["results"] if m["organisation"] == "UNHCR")
    assert unhcr["role"] == "lead"
    assert unhcr["is_nuclear"] is True
    assert unhcr["body"] == world.cluster.pk


def test_membership_filters(world: World, api: ApiFor) -> None:
    Membership.objects.filter(body=world.cluster, organisation=world.other_org).update(
        until=datetime.date(2020, 1, 1)
    )
    client = api(world.partner)

    def orgs(query: str) -> list[str]:
        url = f"{memberships_url(world.cluster)}?{query}&ordering=organisation__acronym"
        return [m["organisation"] for m in client.get(url).json()["results"]]

    assert orgs("is_nuclear=true") == ["DRC", "UNHCR"]
    assert orgs("role=member") == ["AMSS", "OTHER"]
    assert orgs("current=true") == ["AMSS", "DRC", "UNHCR"]
    assert orgs("current=false") == ["OTHER"]
    assert orgs("organisation=amss") == ["AMSS"]


def test_manager_adds_a_member(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).post(
        memberships_url(world.cp_aor),
        {"organisation": "amss", "role": "member", "is_nuclear": True, "since": "2026-01-15"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    membership = Membership.objects.get(body=world.cp_aor, organisation=world.amss)
    assert membership.is_nuclear is True
    assert membership.since == datetime.date(2026, 1, 15)
    assert response.json()["id"] == membership.pk
    entry = AuditEntry.objects.get(action="create", entity_type="core.membership")
    assert entry.actor == world.coordinator
    assert entry.operation == world.operation


def test_adding_an_existing_member_is_refused(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).post(
        memberships_url(world.cluster), {"organisation": "AMSS"}, format="json"
    )

    assert response.status_code == 400
    assert "organisation" in response.json()
    assert Membership.objects.filter(body=world.cluster, organisation=world.amss).count() == 1


def test_partner_cannot_add_a_member(world: World, api: ApiFor) -> None:
    response = api(world.partner).post(
        memberships_url(world.cp_aor), {"organisation": "AMSS"}, format="json"
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(body=world.cp_aor).exists()


def test_manager_ends_a_membership(world: World, api: ApiFor) -> None:
    membership = Membership.objects.get(body=world.cluster, organisation=world.other_org)

    response = api(world.imo).patch(
        f"/api/v1/operations/mali/memberships/{membership.pk}/",
        {"until": "2026-03-31"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["until"] == "2026-03-31"
    membership.refresh_from_db()
    assert membership.until == datetime.date(2026, 3, 31)
    entry = AuditEntry.objects.get(action="update", entity_type="core.membership")
    assert entry.before["until"] is None
    assert entry.after["until"] == "2026-03-31"


def test_membership_end_before_start_is_refused(world: World, api: ApiFor) -> None:
    membership = Membership.objects.get(body=world.cluster, organisation=world.other_org)
    membership.since = datetime.date(2026, 1, 1)
    membership.save()

    response = api(world.imo).patch(
        f"/api/v1/operations/mali/memberships/{membership.pk}/",
        {"until": "2025-12-31"},
        format="json",
    )

    assert response.status_code == 400
    assert "until" in response.json()


def test_partner_cannot_change_a_membership(world: World, api: ApiFor) -> None:
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)

    response = api(world.partner).patch(
        f"/api/v1/operations/mali/memberships/{membership.pk}/", {"is_nuclear": True}
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_nuclear is False


def test_membership_of_another_operation_is_404(world: World, api: ApiFor) -> None:
    body = Body.objects.create(operation=world.other_operation, name="CO cluster", kind="cluster")
    membership = Membership.objects.create(body=body, organisation=world.unhcr)

    response = api(world.coordinator).get(f"/api/v1/operations/mali/memberships/{membership.pk}/")

    assert response.status_code == 404


def test_manager_links_an_organisation_of_another_operation(world: World, api: ApiFor) -> None:
    unicef = Organisation.objects.create(name="UNICEF", acronym="UNICEF", type="un")
    url = "/api/v1/operations/mali/organisations/link/"

    assert api(world.partner).post(url, {"acronym": "UNICEF"}).status_code == 403
    assert api(world.other_operation_user).post(url, {"acronym": "UNICEF"}).status_code == 404
    response = api(world.coordinator).post(url, {"acronym": "unicef"})

    assert response.status_code == 201
    assert response.json()["acronym"] == "UNICEF"
    assert unicef.operations.filter(pk=world.operation.pk).exists()
    again = api(world.coordinator).post(url, {"acronym": "UNICEF"})
    assert again.status_code == 400
    assert "acronym" in again.json()
