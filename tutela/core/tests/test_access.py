import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tutela.core.access import (
    can_see_contacts,
    is_cluster_wide,
    is_manager,
    operation_get_for_user,
    operations_for_user,
    require_manager,
    roles_in,
    scope_by_organisation,
)
from tutela.core.models import Contact, Operation, OperationRole
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db


def make_contacts(world):
    mine = Contact.objects.create(operation=world.operation, organisation=world.amss, name="A")
    theirs = Contact.objects.create(
        operation=world.operation, organisation=world.other_org, name="B"
    )
    elsewhere = Contact.objects.create(
        operation=world.other_operation, organisation=world.amss, name="C"
    )
    return mine, theirs, elsewhere


def test_user_sees_only_operations_where_they_hold_a_role(world):
    assert list(operations_for_user(world.partner)) == [world.operation]
    assert list(operations_for_user(world.other_operation_user)) == [world.other_operation]
    assert list(operations_for_user(world.outsider)) == []


def test_user_of_another_operation_gets_404(world):
    with pytest.raises(Http404):
        operation_get_for_user(world.other_operation_user, "mali")
    with pytest.raises(Http404):
        operation_get_for_user(world.outsider, "mali")
    assert operation_get_for_user(world.partner, "mali") == world.operation


def test_partner_sees_only_own_organisation_records(world):
    mine, theirs, _ = make_contacts(world)
    scoped = scope_by_organisation(world.partner, world.operation, Contact.objects.all())
    assert list(scoped) == [mine]


def test_coordinator_sees_every_organisation_in_the_operation_only(world):
    mine, theirs, elsewhere = make_contacts(world)
    scoped = scope_by_organisation(world.coordinator, world.operation, Contact.objects.all())
    assert set(scoped) == {mine, theirs}


def test_user_of_another_organisation_sees_nothing_of_amss(world):
    mine, theirs, _ = make_contacts(world)
    scoped = scope_by_organisation(world.other_partner, world.operation, Contact.objects.all())
    assert list(scoped) == [theirs]


def test_outsider_and_other_operation_user_see_no_records(world):
    make_contacts(world)
    for user in (world.outsider, world.other_operation_user):
        assert not scope_by_organisation(user, world.operation, Contact.objects.all()).exists()


def test_only_coordinator_and_imo_manage(world):
    assert is_manager(world.coordinator, world.operation)
    assert is_manager(world.imo, world.operation)
    for user in (world.partner, world.caseworker, world.viewer, world.other_operation_user):
        assert not is_manager(user, world.operation)
        with pytest.raises(PermissionDenied):
            require_manager(user, world.operation)


def test_regional_role_reads_across_nested_operations_without_managing(world):
    region = Operation.objects.create(slug="sahel", name="Sahel regional")
    world.operation.parent = region
    world.operation.save()
    regional = world.other_operation_user
    OperationRole.objects.create(user=regional, operation=region, role=Role.COORDINATOR)
    regional = type(regional).objects.get(pk=regional.pk)
    assert world.operation in operations_for_user(regional)
    assert roles_in(regional, world.operation) == {Role.VIEWER}
    assert not is_manager(regional, world.operation)
    assert is_manager(regional, region)


def test_deactivated_user_has_no_access(world):
    world.coordinator.is_active = False
    world.coordinator.save()
    assert not operations_for_user(world.coordinator).exists()
    assert roles_in(world.coordinator, world.operation) == frozenset()


def test_inactive_operation_is_hidden(world):
    world.operation.is_active = False
    world.operation.save()
    user = type(world.partner).objects.get(pk=world.partner.pk)
    with pytest.raises(Http404):
        operation_get_for_user(user, "mali")


def test_contacts_hidden_from_pure_viewers(world):
    assert can_see_contacts(world.partner, world.operation)
    assert not can_see_contacts(world.viewer, world.operation)
    assert not can_see_contacts(world.outsider, world.operation)


def test_focal_point_is_cluster_wide(world):
    OperationRole.objects.create(
        user=world.other_partner, operation=world.operation, role=Role.FOCAL_POINT
    )
    user = type(world.other_partner).objects.get(pk=world.other_partner.pk)
    assert is_cluster_wide(user, world.operation)
    assert not is_cluster_wide(world.partner, world.operation)
