"""What the 5W summary tables are built from and how big a build may be: the thresholds (settings),
the counting rule and the areas where names are hidden, shared by the deltas and the rebuild.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from tutela.activities.models import (
    ActivityReport,
    ActivitySettings,
    MonthlySummary,
    PickedSummary,
)
from tutela.activities.selectors.visibility import area_descendants
from tutela.core.models import Operation

DEFAULT_MIN_ROWS = 5_000
# PostgreSQL advisory lock namespace for rebuilds (one rebuild of an operation at a time).
LOCK_NAMESPACE = 0x5357
# About this many 5W rows are summed per chunk (one transaction) of a rebuild.
DEFAULT_CHUNK_ROWS = 25_000
# A write builds the tables whole in its own transaction only up to this many 5W rows.
DEFAULT_BUILD_IN_WRITE_MAX_ROWS = 25_000
# Old summary rows are deleted this many at a time, this many seconds after the new ones are in use.
DELETE_CHUNK_ROWS = 20_000
DEFAULT_OLD_ROWS_GRACE = 10.0
# A rebuild overtaken by writes (their deltas went to the rows it replaced) runs again, this many
# times at most (then the next write queues it again, or builds the tables whole in its
# transaction when the operation is small: build_in_write_max_rows).
REBUILD_ATTEMPTS = 3


def min_rows() -> int:
    return int(getattr(settings, "ACTIVITY_SUMMARY_MIN_ROWS", DEFAULT_MIN_ROWS))


def build_in_write_max_rows() -> int:
    """The most 5W rows a write builds the tables whole for in its own transaction (a first
    import past ACTIVITY_SUMMARY_MIN_ROWS, a change of the counting rule or of the areas where
    names are hidden, a write after the tables went stale). Larger operations get the chunked
    background rebuild instead. Default: about one rebuild chunk (under a second of lock)."""
    return int(
        getattr(
            settings, "ACTIVITY_SUMMARY_BUILD_IN_WRITE_MAX_ROWS", DEFAULT_BUILD_IN_WRITE_MAX_ROWS
        )
    )


def current_rule(operation_id: int) -> str:
    return (
        ActivitySettings.objects.filter(operation_id=operation_id)
        .values_list("cumulative_rule", flat=True)
        .first()
    ) or ActivitySettings.CumulativeRule.MAX_MONTH


def delete_rows_now(key: int) -> None:
    """Delete the summary rows stored under operation id `key`, in the current transaction."""
    for model in (MonthlySummary, PickedSummary):
        model.objects.filter(operation_id=key).delete()


def names_hidden_in(operation: Operation) -> set[int]:
    """Areas where partner names are hidden from everyone but managers (as the selectors)."""
    roots = ActivitySettings.sensitive_areas.through.objects.filter(
        activitysettings__operation=operation
    ).values_list("adminarea_id", flat=True)
    return area_descendants(operation, list(roots))


def chunk_rows() -> int:
    return int(getattr(settings, "ACTIVITY_SUMMARY_CHUNK_ROWS", DEFAULT_CHUNK_ROWS))


def old_rows_grace() -> float:
    """Seconds the replaced summary rows are kept for readers that read the state before."""
    return float(getattr(settings, "ACTIVITY_SUMMARY_OLD_ROWS_GRACE", DEFAULT_OLD_ROWS_GRACE))


def month_span(operation: Operation) -> dict[str, Any]:
    """{"first": , "last": } months of the operation's 5W rows: two lookups of the (operation,
    month) index (one query of MIN and MAX together read every row on SQLite: 0.28 s of a
    one-row edit's delta at 1,000,000 rows)."""
    months = ActivityReport.objects.filter(operation=operation).values_list("month", flat=True)
    return {"first": months.order_by("month").first(), "last": months.order_by("-month").first()}
