"""Periodic jobs of protection monitoring, registered with tutela.core.schedule (this module is
imported when `tutela scheduler` starts)."""

from __future__ import annotations

import datetime
import logging

from tutela.core import schedule

logger = logging.getLogger(__name__)


# 03:00, after the night's imports and before the coordinators' morning e-mails.
@schedule.daily("monitoring.early_warning", at=datetime.time(3, 0))
def early_warning_nightly() -> None:
    """The early-warning scan of the last complete month in every active operation that has
    incidents (each operation on its own: one failing does not stop the others)."""
    from tutela.core.models import Operation
    from tutela.monitoring.models import Incident
    from tutela.monitoring.services.early_warning import early_warning_scan

    ids = set(Incident.objects.values_list("operation_id", flat=True).distinct().order_by())
    for operation in Operation.objects.filter(is_active=True, pk__in=ids).order_by("pk"):
        try:
            early_warning_scan(operation=operation)
        except Exception:  # one operation's failure must not stop the others' scans
            logger.exception("early-warning scan failed for %s", operation.slug)
