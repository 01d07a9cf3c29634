"""API tokens: issued after a full sign-in (password, and the two-factor code when the account has
it on), kept only as a hash, valid for `settings.API_TOKEN_LIFETIME`, revoked by their holder or
by a manager of an operation the holder works in. Every issue and revocation is audited.

A key is 43 random URL-safe characters (256 bits); only its SHA-256 is stored. A hash without a
salt or a slow hash function is enough here: the key is not a password that people choose, so it
cannot be guessed from its hash, and a plain hash can be looked up directly.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tutela.core import access
from tutela.core.models import ApiToken, AuditEntry, User
from tutela.core.services.audit import audit_write

# How many characters of the key are kept in clear to tell tokens apart (about 48 bits: far too
# few to guess the rest from).
PREFIX_LENGTH = 8
# A script that signs in on every run would otherwise pile up tokens for a whole lifetime.
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most this often, so that every request does not write a row.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _summary(token: ApiToken) -> str:
    return f"API token {token.key_prefix}… of {token.user.email}"


@transaction.atomic
def api_token_issue(
    *, user: User, request: Any = None, method: str = "password", second_factor: bool = False
) -> tuple[ApiToken, str]:
    """A new token for the user and its key (shown once: only its hash is kept). Every issue is
    audited as a sign-in; the user's expired tokens are deleted, and the oldest beyond
    MAX_TOKENS_PER_USER revoked."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=api_token_hash(key),
        key_prefix=key[:PREFIX_LENGTH],
        second_factor=second_factor,
        created_at=now,
        expires_at=now + settings.API_TOKEN_LIFETIME,
    )
    # A sign-in, worded as people.signin_record words it (which this module cannot import:
    # people revokes tokens through it).
    audit_write(
        actor=user,
        action=AuditEntry.Action.LOGIN,
        instance=user,
        summary=f"signed in (API token {token.key_prefix}…, {method})",
        request=request,
    )
    surplus = list(
        ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")[MAX_TOKENS_PER_USER:]
    )
    for old in surplus:
        _revoke(old, by=user, request=request, reason="more than 20 tokens")
    return token, key


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token with this key (its user loaded), or None. Marks it used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_token_hash(key), expires_at__gt=timezone.now())
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _revoke(token: ApiToken, *, by: User, request: Any = None, reason: str = "") -> None:
    summary = f"{_summary(token)} revoked"
    if by.pk != token.user_id:
        summary += f" by {by.email}"
    if reason:
        summary += f" ({reason})"
    ApiToken.objects.filter(pk=token.pk).delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.LOGOUT,
        instance=token.user,
        summary=summary,
        request=request,
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User, request: Any = None, reason: str = "") -> None:
    """Revoke one token. The caller has checked that `by` may (its holder, or a manager: see
    api_token_get_for_manager)."""
    _revoke(token, by=by, request=request, reason=reason)


@transaction.atomic
def api_tokens_revoke_all(*, user: User, by: User, request: Any = None, reason: str = "") -> int:
    """Revoke every token of the user; how many there were."""
    tokens = list(ApiToken.objects.filter(user=user).select_related("user"))
    for token in tokens:
        _revoke(token, by=by, request=request, reason=reason)
    return len(tokens)


@transaction.atomic
def api_tokens_revoke_without_second_factor(
    *, users: Iterable[User], by: User, request: Any = None
) -> int:
    """Revoke the tokens issued without a two-factor code to those of `users` whom an operation
    now requires to use two-factor authentication (they would be refused anyway; revoking them
    says so in the audit log and their token list)."""
    count = 0
    for user in users:
        tokens = list(
            ApiToken.objects.filter(user=user, second_factor=False).select_related("user")
        )
        if tokens and access.two_factor_required(user):
            for token in tokens:
                _revoke(token, by=by, request=request, reason="two-factor authentication required")
            count += len(tokens)
    return count


# --- Reads ---------------------------------------------------------------------------------------


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's live tokens, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).select_related("user")


def api_token_get_own(*, user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; 404 for any other."""
    token = api_token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
