"""The audit log page: managers only, filters, and only the operation's own entries."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from tutela.core.models import AuditEntry
from tutela.core.services.audit import audit_write
from tutela.core.services.organisations import organisation_update
from tutela.core.services.structure import body_create

pytestmark = pytest.mark.django_db


def url(**params: str) -> str:
    base = reverse("core:audit_log", args=["mali"])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_managers_see_the_audit_log(world, as_user, persona):
    body_create(by=world.coordinator, operation=world.operation, name="GBV AoR", kind="aor")
    response = as_user(getattr(world, persona)).get(url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "GBV AoR" in content
    assert "coord@unhcr.test" in content


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_partner"])
def test_non_managers_are_refused(world, as_user, persona):
    assert as_user(getattr(world, persona)).get(url()).status_code == 403


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_non_members_get_not_found(world, as_user, persona):
    assert as_user(getattr(world, persona)).get(url()).status_code == 404


def test_only_the_operation_entries_are_shown(world, as_user):
    body_create(by=world.coordinator, operation=world.operation, name="GBV AoR", kind="aor")
    body_create(
        by=world.other_operation_user,
        operation=world.other_operation,
        name="Colombia secret body",
        kind="cluster",
    )
    audit_write(actor=world.coordinator, action="login", summary="server-wide sign in")
    response = as_user(world.coordinator).get(url())
    summaries = [entry.summary for entry, _changes in response.context["rows"]]
    assert summaries == ["GBV AoR"]
    assert "Colombia secret body" not in response.content.decode()


def test_filters(world, as_user):
    with time_machine.travel(datetime.datetime(2026, 1, 10, 9, tzinfo=datetime.UTC)):
        body_create(by=world.coordinator, operation=world.operation, name="GBV AoR", kind="aor")
    with time_machine.travel(datetime.datetime(2026, 2, 10, 9, tzinfo=datetime.UTC)):
        organisation_update(
            by=world.imo, operation=world.operation, organisation=world.amss, website="https://a.ml"
        )
    client = as_user(world.coordinator)

    def summaries(**params):
        response = client.get(url(**params))
        assert response.status_code == 200
        return [entry.summary for entry, _changes in response.context["rows"]]

    assert summaries() == ["AMSS", "GBV AoR"]
    assert summaries(actor="imo@") == ["AMSS"]
    assert summaries(action="create") == ["GBV AoR"]
    assert summaries(entity_type="core.organisation") == ["AMSS"]
    assert summaries(date_from="2026-02-01") == ["AMSS"]
    assert summaries(date_to="2026-01-31") == ["GBV AoR"]
    assert summaries(q="gbv") == ["GBV AoR"]
    assert summaries(action="nonsense") == ["AMSS", "GBV AoR"]
    response = client.get(url(q="nothing-matches"))
    assert "No entry matches these filters." in response.content.decode()


def test_record_type_choices_are_named(world, as_user):
    body_create(by=world.coordinator, operation=world.operation, name="GBV AoR", kind="aor")
    response = as_user(world.coordinator).get(url())
    choices = dict(response.context["form"].fields["entity_type"].choices)
    assert choices["core.body"] == "coordination body"


def test_changes_are_shown_compactly(world, as_user):
    organisation_update(
        by=world.imo, operation=world.operation, organisation=world.amss, website="https://a.ml"
    )
    response = as_user(world.coordinator).get(url())
    ((_entry, changes),) = response.context["rows"]
    website = next(change for change in changes if change.field == "website")
    assert website.before == "∅"
    assert website.after == "https://a.ml"
    assert "updated_at" not in [change.field for change in changes]
    assert "<del>" in response.content.decode()


def test_empty_log_shows_an_empty_state(world, as_user):
    response = as_user(world.coordinator).get(url())
    assert "Nothing has been recorded for this operation yet." in response.content.decode()


def test_audit_log_is_paginated_with_bounded_queries(world, as_user, django_assert_max_num_queries):
    for i in range(60):
        AuditEntry.objects.create(
            operation=world.operation,
            actor=world.imo,
            actor_label=world.imo.email,
            action="update",
            entity_type="core.body",
            entity_id=str(i),
            summary=f"Body {i}",
            before={"name": "a"},
            after={"name": "b"},
        )
    client = as_user(world.coordinator)
    with django_assert_max_num_queries(15):
        response = client.get(url())
    assert len(response.context["rows"]) == 50
    assert "Page 1 of 2" in response.content.decode()
    assert len(client.get(url(page="2")).context["rows"]) == 10
