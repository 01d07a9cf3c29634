"""Password strength and the per-address sign-in limit (issue 10, item 16).

Weak but "complex enough" passwords ("aaaaaaaaaaaaaaaaaaaa", "Aaaaaaaaaaa1") are refused with a
clear, translated reason wherever a password is chosen; one address cannot try a few passwords on
every account (20 failures from an address lock it for 30 minutes, on the sign-in page and the API
token endpoint alike)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from tutela.conftest import PASSWORD, World
from tutela.core.models import User

WEAK = [
    "aaaaaaaaaaaaaaaaaaaa",  # twenty times one letter: long enough to skip the character mix
    "Aaaaaaaaaaa1",  # three character classes, twelve characters
    "Password2026!",  # a common password with a year
    "qwertyuiop12",  # a keyboard row
    "abcdefgh1234",  # sequences
]


def refusal(password: str, user: User | None = None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_with_a_reason(password: str, db: None) -> None:
    messages = refusal(password)

    assert any("too easy to guess" in message for message in messages), messages


def test_reason_says_what_is_wrong(db: None) -> None:
    assert any("repeats" in message for message in refusal("aaaaaaaaaaaaaaaaaaaa"))
    assert any("commonly used" in message for message in refusal("Password2026!"))
    assert any("keyboard" in message for message in refusal("zxcvbnmasdfg"))


def test_the_persons_own_name_counts_as_guessable(db: None) -> None:
    user = User(email="fatoumata.diarra@amss.test", full_name="Fatoumata Diarra")

    assert refusal("Fatoumata1984!", user)


def test_message_is_translated(db: None) -> None:
    with translation.override("fr"):
        messages = refusal("aaaaaaaaaaaaaaaaaaaa")

    assert any("trop facile à deviner" in message for message in messages), messages


@pytest.mark.parametrize(
    "password", ["Correct-Horse-Battery-9", "Tutela-Demo-2026!", "mango lantern quietly orbit"]
)
def test_strong_passwords_pass(password: str, db: None) -> None:
    assert refusal(password) == []


@pytest.mark.parametrize("password", WEAK[:2])
def test_password_change_page_refuses_weak_passwords(
    password: str, world: World, as_user: Any
) -> None:
    client = as_user(world.partner)

    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 200
    assert "too easy to guess" in response.content.decode()
    world.partner.refresh_from_db()
    assert world.partner.check_password(PASSWORD)


# --- One address, many accounts ----------------------------------------------------------------


def page_sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login/", {"email": email, "password": password})


def token_sign_in(client: APIClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def spray(sign_in: Any, client: Any, accounts: int = 5) -> list[int]:
    """Four wrong passwords on each of `accounts` accounts (under the per-account limit); the
    status codes answered."""
    return [
        sign_in(client, f"victim{index}@amss.test", "Summer-2026-guess").status_code
        for index in range(accounts)
        for _attempt in range(4)
    ]


def test_page_address_is_locked_after_twenty_failures_on_any_accounts(world: World) -> None:
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    statuses = spray(page_sign_in, attacker)

    # The twentieth failure locks the address.
    assert statuses == [200] * 19 + [429]
    # Even the right password of an account the address never tried.
    assert page_sign_in(attacker, world.partner.email).status_code == 429
    # From elsewhere, the account is untouched.
    assert page_sign_in(Client(REMOTE_ADDR="203.0.113.9"), world.partner.email).status_code == 302


def test_token_endpoint_address_is_locked_after_twenty_failures(world: World) -> None:
    attacker = APIClient(REMOTE_ADDR="198.51.100.7")
    assert spray(token_sign_in, attacker) == [400] * 19 + [429]

    response = token_sign_in(attacker, world.partner.email)

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert token_sign_in(APIClient(REMOTE_ADDR="203.0.113.9"), world.partner.email).status_code == (
        200
    )


def test_failures_on_the_page_and_the_api_add_up(world: World) -> None:
    spray(page_sign_in, Client(REMOTE_ADDR="198.51.100.7"), accounts=3)
    spray(token_sign_in, APIClient(REMOTE_ADDR="198.51.100.7"), accounts=2)

    assert page_sign_in(Client(REMOTE_ADDR="198.51.100.7"), world.imo.email).status_code == 429


def test_own_successful_sign_in_does_not_clear_the_address_count(world: World) -> None:
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    assert set(spray(page_sign_in, attacker, accounts=4)) == {200}
    # The attacker signs in to an account they hold, hoping to reset the count.
    assert page_sign_in(
        Client(REMOTE_ADDR="198.51.100.7"), world.other_partner.email
    ).status_code == (302)

    spray(page_sign_in, attacker, accounts=1)

    assert page_sign_in(Client(REMOTE_ADDR="198.51.100.7"), world.partner.email).status_code == 429


def test_a_shared_office_address_is_not_locked_by_a_few_typos(world: World) -> None:
    office = "192.0.2.10"
    for user in (world.partner, world.caseworker, world.coordinator, world.imo):
        assert page_sign_in(Client(REMOTE_ADDR=office), user.email, "typo").status_code == 200
        assert page_sign_in(Client(REMOTE_ADDR=office), user.email).status_code == 302
