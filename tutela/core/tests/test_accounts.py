"""Signing in and out, the profile page and password change."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tutela.conftest import PASSWORD, World
from tutela.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

LOGIN = reverse("core:login")


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def test_login_page_renders_with_email_and_password_fields(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="email"' in body
    assert 'name="password"' in body
    assert 'autocomplete="current-password"' in body


def test_login_success_signs_in_and_audits(client: Client, world: World) -> None:
    response = sign_in(client, "coord@unhcr.test")
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert client.session["_auth_user_id"] == str(world.coordinator.pk)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert entry.actor == world.coordinator
    assert entry.entity_id == str(world.coordinator.pk)
    assert entry.ip_address == "127.0.0.1"
    world.coordinator.refresh_from_db()
    assert world.coordinator.last_login is not None


def test_login_accepts_email_in_any_case(client: Client, world: World) -> None:
    response = sign_in(client, "  Coord@UNHCR.test ")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.coordinator.pk)


def test_login_with_wrong_password_is_refused_and_audited(client: Client, world: World) -> None:
    response = sign_in(client, "coord@unhcr.test", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.actor is None
    assert "coord@unhcr.test" in entry.summary
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()


def test_login_with_unknown_email_gives_the_same_answer(client: Client, world: World) -> None:
    unknown = sign_in(client, "nobody@example.test", "whatever-Password-1")
    known = sign_in(client, "coord@unhcr.test", "whatever-Password-1")
    assert unknown.status_code == known.status_code == 200
    assert "not correct" in unknown.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 2


def test_login_redirects_to_safe_next(client: Client, world: World) -> None:
    response = sign_in(client, "coord@unhcr.test", next="/account/")
    assert response.url == "/account/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"]
)
def test_login_ignores_next_to_another_site(client: Client, world: World, next_url: str) -> None:
    response = sign_in(client, "coord@unhcr.test", next=next_url)
    assert response.status_code == 302
    assert response.url == reverse("core:home")


def test_login_sets_language_from_user(client: Client, world: World) -> None:
    User.objects.filter(pk=world.coordinator.pk).update(language="fr")
    response = sign_in(client, "coord@unhcr.test")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(reverse("core:profile"))
    assert page.headers["Content-Language"] == "fr"


def test_language_switch_is_remembered_at_the_next_sign_in(client: Client, world: World) -> None:
    """Issue 14: the switch in the page header used to set a cookie only, so the next sign-in (a
    new browser, or after the cookie went) came back in the account's old language."""
    User.objects.filter(pk=world.coordinator.pk).update(language="fr")
    sign_in(client, "coord@unhcr.test")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/account/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    world.coordinator.refresh_from_db()
    assert world.coordinator.language == "en"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, entity_id=str(world.coordinator.pk)
    ).exists()
    other_browser = Client()
    response = sign_in(other_browser, "coord@unhcr.test")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert other_browser.get(reverse("core:profile")).headers["Content-Language"] == "en"


def test_language_switch_of_a_visitor_sets_only_the_cookie(client: Client, world: World) -> None:
    response = client.post(reverse("set_language"), {"language": "es", "next": "/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert not User.objects.filter(language="es").exists()


def test_language_switch_ignores_an_unknown_language(client: Client, world: World) -> None:
    sign_in(client, "coord@unhcr.test")
    before = User.objects.get(pk=world.coordinator.pk).language
    client.post(reverse("set_language"), {"language": "xx", "next": "/account/"})
    assert User.objects.get(pk=world.coordinator.pk).language == before


def test_session_expired_message(client: Client) -> None:
    response = client.get(LOGIN + "?expired=1")
    assert "session expired" in response.content.decode()


def test_signed_in_user_visiting_login_is_sent_on(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).get(LOGIN)
    assert response.status_code == 302


def test_logout_is_post_only(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.get(reverse("core:logout"))
    assert response.status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_signs_out_and_audits(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGOUT)
    assert entry.actor == world.coordinator


def test_deactivated_user_cannot_sign_in(client: Client, world: World) -> None:
    User.objects.filter(pk=world.partner.pk).update(is_active=False)
    response = sign_in(client, "focal@amss.test")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 1


def test_deactivation_ends_an_open_session(world: World, as_user: Any) -> None:
    client = as_user(world.partner)
    assert client.get(reverse("core:profile")).status_code == 200
    User.objects.filter(pk=world.partner.pk).update(is_active=False)
    response = client.get(reverse("core:profile"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- Profile ----------------------------------------------------------------------------------


def test_profile_requires_sign_in(client: Client) -> None:
    response = client.get(reverse("core:profile"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_profile_shows_roles(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).get(reverse("core:profile"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mali Protection Cluster 2026" in body
    assert "Cluster coordinator" in body
    # Another operation's roles are not the user's.
    assert "Colombia" not in body


def test_profile_update_saves_language_and_email_mode(world: World, as_user: Any) -> None:
    client = as_user(world.partner)
    response = client.post(
        reverse("core:profile"),
        {"full_name": "Fatou Focal Point", "language": "es", "email_mode": "digest"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    world.partner.refresh_from_db()
    assert world.partner.full_name == "Fatou Focal Point"
    assert world.partner.language == "es"
    assert world.partner.email_mode == "digest"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, entity_type="core.user")
    assert entry.actor == world.partner
    assert entry.after["language"] == "es"
    assert entry.before["language"] == "en"


def test_profile_rejects_unknown_language(world: World, as_user: Any) -> None:
    response = as_user(world.partner).post(
        reverse("core:profile"),
        {"full_name": "Fatou", "language": "de", "email_mode": "digest"},
    )
    assert response.status_code == 200
    world.partner.refresh_from_db()
    assert world.partner.language == "en"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


# --- Password change --------------------------------------------------------------------------


def test_password_change_with_strong_password(world: World, as_user: Any) -> None:
    client = as_user(world.partner)
    new = "Sahel-Rains-Arrive-7"
    response = client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response.url == reverse("core:password_change_done")
    world.partner.refresh_from_db()
    assert world.partner.check_password(new)
    # This session stays signed in.
    assert client.get(reverse("core:profile")).status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SECURITY)
    assert entry.summary == "password changed"
    assert entry.actor == world.partner


def test_password_change_requires_old_password(world: World, as_user: Any) -> None:
    new = "Sahel-Rains-Arrive-7"
    response = as_user(world.partner).post(
        reverse("core:password_change"),
        {"old_password": "not-it", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    world.partner.refresh_from_db()
    assert world.partner.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("weak", "why"),
    [
        ("Short-1a", "too short"),
        ("password1234", "common"),
        ("382957395710395", "numeric"),
        ("lowercaseonlyword", "one character class, under 20"),
        ("fatoufocal-amss", "similar to e-mail / name"),
    ],
)
def test_password_policy_rejects_weak_passwords(
    world: World, as_user: Any, weak: str, why: str
) -> None:
    response = as_user(world.partner).post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200, why
    assert response.context["form"].errors
    world.partner.refresh_from_db()
    assert world.partner.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SECURITY).exists()


def test_long_passphrase_is_accepted_without_character_mix(world: World, as_user: Any) -> None:
    phrase = "rains come late over the niger delta"
    response = as_user(world.partner).post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": phrase, "new_password2": phrase},
    )
    assert response.status_code == 302
