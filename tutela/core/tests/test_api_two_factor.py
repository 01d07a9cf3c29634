"""The operations' two-factor rule on every path (issue 10, item 3): a browser session signed in
with a password only cannot use the API, tokens issued before the rule stop working (and are
revoked when the rule or the role comes), and the API says why with the error code
`two_factor_required`."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from rest_framework.test import APIClient

from tutela.conftest import PASSWORD, World
from tutela.core.models import ApiToken, AuditEntry, User
from tutela.core.models.roles import Role
from tutela.core.services.operations import operation_update
from tutela.core.services.people import user_roles_set

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
ORGANISATIONS_URL = "/api/v1/operations/mali/organisations/"


def require_two_factor_for(world: World, *roles: str) -> None:
    world.operation.require_2fa_roles = list(roles)
    world.operation.save()


def obtain(user: User, **extra: str) -> str:
    response = APIClient().post(
        TOKEN_URL, {"email": user.email, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def turn_on_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = 0
    user.save()
    return pyotp.TOTP(secret)


def assert_two_factor_refusal(response: Any) -> None:
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "two_factor_required"
    assert "two-factor" in body["detail"]


# --- Browser sessions --------------------------------------------------------------------------


def test_password_only_session_cannot_read_the_api(world: World) -> None:
    require_two_factor_for(world, Role.COORDINATOR)
    client = APIClient()
    client.force_login(world.coordinator)

    assert_two_factor_refusal(client.get(ME_URL))
    assert_two_factor_refusal(client.get(ORGANISATIONS_URL))


def test_password_only_session_cannot_write_through_the_api(world: World) -> None:
    require_two_factor_for(world, Role.COORDINATOR)
    client = APIClient()
    client.force_login(world.coordinator)

    response = client.post(
        ORGANISATIONS_URL, {"name": "New NGO", "acronym": "NEWNGO", "type": "nngo"}, format="json"
    )

    assert_two_factor_refusal(response)
    assert not world.operation.organisations.filter(acronym="NEWNGO").exists()


def test_session_of_a_user_with_two_factor_on_reads_the_api(world: World) -> None:
    require_two_factor_for(world, Role.COORDINATOR)
    turn_on_totp(world.coordinator)
    client = APIClient()
    client.force_login(world.coordinator)

    assert client.get(ME_URL).status_code == 200


def test_rule_for_other_roles_does_not_touch_the_session(world: World) -> None:
    require_two_factor_for(world, Role.COORDINATOR)
    client = APIClient()
    client.force_login(world.partner)

    assert client.get(ME_URL).status_code == 200


# --- Tokens ------------------------------------------------------------------------------------


def test_token_issued_before_the_rule_is_refused(world: World) -> None:
    key = obtain(world.coordinator)
    client = with_key(key)
    assert client.get(ME_URL).status_code == 200

    # Even where the rule was switched on behind the services' back (a database edit).
    require_two_factor_for(world, Role.COORDINATOR)

    assert_two_factor_refusal(client.get(ME_URL))
    assert_two_factor_refusal(client.get(ORGANISATIONS_URL))


def test_token_issued_before_the_rule_stays_refused_after_two_factor_is_set_up(
    world: World,
) -> None:
    key = obtain(world.coordinator)
    require_two_factor_for(world, Role.COORDINATOR)
    turn_on_totp(world.coordinator)

    # That token was still obtained with a password only.
    assert_two_factor_refusal(with_key(key).get(ME_URL))


def test_token_obtained_with_the_code_works_under_the_rule(world: World) -> None:
    require_two_factor_for(world, Role.COORDINATOR)
    totp = turn_on_totp(world.coordinator)

    key = obtain(world.coordinator, otp=totp.now())

    assert with_key(key).get(ME_URL).status_code == 200


def test_switching_the_rule_on_revokes_password_only_tokens_and_says_so(world: World) -> None:
    coordinator_key = obtain(world.coordinator)
    partner_key = obtain(world.partner)
    totp = turn_on_totp(world.imo)
    imo_key = obtain(world.imo, otp=totp.now())

    operation_update(
        by=world.imo,
        operation=world.operation,
        require_2fa_roles=[Role.COORDINATOR, Role.IMO],
    )

    assert not ApiToken.objects.filter(user=world.coordinator).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGOUT,
        actor=world.imo,
        summary__startswith="API token",
        summary__endswith="(two-factor authentication required)",
    ).exists()
    assert with_key(coordinator_key).get(ME_URL).status_code == 401
    # The partner's role is not concerned; the IMO's token was obtained with the code.
    assert with_key(partner_key).get(ME_URL).status_code == 200
    assert with_key(imo_key).get(ME_URL).status_code == 200


def test_a_new_role_under_the_rule_revokes_password_only_tokens(world: World) -> None:
    require_two_factor_for(world, Role.IMO)
    key = obtain(world.partner)

    user_roles_set(
        operation=world.operation,
        user=world.partner,
        roles=[Role.PARTNER, Role.IMO],
        by=world.coordinator,
    )

    assert not ApiToken.objects.filter(user=world.partner).exists()
    assert with_key(key).get(ME_URL).status_code == 401


def test_password_only_sign_in_is_refused_with_the_code(world: World) -> None:
    require_two_factor_for(world, Role.COORDINATOR)

    response = APIClient().post(
        TOKEN_URL, {"email": world.coordinator.email, "password": PASSWORD}, format="json"
    )

    assert_two_factor_refusal(response)


@pytest.mark.parametrize("path", ["/api/schema/?format=json", "/api/v1/auth/tokens/"])
def test_the_rule_holds_on_every_api_path(world: World, path: str) -> None:
    key = obtain(world.coordinator)
    require_two_factor_for(world, Role.COORDINATOR)
    session = APIClient()
    session.force_login(world.coordinator)

    assert_two_factor_refusal(with_key(key).get(path))
    assert_two_factor_refusal(session.get(path))
