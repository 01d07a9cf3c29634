"""The 5W summary tables rebuilt from the rows in chunks, each its own short transaction, beside the
rows in use, then put in use by a one-row update (the repair, and the background rebuild).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from tutela.activities.models import (
    ActivityReport,
    ActivitySettings,
    MonthlySummary,
    PickedSummary,
    SummaryState,
)
from tutela.activities.models.summary_grains import (
    MONTHLY_GRAINS,
    PICKED_GRAINS,
    hidden_key,
)
from tutela.activities.services.summaries.common import (
    DELETE_CHUNK_ROWS,
    LOCK_NAMESPACE,
    REBUILD_ATTEMPTS,
    chunk_rows,
    current_rule,
    min_rows,
    month_span,
    names_hidden_in,
    old_rows_grace,
)
from tutela.activities.services.summary_sql import SummaryBuilder, chunk_column
from tutela.core.db_locks import WriterGaps
from tutela.core.models import Operation

logger = logging.getLogger(__name__)


# --- Rebuild -------------------------------------------------------------------------------------


def _chunks(counts: Iterable[tuple[Any, int]], size: int) -> list[list[Any]]:
    """Consecutive groups of values holding about `size` 5W rows each (a value with more rows
    is a chunk of its own)."""
    chunks: list[list[Any]] = []
    current: list[Any] = []
    total = 0
    for value, count in counts:
        if current and total + count > size:
            chunks.append(current)
            current, total = [], 0
        current.append(value)
        total += count
    if current:
        chunks.append(current)
    return chunks


def _counts(rows: Any, column: str) -> list[tuple[Any, int]]:
    return list(rows.order_by().values_list(column).annotate(n=Count("id")).order_by(column))


@contextlib.contextmanager
def _rebuild_lock(operation: Operation) -> Iterator[None]:
    """One rebuild of an operation at a time, across its chunks. PostgreSQL: a session advisory
    lock (writers are not blocked). SQLite (one machine): a lock file in the var directory."""
    connection = connections[router.db_for_write(MonthlySummary)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, operation.pk])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, operation.pk])
        return
    var_dir = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir()))
    with open(var_dir / f".5w-summaries-{operation.pk}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _has_rows(key: int) -> bool:
    return any(m.objects.filter(operation_id=key).exists() for m in (MonthlySummary, PickedSummary))


def _delete_rows(key: int) -> None:
    """Delete the summary rows stored under operation id `key`, a chunk per transaction."""
    for model in (MonthlySummary, PickedSummary):
        rows = model.objects.filter(operation_id=key)
        gaps = WriterGaps()
        while True:
            gaps.between()
            with transaction.atomic():
                ids = list(rows.order_by().values_list("pk", flat=True)[:DELETE_CHUNK_ROWS])
                if not ids:
                    break
                model.objects.filter(pk__in=ids).delete()


def _build_chunked(builder: SummaryBuilder, rows: Any, rule: str) -> dict[str, int]:
    """Every grain into the staging rows, chunk by chunk, each chunk its own transaction."""
    size = chunk_rows()
    grain_rows: dict[str, int] = {}
    # The lock left free now and then, or writers polling for it would wait for every chunk.
    gaps = WriterGaps()

    def each(chunks: list[list[Any]], build: Any) -> int:
        written = 0
        for chunk in chunks:
            gaps.between()
            with transaction.atomic():
                written += build(chunk)
        return written

    months = _chunks(_counts(rows, "month"), size)
    for grain in MONTHLY_GRAINS:
        build = builder.monthly_from_grain if grain.source else builder.monthly_from_rows
        grain_rows[grain.name] = each(months, lambda chunk, g=grain, b=build: b(g, chunk))
    if rule != ActivitySettings.CumulativeRule.NEW_ONLY:
        by = {
            "organisation_id": _chunks(_counts(rows, "organisation_id"), size),
            "admin1_id": _chunks(_counts(rows, "admin1_id"), size),
        }
        for grain in PICKED_GRAINS:
            if grain.source:
                grain_rows[grain.name] = each(
                    by[chunk_column(grain)],
                    lambda chunk, g=grain: builder.picks_from_grain(g, chunk),
                )
            else:
                grain_rows[grain.name] = each(by["organisation_id"], builder.picks_from_rows)
    return grain_rows


def _analyze(builder: SummaryBuilder) -> None:
    """Fresh planner statistics for the summary tables (PostgreSQL; a sample, quick)."""
    if builder.connection.vendor == "postgresql":
        for model in (MonthlySummary, PickedSummary):
            builder.run(f"ANALYZE {builder.table(model)}", [])


def summaries_rebuild(
    *, operation: Operation, force: bool = False, _attempt: int = 1
) -> SummaryState:
    """Rebuild the operation's summary tables from its 5W rows (nothing is done when they are
    fresh, unless `force`), in chunks (see the package's docstring). Returns the state, whose
    `build_seconds` says how long it took."""
    started = time.perf_counter()
    SummaryState.objects.get_or_create(operation=operation)
    with _rebuild_lock(operation):
        state = SummaryState.objects.get(operation=operation)
        version = state.version
        rule = current_rule(operation.pk)
        hidden = names_hidden_in(operation)
        key = hidden_key(hidden)
        if (
            not force
            and state.built_version == version
            and state.rule == rule
            and state.hidden_key == key
        ):
            return state
        rows = ActivityReport.objects.filter(operation=operation)
        row_count = rows.count()
        enabled = row_count >= min_rows() and row_count > 0
        in_use, building = state.rows_key, -state.rows_key
        # What a rebuild killed half-way left behind.
        _delete_rows(building)
        grain_rows: dict[str, int] = {}
        builder = SummaryBuilder(operation, rule, hidden, target=building)
        if enabled:
            grain_rows = _build_chunked(builder, rows, rule)
        months = month_span(operation)
        seconds = time.perf_counter() - started
        # One row: readers see the old tables or the new ones. Not the version counters:
        # writers may have bumped `version` meanwhile (the tables are then stale again, as they
        # should be).
        SummaryState.objects.filter(pk=state.pk).update(
            rows_sign=-state.rows_sign,
            built_version=version,
            enabled=enabled,
            rule=rule,
            hidden_key=key,
            first_month=months["first"],
            last_month=months["last"],
            row_count=row_count,
            grain_rows=grain_rows,
            built_at=timezone.now(),
            build_seconds=seconds,
            updated_at=timezone.now(),
        )
        # A reader may have read the state just before the flip: the old rows stay a little.
        if _has_rows(in_use):
            time.sleep(old_rows_grace())
            _delete_rows(in_use)
        if enabled:
            _analyze(builder)
    state.refresh_from_db()
    if enabled:
        logger.info(
            "5W summaries of %s rebuilt: %d rows in %.1f s", operation.slug, row_count, seconds
        )
    if not state.is_fresh and _attempt < REBUILD_ATTEMPTS:
        # Writes committed between the chunks applied their deltas to the rows replaced: again.
        return summaries_rebuild(operation=operation, force=True, _attempt=_attempt + 1)
    return state


# The task lives beside the service it runs and the request that queues it, so that neither
# imports the other's module (tutela.activities.tasks lists it for the worker).
@task()
def summaries_rebuild_in_background(*, operation_id: int) -> dict[str, object]:
    """Rebuild an operation's 5W summary tables (queued by `summaries_request` after a write)."""
    state = summaries_rebuild(operation=Operation.objects.get(pk=operation_id))
    return {
        "operation_id": operation_id,
        "version": state.built_version,
        "enabled": state.enabled,
        "seconds": round(state.build_seconds, 3),
    }
