"""Organisations: services, directory pages and their access rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.conftest import make_user
from tutela.core.models import AuditEntry, Membership, OperationRole, Organisation
from tutela.core.services.organisations import (
    organisation_create,
    organisation_link,
    organisation_update,
)

pytestmark = pytest.mark.django_db


# --- services ---------------------------------------------------------------------------------


def test_manager_creates_an_organisation_in_the_operation(world, areas):
    org = organisation_create(
        by=world.coordinator,
        operation=world.operation,
        name="  Norwegian Refugee Council ",
        acronym="NRC",
        type="ingo",
        country=areas["ML"],
        website="https://www.nrc.no",
    )
    org.refresh_from_db()
    assert org.name == "Norwegian Refugee Council"
    assert list(org.operations.all()) == [world.operation]
    entry = AuditEntry.objects.get(entity_type="core.organisation", entity_id=str(org.pk))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.operation == world.operation
    assert entry.actor == world.coordinator
    assert entry.after["acronym"] == "NRC"
    assert entry.after["operations"] == [world.operation.pk]


def test_acronym_is_unique_whatever_its_case(world):
    with pytest.raises(ValidationError) as info:
        organisation_create(
            by=world.imo, operation=world.operation, name="Another DRC", acronym="drc", type="nngo"
        )
    assert "acronym" in info.value.message_dict
    assert "already registered" in info.value.message_dict["acronym"][0]
    assert Organisation.objects.filter(acronym__iexact="drc").count() == 1
    assert not AuditEntry.objects.filter(entity_type="core.organisation").exists()


def test_invalid_organisation_reports_field_errors(world):
    with pytest.raises(ValidationError) as info:
        organisation_create(
            by=world.imo, operation=world.operation, name="", acronym="X", type="nonsense"
        )
    assert {"name", "type"} <= set(info.value.message_dict)


def test_country_must_be_a_country(world, areas):
    with pytest.raises(ValidationError) as info:
        organisation_create(
            by=world.imo,
            operation=world.operation,
            name="Local NGO",
            acronym="LNGO",
            type="nngo",
            country=areas["ML05"],
        )
    assert "country" in info.value.message_dict


@pytest.mark.parametrize("persona", ["partner", "viewer", "other_operation_user", "outsider"])
def test_only_managers_create_organisations(world, persona):
    with pytest.raises(PermissionDenied):
        organisation_create(
            by=getattr(world, persona),
            operation=world.operation,
            name="Sneaky",
            acronym="SNK",
            type="nngo",
        )
    assert not Organisation.objects.filter(acronym="SNK").exists()


def test_manager_updates_an_organisation_with_an_audited_diff(world):
    organisation_update(
        by=world.imo,
        operation=world.operation,
        organisation=world.amss,
        website="https://amss.ml",
        acronym="AMSS",
    )
    world.amss.refresh_from_db()
    assert world.amss.website == "https://amss.ml"
    entry = AuditEntry.objects.get(action="update", entity_type="core.organisation")
    assert entry.before["website"] == ""
    assert entry.after["website"] == "https://amss.ml"
    # The acronym did not change, so it is not in the diff.
    assert "acronym" not in entry.after


def test_renaming_to_a_taken_acronym_is_refused(world):
    with pytest.raises(ValidationError) as info:
        organisation_update(
            by=world.imo, operation=world.operation, organisation=world.amss, acronym="Unhcr"
        )
    assert "acronym" in info.value.message_dict
    world.amss.refresh_from_db()
    assert world.amss.acronym == "AMSS"


def test_update_of_an_organisation_outside_the_operation_is_refused(world):
    outside = Organisation.objects.create(name="Colombian NGO", acronym="CNGO", type="nngo")
    outside.operations.add(world.other_operation)
    with pytest.raises(ValidationError):
        organisation_update(
            by=world.coordinator, operation=world.operation, organisation=outside, name="Mine"
        )


def test_manager_of_one_operation_cannot_rename_a_shared_organisation(world):
    """UNHCR takes part in Mali and Colombia: Colombia's coordinator (who does not manage Mali)
    may not rename it for both."""
    world.unhcr.operations.add(world.other_operation)
    with pytest.raises(ValidationError, match="server administrator"):
        organisation_update(
            by=world.other_operation_user,
            operation=world.other_operation,
            organisation=world.unhcr,
            name="Renamed by Colombia",
            acronym="HACKED",
        )
    world.unhcr.refresh_from_db()
    assert (world.unhcr.name, world.unhcr.acronym) == ("UNHCR", "UNHCR")
    assert not AuditEntry.objects.filter(action="update", entity_type="core.organisation").exists()


def test_shared_organisation_renamed_by_whoever_manages_all_its_operations(world):
    world.unhcr.operations.add(world.other_operation)
    OperationRole.objects.create(
        user=world.coordinator, operation=world.other_operation, role="coordinator"
    )
    organisation_update(
        by=world.coordinator, operation=world.operation, organisation=world.unhcr, name="UNHCR ML"
    )
    admin = make_user("root@tutela.test", "Root", None, is_superuser=True)
    organisation_update(by=admin, operation=world.operation, organisation=world.unhcr, name="X")
    world.unhcr.refresh_from_db()
    assert world.unhcr.name == "X"


def test_shared_organisation_rename_is_refused_through_the_api(world):
    from rest_framework.test import APIClient

    world.unhcr.operations.add(world.other_operation)
    client = APIClient()
    client.force_authenticate(world.other_operation_user)
    response = client.patch(
        "/api/v1/operations/colombia/organisations/UNHCR/", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 400
    world.unhcr.refresh_from_db()
    assert world.unhcr.name == "UNHCR"


def test_link_answers_an_organisation_of_foreign_operations_as_unknown(world):
    """Colombia's coordinator takes part in no operation where DRC works: linking DRC is
    answered exactly as linking an acronym nobody registered."""

    def refusal(acronym: str) -> str:
        with pytest.raises(ValidationError) as info:
            organisation_link(
                by=world.other_operation_user, operation=world.other_operation, acronym=acronym
            )
        return info.value.message_dict["acronym"][0].replace(acronym, "?")

    assert refusal("DRC") == refusal("NOPE")
    assert not world.drc.operations.filter(pk=world.other_operation.pk).exists()
    assert not AuditEntry.objects.filter(entity_type="core.organisation").exists()


def test_server_administrator_links_any_organisation(world):
    admin = make_user("root@tutela.test", "Root", None, is_superuser=True)
    organisation_link(by=admin, operation=world.other_operation, acronym="drc")
    assert world.drc.operations.filter(pk=world.other_operation.pk).exists()


def test_creating_a_taken_acronym_does_not_name_a_foreign_organisation(world):
    with pytest.raises(ValidationError) as info:
        organisation_create(
            by=world.other_operation_user,
            operation=world.other_operation,
            name="Another",
            acronym="drc",
            type="nngo",
        )
    message = info.value.message_dict["acronym"][0]
    assert "Danish Refugee Council" not in message
    assert "server administrator" in message


def test_partner_cannot_update_an_organisation(world):
    with pytest.raises(PermissionDenied):
        organisation_update(
            by=world.partner, operation=world.operation, organisation=world.amss, name="Renamed"
        )


def test_unknown_field_is_a_programming_error(world):
    with pytest.raises(TypeError):
        organisation_update(
            by=world.imo, operation=world.operation, organisation=world.amss, is_demo=True
        )


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "partner", "caseworker", "viewer"])
def test_directory_lists_the_operation_organisations(world, as_user, persona):
    outside = Organisation.objects.create(name="Colombian NGO", acronym="CNGO", type="nngo")
    outside.operations.add(world.other_operation)
    response = as_user(getattr(world, persona)).get(reverse("core:organisations", args=["mali"]))
    assert response.status_code == 200
    acronyms = [org.acronym for org in response.context["page"].object_list]
    assert acronyms == ["AMSS", "DRC", "OTHER", "UNHCR"]


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_directory_is_not_found_for_non_members(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(reverse("core:organisations", args=["mali"])).status_code == 404
    detail = reverse("core:organisation_detail", args=["mali", world.amss.pk])
    assert client.get(detail).status_code == 404


def test_directory_filters_by_type_and_search(world, as_user):
    client = as_user(world.partner)
    url = reverse("core:organisations", args=["mali"])
    by_type = client.get(url, {"type": "nngo"}).context["page"].object_list
    assert [o.acronym for o in by_type] == ["AMSS", "OTHER"]
    by_name = client.get(url, {"q": "danish"}).context["page"].object_list
    assert [o.acronym for o in by_name] == ["DRC"]
    by_acronym = client.get(url, {"q": "unh"}).context["page"].object_list
    assert [o.acronym for o in by_acronym] == ["UNHCR"]
    empty = client.get(url, {"q": "zzz"})
    assert "No organisation matches these filters." in empty.content.decode()


def test_directory_counts_current_memberships(world, as_user):
    response = as_user(world.partner).get(reverse("core:organisations", args=["mali"]))
    counts = {o.acronym: o.n_bodies for o in response.context["page"].object_list}
    assert counts == {"AMSS": 1, "DRC": 1, "OTHER": 1, "UNHCR": 1}


def test_directory_is_paginated_by_fifty(world, as_user):
    for i in range(60):
        org = Organisation.objects.create(name=f"NGO {i:02}", acronym=f"N{i:02}", type="nngo")
        org.operations.add(world.operation)
    client = as_user(world.partner)
    url = reverse("core:organisations", args=["mali"])
    first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 14


def test_directory_makes_a_bounded_number_of_queries(world, as_user, django_assert_max_num_queries):
    for i in range(30):
        org = Organisation.objects.create(name=f"NGO {i:02}", acronym=f"N{i:02}", type="nngo")
        org.operations.add(world.operation)
        Membership.objects.create(body=world.cp_aor, organisation=org)
    client = as_user(world.partner)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("core:organisations", args=["mali"]))
    assert response.status_code == 200


def test_detail_shows_memberships_and_led_bodies(world, as_user):
    response = as_user(world.partner).get(
        reverse("core:organisation_detail", args=["mali", world.unhcr.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Cluster Protection Mali" in content
    assert [m.body for m in response.context["memberships"]] == [world.cluster]
    assert response.context["led_bodies"] == [world.cluster]
    # No edit button for a partner.
    assert reverse("core:organisation_edit", args=["mali", world.unhcr.pk]) not in content


def test_detail_of_an_organisation_of_another_operation_is_not_found(world, as_user):
    outside = Organisation.objects.create(name="Colombian NGO", acronym="CNGO", type="nngo")
    outside.operations.add(world.other_operation)
    response = as_user(world.coordinator).get(
        reverse("core:organisation_detail", args=["mali", outside.pk])
    )
    assert response.status_code == 404


def test_manager_adds_an_organisation_through_the_form(world, as_user):
    client = as_user(world.coordinator)
    url = reverse("core:organisation_create", args=["mali"])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "International Rescue Committee", "acronym": "IRC", "type": "ingo"}
    )
    org = Organisation.objects.get(acronym="IRC")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:organisation_detail", args=["mali", org.pk])
    assert org.operations.filter(pk=world.operation.pk).exists()
    assert AuditEntry.objects.filter(
        action="create", entity_type="core.organisation", entity_id=str(org.pk)
    ).exists()


def test_form_shows_the_acronym_clash(world, as_user):
    response = as_user(world.coordinator).post(
        reverse("core:organisation_create", args=["mali"]),
        {"name": "Another", "acronym": "amss", "type": "nngo"},
    )
    assert response.status_code == 200
    assert "already registered" in response.context["form"].errors["acronym"][0]
    assert Organisation.objects.count() == 4


def test_manager_edits_an_organisation_through_the_form(world, as_user):
    client = as_user(world.imo)
    url = reverse("core:organisation_edit", args=["mali", world.amss.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["acronym"] == "AMSS"
    response = client.post(
        url,
        {
            "name": "AMSS Mali",
            "acronym": "AMSS",
            "type": "nngo",
            "country": "",
            "website": "amss.ml",
        },
    )
    assert response.status_code == 302
    world.amss.refresh_from_db()
    assert world.amss.name == "AMSS Mali"
    assert world.amss.website == "https://amss.ml"


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer"])
def test_non_managers_cannot_open_organisation_forms(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(reverse("core:organisation_create", args=["mali"])).status_code == 403
    edit = reverse("core:organisation_edit", args=["mali", world.amss.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "X", "acronym": "AMSS", "type": "nngo"}).status_code == 403
    world.amss.refresh_from_db()
    assert world.amss.name.startswith("Association")


def test_other_operation_manager_cannot_open_organisation_forms(world, as_user):
    client = as_user(world.other_operation_user)
    assert client.get(reverse("core:organisation_create", args=["mali"])).status_code == 404


def test_manager_adds_an_organisation_registered_in_another_operation(world, as_user):
    """A manager who also takes part in the other operation (here as a viewer) adds one of its
    organisations."""
    from tutela.core.models import AuditEntry, Organisation

    unicef = Organisation.objects.create(name="UNICEF", acronym="UNICEF", type="un")
    unicef.operations.add(world.other_operation)
    OperationRole.objects.create(
        user=world.coordinator, operation=world.other_operation, role="viewer"
    )
    response = as_user(world.coordinator).post("/o/mali/organisations/link/", {"acronym": "unicef"})
    assert response.status_code == 302
    assert unicef.operations.filter(pk=world.operation.pk).exists()
    assert AuditEntry.objects.filter(
        action="update", entity_id=str(unicef.pk), operation=world.operation
    ).exists()


def test_linking_an_unknown_or_present_acronym_says_why(world, as_user):
    client = as_user(world.coordinator)
    response = client.post("/o/mali/organisations/link/", {"acronym": "NOPE"}, follow=True)
    assert "No organisation with the acronym" in response.content.decode()
    response = client.post("/o/mali/organisations/link/", {"acronym": "AMSS"}, follow=True)
    assert "already takes part" in response.content.decode()


def test_partner_cannot_link_organisations(world, as_user):
    from tutela.core.models import Organisation

    Organisation.objects.create(name="UNICEF", acronym="UNICEF", type="un")
    response = as_user(world.partner).post("/o/mali/organisations/link/", {"acronym": "UNICEF"})
    assert response.status_code == 403
    assert not world.operation.organisations.filter(acronym="UNICEF").exists()
    assert (
        as_user(world.outsider)
        .post("/o/mali/organisations/link/", {"acronym": "UNICEF"})
        .status_code
        == 404
    )
