"""Directory selectors: summaries, the body tree, contact filters, audit changes."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from tutela.core import selectors
from tutela.core.models import AuditEntry, Body, Contact, Membership, Organisation

pytestmark = pytest.mark.django_db


def test_operation_summary_counts(world):
    Contact.objects.create(operation=world.operation, organisation=world.amss, name="A")
    Contact.objects.create(
        operation=world.operation, organisation=world.amss, name="Gone", is_active=False
    )
    Contact.objects.create(operation=world.other_operation, organisation=world.unhcr, name="C")
    summary = selectors.operation_summary(world.operation)
    assert summary.organisations == 4
    assert {code: n for code, _label, n in summary.organisations_by_type} == {
        "nngo": 2,
        "un": 1,
        "ingo": 1,
    }
    assert summary.bodies == 2
    assert [code for code, _label, _n in summary.bodies_by_kind] == ["cluster", "aor"]
    assert summary.nuclear_members == 2
    assert summary.contacts == 1
    assert [(lv.level, lv.count) for lv in summary.area_levels] == [(1, 2), (2, 2)]


def test_nuclear_members_leave_out_ended_memberships(world):
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)):
        Membership.objects.filter(organisation=world.drc).update(until=datetime.date(2026, 5, 31))
        Membership.objects.create(
            body=world.cp_aor,
            organisation=world.unhcr,
            is_nuclear=True,
            until=datetime.date(2026, 6, 1),
        )
        nuclear = list(selectors.nuclear_members(world.operation))
        assert [(m.organisation.acronym, m.body.name) for m in nuclear] == [
            ("UNHCR", "Child Protection AoR"),
            ("UNHCR", "Cluster Protection Mali"),
        ]
        assert selectors.operation_summary(world.operation).nuclear_members == 1


def test_body_tree_orders_by_kind_and_nests(world):
    sag = Body.objects.create(
        operation=world.operation, name="SAG", kind="sag", parent=world.cluster
    )
    mopti = Body.objects.create(
        operation=world.operation, name="GT Mopti", kind="regional", parent=world.cluster
    )
    gbv = Body.objects.create(
        operation=world.operation, name="GBV AoR", kind="aor", parent=world.cluster
    )
    sub = Body.objects.create(
        operation=world.operation, name="GBV Mopti", kind="taskforce", parent=gbv
    )
    standalone = Body.objects.create(operation=world.operation, name="Cash TF", kind="taskforce")
    Body.objects.create(operation=world.other_operation, name="Other", kind="cluster")
    tree = selectors.body_tree(world.operation)
    assert [n.body for n in tree] == [world.cluster, standalone]
    assert [n.body for n in tree[0].children] == [sag, world.cp_aor, gbv, mopti]
    gbv_node = tree[0].children[2]
    assert [n.body for n in gbv_node.children] == [sub]
    assert gbv_node.children[0].depth == 2
    members = [m.organisation.acronym for m in tree[0].body.member_list]
    assert set(members) == {"UNHCR", "DRC", "AMSS", "OTHER"}


def test_body_tree_query_count_does_not_grow_with_bodies(world, django_assert_num_queries):
    for i in range(15):
        body = Body.objects.create(operation=world.operation, name=f"WG {i}", kind="regional")
        Membership.objects.create(body=body, organisation=world.amss)
    with django_assert_num_queries(3):
        tree = selectors.body_tree(world.operation)
        for node in tree:
            [m.organisation.acronym for m in node.body.member_list]
            list(node.body.scope.all())
            str(node.body.lead)


def test_organisation_list_only_counts_current_memberships_in_this_operation(world):
    Membership.objects.create(
        body=world.cp_aor, organisation=world.amss, until=datetime.date(2000, 1, 1)
    )
    foreign = Body.objects.create(operation=world.other_operation, name="Other", kind="cluster")
    Membership.objects.create(body=foreign, organisation=world.amss)
    counts = {o.acronym: o.n_bodies for o in selectors.organisation_list(world.operation)}
    assert counts["AMSS"] == 1


def test_organisation_list_is_limited_to_the_operation(world):
    Organisation.objects.create(name="Nowhere", acronym="NOW", type="other")
    assert "NOW" not in [o.acronym for o in selectors.organisation_list(world.operation)]


def test_contact_list_filters_and_scoping(world):
    a = Contact.objects.create(operation=world.operation, organisation=world.amss, name="Awa")
    a.bodies.set([world.cluster, world.cp_aor])
    Contact.objects.create(operation=world.operation, organisation=world.drc, name="Bakary")
    Contact.objects.create(
        operation=world.operation, organisation=world.drc, name="Gone", is_active=False
    )
    Contact.objects.create(operation=world.other_operation, organisation=world.unhcr, name="Camila")

    def names(**filters):
        return [c.name for c in selectors.contact_list(world.operation, filters)]

    assert names() == ["Awa", "Bakary"]
    assert names(include_inactive=True) == ["Awa", "Bakary", "Gone"]
    assert names(organisation=world.drc) == ["Bakary"]
    assert names(organisation=world.drc.pk, include_inactive=True) == ["Bakary", "Gone"]
    # A contact in two bodies is listed once.
    assert names(body=world.cluster) == ["Awa"]
    assert names(q="AMSS") == ["Awa"]


def test_areas_for_operation_by_level_and_parent(world, areas):
    assert [a.pcode for a in selectors.areas_for_operation(world.operation, level=0)] == ["ML"]
    assert [
        a.pcode for a in selectors.areas_for_operation(world.operation, level=2, parent_pcode="ML")
    ] == ["ML0501", "ML0502"]
    assert not selectors.areas_for_operation(world.operation, level=2, parent_pcode="ML04")


def test_audit_changes_of_a_creation_and_an_update(world):
    created = AuditEntry.objects.create(
        operation=world.operation,
        action="create",
        after={"name": "X", "created_at": "2026-01-01", "note": "y" * 200},
    )
    changes = selectors.audit_changes(created)
    assert [c.field for c in changes] == ["name", "note"]
    assert changes[0].before == ""
    assert changes[0].after == "X"
    assert len(changes[1].after) == 80
    updated = AuditEntry.objects.create(
        operation=world.operation,
        action="update",
        before={"scope": [1, 2], "lead_id": None},
        after={"scope": [3], "lead_id": 4},
    )
    changes = {c.field: (c.before, c.after) for c in selectors.audit_changes(updated)}
    assert changes == {"scope": ("[1, 2]", "[3]"), "lead_id": ("∅", "4")}
