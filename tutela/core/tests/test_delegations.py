"""Delegations: an organisation's members let the operation's managers write its records of one
kind, and withdraw it; nobody else decides for it; every step is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.core import access
from tutela.core.models import AuditEntry, Delegation
from tutela.core.services.delegations import delegation_grant, delegation_revoke

pytestmark = pytest.mark.django_db
MONITORING = Delegation.Scope.MONITORING


def grant(world, by=None, organisation=None, scope=MONITORING):
    return delegation_grant(
        by=by or world.partner,
        operation=world.operation,
        organisation=organisation or world.amss,
        scope=scope,
    )


def test_member_grants_and_managers_may_then_write(world):
    assert not access.may_write_for(world.imo, world.operation, world.amss, MONITORING)
    delegation = grant(world)
    assert access.may_write_for(world.imo, world.operation, world.amss, MONITORING)
    # Only for that kind of record, and not for users who do not manage the operation.
    assert not access.may_write_for(
        world.imo, world.operation, world.amss, Delegation.Scope.ACTIVITIES
    )
    assert not access.may_write_for(world.other_partner, world.operation, world.amss, MONITORING)
    entry = AuditEntry.objects.get(entity_type="core.delegation", action="create")
    assert entry.actor == world.partner
    assert entry.entity_id == str(delegation.pk)


@pytest.mark.parametrize("persona", ["coordinator", "imo", "other_partner", "viewer", "outsider"])
def test_only_the_organisations_members_grant(world, persona):
    with pytest.raises(PermissionDenied):
        grant(world, by=getattr(world, persona))
    assert not Delegation.objects.exists()


def test_granting_twice_is_refused(world):
    grant(world)
    with pytest.raises(ValidationError):
        grant(world, by=world.caseworker)
    assert Delegation.objects.count() == 1


def test_member_withdraws_and_manager_gives_up(world):
    first = grant(world)
    delegation_revoke(by=world.partner, delegation=first)
    assert not access.may_write_for(world.imo, world.operation, world.amss, MONITORING)
    second = grant(world)
    delegation_revoke(by=world.coordinator, delegation=second)
    second.refresh_from_db()
    assert second.revoked_by == world.coordinator
    assert AuditEntry.objects.filter(entity_type="core.delegation", action="update").count() == 2


def test_other_organisations_cannot_withdraw(world):
    delegation = grant(world)
    with pytest.raises(PermissionDenied):
        delegation_revoke(by=world.other_partner, delegation=delegation)


def detail(world):
    return reverse("core:organisation_detail", args=["mali", world.amss.pk])


def post(world, scope="5w", action="grant"):
    return reverse("core:organisation_delegation", args=["mali", world.amss.pk]), {
        "scope": scope,
        "action": action,
    }


def test_member_authorises_and_withdraws_from_the_organisation_page(world, as_user):
    client = as_user(world.partner)
    assert "Authorise" in client.get(detail(world)).content.decode()
    response = client.post(*post(world))
    assert response.status_code == 302
    assert Delegation.objects.filter(scope="5w", revoked_at__isnull=True).exists()
    page = as_user(world.imo).get(detail(world)).content.decode()
    assert "Authorised by Fatou Focal" in page
    client.post(*post(world, action="revoke"))
    assert not Delegation.objects.filter(revoked_at__isnull=True).exists()


def test_other_organisations_see_no_delegation_and_cannot_post(world, as_user):
    client = as_user(world.other_partner)
    assert "Reporting by the cluster" not in client.get(detail(world)).content.decode()
    assert client.post(*post(world)).status_code == 403
    assert not Delegation.objects.exists()
