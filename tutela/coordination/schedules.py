"""Periodic jobs of the coordination module, registered with tutela.core.schedule (this module
is imported when `tutela scheduler` starts)."""

from __future__ import annotations

import datetime

from tutela.coordination.services.actions import action_point_reminders_send
from tutela.core import schedule


# 05:00 UTC, before the 06:00 daily digest, so that people who chose the digest get their
# reminders in that morning's digest.
@schedule.daily("coordination.action_point_reminders", at=datetime.time(5, 0))
def send_action_point_reminders() -> None:
    """Reminders before and after action points' due dates."""
    action_point_reminders_send()
