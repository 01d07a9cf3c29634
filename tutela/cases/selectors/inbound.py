"""Referrals received from another Tutela that are past their deadline without an answer.

One rule for both uses: the e-mail escalation (services.peers.inbound_referrals_escalate, once per
referral) and the notice the receiving organisation's case staff see on the case pages and on
their home page, with how late each one is, for as long as it stays unanswered."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from tutela.cases import access
from tutela.cases.models import InboundReferral
from tutela.core.models import Operation, User


def inbound_referrals_late(
    queryset: QuerySet[InboundReferral], now: datetime.datetime
) -> QuerySet[InboundReferral]:
    """Still waiting for an answer (sent, neither accepted, declined nor withdrawn) and past the
    deadline its priority set."""
    return queryset.filter(status=InboundReferral.Status.SENT, respond_by__lt=now)


@dataclass
class LateInbound:
    inbound: InboundReferral
    late: datetime.timedelta

    @property
    def late_label(self) -> str:
        return late_label(self.late)


def inbound_referrals_late_for_user(
    user: User, operation: Operation, *, now: datetime.datetime | None = None
) -> list[LateInbound]:
    """The late inbound referrals the user's organisation must answer (none for anyone but its
    case staff, as `access.inbound_referrals_for_user`), the latest first."""
    now = now or timezone.now()
    late = inbound_referrals_late(access.inbound_referrals_for_user(user, operation), now)
    return [
        LateInbound(inbound=inbound, late=now - inbound.respond_by)
        for inbound in late.order_by("respond_by", "pk").only("pk", "code", "respond_by")
    ]


def late_label(delta: datetime.timedelta) -> str:
    """ "2 days 3 hours late", "5 hours late" (rounded down to the hour, at least one hour)."""
    hours = max(1, int(delta.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    if not days:
        return ngettext("%(h)s hour late", "%(h)s hours late", hours) % {"h": hours}
    if not hours:
        return ngettext("%(d)s day late", "%(d)s days late", days) % {"d": days}
    return (
        ngettext("%(d)s day", "%(d)s days", days) % {"d": days}
        + " "
        + ngettext("%(h)s hour late", "%(h)s hours late", hours) % {"h": hours}
    )
