"""The peer inbox's limit per client address.

The inbox (`POST /api/v1/peers/inbox/`) takes posts from anyone: the package's signature is the
authentication. Its limit per peer key (services.peer_receive._inbox_count) is counted only once the
signature is checked, so that a forger cannot spend a real peer's allowance; but then garbage,
forged or oversized posts cost a header parse and a signature check each, without limit. This
limit comes first, before the body is read: at most TUTELA_PEER_INBOX_PER_ADDRESS_PER_MINUTE posts
per client address in a one-minute window (starting on the minute), whatever they hold.

- The client's address is REMOTE_ADDR. X-Forwarded-For is read only when
  TUTELA_TRUSTED_PROXY_COUNT says how many of our own proxies append to it (anyone can send the
  header: trusted blindly, it would let a client pick a fresh address for each post).
- An IPv6 client is counted by its /64: one subscriber usually holds a whole /64.
- The count lives in the database (a row per address and window, incremented by one UPDATE), so
  every gunicorn worker shares it; Django's cache is the local-memory cache here, one per process.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tutela.cases.models import PeerInboxAddressWindow
from tutela.cases.peer_packages import PackageError

WINDOW = datetime.timedelta(minutes=1)


def _normalise(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(meta: Mapping[str, Any]) -> str:
    """The address the inbox counts a post against (see the module's docstring)."""
    remote = _normalise(str(meta.get("REMOTE_ADDR") or "")) or "unknown"
    proxies = settings.TUTELA_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    forwarded = [a for a in forwarded if a]
    # Each of our proxies appended the address it saw: the Nth from the right is what the first
    # of them saw. Fewer entries than proxies: the request did not come through them all.
    if len(forwarded) < proxies:
        return remote
    return _normalise(forwarded[-proxies]) or remote


def inbox_address_count(*, address: str, now: datetime.datetime | None = None) -> None:
    """Count one post from `address`; raises PackageError("rate_limited", retry_after=...) once the
    address is over its allowance in this window (the refused posts count too, so a flood stays
    refused until the window ends)."""
    now = now or timezone.now()
    limit = settings.TUTELA_PEER_INBOX_PER_ADDRESS_PER_MINUTE
    start = now.replace(second=0, microsecond=0)
    rows = PeerInboxAddressWindow.objects.filter(address=address, window_start=start)
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                PeerInboxAddressWindow.objects.create(address=address, window_start=start, count=1)
        except IntegrityError:
            # Another worker made the row between our UPDATE and INSERT.
            rows.update(count=F("count") + 1)
        else:
            PeerInboxAddressWindow.objects.filter(window_start__lt=start).delete()
    count = rows.values_list("count", flat=True).first() or 0
    if count > limit:
        retry_after = max(1, math.ceil((start + WINDOW - now).total_seconds()))
        raise PackageError(
            "rate_limited",
            f"At most {limit} posts a minute from one address: try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
