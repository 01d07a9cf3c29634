"""Periodic jobs of protection monitoring, registered with tutela.core.schedule (this module is
imported when `tutela scheduler` starts)."""

from __future__ import annotations

import datetime
import logging

from tutela.core import schedule
from tutela.core.models import Operation
from tutela.monitoring.models import Incident, IncidentSummary
from tutela.monitoring.services.atoms import atoms_refresh
from tutela.monitoring.services.early_warning import early_warning_scan

logger = logging.getLogger(__name__)


# 03:00, after the night's imports and before the coordinators' morning e-mails.
@schedule.daily("monitoring.early_warning", at=datetime.time(3, 0))
def early_warning_nightly() -> None:
    """The early-warning scan of the last complete month in every active operation that has
    incidents (each operation on its own: one failing does not stop the others)."""
    ids = set(Incident.objects.values_list("operation_id", flat=True).distinct().order_by())
    for operation in Operation.objects.filter(is_active=True, pk__in=ids).order_by("pk"):
        try:
            early_warning_scan(operation=operation)
        except Exception:  # one operation's failure must not stop the others' scans
            logger.exception("early-warning scan failed for %s", operation.slug)


# Reads stay correct when a counting rule was changed behind the settings services' back (they
# compute from the summary meanwhile); this brings the atoms back in step, so reads are fast again.
@schedule.every("monitoring.atoms_refresh", minutes=15)
def atoms_refresh_all() -> None:
    """Rebuild the counted atoms of every operation whose counting rules (GBV sharing agreements,
    verified statuses) changed since they were built (cheap when nothing changed)."""
    ids = IncidentSummary.objects.values_list("operation_id", flat=True).distinct().order_by()
    for operation_id in sorted(set(ids)):
        try:
            atoms_refresh(operation_id)
        except Exception:  # one operation's failure must not stop the others' refresh
            logger.exception("atoms refresh failed for operation %s", operation_id)
