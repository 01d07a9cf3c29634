"""Periodic jobs of the capacity module, registered with tutela.core.schedule (this module is
imported when `tutela scheduler` starts)."""

from __future__ import annotations

import datetime

from tutela.capacity.services.assessments import follow_ups_send_due
from tutela.capacity.services.ccpm_rounds import ccpm_rounds_due
from tutela.capacity.services.certificates import verification_windows_purge
from tutela.capacity.services.compliance import reporting_reminders_due
from tutela.core import schedule


# 05:30 UTC, before the 06:00 daily digest.
@schedule.daily("capacity.follow_up_surveys", at=datetime.time(5, 30))
def send_follow_up_surveys() -> None:
    """E-mail the links of the follow-up surveys whose day has come."""
    follow_ups_send_due()


@schedule.every("capacity.verification_purge", minutes=60)
def purge_verification_windows() -> None:
    """Forget the rate-limit counters of the public certificate check after an hour."""
    verification_windows_purge()


# 05:40 UTC: CCPM reminders go out in the morning; rounds whose closing day has passed close.
@schedule.daily("capacity.ccpm_rounds", at=datetime.time(5, 40))
def ccpm_rounds_daily() -> None:
    """Remind those who have not answered an open CCPM round, and close overdue rounds."""
    ccpm_rounds_due()


# 05:20 UTC: 5W reporting reminders reach partners in the morning, a few days before the deadline.
@schedule.daily("capacity.reporting_reminders", at=datetime.time(5, 20))
def reporting_reminders_daily() -> None:
    """Remind the organisations that have not handed in their 5W report before the deadline."""
    reporting_reminders_due()
