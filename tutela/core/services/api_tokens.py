"""API tokens: issued after a full sign-in (password, and the two-factor code when the account
has it on), revoked by their holder."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write
from tutela.core.services.people import signin_record


@transaction.atomic
def api_token_issue(*, user: User, request: Any = None, method: str = "password") -> Token:
    """The user's API token, created on first use. Every issue is audited as a sign-in."""
    token, _created = Token.objects.get_or_create(user=user)
    signin_record(user=user, request=request, method=f"API token, {method}")
    return token


@transaction.atomic
def api_token_revoke(*, user: User, request: Any = None) -> bool:
    """Delete the user's API token; True when there was one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        audit_write(
            actor=user,
            action=AuditEntry.Action.LOGOUT,
            instance=user,
            summary="API token revoked",
            request=request,
        )
    return bool(deleted)
