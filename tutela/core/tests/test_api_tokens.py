"""API tokens (issue 10, item 13): stored only as hashes, expiring, listed and revoked by their
holder (API and page) and by the managers of their holder's operation (API and page), audited."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tutela.conftest import PASSWORD, World, api_key_for
from tutela.core.models import ApiToken, AuditEntry, User
from tutela.core.services.api_tokens import MAX_TOKENS_PER_USER

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
ME_URL = "/api/v1/me/"


def sign_in(user: User) -> dict[str, Any]:
    response = APIClient().post(
        TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return dict(response.json())


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def users_tokens_url(user: User, token: ApiToken | None = None) -> str:
    url = f"/api/v1/operations/mali/users/{user.pk}/tokens/"
    return f"{url}{token.pk}/" if token is not None else url


# --- Stored as a hash --------------------------------------------------------------------------


def test_key_is_not_stored_only_its_hash(world: World) -> None:
    key = sign_in(world.partner)["token"]

    token = ApiToken.objects.get(user=world.partner)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert len(token.key_prefix) < len(key) // 4
    # Nowhere in the table, in any column.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert rows
    assert not any(key in str(value) for row in rows for value in row)
    # Nor in the audit log.
    assert not AuditEntry.objects.filter(summary__contains=key).exists()


def test_a_hash_is_not_accepted_as_a_key(world: World) -> None:
    sign_in(world.partner)
    token = ApiToken.objects.get(user=world.partner)

    assert with_key(token.key_hash).get(ME_URL).status_code == 401


# --- Lifetime ----------------------------------------------------------------------------------


def test_token_expires_after_its_lifetime(world: World) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        data = sign_in(world.partner)
    client = with_key(data["token"])
    expires_at = datetime.datetime.fromisoformat(data["expires_at"])
    assert expires_at == start + datetime.timedelta(days=30)

    with time_machine.travel(expires_at - datetime.timedelta(minutes=1), tick=False):
        assert client.get(ME_URL).status_code == 200
    with time_machine.travel(expires_at + datetime.timedelta(seconds=1), tick=False):
        response = client.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


@override_settings(API_TOKEN_LIFETIME=datetime.timedelta(days=2))
def test_lifetime_is_a_setting(world: World) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        data = sign_in(world.partner)

    assert datetime.datetime.fromisoformat(data["expires_at"]) == start + datetime.timedelta(days=2)
    with time_machine.travel(start + datetime.timedelta(days=3), tick=False):
        assert with_key(data["token"]).get(ME_URL).status_code == 401


def test_use_is_recorded_without_a_write_per_request(world: World) -> None:
    client = with_key(api_key_for(world.partner))
    assert ApiToken.objects.get(user=world.partner).last_used_at is None

    client.get(ME_URL)
    first = ApiToken.objects.get(user=world.partner).last_used_at
    client.get(ME_URL)

    assert first is not None
    assert ApiToken.objects.get(user=world.partner).last_used_at == first


def test_expired_tokens_are_deleted_and_tokens_capped_when_a_new_one_is_issued(
    world: World,
) -> None:
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31), tick=False):
        api_key_for(world.partner)
    for _index in range(MAX_TOKENS_PER_USER):
        api_key_for(world.partner)
    oldest_live = ApiToken.objects.filter(user=world.partner).order_by("created_at")[1]

    sign_in(world.partner)

    tokens = ApiToken.objects.filter(user=world.partner)
    assert tokens.count() == MAX_TOKENS_PER_USER
    assert not tokens.filter(expires_at__lte=timezone.now()).exists()
    assert not tokens.filter(pk=oldest_live.pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGOUT, summary__endswith="revoked (more than 20 tokens)"
    ).exists()


# --- The holder lists and revokes them (API) -----------------------------------------------------


def test_holder_lists_own_live_tokens_only(world: World) -> None:
    key = api_key_for(world.partner)
    api_key_for(world.partner, second_factor=True)
    api_key_for(world.imo)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40), tick=False):
        api_key_for(world.partner)

    response = with_key(key).get(TOKENS_URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2
    assert {row["second_factor"] for row in results} == {True, False}
    assert [row["current"] for row in results].count(True) == 1
    current = next(row for row in results if row["current"])
    assert key.startswith(current["prefix"])
    assert "token" not in current
    assert "key_hash" not in current


def test_holder_revokes_one_of_their_tokens_by_id(world: World) -> None:
    client = with_key(api_key_for(world.partner))
    other_key = api_key_for(world.partner)
    other = ApiToken.objects.filter(user=world.partner).order_by("-pk").first()
    assert other is not None

    response = client.delete(f"{TOKENS_URL}{other.pk}/")

    assert response.status_code == 204
    assert with_key(other_key).get(ME_URL).status_code == 401
    assert client.get(ME_URL).status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGOUT,
        actor=world.partner,
        summary=f"API token {other.key_prefix}… of {world.partner.email} revoked",
    ).exists()


def test_nobody_reaches_another_persons_token_through_their_own_list(world: World) -> None:
    api_key_for(world.imo)
    imo_token = ApiToken.objects.get(user=world.imo)
    client = with_key(api_key_for(world.partner))

    assert client.get(f"{TOKENS_URL}{imo_token.pk}/").status_code == 404
    assert client.delete(f"{TOKENS_URL}{imo_token.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=imo_token.pk).exists()


def test_token_list_needs_authentication(db: None) -> None:
    assert APIClient().get(TOKENS_URL).status_code == 401


# --- Managers of the holder's operation (API) --------------------------------------------------


def test_coordinator_lists_and_revokes_a_partners_tokens(world: World) -> None:
    partner_key = api_key_for(world.partner)
    api_key_for(world.partner)
    coordinator = with_key(api_key_for(world.coordinator))

    listed = coordinator.get(users_tokens_url(world.partner))
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    first = ApiToken.objects.filter(user=world.partner).order_by("pk").first()
    assert first is not None

    one = coordinator.delete(users_tokens_url(world.partner, first))
    assert one.status_code == 204
    assert with_key(partner_key).get(ME_URL).status_code == 401
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGOUT,
        actor=world.coordinator,
        summary=(
            f"API token {first.key_prefix}… of {world.partner.email} revoked by "
            f"{world.coordinator.email}"
        ),
    ).exists()

    everything = coordinator.delete(users_tokens_url(world.partner))
    assert everything.status_code == 204
    assert not ApiToken.objects.filter(user=world.partner).exists()


def test_partner_cannot_list_or_revoke_other_peoples_tokens(world: World) -> None:
    api_key_for(world.other_partner)
    partner = with_key(api_key_for(world.partner))

    assert partner.get(users_tokens_url(world.other_partner)).status_code == 403
    assert partner.delete(users_tokens_url(world.other_partner)).status_code == 403
    assert ApiToken.objects.filter(user=world.other_partner).exists()


def test_manager_cannot_reach_people_outside_their_operation(world: World) -> None:
    api_key_for(world.other_operation_user)
    api_key_for(world.outsider)
    coordinator = with_key(api_key_for(world.coordinator))

    for person in (world.other_operation_user, world.outsider):
        assert coordinator.get(users_tokens_url(person)).status_code == 404
        assert coordinator.delete(users_tokens_url(person)).status_code == 404
    # A coordinator of another operation learns nothing about this one.
    colombia = with_key(api_key_for(world.other_operation_user))
    assert colombia.get(users_tokens_url(world.partner)).status_code == 404
    assert ApiToken.objects.filter(user=world.outsider).exists()


# --- Pages -------------------------------------------------------------------------------------


def test_token_page_lists_and_revokes_own_tokens(world: World, as_user: Any) -> None:
    key = api_key_for(world.partner)
    token = ApiToken.objects.get(user=world.partner)
    api_key_for(world.imo)
    client = as_user(world.partner)

    page = client.get("/account/tokens/")
    assert page.status_code == 200
    assert token.key_prefix in page.content.decode()
    assert ApiToken.objects.get(user=world.imo).key_prefix not in page.content.decode()
    assert key not in page.content.decode()

    revoked = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGOUT, actor=world.partner, summary__contains=token.key_prefix
    ).exists()


def test_token_page_cannot_revoke_someone_elses_token(world: World, as_user: Any) -> None:
    api_key_for(world.imo)
    token = ApiToken.objects.get(user=world.imo)

    response = as_user(world.partner).post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_revoke_all_on_token_page(world: World, as_user: Any) -> None:
    api_key_for(world.partner)
    api_key_for(world.partner)

    as_user(world.partner).post("/account/tokens/revoke-all/")

    assert not ApiToken.objects.filter(user=world.partner).exists()


def test_manager_revokes_a_users_tokens_from_the_user_page(world: World, as_user: Any) -> None:
    api_key_for(world.partner)
    token = ApiToken.objects.get(user=world.partner)
    client = as_user(world.coordinator)

    page = client.get(f"/o/mali/users/{world.partner.pk}/")
    assert token.key_prefix in page.content.decode()
    client.post(f"/o/mali/users/{world.partner.pk}/tokens/{token.pk}/revoke/")
    assert not ApiToken.objects.filter(pk=token.pk).exists()

    api_key_for(world.partner)
    client.post(f"/o/mali/users/{world.partner.pk}/tokens/revoke-all/")
    assert not ApiToken.objects.filter(user=world.partner).exists()
    assert (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.LOGOUT, actor=world.coordinator, summary__contains="revoked"
        ).count()
        == 2
    )


def test_partner_cannot_revoke_tokens_from_user_pages(world: World, as_user: Any) -> None:
    api_key_for(world.other_partner)
    token = ApiToken.objects.get(user=world.other_partner)
    client = as_user(world.partner)

    assert (
        client.post(f"/o/mali/users/{world.other_partner.pk}/tokens/{token.pk}/revoke/").status_code
        == 403
    )
    assert (
        client.post(f"/o/mali/users/{world.other_partner.pk}/tokens/revoke-all/").status_code == 403
    )
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_manager_page_cannot_reach_a_token_through_another_user(world: World, as_user: Any) -> None:
    api_key_for(world.imo)
    token = ApiToken.objects.get(user=world.imo)

    response = as_user(world.coordinator).post(
        f"/o/mali/users/{world.partner.pk}/tokens/{token.pk}/revoke/"
    )

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


# --- Security events end tokens ----------------------------------------------------------------


def test_password_change_revokes_tokens(world: World, as_user: Any) -> None:
    key = api_key_for(world.partner)
    client = as_user(world.partner)

    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Long-Passphrase-77",
            "new_password2": "Another-Long-Passphrase-77",
        },
    )

    assert response.status_code == 302
    assert with_key(key).get(ME_URL).status_code == 401
    assert AuditEntry.objects.filter(summary__endswith="revoked (password changed)").exists()


@pytest.mark.parametrize("second_factor", [False, True])
def test_deactivation_ends_every_token(world: World, second_factor: bool) -> None:
    from tutela.core.services.people import user_deactivate

    key = api_key_for(world.partner, second_factor=second_factor)
    user_deactivate(user=world.partner, by=world.coordinator, operation=world.operation)

    assert with_key(key).get(ME_URL).status_code == 401
