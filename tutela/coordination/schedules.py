"""Periodic jobs of the coordination module, registered with tutela.core.schedule (imported at
start-up; `tutela scheduler` runs them)."""

from __future__ import annotations

import datetime

from tutela.coordination.services.actions import action_point_reminders_send


def send_action_point_reminders() -> int:
    """Daily: reminders before and after action points' due dates."""
    return action_point_reminders_send()


try:
    from tutela.core import schedule
except ImportError:  # pragma: no cover - the scheduler is being written alongside
    schedule = None  # type: ignore[assignment]

if schedule is not None:
    schedule.daily("coordination.action_point_reminders", at=datetime.time(6, 0))(
        send_action_point_reminders
    )
