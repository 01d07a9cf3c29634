"""API: operation settings (PATCH /operations/<slug>/, managers) and new operations
(POST /operations/, server administrators)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tutela.conftest import World, api_key_for, make_user
from tutela.core.models import AdminArea, AuditEntry, Operation, OperationRole, User
from tutela.core.models.roles import Role

ApiFor = Callable[[User | None], APIClient]

MALI = "/api/v1/operations/mali/"
OPERATIONS = "/api/v1/operations/"


@pytest.fixture
def api() -> ApiFor:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


@pytest.fixture
def admin(db: None) -> User:
    return make_user("admin@tutela.test", "Server Admin", None, is_superuser=True, is_staff=True)


def new_operation(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "slug": "mali-2027",
        "name": "Mali Protection Cluster 2027",
        "countries": ["ml"],
        "languages": ["fr", "en"],
        "default_language": "fr",
    }
    data.update(overrides)
    return data


# --- PATCH /operations/<slug>/ -------------------------------------------------------------------


def test_operation_detail_shows_the_two_factor_rule(world: World, api: ApiFor) -> None:
    world.operation.require_2fa_roles = ["caseworker"]
    world.operation.save()

    data = api(world.partner).get(MALI).json()

    assert data["require_2fa_roles"] == ["caseworker"]
    assert data["disclosure_threshold"] == 5


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_manager_changes_settings(world: World, api: ApiFor, persona: str) -> None:
    manager = getattr(world, persona)

    response = api(manager).patch(
        MALI,
        {
            "disclosure_threshold": 8,
            "require_2fa_roles": ["caseworker", "supervisor"],
            "admin_level_labels": {"1": "Région", "2": "Cercle", "3": "Commune", "4": "Village"},
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["disclosure_threshold"] == 8
    assert data["require_2fa_roles"] == ["caseworker", "supervisor"]
    assert data["admin_level_labels"]["4"] == "Village"
    assert data["languages"] == ["fr", "en"]  # not sent, not changed
    world.operation.refresh_from_db()
    assert world.operation.disclosure_threshold == 8
    entry = AuditEntry.objects.get(entity_type="core.operation")
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor == manager
    assert entry.before["disclosure_threshold"] == 5
    assert entry.after["disclosure_threshold"] == 8


@pytest.mark.parametrize("persona", ["partner", "caseworker", "other_partner", "viewer"])
def test_members_who_do_not_manage_cannot_patch(world: World, api: ApiFor, persona: str) -> None:
    response = api(getattr(world, persona)).patch(MALI, {"disclosure_threshold": 2}, format="json")

    assert response.status_code == 403
    world.operation.refresh_from_db()
    assert world.operation.disclosure_threshold == 5
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_users_outside_the_operation_get_not_found(world: World, api: ApiFor, persona: str) -> None:
    response = api(getattr(world, persona)).patch(MALI, {"name": "Hacked"}, format="json")

    assert response.status_code == 404
    world.operation.refresh_from_db()
    assert world.operation.name == "Mali Protection Cluster 2026"


def test_anonymous_cannot_patch(world: World) -> None:
    response = APIClient().patch(MALI, {"name": "Hacked"}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"languages": ["en"]},
            "default_language",
            "The default language must be one of the operation's languages.",
        ),
        (
            {"disclosure_threshold": 100},
            "disclosure_threshold",
            "Ensure this value is less than or equal to 50.",
        ),
        ({"require_2fa_roles": ["king"]}, "require_2fa_roles", '"king" is not a valid choice.'),
        (
            {"admin_level_labels": {"9": "Îlot"}},
            "admin_level_labels",
            "“9” is not an admin level: use 0 (country) to 5.",
        ),
    ],
)
def test_invalid_settings_answer_400_with_the_field(
    world: World, api: ApiFor, body: dict[str, object], field: str, message: str
) -> None:
    response = api(world.coordinator).patch(MALI, body, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in str(errors[field])
    assert not AuditEntry.objects.exists()


def test_manager_cannot_move_the_operation(world: World, api: ApiFor) -> None:
    client = api(world.coordinator)

    assert client.patch(MALI, {"slug": "mali-2"}, format="json").status_code == 403
    assert client.patch(MALI, {"countries": ["CO"]}, format="json").status_code == 403
    assert client.patch(MALI, {"countries": ["ML", "CO"]}, format="json").status_code == 403
    # Sending back the current values is not a move.
    same = client.patch(MALI, {"slug": "mali", "countries": ["ML"]}, format="json")
    assert same.status_code == 200
    world.operation.refresh_from_db()
    assert world.operation.slug == "mali"
    assert list(world.operation.countries.values_list("pcode", flat=True)) == ["ML"]


def test_manager_cannot_name_a_parent_it_does_not_know(world: World, api: ApiFor) -> None:
    response = api(world.coordinator).patch(MALI, {"parent": "colombia"}, format="json")

    # Colombia is not an operation the coordinator can reach: it "does not exist".
    assert response.status_code == 400
    assert "parent" in response.json()
    world.operation.refresh_from_db()
    assert world.operation.parent is None


def test_server_administrator_moves_the_operation(
    world: World, api: ApiFor, admin: User, areas: dict[str, AdminArea]
) -> None:
    response = api(admin).patch(
        MALI, {"slug": "mali-2026", "parent": "colombia", "countries": ["ML", "CO"]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["slug"] == "mali-2026"
    assert response.json()["parent"] == "colombia"
    assert sorted(response.json()["countries"]) == ["CO", "ML"]
    world.operation.refresh_from_db()
    assert world.operation.slug == "mali-2026"


# --- POST /operations/ ---------------------------------------------------------------------------


def test_server_administrator_creates_an_operation(world: World, api: ApiFor, admin: User) -> None:
    response = api(admin).post(
        OPERATIONS,
        new_operation(
            admin_level_labels={"1": "Région"},
            require_2fa_roles=["caseworker"],
            coordinator="COORD@unhcr.test",
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["slug"] == "mali-2027"
    assert data["countries"] == ["ML"]
    assert data["admin_level_labels"] == {"1": "Région"}
    assert data["require_2fa_roles"] == ["caseworker"]
    operation = Operation.objects.get(slug="mali-2027")
    assert OperationRole.objects.filter(
        user=world.coordinator, operation=operation, role=Role.COORDINATOR
    ).exists()
    assert AuditEntry.objects.filter(
        entity_type="core.operation", action=AuditEntry.Action.CREATE, actor=admin
    ).exists()
    assert AuditEntry.objects.filter(entity_type="core.operationrole", actor=admin).exists()
    # The new coordinator sees it.
    listed = api(world.coordinator).get(OPERATIONS).json()["results"]
    assert "mali-2027" in [o["slug"] for o in listed]


@pytest.mark.parametrize("persona", ["coordinator", "imo", "partner", "outsider"])
def test_only_server_administrators_create_operations(
    world: World, api: ApiFor, persona: str
) -> None:
    response = api(getattr(world, persona)).post(OPERATIONS, new_operation(), format="json")

    assert response.status_code == 403
    assert not Operation.objects.filter(slug="mali-2027").exists()
    assert not AuditEntry.objects.exists()


def test_anonymous_cannot_create_operations(world: World) -> None:
    response = APIClient().post(OPERATIONS, new_operation(), format="json")

    assert response.status_code == 401


def test_create_reports_bad_input_by_field(world: World, api: ApiFor, admin: User) -> None:
    response = api(admin).post(
        OPERATIONS,
        new_operation(slug="mali", countries=["ZZ"], coordinator="ghost@nowhere.test"),
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert "countries" in errors
    assert errors["coordinator"] == ["No account with this e-mail address."]
    assert Operation.objects.count() == 2


def test_create_refuses_a_taken_short_name(world: World, api: ApiFor, admin: User) -> None:
    response = api(admin).post(OPERATIONS, new_operation(slug="mali"), format="json")

    assert response.status_code == 400
    assert "slug" in response.json()
    assert not AuditEntry.objects.exists()
