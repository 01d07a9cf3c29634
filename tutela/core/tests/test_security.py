"""Account security: lockout, two-factor authentication, forced two-factor, idle timeout,
password hashing."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pyotp
import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.test import Client, override_settings
from django.urls import reverse

import config.settings as production_settings
from tutela.conftest import PASSWORD, World
from tutela.core.models import AuditEntry, User
from tutela.core.services import security
from tutela.core.views.accounts import PENDING_KEY, SETUP_SECRET_KEY

pytestmark = pytest.mark.django_db

LOGIN = reverse("core:login")
VERIFY = reverse("core:two_factor_verify")
SETUP = reverse("core:two_factor_setup")
DISABLE = reverse("core:two_factor_disable")
PROFILE = reverse("core:profile")
T0 = datetime.datetime(2026, 3, 2, 10, 0, 5, tzinfo=datetime.UTC)


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def enable_totp(user: User) -> str:
    """Switch two-factor on for `user` through the service, at the current (frozen) time."""
    secret = security.totp_new_secret()
    security.totp_enable(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    return secret


# --- Lockout (django-axes) --------------------------------------------------------------------


def test_five_failures_lock_out_and_then_the_right_password_is_refused(
    client: Client, world: World
) -> None:
    for _attempt in range(4):
        assert sign_in(client, "focal@amss.test", "wrong").status_code == 200
    fifth = sign_in(client, "focal@amss.test", "wrong")
    assert fifth.status_code == 429
    assert "blocked" in fifth.content.decode()
    right = sign_in(client, "focal@amss.test", PASSWORD)
    assert right.status_code == 429
    assert not signed_in(client)
    attempt = AccessAttempt.objects.get(username="focal@amss.test")
    assert attempt.failures_since_start >= 5
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 6
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()


def test_lockout_ends_after_thirty_minutes(client: Client, world: World) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _attempt in range(5):
            sign_in(client, "focal@amss.test", "wrong")
        traveller.shift(datetime.timedelta(minutes=20))
        assert sign_in(client, "focal@amss.test", PASSWORD).status_code == 429
        traveller.shift(datetime.timedelta(minutes=31))
        response = sign_in(client, "focal@amss.test", PASSWORD)
        # (Checked inside the frozen time: the session's expiry date is in the past otherwise.)
        assert response.status_code == 302
        assert signed_in(client)


def test_lockout_is_per_account_and_address(client: Client, world: World) -> None:
    for _attempt in range(5):
        sign_in(client, "focal@amss.test", "wrong")
    # The same account from another address, and another account from this address, still work.
    other_place = Client(REMOTE_ADDR="10.1.2.3")
    assert sign_in(other_place, "focal@amss.test").status_code == 302
    assert sign_in(Client(), "coord@unhcr.test").status_code == 302


# --- Two-factor authentication ----------------------------------------------------------------


def test_two_factor_full_flow_and_replay_refused(client: Client, world: World) -> None:
    user = world.partner
    with time_machine.travel(T0, tick=False) as traveller:
        assert sign_in(client, user.email).status_code == 302
        page = client.get(SETUP)
        assert page.status_code == 200
        assert "<svg" in page.content.decode()
        secret = client.session[SETUP_SECRET_KEY]
        assert secret.replace(" ", "")[:4] in page.content.decode()
        response = client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        assert response.url == PROFILE
        user.refresh_from_db()
        assert user.totp_enabled
        assert user.totp_secret == secret
        assert SETUP_SECRET_KEY not in client.session
        assert AuditEntry.objects.filter(
            action=AuditEntry.Action.SECURITY, summary="two-factor authentication enabled"
        ).exists()
        client.post(reverse("core:logout"))

        # The next time step: signing in now asks for a code.
        traveller.shift(datetime.timedelta(seconds=30))
        response = sign_in(client, user.email)
        assert response.status_code == 302
        assert response.url == VERIFY
        assert not signed_in(client)
        assert client.get(PROFILE).status_code == 302
        code = pyotp.TOTP(secret).now()
        response = client.post(VERIFY, {"code": code})
        assert response.status_code == 302
        assert signed_in(client)
        assert PENDING_KEY not in client.session
        login = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).first()
        assert login is not None
        assert login.actor == user
        assert "totp" in login.summary
        client.post(reverse("core:logout"))

        # The same code again, in the same time step: refused.
        sign_in(client, user.email)
        response = client.post(VERIFY, {"code": code})
        assert response.status_code == 200
        assert not signed_in(client)
        assert "already been used" in response.content.decode()


def test_two_factor_wrong_codes_send_back_to_login(client: Client, world: World) -> None:
    user = world.partner
    with time_machine.travel(T0, tick=False):
        secret = enable_totp(user)
    with time_machine.travel(T0 + datetime.timedelta(minutes=2), tick=False):
        good = pyotp.TOTP(secret).now()
        wrong = f"{(int(good) + 1) % 1_000_000:06d}"
        sign_in(client, user.email)
        for attempt in range(4):
            response = client.post(VERIFY, {"code": wrong})
            assert response.status_code == 200, attempt
        response = client.post(VERIFY, {"code": wrong})
        assert response.status_code == 302
        assert response.url == LOGIN
        assert PENDING_KEY not in client.session
        # The right code no longer helps: the password must be entered again.
        response = client.post(VERIFY, {"code": good})
        assert response.status_code == 302
        assert response.url == LOGIN
        assert not signed_in(client)
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED)
    assert failed.count() == 5
    assert all("two-factor" in entry.summary for entry in failed)
    # The abandoned second step counts as one failed sign-in for the lockout.
    assert AccessAttempt.objects.get(username=user.email).failures_since_start == 1


def test_two_factor_step_expires(client: Client, world: World) -> None:
    user = world.partner
    with time_machine.travel(T0, tick=False) as traveller:
        secret = enable_totp(user)
        traveller.shift(datetime.timedelta(seconds=60))
        sign_in(client, user.email)
        traveller.shift(datetime.timedelta(minutes=6))
        response = client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        assert response.url == LOGIN
        assert not signed_in(client)


def test_verify_page_without_pending_sign_in_goes_to_login(client: Client) -> None:
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response.url == LOGIN


def test_two_factor_setup_rejects_wrong_code(world: World, as_user: Any) -> None:
    client = as_user(world.partner)
    with time_machine.travel(T0, tick=False):
        client.get(SETUP)
        secret = client.session[SETUP_SECRET_KEY]
        good = pyotp.TOTP(secret).now()
        response = client.post(SETUP, {"code": f"{(int(good) + 7) % 1_000_000:06d}"})
        assert response.status_code == 200
        world.partner.refresh_from_db()
        assert not world.partner.totp_enabled
        # The secret is kept so that the person can try again with the app they just set up.
        assert client.session[SETUP_SECRET_KEY] == secret


def test_two_factor_setup_page_passes_strict_csp(world: World, as_user: Any) -> None:
    response = as_user(world.partner).get(SETUP)
    body = response.content.decode()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<svg" in body
    assert "style=" not in body
    assert "<style" not in body
    assert not re.findall(r"<script(?![^>]*\bsrc=)", body)


def test_two_factor_disable_requires_password(world: World, as_user: Any) -> None:
    user = world.partner
    with time_machine.travel(T0, tick=False):
        enable_totp(user)
    client = as_user(user)
    response = client.post(DISABLE, {"password": "not-my-password"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.totp_enabled
    response = client.post(DISABLE, {"password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.totp_enabled
    assert user.totp_secret == ""
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.SECURITY, summary__startswith="two-factor authentication disabled"
    ).exists()


def test_two_factor_cannot_be_disabled_when_the_operation_requires_it(
    world: World, as_user: Any
) -> None:
    world.operation.require_2fa_roles = ["partner"]
    world.operation.save()
    with time_machine.travel(T0, tick=False):
        enable_totp(world.partner)
    response = as_user(world.partner).post(DISABLE, {"password": PASSWORD})
    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.totp_enabled


# --- Forced two-factor set-up (TwoFactorMiddleware) --------------------------------------------


def test_role_requiring_two_factor_is_sent_to_setup(world: World, as_user: Any) -> None:
    world.operation.require_2fa_roles = ["coordinator", "imo"]
    world.operation.save()
    client = as_user(world.coordinator)
    for url in (PROFILE, reverse("core:users", args=["mali"]), reverse("core:jobs")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == SETUP
    assert client.get(SETUP).status_code == 200
    # A role the operation does not require it for is not affected.
    assert as_user(world.partner).get(PROFILE).status_code == 200


def test_forced_user_reaches_pages_once_two_factor_is_on(world: World, as_user: Any) -> None:
    world.operation.require_2fa_roles = ["coordinator"]
    world.operation.save()
    client = as_user(world.coordinator)
    with time_machine.travel(T0, tick=False):
        client.get(SETUP)
        secret = client.session[SETUP_SECRET_KEY]
        client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
        assert client.get(PROFILE).status_code == 200


def test_forced_user_can_still_sign_out(world: World, as_user: Any) -> None:
    world.operation.require_2fa_roles = ["coordinator"]
    world.operation.save()
    client = as_user(world.coordinator)
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert not signed_in(client)


# --- Idle timeout -----------------------------------------------------------------------------


def test_idle_session_expires_after_an_hour(client: Client, world: World) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        sign_in(client, world.partner.email)
        assert client.get(PROFILE).status_code == 200
        traveller.shift(datetime.timedelta(minutes=59))
        assert client.get(PROFILE).status_code == 200
        traveller.shift(datetime.timedelta(minutes=59))
        assert client.get(PROFILE).status_code == 200
        assert signed_in(client)
        traveller.shift(datetime.timedelta(minutes=61))
        response = client.get(PROFILE)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?expired=1"
        assert not signed_in(client)
        assert "session expired" in client.get(response.url).content.decode()


# --- Password hashing -------------------------------------------------------------------------


def test_argon2_is_the_production_hasher(world: World) -> None:
    hashers = production_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=hashers):
        assert get_hasher("default").algorithm == "argon2"
        user = world.partner
        user.set_password("Sahel-Rains-Arrive-7")
        user.save()
        user.refresh_from_db()
        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password("Sahel-Rains-Arrive-7")
        assert not user.check_password("sahel-rains-arrive-7")


def test_older_hash_is_upgraded_to_argon2_at_sign_in(client: Client, world: World) -> None:
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        User.objects.filter(pk=world.partner.pk).update(
            password=make_password(PASSWORD, hasher="pbkdf2_sha256")
        )
        assert sign_in(client, world.partner.email).status_code == 302
        world.partner.refresh_from_db()
        assert world.partner.password.startswith("argon2$")
        assert check_password(PASSWORD, world.partner.password)
