"""Sign-in lockout (django-axes) per account and address, and per address.

Counting failures per (e-mail address, IP address) pair alone lets one address try four
passwords on every account. django-axes can also count per address (AXES_LOCKOUT_PARAMETERS lists
both), but it holds every count to the one AXES_FAILURE_LIMIT: five failures from an office's
shared address would lock everyone out of it. This handler gives the address its own, higher
limit (LOCKOUT_ADDRESS_FAILURE_LIMIT, 20 in 30 minutes) by scaling its count onto axes' scale, and
a successful sign-in clears only its own pair's failures, so that an attacker with one account
cannot wipe the address's count by signing in to it.

Both the sign-in page and the API token endpoint go through django.contrib.auth.authenticate with
the request, so both are counted and refused here.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

PAIR = ["username", "ip_address"]
ADDRESS = "ip_address"


class AccountAndAddressHandler(AxesDatabaseHandler):
    """AXES_LOCKOUT_PARAMETERS must be [PAIR, ADDRESS], in that order."""

    def _counts(self, request: Any, credentials: dict[str, Any] | None) -> tuple[int, int]:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return pair, address

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        pair, address = self._counts(request, credentials)
        # On axes' scale: the pair reaches AXES_FAILURE_LIMIT after that many failures, the
        # address after LOCKOUT_ADDRESS_FAILURE_LIMIT.
        scaled = address * settings.AXES_FAILURE_LIMIT // settings.LOCKOUT_ADDRESS_FAILURE_LIMIT
        return max(pair, scaled)

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        pair_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _deleted = pair_attempts.delete()
        return count
