"""Periodic jobs of case management, registered with tutela.core.schedule (imported when
`tutela scheduler` starts)."""

from __future__ import annotations

import datetime

from tutela.cases.services.peers import (
    inbound_referrals_escalate,
    packages_seen_forget,
    peer_messages_deliver_due,
)
from tutela.cases.services.referrals import referrals_escalate
from tutela.cases.services.reminders import case_reminders_send
from tutela.cases.services.retention import retention_apply_all
from tutela.core import schedule


@schedule.every("cases.referral_escalation", minutes=15)
def escalate_overdue_referrals() -> None:
    """Emergency referrals are due within 24 hours: checked every quarter of an hour (those sent
    here, and those received from another Tutela)."""
    referrals_escalate()
    inbound_referrals_escalate()


# 05:30 UTC, before the 06:00 daily digest.
@schedule.daily("cases.task_reminders", at=datetime.time(5, 30))
def send_task_reminders() -> None:
    case_reminders_send()


@schedule.daily("cases.retention", at=datetime.time(2, 30))
def apply_retention() -> None:
    """Anonymise the closed cases past each operation's retention period."""
    retention_apply_all()


@schedule.every("cases.peer_delivery", minutes=1)
def deliver_peer_packages() -> None:
    """Packages to other Tutela instances whose peer was down: tried again once their delay
    passed; ids of received packages older than the replay window forgotten."""

    peer_messages_deliver_due()
    packages_seen_forget()
