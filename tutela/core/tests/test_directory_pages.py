"""Home, operation home and the operation menu."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tutela.core.models import Contact, Operation, OperationRole
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(reverse("core:operation_home", args=["mali"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    assert client.get(reverse("core:home")).status_code == 302


def test_home_redirects_to_the_only_operation(world, as_user):
    response = as_user(world.partner).get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:operation_home", args=["mali"])


def test_home_lists_every_operation_of_the_user(world, as_user):
    OperationRole.objects.create(
        user=world.coordinator, operation=world.other_operation, role=Role.VIEWER
    )
    response = as_user(world.coordinator).get(reverse("core:home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mali Protection Cluster 2026" in content
    assert "Colombia Protection Cluster" in content


def test_home_of_a_user_without_role_shows_an_empty_state(world, as_user):
    response = as_user(world.outsider).get(reverse("core:home"))
    assert response.status_code == 200
    assert "You have no role in any operation yet" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["coordinator", "imo", "partner", "caseworker", "other_partner", "viewer"]
)
def test_operation_home_renders_for_every_member(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(reverse("core:operation_home", args=["mali"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mali Protection Cluster 2026" in content
    # Admin level labels of the operation.
    assert "Région" in content
    assert "Cercle" in content


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_operation_home_is_not_found_for_non_members(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(reverse("core:operation_home", args=["mali"]))
    assert response.status_code == 404
    assert "Mali Protection Cluster" not in response.content.decode()


def test_operation_home_shows_summary_cards(world, as_user):
    Contact.objects.create(operation=world.operation, organisation=world.amss, name="Aminata")
    response = as_user(world.coordinator).get(reverse("core:operation_home", args=["mali"]))
    summary = response.context["summary"]
    assert summary.organisations == 4
    assert summary.bodies == 2
    assert summary.nuclear_members == 2
    assert summary.contacts == 1
    assert [(a.level, a.label, a.count) for a in summary.area_levels] == [
        (1, "Région", 2),
        (2, "Cercle", 2),
    ]


def test_viewer_home_hides_the_contact_card(world, as_user):
    response = as_user(world.viewer).get(reverse("core:operation_home", args=["mali"]))
    content = response.content.decode()
    assert reverse("core:contacts", args=["mali"]) not in content


def test_demo_operation_shows_a_badge(world, as_user):
    Operation.objects.filter(pk=world.operation.pk).update(is_demo=True)
    response = as_user(world.partner).get(reverse("core:operation_home", args=["mali"]))
    assert 'class="badge demo"' in response.content.decode()


def test_menu_marks_the_current_page_and_hides_manager_links(world, as_user):
    response = as_user(world.partner).get(reverse("core:organisations", args=["mali"]))
    content = response.content.decode()
    organisations_url = reverse("core:organisations", args=["mali"])
    assert f'href="{organisations_url}" aria-current="page"' in content
    assert reverse("core:audit_log", args=["mali"]) not in content
    assert reverse("core:users", args=["mali"]) not in content


def test_menu_shows_users_and_audit_log_to_managers(world, as_user):
    response = as_user(world.imo).get(reverse("core:operation_home", args=["mali"]))
    content = response.content.decode()
    assert reverse("core:audit_log", args=["mali"]) in content
    assert reverse("core:users", args=["mali"]) in content
    home_url = reverse("core:operation_home", args=["mali"])
    assert f'href="{home_url}" aria-current="page"' in content
