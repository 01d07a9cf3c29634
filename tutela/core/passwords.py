"""Password strength policy beyond Django's validators.

Length and character classes alone let through passwords that are guessed first: twenty times the
same letter, a capitalised word with a digit ("Aaaaaaaaaaa1"), a keyboard row, a common password
with a year. `GuessabilityValidator` estimates how many guesses a password takes with zxcvbn
(Dropbox's estimator: common-password and word lists, repeats, sequences, keyboard patterns, dates,
and the person's own name and e-mail address) and refuses those below a score of 3 (about 10⁸
guesses), the level zxcvbn's authors give for protection against an offline attack on a slow hash
(Argon2 here) on top of the sign-in lockout.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

if TYPE_CHECKING:
    from tutela.core.models import User

# zxcvbn is quadratic in the length; beyond this, only the beginning is scored (a long password
# that starts guessable is still refused, and nobody types more than this).
SCORED_LENGTH = 100


class CharacterClassValidator:
    """Requires at least three of: lower case, upper case, digits, other characters.

    A long passphrase (20 characters or more) is accepted without the mix.
    """

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) >= 20:
            return
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _(
                    "Use at least three of: lower-case letters, capitals, digits and symbols "
                    "(or a passphrase of 20 characters or more)."
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "Use at least three of: lower-case letters, capitals, digits and symbols "
            "(or a passphrase of 20 characters or more)."
        )


def _user_inputs(user: User | None) -> list[str]:
    """The person's own words, which an attacker who targets them tries first."""
    if user is None:
        return []
    words = []
    for value in (
        getattr(user, "email", ""),
        getattr(user, "full_name", ""),
        getattr(getattr(user, "organisation", None), "acronym", ""),
        getattr(getattr(user, "organisation", None), "name", ""),
    ):
        if value:
            # "Traoré" is typed "Traore" as often as not.
            plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
            for text in {value, plain}:
                words.append(text)
                words.extend(part for part in re.split(r"[\s@._-]+", text) if len(part) > 2)
    return words


def _reason(result: dict[str, Any]) -> str:
    """What makes it guessable, from the longest pattern zxcvbn found."""
    matches = sorted(result.get("sequence", []), key=lambda m: len(m.get("token", "")))
    pattern = matches[-1] if matches else {}
    kind = pattern.get("pattern")
    token = str(pattern.get("token", "")).lower()
    if kind == "repeat" or (len(token) >= 4 and len(set(token)) <= 2):
        return _("It repeats characters or words.")
    if kind == "sequence":
        return _("It contains a sequence such as abc or 123.")
    if kind == "spatial":
        return _("It follows a row or pattern of keys on the keyboard.")
    if kind in {"date", "regex"}:
        return _("Dates and years are easy to guess.")
    if kind == "dictionary":
        if pattern.get("dictionary_name") == "user_inputs":
            return _("It contains your name, your e-mail address or your organisation.")
        if pattern.get("dictionary_name") == "passwords":
            return _("It is, or is close to, a commonly used password.")
        return _("A single common word, even with capitals or digits, is easy to guess.")
    return _("It is too short for its mix of characters.")


class GuessabilityValidator:
    """Refuses passwords that zxcvbn scores below `min_score` (0 to 4)."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: User | None = None) -> None:
        result = zxcvbn(password[:SCORED_LENGTH], user_inputs=_user_inputs(user))
        if result["score"] >= self.min_score:
            return
        raise ValidationError(
            _("This password is too easy to guess. %(reason)s %(advice)s"),
            code="password_guessable",
            params={"reason": _reason(result), "advice": self.get_help_text()},
        )

    def get_help_text(self) -> str:
        return _(
            "Use a passphrase of several uncommon words, without repeats, keyboard rows, dates "
            "or your own name."
        )
