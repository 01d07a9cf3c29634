"""API: the contact directory (members only; partners keep their own organisation's entries)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for
from tutela.core.models import AuditEntry, Contact, User

ApiFor = Callable[[User | None], APIClient]
CONTACTS = "/api/v1/operations/mali/contacts/"


@pytest.fixture
def api() -> ApiFor:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


@pytest.fixture
def contacts(world: World) -> dict[str, Contact]:
    aminata = Contact.objects.create(
        operation=world.operation,
        organisation=world.amss,
        name="Aminata Traoré",
        title="Chargée de protection",
        email="aminata@amss.test",
        phone="+223 70 00 00 01",
    )
    aminata.bodies.add(world.cluster)
    jean = Contact.objects.create(
        operation=world.operation,
        organisation=world.drc,
        name="Jean Dupont",
        title="Protection coordinator",
        email="jean@drc.test",
    )
    jean.bodies.add(world.cluster, world.cp_aor)
    left = Contact.objects.create(
        operation=world.operation, organisation=world.drc, name="Old Hand", is_active=False
    )
    Contact.objects.create(
        operation=world.other_operation, organisation=world.unhcr, name="Camila Colombia"
    )
    return {"aminata": aminata, "jean": jean, "left": left}


# --- Reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["coordinator", "imo", "partner", "caseworker", "other_partner"]
)
def test_members_see_the_whole_directory(
    world: World, api: ApiFor, contacts: dict, persona: str
) -> None:
    data = api(getattr(world, persona)).get(CONTACTS).json()

    assert data["count"] == 3
    assert [c["name"] for c in data["results"]] == ["Aminata Traoré", "Jean Dupont", "Old Hand"]
    aminata = data["results"][0]
    assert aminata == {
        "id": contacts["aminata"].pk,
        "organisation": "AMSS",
        "name": "Aminata Traoré",
        "title": "Chargée de protection",
        "email": "aminata@amss.test",
        "phone": "+223 70 00 00 01",
        "bodies": [world.cluster.pk],
        "is_active": True,
        "has_account": False,
    }


def test_viewer_cannot_see_contacts(world: World, api: ApiFor, contacts: dict) -> None:
    client = api(world.viewer)

    assert client.get(CONTACTS).status_code == 403
    assert client.get(f"{CONTACTS}{contacts['aminata'].pk}/").status_code == 403
    response = client.post(CONTACTS, {"organisation": "AMSS", "name": "X"}, format="json")
    assert response.status_code == 403
    assert not Contact.objects.filter(name="X").exists()


def test_contact_filters(world: World, api: ApiFor, contacts: dict) -> None:
    client = api(world.partner)

    def names(query: str) -> list[str]:
        return [c["name"] for c in client.get(f"{CONTACTS}?{query}").json()["results"]]

    assert names("is_active=true") == ["Aminata Traoré", "Jean Dupont"]
    assert names("is_active=false") == ["Old Hand"]
    assert names("organisation=drc") == ["Jean Dupont", "Old Hand"]
    assert names(f"body={world.cp_aor.pk}") == ["Jean Dupont"]
    assert names(f"body={world.cluster.pk}") == ["Aminata Traoré", "Jean Dupont"]
    assert names("search=coordinator") == ["Jean Dupont"]
    assert names("search=danish") == ["Jean Dupont", "Old Hand"]
    assert names("ordering=-name") == ["Old Hand", "Jean Dupont", "Aminata Traoré"]


def test_contact_list_is_paginated(world: World, api: ApiFor) -> None:
    Contact.objects.bulk_create(
        Contact(operation=world.operation, organisation=world.amss, name=f"Person {i:02d}")
        for i in range(55)
    )

    data = api(world.partner).get(CONTACTS).json()

    assert data["count"] == 55
    assert len(data["results"]) == 50
    assert len(api(world.partner).get(data["next"]).json()["results"]) == 5


def test_contact_of_another_operation_is_404(world: World, api: ApiFor, contacts: dict) -> None:
    other = Contact.objects.get(name="Camila Colombia")

    assert api(world.coordinator).get(f"{CONTACTS}{other.pk}/").status_code == 404
    response = api(world.coordinator).patch(f"{CONTACTS}{other.pk}/", {"name": "X"})
    assert response.status_code == 404


def test_contact_detail(world: World, api: ApiFor, contacts: dict) -> None:
    response = api(world.caseworker).get(f"{CONTACTS}{contacts['jean'].pk}/")

    assert response.status_code == 200
    assert sorted(response.json()["bodies"]) == sorted([world.cluster.pk, world.cp_aor.pk])


# --- Writes --------------------------------------------------------------------------------------


def test_partner_adds_a_contact_of_own_organisation(world: World, api: ApiFor) -> None:
    response = api(world.partner).post(
        CONTACTS,
        {
            "organisation": "amss",
            "name": "Moussa Keita",
            "title": "Case manager",
            "email": "Moussa@AMSS.test",
            "phone": "+223 70 00 00 02",
            "bodies": [world.cp_aor.pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    contact = Contact.objects.get(name="Moussa Keita")
    assert contact.operation == world.operation
    assert contact.organisation == world.amss
    assert contact.email == "moussa@amss.test"
    assert list(contact.bodies.all()) == [world.cp_aor]
    assert response.json()["id"] == contact.pk
    entry = AuditEntry.objects.get(action="create", entity_type="core.contact")
    assert entry.actor == world.partner
    assert entry.operation == world.operation
    # Personal data never enters the audit log in clear.
    assert entry.after["email"].startswith("[encrypted #")
    assert "moussa@amss.test" not in str(entry.after).lower()
    assert "70 00 00 02" not in str(entry.after)


def test_partner_cannot_add_another_organisations_contact(world: World, api: ApiFor) -> None:
    response = api(world.partner).post(
        CONTACTS, {"organisation": "DRC", "name": "Not Mine"}, format="json"
    )

    assert response.status_code == 403
    assert not Contact.objects.filter(name="Not Mine").exists()
    assert not AuditEntry.objects.exists()


def test_caseworker_cannot_add_contacts(world: World, api: ApiFor) -> None:
    response = api(world.caseworker).post(
        CONTACTS, {"organisation": "AMSS", "name": "X"}, format="json"
    )

    assert response.status_code == 403
    assert not Contact.objects.filter(name="X").exists()


def test_manager_adds_any_organisations_contact(world: World, api: ApiFor) -> None:
    response = api(world.imo).post(
        CONTACTS, {"organisation": "OTHER", "name": "Someone"}, format="json"
    )

    assert response.status_code == 201
    assert Contact.objects.get(name="Someone").organisation == world.other_org


def test_contact_input_is_validated(world: World, api: ApiFor) -> None:
    response = api(world.imo).post(
        CONTACTS,
        {"organisation": "NOPE", "name": "", "email": "not-an-address", "bodies": [999999]},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"organisation", "name", "email", "bodies"}
    assert not Contact.objects.exists()


def test_contact_bodies_must_be_of_the_operation(world: World, api: ApiFor) -> None:
    from tutela.core.models import Body

    other = Body.objects.create(operation=world.other_operation, name="CO", kind="cluster")

    response = api(world.imo).post(
        CONTACTS, {"organisation": "AMSS", "name": "X", "bodies": [other.pk]}, format="json"
    )

    assert response.status_code == 400
    assert "bodies" in response.json()


def test_partner_updates_own_contact(world: World, api: ApiFor, contacts: dict) -> None:
    response = api(world.partner).patch(
        f"{CONTACTS}{contacts['aminata'].pk}/",
        {"phone": "+223 70 00 00 09", "bodies": []},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+223 70 00 00 09"
    assert response.json()["bodies"] == []
    contact = Contact.objects.get(pk=contacts["aminata"].pk)
    assert contact.phone == "+223 70 00 00 09"
    assert contact.name == "Aminata Traoré"
    entry = AuditEntry.objects.get(action="update", entity_type="core.contact")
    assert entry.actor == world.partner
    assert entry.before["bodies"] == [world.cluster.pk]
    assert entry.after["bodies"] == []


def test_partner_cannot_update_another_organisations_contact(
    world: World, api: ApiFor, contacts: dict
) -> None:
    response = api(world.partner).patch(
        f"{CONTACTS}{contacts['jean'].pk}/", {"name": "Changed"}, format="json"
    )

    assert response.status_code == 403
    assert Contact.objects.get(pk=contacts["jean"].pk).name == "Jean Dupont"


def test_partner_cannot_move_own_contact_to_another_organisation(
    world: World, api: ApiFor, contacts: dict
) -> None:
    response = api(world.partner).patch(
        f"{CONTACTS}{contacts['aminata'].pk}/", {"organisation": "DRC"}, format="json"
    )

    assert response.status_code == 403
    assert Contact.objects.get(pk=contacts["aminata"].pk).organisation == world.amss


def test_deactivating_a_contact(world: World, api: ApiFor, contacts: dict) -> None:
    response = api(world.coordinator).patch(
        f"{CONTACTS}{contacts['jean'].pk}/", {"is_active": False}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert Contact.objects.get(pk=contacts["jean"].pk).is_active is False
    entry = AuditEntry.objects.get(action="update", entity_type="core.contact")
    assert entry.after["is_active"] is False
