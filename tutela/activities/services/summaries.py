"""The 5W summary tables (models.summaries): rebuilt from the rows, invalidated by every write.

Writes that can change an analysis product call `summaries_invalidate(operation=...)` in their
transaction (one version bump); once it commits, `summaries_refresh` queues one background
rebuild for that version (`summaries_request`, task `summaries_rebuild_in_background`). Reads
(selectors.pivot, coverage) never write: they use the tables only while they reflect the current
version, and answer from the 5W rows while a rebuild is pending.

A rebuild computes the operation's summary rows with INSERT ... SELECT ... GROUP BY statements
(window functions for the picks of the cumulative rule), portable to SQLite >= 3.30 and
PostgreSQL. The finest grain of each table is computed from the 5W rows; every coarser grain from
a finer one (sums of sums), so the whole rebuild reads the 5W rows twice.

It is done in chunks, each its own short transaction, so that SQLite's write lock is released
between them (a rebuild in one transaction held it 20-30 s per million rows and stopped every
other writer: imports, the task worker, sign-ins). The rows in use are stored under the operation
id `SummaryState.rows_key` (plus or minus the operation's id: the tables have no foreign-key
constraint); the new rows are written beside them under the other sign, by months (monthly grains:
every one has the month), by organisations or by admin 1 areas (the picks: every pick grain has
one of them), about CHUNK_ROWS 5W rows at a time. A one-row update of the state then puts them in
use, so that readers never see half a rebuild, and the old rows are deleted in chunks. Writes made
while the chunks were built bump `version`: the tables are then stale at once, as they must be,
and are rebuilt again.

Operations with fewer rows than ACTIVITY_SUMMARY_MIN_ROWS (setting, default 50,000) keep no
summary rows: the 5W rows answer fast enough there.
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
from django.db.models import Count, F, Max, Min
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
    GRAINS,
    KEY_COLUMNS,
    MEASURE_COLUMNS,
    MONTHLY_GRAINS,
    PICK_COLUMNS,
    PICKED_GRAINS,
    Grain,
    hidden_key,
)
from tutela.activities.selectors.visibility import area_descendants
from tutela.activities.services.summary_sql import SummaryBuilder, chunk_column
from tutela.core.db_locks import write_nowait
from tutela.core.models import Operation

__all__ = [
    "GRAINS",
    "KEY_COLUMNS",
    "MEASURE_COLUMNS",
    "MONTHLY_GRAINS",
    "PICKED_GRAINS",
    "PICK_COLUMNS",
    "Grain",
    "hidden_key",
    "summaries_invalidate",
    "summaries_rebuild",
    "summaries_rebuild_in_background",
    "summaries_request",
]

logger = logging.getLogger(__name__)

DEFAULT_MIN_ROWS = 50_000
# PostgreSQL advisory lock namespace for rebuilds (one rebuild of an operation at a time).
LOCK_NAMESPACE = 0x5357
# About this many 5W rows are summed per chunk (one transaction) of a rebuild.
DEFAULT_CHUNK_ROWS = 25_000
# Old summary rows are deleted this many at a time, this many seconds after the new ones are in use.
DELETE_CHUNK_ROWS = 20_000
DEFAULT_OLD_ROWS_GRACE = 10.0


def min_rows() -> int:
    return int(getattr(settings, "ACTIVITY_SUMMARY_MIN_ROWS", DEFAULT_MIN_ROWS))


# --- Invalidation --------------------------------------------------------------------------------


def summaries_invalidate(*, operation: Operation | int) -> None:
    """Mark the operation's summary tables stale, and queue their rebuild once the transaction
    commits (`summaries_refresh`). Call it inside the transaction of every write that can change
    an analysis product: 5W rows, submission statuses, the catalogue (bodies, sensitivity), the
    counting rule, the areas where names are hidden. It is the only way writes reach the summary
    tables: reads never write (they answer from the 5W rows while the tables are stale)."""
    operation_id = operation if isinstance(operation, int) else operation.pk
    state, _created = SummaryState.objects.get_or_create(operation_id=operation_id)
    SummaryState.objects.filter(pk=state.pk).update(version=F("version") + 1)
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


# --- Rebuild -------------------------------------------------------------------------------------


def _names_hidden_in(operation: Operation) -> set[int]:
    """Areas where partner names are hidden from everyone but managers (as the selectors)."""
    roots = ActivitySettings.sensitive_areas.through.objects.filter(
        activitysettings__operation=operation
    ).values_list("adminarea_id", flat=True)
    return area_descendants(operation, list(roots))


def chunk_rows() -> int:
    return int(getattr(settings, "ACTIVITY_SUMMARY_CHUNK_ROWS", DEFAULT_CHUNK_ROWS))


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


def old_rows_grace() -> float:
    """Seconds the replaced summary rows are kept for readers that read the state before."""
    return float(getattr(settings, "ACTIVITY_SUMMARY_OLD_ROWS_GRACE", DEFAULT_OLD_ROWS_GRACE))


def _has_rows(key: int) -> bool:
    return any(m.objects.filter(operation_id=key).exists() for m in (MonthlySummary, PickedSummary))


def _delete_rows(key: int) -> None:
    """Delete the summary rows stored under operation id `key`, a chunk per transaction."""
    for model in (MonthlySummary, PickedSummary):
        rows = model.objects.filter(operation_id=key)
        while True:
            with transaction.atomic():
                ids = list(rows.order_by().values_list("pk", flat=True)[:DELETE_CHUNK_ROWS])
                if not ids:
                    break
                model.objects.filter(pk__in=ids).delete()


def _build_chunked(builder: SummaryBuilder, rows: Any, rule: str) -> dict[str, int]:
    """Every grain into the staging rows, chunk by chunk, each chunk its own transaction."""
    size = chunk_rows()
    grain_rows: dict[str, int] = {}

    def each(chunks: list[list[Any]], build: Any) -> int:
        written = 0
        for chunk in chunks:
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


def summaries_rebuild(*, operation: Operation, force: bool = False) -> SummaryState:
    """Rebuild the operation's summary tables from its 5W rows (nothing is done when they are
    fresh, unless `force`), in chunks (see the module's docstring). Returns the state, whose
    `build_seconds` says how long it took."""
    started = time.perf_counter()
    SummaryState.objects.get_or_create(operation=operation)
    with _rebuild_lock(operation):
        state = SummaryState.objects.get(operation=operation)
        version = state.version
        rule = (
            ActivitySettings.objects.filter(operation=operation)
            .values_list("cumulative_rule", flat=True)
            .first()
        ) or ActivitySettings.CumulativeRule.MAX_MONTH
        hidden = _names_hidden_in(operation)
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
        months = rows.aggregate(first=Min("month"), last=Max("month"))
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
