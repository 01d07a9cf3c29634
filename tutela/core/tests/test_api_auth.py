"""API authentication: tokens (with django-axes lockout and two-factor), /me/, sessions.

Tokens are kept as hashes and expire: tests of their lifetime, listing and revocation are in
test_api_tokens.py; the two-factor rule on every path in test_api_two_factor.py."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from tutela.conftest import PASSWORD, World, api_key_for
from tutela.core.models import ApiToken, AuditEntry, OperationRole, User
from tutela.core.models.roles import Role

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"

ApiFor = Callable[[User | None], APIClient]


@pytest.fixture
def api() -> ApiFor:
    """api(user) -> an APIClient sending that user's token; api(None) -> anonymous."""

    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


def obtain(client: APIClient, email: str, password: str = PASSWORD, **extra: str) -> object:
    return client.post(TOKEN_URL, {"email": email, "password": password, **extra}, format="json")


def with_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = 0
    user.save()
    return pyotp.TOTP(secret)


# --- Obtaining a token ---------------------------------------------------------------------------


def test_token_is_issued_for_right_password_and_sign_in_is_audited(world: World) -> None:
    response = obtain(APIClient(), "COORD@unhcr.test ")

    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.coordinator)
    data = response.json()
    assert data["id"] == token.pk
    assert data["token"].startswith(token.key_prefix)
    assert data["expires_at"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN, actor=world.coordinator)
    assert entry.summary == f"signed in (API token {token.key_prefix}…, password)"
    assert entry.entity_id == str(world.coordinator.pk)
    world.coordinator.refresh_from_db()
    assert world.coordinator.last_login is not None


def test_issued_token_authenticates_requests(world: World) -> None:
    key = obtain(APIClient(), world.partner.email).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["email"] == world.partner.email


def test_each_sign_in_issues_a_new_token_and_both_work(world: World) -> None:
    # The key is not kept, so a second sign-in cannot be given the first token again.
    first = obtain(APIClient(), world.partner.email).json()["token"]
    second = obtain(APIClient(), world.partner.email).json()["token"]

    assert first != second
    assert ApiToken.objects.filter(user=world.partner).count() == 2
    for key in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get(ME_URL).status_code == 200


def test_wrong_password_is_refused_without_token(world: World) -> None:
    response = obtain(APIClient(), world.partner.email, "wrong-password-123")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not ApiToken.objects.filter(user=world.partner).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()
    failure = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert failure.summary == f"sign-in failed for {world.partner.email} (API)"


def test_missing_fields_are_refused(db: None) -> None:
    response = APIClient().post(TOKEN_URL, {"email": "x@y.test"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_user_gets_no_token(world: World) -> None:
    world.partner.is_active = False
    world.partner.save()

    response = obtain(APIClient(), world.partner.email)

    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=world.partner).exists()


def test_lockout_applies_after_five_failures_even_with_right_password(world: World) -> None:
    client = APIClient()
    for _attempt in range(5):
        assert obtain(client, world.partner.email, "wrong-password-123").status_code in {400, 429}

    response = obtain(client, world.partner.email)

    assert response.status_code == 429
    assert response.json()["detail"]
    assert not ApiToken.objects.filter(user=world.partner).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN_FAILED, summary__endswith="(API, locked out)"
    ).exists()
    attempt = AccessAttempt.objects.get(username=world.partner.email)
    assert attempt.failures_since_start >= 5


def test_lockout_is_per_account(world: World) -> None:
    client = APIClient()
    for _attempt in range(5):
        obtain(client, world.partner.email, "wrong-password-123")

    assert obtain(client, world.imo.email).status_code == 200


def test_success_resets_failure_count(world: World) -> None:
    client = APIClient()
    for _attempt in range(4):
        obtain(client, world.partner.email, "wrong-password-123")
    assert obtain(client, world.partner.email).status_code == 200

    assert obtain(client, world.partner.email, "wrong-password-123").status_code == 400
    assert obtain(client, world.partner.email).status_code == 200


# --- Two-factor ----------------------------------------------------------------------------------


def test_two_factor_account_needs_a_code(world: World) -> None:
    with_totp(world.coordinator)

    response = obtain(APIClient(), world.coordinator.email)

    assert response.status_code == 400
    assert "otp" in response.json()
    assert not ApiToken.objects.filter(user=world.coordinator).exists()


def test_two_factor_account_with_wrong_code_is_refused(world: World) -> None:
    totp = with_totp(world.coordinator)
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"

    response = obtain(APIClient(), world.coordinator.email, otp=wrong)

    assert response.status_code == 400
    assert "otp" in response.json()
    assert not ApiToken.objects.filter(user=world.coordinator).exists()
    # A wrong code counts towards the lockout.
    assert AccessAttempt.objects.get(username=world.coordinator.email).failures_since_start == 1


def test_two_factor_account_with_valid_code_gets_token(world: World) -> None:
    totp = with_totp(world.coordinator)

    response = obtain(APIClient(), world.coordinator.email, otp=totp.now())

    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.coordinator)
    assert token.second_factor is True
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN,
        summary=f"signed in (API token {token.key_prefix}…, password+totp)",
    ).exists()


def test_two_factor_code_cannot_be_replayed(world: World) -> None:
    totp = with_totp(world.coordinator)
    code = totp.now()
    assert obtain(APIClient(), world.coordinator.email, otp=code).status_code == 200

    response = obtain(APIClient(), world.coordinator.email, otp=code)

    assert response.status_code == 400


def test_guessing_codes_ends_in_lockout(world: World) -> None:
    totp = with_totp(world.coordinator)
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    client = APIClient()
    for _attempt in range(5):
        obtain(client, world.coordinator.email, otp=wrong)

    response = obtain(client, world.coordinator.email, otp=totp.now())

    assert response.status_code == 429
    assert not ApiToken.objects.filter(user=world.coordinator).exists()


def test_role_requiring_two_factor_without_it_set_up_gets_no_token(world: World) -> None:
    world.operation.require_2fa_roles = [Role.COORDINATOR]
    world.operation.save()

    response = obtain(APIClient(), world.coordinator.email)

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"
    assert not ApiToken.objects.filter(user=world.coordinator).exists()


# --- Revoking ------------------------------------------------------------------------------------


def test_delete_revokes_the_callers_token(world: World, api: ApiFor) -> None:
    client = api(world.partner)
    token = ApiToken.objects.get(user=world.partner)
    api_key_for(world.partner)
    api_key_for(world.imo)

    response = client.delete(TOKEN_URL)

    assert response.status_code == 204
    # Only the token the request was sent with: the partner's other token and the IMO's stay.
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert ApiToken.objects.filter(user=world.partner).count() == 1
    assert ApiToken.objects.filter(user=world.imo).count() == 1
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGOUT,
        actor=world.partner,
        summary=f"API token {token.key_prefix}… of {world.partner.email} revoked",
    ).exists()
    assert client.get(ME_URL).status_code == 401


def test_delete_without_token_is_refused(db: None) -> None:
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_session_cannot_revoke_tokens(world: World) -> None:
    api_key_for(world.partner)
    client = APIClient()
    client.force_login(world.partner)

    response = client.delete(TOKEN_URL)

    assert response.status_code == 401
    assert ApiToken.objects.filter(user=world.partner).exists()


def test_token_of_deactivated_user_stops_working(world: World, api: ApiFor) -> None:
    client = api(world.partner)
    world.partner.is_active = False
    world.partner.save()

    assert client.get(ME_URL).status_code == 401


def test_deactivation_deletes_the_token_so_reactivation_does_not_revive_it(
    world: World, api: ApiFor
) -> None:
    from tutela.core.services.people import user_deactivate, user_reactivate

    client = api(world.partner)
    user_deactivate(user=world.partner, by=world.coordinator, operation=world.operation)
    user_reactivate(user=world.partner, by=world.coordinator, operation=world.operation)

    assert not ApiToken.objects.filter(user=world.partner).exists()
    assert client.get(ME_URL).status_code == 401


def test_bad_token_is_refused(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

    assert client.get(ME_URL).status_code == 401


# --- /me/ ----------------------------------------------------------------------------------------


def test_me_requires_authentication(db: None) -> None:
    response = APIClient().get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_me_lists_roles_per_operation(world: World, api: ApiFor) -> None:
    OperationRole.objects.create(user=world.coordinator, operation=world.operation, role=Role.IMO)

    data = api(world.coordinator).get(ME_URL).json()

    assert data["email"] == world.coordinator.email
    assert data["organisation"] == {"acronym": "UNHCR", "name": "UNHCR", "type": "un"}
    assert data["operations"] == [
        {
            "slug": "mali",
            "name": world.operation.name,
            "roles": ["coordinator", "imo"],
            "is_manager": True,
            "can_see_contacts": True,
        }
    ]


def test_me_of_outsider_has_no_operations(world: World, api: ApiFor) -> None:
    data = api(world.outsider).get(ME_URL).json()

    assert data["organisation"] is None
    assert data["operations"] == []


def test_me_of_viewer_cannot_see_contacts(world: World, api: ApiFor) -> None:
    data = api(world.viewer).get(ME_URL).json()

    assert data["operations"][0]["roles"] == ["viewer"]
    assert data["operations"][0]["can_see_contacts"] is False
    assert data["operations"][0]["is_manager"] is False


def test_session_authentication_works_for_reads(world: World, as_user: Callable) -> None:
    response = as_user(world.partner).get(ME_URL)

    assert response.status_code == 200
    assert response.json()["email"] == world.partner.email


def test_session_writes_need_csrf_token(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.coordinator)

    response = client.post(
        "/api/v1/operations/mali/organisations/",
        {"name": "X", "acronym": "XYZ", "type": "nngo"},
        format="json",
    )

    assert response.status_code == 403
