"""User administration by coordinators and information management officers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tutela.conftest import World, make_user
from tutela.core.models import AuditEntry, OperationRole, Role, User

pytestmark = pytest.mark.django_db


def users_url(slug: str = "mali") -> str:
    return reverse("core:users", args=[slug])


def detail_url(user: User, slug: str = "mali") -> str:
    return reverse("core:user_detail", args=[slug, user.pk])


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_managers_see_the_user_list(world: World, as_user: Any, persona: str) -> None:
    response = as_user(getattr(world, persona)).get(users_url())
    assert response.status_code == 200
    body = response.content.decode()
    for user in (world.coordinator, world.imo, world.partner, world.caseworker, world.viewer):
        assert user.email in body
    # People without a role here are not listed.
    assert world.outsider.email not in body
    assert world.other_operation_user.email not in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("partner", 403),
        ("caseworker", 403),
        ("viewer", 403),
        ("other_partner", 403),
        ("outsider", 404),
        ("other_operation_user", 404),
    ],
)
def test_user_admin_is_refused_to_non_managers(
    world: World, as_user: Any, persona: str, status: int
) -> None:
    client = as_user(getattr(world, persona))
    target = world.caseworker
    before = AuditEntry.objects.count()
    assert client.get(users_url()).status_code == status
    assert client.get(reverse("core:user_invite", args=["mali"])).status_code == status
    assert client.get(detail_url(target)).status_code == status
    assert client.post(detail_url(target), {"roles": ["coordinator"]}).status_code == status
    assert (
        client.post(reverse("core:user_deactivate", args=["mali", target.pk])).status_code == status
    )
    assert (
        client.post(
            reverse("core:user_invite", args=["mali"]),
            {
                "full_name": "X",
                "email": "x@example.test",
                "organisation": world.amss.pk,
                "role": "coordinator",
            },
        ).status_code
        == status
    )
    target.refresh_from_db()
    assert target.is_active
    assert set(OperationRole.objects.filter(user=target).values_list("role", flat=True)) == {
        Role.CASEWORKER
    }
    assert AuditEntry.objects.count() == before


def test_anonymous_is_sent_to_login(client: Any, world: World) -> None:
    response = client.get(users_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_other_operation_coordinator_cannot_act_on_mali_users(world: World, as_user: Any) -> None:
    client = as_user(world.other_operation_user)
    # Through their own operation's pages, Mali's users do not exist.
    response = client.get(detail_url(world.partner, slug="colombia"))
    assert response.status_code == 404
    response = client.post(reverse("core:user_deactivate", args=["colombia", world.partner.pk]))
    assert response.status_code == 404
    world.partner.refresh_from_db()
    assert world.partner.is_active


def test_manager_cannot_open_a_user_without_a_role_here(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    assert client.get(detail_url(world.outsider)).status_code == 404
    assert client.get(detail_url(world.other_operation_user)).status_code == 404


# --- List: filters, search, pagination, queries ----------------------------------------------


def test_filter_by_organisation_role_and_search(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    body = client.get(users_url(), {"organisation": world.amss.pk}).content.decode()
    assert world.partner.email in body
    assert world.caseworker.email in body
    assert world.coordinator.email not in body
    body = client.get(users_url(), {"role": "caseworker"}).content.decode()
    assert world.caseworker.email in body
    assert world.partner.email not in body
    body = client.get(users_url(), {"q": "fatou"}).content.decode()
    assert world.partner.email in body
    assert world.caseworker.email not in body
    body = client.get(users_url(), {"q": "nobody-matches"}).content.decode()
    assert "Nobody matches" in body


def test_user_list_paginates_with_constant_queries(world: World, as_user: Any) -> None:
    for index in range(60):
        user = make_user(f"person{index:02d}@amss.test", f"Person {index:02d}", world.amss)
        OperationRole.objects.create(user=user, operation=world.operation, role=Role.PARTNER)
    client = as_user(world.coordinator)
    client.get(users_url())
    with CaptureQueriesContext(connection) as first:
        page1 = client.get(users_url())
    assert page1.status_code == 200
    assert "Page 1 of 2" in page1.content.decode()
    assert len(page1.context["page"].object_list) == 50
    page2 = client.get(users_url(), {"page": 2})
    assert len(page2.context["page"].object_list) == 66 - 50
    for index in range(5):
        extra = make_user(f"more{index}@amss.test", f"More {index}", world.amss)
        OperationRole.objects.create(user=extra, operation=world.operation, role=Role.PARTNER)
    with CaptureQueriesContext(connection) as second:
        client.get(users_url())
    assert len(second) == len(first)


# --- Roles --------------------------------------------------------------------------------------


def test_manager_changes_roles_in_this_operation_only(world: World, as_user: Any) -> None:
    OperationRole.objects.create(
        user=world.partner, operation=world.other_operation, role=Role.VIEWER
    )
    response = as_user(world.coordinator).post(
        detail_url(world.partner),
        {"roles": ["partner", "focal_point"], "body": world.cp_aor.pk},
    )
    assert response.status_code == 302
    here = OperationRole.objects.filter(user=world.partner, operation=world.operation)
    assert set(here.values_list("role", flat=True)) == {"partner", "focal_point"}
    assert here.get(role="focal_point").body == world.cp_aor
    assert OperationRole.objects.filter(
        user=world.partner, operation=world.other_operation, role="viewer"
    ).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, entity_type="core.user")
    assert entry.actor == world.coordinator
    assert entry.operation == world.operation
    assert entry.before["roles"] == ["partner"]
    assert entry.after["roles"] == ["focal_point", "partner"]


def test_removing_every_role_takes_the_person_out(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.post(detail_url(world.caseworker), {"roles": []})
    assert response.status_code == 302
    assert response.url == users_url()
    assert not OperationRole.objects.filter(user=world.caseworker).exists()
    assert client.get(detail_url(world.caseworker)).status_code == 404


def test_manager_cannot_drop_own_management_role(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).post(detail_url(world.coordinator), {"roles": ["viewer"]})
    assert response.status_code == 200
    assert "own management role" in response.content.decode()
    assert OperationRole.objects.filter(user=world.coordinator, role="coordinator").exists()
    assert not AuditEntry.objects.exists()


def test_body_of_another_operation_is_refused(world: World, as_user: Any) -> None:
    from tutela.core.models import Body

    foreign = Body.objects.create(
        operation=world.other_operation, name="Colombia cluster", kind="cluster"
    )
    response = as_user(world.coordinator).post(
        detail_url(world.partner), {"roles": ["focal_point"], "body": foreign.pk}
    )
    assert response.status_code == 200
    assert not OperationRole.objects.filter(user=world.partner, role="focal_point").exists()


# --- Deactivation -------------------------------------------------------------------------------


def test_deactivate_and_reactivate(world: World, as_user: Any, client: Any) -> None:
    manager = as_user(world.imo)
    response = manager.post(reverse("core:user_deactivate", args=["mali", world.partner.pk]))
    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert not world.partner.is_active
    assert world.partner.deactivated_at is not None
    # Roles and history are kept.
    assert OperationRole.objects.filter(user=world.partner, role="partner").exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, entity_id=str(world.partner.pk))
    assert entry.actor == world.imo
    assert entry.after["is_active"] is False
    # Still listed, marked deactivated.
    assert "Deactivated" in manager.get(users_url()).content.decode()
    # Cannot sign in.
    from tutela.conftest import PASSWORD

    client.post(reverse("core:login"), {"email": world.partner.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    response = manager.post(reverse("core:user_reactivate", args=["mali", world.partner.pk]))
    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.is_active
    assert world.partner.deactivated_at is None
    client.post(reverse("core:login"), {"email": world.partner.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(world.partner.pk)


def test_cannot_deactivate_yourself(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).post(
        reverse("core:user_deactivate", args=["mali", world.coordinator.pk]), follow=True
    )
    assert "cannot deactivate your own account" in response.content.decode()
    world.coordinator.refresh_from_db()
    assert world.coordinator.is_active
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_cannot_deactivate_someone_working_in_an_operation_you_do_not_manage(
    world: World, as_user: Any
) -> None:
    OperationRole.objects.create(
        user=world.other_operation_user, operation=world.operation, role=Role.VIEWER
    )
    response = as_user(world.coordinator).post(
        reverse("core:user_deactivate", args=["mali", world.other_operation_user.pk]),
        follow=True,
    )
    assert "operations you do not manage" in response.content.decode()
    world.other_operation_user.refresh_from_db()
    assert world.other_operation_user.is_active


def test_deactivation_is_post_only(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).get(
        reverse("core:user_deactivate", args=["mali", world.partner.pk])
    )
    assert response.status_code == 405
