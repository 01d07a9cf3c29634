"""Periodic jobs of the 5W module, registered with tutela.core.schedule (this module is imported
when `tutela scheduler` starts)."""

from __future__ import annotations

import datetime

from tutela.activities.services.rounds import rounds_open_due
from tutela.core import schedule


# 04:50 UTC: the month's round is open before partners start their day.
@schedule.daily("activities.rounds_open", at=datetime.time(4, 50))
def open_reporting_rounds() -> None:
    """Open the monthly reporting rounds the operations' 5W settings schedule."""
    rounds_open_due()
