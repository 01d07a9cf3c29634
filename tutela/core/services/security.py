"""Two-factor authentication (TOTP, RFC 6238) and other account security services."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pyotp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.api_tokens import api_tokens_revoke_all
from tutela.core.services.audit import audit_write

ISSUER = "Tutela"


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _matching_counter(secret: str, code: str) -> int | None:
    """The time step the code is valid for (allowing one step of clock drift), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)

    now = int(time.time())
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if totp.verify(code, for_time=at, valid_window=0):
            return totp.timecode(_utc(at))
    return None


def _utc(ts: int) -> Any:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)


@transaction.atomic
def totp_enable(*, user: User, secret: str, code: str, request: Any = None) -> None:
    counter = _matching_counter(secret, code)
    if counter is None:
        raise ValidationError({"code": _("That code is not valid. Check your phone's clock.")})
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = counter
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_counter", "updated_at"])
    audit_write(
        actor=user,
        action=AuditEntry.Action.SECURITY,
        instance=user,
        summary="two-factor authentication enabled",
        request=request,
    )


@transaction.atomic
def totp_disable(*, user: User, by: User, request: Any = None) -> None:
    user.totp_secret = ""
    user.totp_enabled = False
    user.totp_last_counter = 0
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_counter", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.SECURITY,
        instance=user,
        summary=f"two-factor authentication disabled for {user.email}",
        request=request,
    )
    # Tokens obtained with the second factor would otherwise outlive it (a lost phone is the
    # usual reason for turning it off).
    api_tokens_revoke_all(
        user=user, by=by, request=request, reason="two-factor authentication turned off"
    )


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a sign-in code. A code is accepted once: replaying it (or an older one) fails."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.totp_enabled or not locked.totp_secret:
        return False
    counter = _matching_counter(locked.totp_secret, code)
    if counter is None or counter <= locked.totp_last_counter:
        return False
    locked.totp_last_counter = counter
    locked.save(update_fields=["totp_last_counter"])
    user.totp_last_counter = counter
    return True
