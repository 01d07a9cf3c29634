"""Stale 5W summary tables: a write that cannot say what it touched marks them stale, and one
background rebuild is queued per version once it commits. Until then reads answer from the rows.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from tutela.activities.models import (
    SummaryState,
)
from tutela.activities.services.summaries.rebuild import summaries_rebuild_in_background
from tutela.core.db_locks import write_nowait
from tutela.core.models import Operation

# --- Invalidation --------------------------------------------------------------------------------


def summaries_invalidate(*, operation: Operation | int) -> None:
    """Mark the operation's summary tables stale, and queue their rebuild once the transaction
    commits (`summaries_refresh`). For writes that cannot say what they touched (data migrations,
    scripts): the app's services apply deltas instead (`summaries_apply`), so that pivots stay
    fresh. Until the rebuild, reads answer from the 5W rows (reads never write)."""
    operation_id = operation if isinstance(operation, int) else operation.pk
    state, _created = SummaryState.objects.get_or_create(operation_id=operation_id)
    SummaryState.objects.filter(pk=state.pk).update(
        version=F("version") + 1, whole_version=F("version") + 1
    )
    # After the commit: the worker must see the rows, and the rebuild must not run inside the
    # write's transaction (an in-process task backend would run it at once).
    transaction.on_commit(lambda: summaries_refresh(operation_id=operation_id))


def summaries_refresh(*, operation_id: int) -> bool:
    """Queue a rebuild of the operation's summary tables if they are stale (one per version).
    Called once a write that made them stale has committed. Queueing is a small write of its own:
    skipped, not an error, when another process holds SQLite's write lock (the next write queues
    it; until then readers answer from the 5W rows). Returns True when a rebuild was queued."""
    state = SummaryState.objects.filter(operation_id=operation_id).first()
    if state is None or state.is_fresh:
        return False
    stale = state
    done, queued = write_nowait(
        lambda: summaries_request(state=stale), what="queueing a 5W summary rebuild"
    )
    return bool(done and queued)


def summaries_request(*, state: SummaryState) -> bool:
    """Queue one background rebuild for the state's current version (a no-op when one was queued
    already). Returns True when a rebuild was queued."""
    if state.requested_version >= state.version:
        return False
    queued = SummaryState.objects.filter(pk=state.pk, requested_version__lt=state.version).update(
        requested_version=state.version
    )
    if not queued:
        return False
    summaries_rebuild_in_background.enqueue(operation_id=state.operation_id)
    return True
