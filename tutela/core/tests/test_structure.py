"""Coordination structure: bodies and memberships, services and pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.core.models import AuditEntry, Body, Membership, Organisation
from tutela.core.services.structure import (
    body_create,
    body_update,
    membership_add,
    membership_end,
    membership_update,
)

pytestmark = pytest.mark.django_db


# --- body services ------------------------------------------------------------------------------


def test_manager_creates_a_regional_working_group_with_scope(world, areas):
    body = body_create(
        by=world.coordinator,
        operation=world.operation,
        name="Groupe de travail Mopti",
        kind="regional",
        code="PRO-MOP",
        parent=world.cluster,
        lead=world.drc,
        scope=[areas["ML05"], areas["ML0501"]],
    )
    body.refresh_from_db()
    assert body.operation == world.operation
    assert body.parent == world.cluster
    assert sorted(a.pcode for a in body.scope.all()) == ["ML05", "ML0501"]
    entry = AuditEntry.objects.get(entity_type="core.body", entity_id=str(body.pk))
    assert entry.action == "create"
    assert entry.operation == world.operation
    assert sorted(entry.after["scope"]) == sorted([areas["ML05"].pk, areas["ML0501"].pk])


def test_scope_outside_the_operation_countries_is_refused(world, areas):
    with pytest.raises(ValidationError) as info:
        body_create(
            by=world.imo,
            operation=world.operation,
            name="Wrong scope",
            kind="taskforce",
            scope=[areas["CO"]],
        )
    assert "scope" in info.value.message_dict
    assert not Body.objects.filter(name="Wrong scope").exists()


def test_body_names_are_unique_in_an_operation_whatever_the_case(world):
    with pytest.raises(ValidationError) as info:
        body_create(
            by=world.imo, operation=world.operation, name="child protection aor", kind="aor"
        )
    assert "name" in info.value.message_dict


def test_same_body_name_is_fine_in_another_operation(world):
    body = body_create(
        by=world.other_operation_user,
        operation=world.other_operation,
        name="Child Protection AoR",
        kind="aor",
    )
    assert body.operation == world.other_operation


def test_lead_must_take_part_in_the_operation(world):
    outsider_org = Organisation.objects.create(name="Far away", acronym="FAR", type="ingo")
    with pytest.raises(ValidationError) as info:
        body_create(
            by=world.imo,
            operation=world.operation,
            name="GBV AoR",
            kind="aor",
            lead=outsider_org,
        )
    assert "lead" in info.value.message_dict


def test_lead_and_co_lead_must_differ(world):
    with pytest.raises(ValidationError) as info:
        body_create(
            by=world.imo,
            operation=world.operation,
            name="GBV AoR",
            kind="aor",
            lead=world.unhcr,
            co_lead=world.unhcr,
        )
    assert "co_lead" in info.value.message_dict


def test_parent_must_be_in_the_same_operation(world):
    foreign = Body.objects.create(operation=world.other_operation, name="Colombia", kind="cluster")
    with pytest.raises(ValidationError) as info:
        body_create(
            by=world.imo, operation=world.operation, name="GBV AoR", kind="aor", parent=foreign
        )
    assert "parent" in info.value.message_dict


@pytest.mark.parametrize("persona", ["partner", "viewer", "other_operation_user", "outsider"])
def test_only_managers_create_bodies(world, persona):
    with pytest.raises(PermissionDenied):
        body_create(
            by=getattr(world, persona), operation=world.operation, name="GBV AoR", kind="aor"
        )
    assert not Body.objects.filter(name="GBV AoR").exists()


def test_update_changes_fields_and_replaces_scope(world, areas):
    body_update(
        by=world.imo, body=world.cp_aor, code="PRO-CP", lead=world.unhcr, scope=[areas["ML04"]]
    )
    world.cp_aor.refresh_from_db()
    assert world.cp_aor.code == "PRO-CP"
    assert [a.pcode for a in world.cp_aor.scope.all()] == ["ML04"]
    entry = AuditEntry.objects.get(entity_type="core.body", action="update")
    assert entry.before["code"] == "PRO-CPN"
    assert entry.after["code"] == "PRO-CP"
    assert entry.after["scope"] == [areas["ML04"].pk]


def test_update_without_scope_keeps_it(world, areas):
    world.cp_aor.scope.set([areas["ML05"]])
    body_update(by=world.imo, body=world.cp_aor, name="Protection de l'enfance")
    assert [a.pcode for a in world.cp_aor.scope.all()] == ["ML05"]


def test_a_body_cannot_be_moved_below_its_own_sub_body(world):
    with pytest.raises(ValidationError) as info:
        body_update(by=world.imo, body=world.cluster, parent=world.cp_aor)
    assert "parent" in info.value.message_dict
    with pytest.raises(ValidationError):
        body_update(by=world.imo, body=world.cluster, parent=world.cluster)


def test_partner_cannot_update_a_body(world):
    with pytest.raises(PermissionDenied):
        body_update(by=world.partner, body=world.cluster, name="Hijacked")


# --- membership services ------------------------------------------------------------------------


def test_manager_adds_a_nuclear_member(world):
    membership = membership_add(
        by=world.coordinator,
        body=world.cp_aor,
        organisation=world.amss,
        role="co_lead",
        is_nuclear=True,
        since=datetime.date(2025, 1, 1),
    )
    assert Membership.objects.get(pk=membership.pk).is_nuclear
    entry = AuditEntry.objects.get(entity_type="core.membership", entity_id=str(membership.pk))
    assert entry.action == "create"
    assert entry.operation == world.operation


def test_an_organisation_is_member_of_a_body_once(world):
    with pytest.raises(ValidationError) as info:
        membership_add(by=world.imo, body=world.cluster, organisation=world.amss)
    assert "already a member" in info.value.message_dict["organisation"][0]


def test_member_must_take_part_in_the_operation(world):
    outsider_org = Organisation.objects.create(name="Far away", acronym="FAR", type="ingo")
    with pytest.raises(ValidationError) as info:
        membership_add(by=world.imo, body=world.cluster, organisation=outsider_org)
    assert "organisation" in info.value.message_dict


def test_end_date_before_start_is_refused(world):
    with pytest.raises(ValidationError) as info:
        membership_add(
            by=world.imo,
            body=world.cp_aor,
            organisation=world.amss,
            since=datetime.date(2025, 5, 1),
            until=datetime.date(2025, 4, 1),
        )
    assert "until" in info.value.message_dict


def test_membership_update_and_end_are_audited(world):
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)
    membership_update(by=world.imo, membership=membership, is_nuclear=True, role="observer")
    membership_end(by=world.imo, membership=membership, until=datetime.date(2026, 3, 31))
    membership.refresh_from_db()
    assert membership.is_nuclear
    assert membership.until == datetime.date(2026, 3, 31)
    entries = AuditEntry.objects.filter(entity_type="core.membership", action="update")
    assert entries.count() == 2
    assert entries.filter(after__until="2026-03-31").exists()


def test_ended_member_must_be_renewed_not_added_again(world):
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)
    membership_end(by=world.imo, membership=membership, until=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError) as info:
        membership_add(by=world.imo, body=world.cluster, organisation=world.amss)
    assert "renew" in info.value.message_dict["organisation"][0]


def test_partner_cannot_change_memberships(world):
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)
    with pytest.raises(PermissionDenied):
        membership_add(by=world.partner, body=world.cp_aor, organisation=world.amss)
    with pytest.raises(PermissionDenied):
        membership_update(by=world.partner, membership=membership, is_nuclear=True)
    with pytest.raises(PermissionDenied):
        membership_end(by=world.partner, membership=membership, until=datetime.date(2026, 1, 1))
    membership.refresh_from_db()
    assert not membership.is_nuclear
    assert membership.until is None


# --- pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "partner", "caseworker", "viewer"])
def test_structure_page_shows_the_tree_and_nuclear_members(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(reverse("core:structure", args=["mali"]))
    assert response.status_code == 200
    tree = response.context["tree"]
    assert [node.body for node in tree] == [world.cluster]
    assert [node.body for node in tree[0].children] == [world.cp_aor]
    nuclear = {m.organisation.acronym for m in response.context["nuclear"]}
    assert nuclear == {"UNHCR", "DRC"}
    content = response.content.decode()
    assert "Child Protection AoR" in content
    assert "Co-lead:" in content


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_structure_pages_are_not_found_for_non_members(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(reverse("core:structure", args=["mali"])).status_code == 404
    detail = reverse("core:body_detail", args=["mali", world.cluster.pk])
    assert client.get(detail).status_code == 404


def test_body_of_another_operation_is_not_found(world, as_user):
    foreign = Body.objects.create(operation=world.other_operation, name="Colombia", kind="cluster")
    response = as_user(world.coordinator).get(
        reverse("core:body_detail", args=["mali", foreign.pk])
    )
    assert response.status_code == 404


def test_body_detail_lists_current_and_former_members(world, as_user):
    Membership.objects.filter(body=world.cluster, organisation=world.other_org).update(
        until=datetime.date(2020, 1, 1)
    )
    response = as_user(world.partner).get(
        reverse("core:body_detail", args=["mali", world.cluster.pk])
    )
    assert response.status_code == 200
    assert {m.organisation.acronym for m in response.context["current"]} == {
        "UNHCR",
        "DRC",
        "AMSS",
    }
    assert [m.organisation.acronym for m in response.context["past"]] == ["OTHER"]
    assert response.context["children"] == [world.cp_aor]
    # A partner sees no management links.
    assert reverse("core:body_edit", args=["mali", world.cluster.pk]) not in (
        response.content.decode()
    )


def test_body_detail_hides_attendees_from_a_viewer(world, as_user):
    response = as_user(world.viewer).get(
        reverse("core:body_detail", args=["mali", world.cluster.pk])
    )
    assert response.status_code == 200
    assert response.context["contacts"] == []
    assert "People attending" not in response.content.decode()


def test_structure_page_makes_a_bounded_number_of_queries(
    world, as_user, areas, django_assert_max_num_queries
):
    for i in range(20):
        body = Body.objects.create(
            operation=world.operation,
            name=f"Regional WG {i}",
            kind="regional",
            parent=world.cluster,
            lead=world.drc,
            co_lead=world.amss,
        )
        body.scope.set([areas["ML05"], areas["ML0501"]])
        Membership.objects.create(body=body, organisation=world.unhcr, is_nuclear=True)
        Membership.objects.create(body=body, organisation=world.amss)
    client = as_user(world.partner)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("core:structure", args=["mali"]))
    assert response.status_code == 200
    assert len(response.context["tree"][0].children) == 21


def test_manager_creates_a_body_through_the_form(world, as_user):
    client = as_user(world.coordinator)
    url = reverse("core:body_create", args=["mali"])
    page = client.get(url, {"parent": world.cluster.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["parent"] == world.cluster.pk
    response = client.post(
        url,
        {
            "name": "GBV AoR",
            "code": "PRO-GBV",
            "kind": "aor",
            "parent": world.cluster.pk,
            "lead": world.unhcr.pk,
            "co_lead": "",
            "scope_pcodes": "ml05, ML0501",
        },
    )
    body = Body.objects.get(name="GBV AoR")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:body_detail", args=["mali", body.pk])
    assert sorted(a.pcode for a in body.scope.all()) == ["ML05", "ML0501"]
    assert AuditEntry.objects.filter(entity_type="core.body", action="create").exists()


def test_body_form_reports_unknown_pcodes(world, as_user):
    response = as_user(world.coordinator).post(
        reverse("core:body_create", args=["mali"]),
        {"name": "GBV AoR", "kind": "aor", "scope_pcodes": "ML05 CO XX99"},
    )
    assert response.status_code == 200
    error = response.context["form"].errors["scope_pcodes"][0]
    assert "CO" in error
    assert "XX99" in error
    assert not Body.objects.filter(name="GBV AoR").exists()


def test_body_form_shows_a_duplicate_name_on_the_field(world, as_user):
    response = as_user(world.coordinator).post(
        reverse("core:body_create", args=["mali"]),
        {"name": "Child Protection AoR", "kind": "aor"},
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_edit_form_does_not_offer_a_sub_body_as_parent(world, as_user):
    response = as_user(world.coordinator).get(
        reverse("core:body_edit", args=["mali", world.cluster.pk])
    )
    assert response.status_code == 200
    parents = list(response.context["form"].fields["parent"].queryset)
    assert world.cp_aor not in parents
    assert world.cluster not in parents


def test_manager_edits_a_body_through_the_form(world, as_user):
    response = as_user(world.imo).post(
        reverse("core:body_edit", args=["mali", world.cp_aor.pk]),
        {
            "name": "Protection de l'enfance",
            "code": "PRO-CPN",
            "kind": "aor",
            "parent": world.cluster.pk,
            "scope_pcodes": "ML04",
        },
    )
    assert response.status_code == 302
    world.cp_aor.refresh_from_db()
    assert world.cp_aor.name == "Protection de l'enfance"
    assert [a.pcode for a in world.cp_aor.scope.all()] == ["ML04"]


def test_manager_adds_edits_and_ends_a_membership_through_the_forms(world, as_user):
    client = as_user(world.coordinator)
    add_url = reverse("core:membership_add", args=["mali", world.cp_aor.pk])
    page = client.get(add_url)
    assert set(page.context["form"].fields["organisation"].queryset) == {
        world.unhcr,
        world.drc,
        world.amss,
        world.other_org,
    }
    response = client.post(
        add_url,
        {
            "organisation": world.amss.pk,
            "role": "member",
            "is_nuclear": "on",
            "since": "2025-02-01",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(body=world.cp_aor, organisation=world.amss)
    assert membership.is_nuclear
    assert membership.since == datetime.date(2025, 2, 1)

    edit_url = reverse("core:membership_edit", args=["mali", membership.pk])
    response = client.post(edit_url, {"role": "co_lead", "since": "2025-02-01"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "co_lead"
    assert not membership.is_nuclear

    end_url = reverse("core:membership_end", args=["mali", membership.pk])
    assert client.get(end_url).status_code == 200
    response = client.post(end_url, {"until": "2026-06-30"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.until == datetime.date(2026, 6, 30)
    assert AuditEntry.objects.filter(entity_type="core.membership").count() == 3


def test_membership_form_shows_date_errors(world, as_user):
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)
    response = as_user(world.coordinator).post(
        reverse("core:membership_end", args=["mali", membership.pk]), {"until": ""}
    )
    assert response.status_code == 200
    assert "until" in response.context["form"].errors


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer"])
def test_non_managers_cannot_open_structure_forms(world, as_user, persona):
    client = as_user(getattr(world, persona))
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)
    urls = [
        reverse("core:body_create", args=["mali"]),
        reverse("core:body_edit", args=["mali", world.cluster.pk]),
        reverse("core:membership_add", args=["mali", world.cluster.pk]),
        reverse("core:membership_edit", args=["mali", membership.pk]),
        reverse("core:membership_end", args=["mali", membership.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(urls[4], {"until": "2026-01-01"}).status_code == 403
    membership.refresh_from_db()
    assert membership.until is None


def test_other_operation_manager_cannot_reach_structure_forms(world, as_user):
    membership = Membership.objects.get(body=world.cluster, organisation=world.amss)
    client = as_user(world.other_operation_user)
    assert client.get(reverse("core:membership_end", args=["mali", membership.pk])).status_code == (
        404
    )
    # Nor through their own operation's address.
    response = client.post(
        reverse("core:membership_end", args=["colombia", membership.pk]), {"until": "2026-01-01"}
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.until is None
