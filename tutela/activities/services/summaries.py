"""The 5W summary tables (models.summaries): kept in step with the rows inside every write.

Writes that can change an analysis product call `summaries_apply(operation=..., slices=...)` in
their transaction, once their rows are written: the summary rows of the slices the write touched
(`Slices`: the months, organisations, admin 1 areas and activities of the rows as they were and
as they are) are computed again from the 5W rows, grain by grain, so that a pivot is fresh the
moment the write commits. A slice is the smallest part of a grain that holds every summary row
the write can change (see `_slice_of`): monthly grains by month and organisation (or admin 1),
the picks of the counting rule by organisation and activity (whole keys), their sums by
organisation or admin 1. A one-row edit recomputes a month of one partner's rows and one
partner's picks of one activity: a short write, as SQLite's single writer needs. Changes of what
counts everywhere (the counting rule, the areas where names are hidden) rebuild the tables
whole in the same transaction (`slices=None`) when the operation is small enough
(`build_in_write_max_rows`, one rebuild chunk); a larger one's tables are left stale (readers
answer from the 5W rows) and the chunked rebuild is queued once the write commits, so that no
write holds SQLite's write lock for a whole rebuild. Writes to an operation's summary rows are
serialised by locking its SummaryState row (PostgreSQL; SQLite writes one at a time).

A write that cannot say what it touched calls `summaries_invalidate` instead (one version bump;
once it commits, `summaries_refresh` queues one background rebuild for that version,
`summaries_request`, task `summaries_rebuild_in_background`): until then reads answer from the
5W rows. Every service of the app applies deltas; invalidation is left for other paths (admin,
shell, data migrations). Reads (selectors.pivot, coverage) never write.

`summaries_rebuild` (command `rebuild_5w_summaries`, the repair) recomputes the tables from the
rows in chunks; `summary_differences` compares them with a rebuild (tests, `--check`).

A rebuild computes the operation's summary rows with INSERT ... SELECT ... GROUP BY statements
(window functions for the picks of the cumulative rule), portable to SQLite >= 3.30 and
PostgreSQL. The finest grain of each table is computed from the 5W rows; every coarser grain from
a finer one (sums of sums), so the whole rebuild reads the 5W rows twice.

It is done in chunks, each its own short transaction, so that SQLite's write lock is released
between them (a rebuild in one transaction held it 20-30 s per million rows and stopped every
other writer: imports, the task worker, sign-ins); every half second of work the lock is left
free a moment (`db_locks.WriterGaps`): writers poll for it, so a chunk begun again at once would
keep them out. The rows in use are stored under the operation
id `SummaryState.rows_key` (plus or minus the operation's id: the tables have no foreign-key
constraint); the new rows are written beside them under the other sign, by months (monthly grains:
every one has the month), by organisations or by admin 1 areas (the picks: every pick grain has
one of them), about CHUNK_ROWS 5W rows at a time. A one-row update of the state then puts them in
use, so that readers never see half a rebuild, and the old rows are deleted in chunks. Writes made
while the chunks were built bump `version`: the tables are then stale at once, as they must be,
and are rebuilt again.

Operations with fewer rows than ACTIVITY_SUMMARY_MIN_ROWS (setting, default 5,000) keep no
summary rows: the 5W rows answer fast enough there. (It was 50,000: at 20,000 rows a pivot from
the rows cost 150-300 ms of SQL, from the summary tables a few ms; bench/README.md.)
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
from tutela.activities.services.summary_sql import SummaryBuilder, Where, chunk_column
from tutela.core.db_locks import WriterGaps, write_nowait
from tutela.core.models import Operation

__all__ = [
    "GRAINS",
    "KEY_COLUMNS",
    "MEASURE_COLUMNS",
    "MONTHLY_GRAINS",
    "PICKED_GRAINS",
    "PICK_COLUMNS",
    "Grain",
    "Slices",
    "hidden_key",
    "summaries_apply",
    "summaries_invalidate",
    "summaries_rebuild",
    "summaries_rebuild_in_background",
    "summaries_request",
    "summary_differences",
]

logger = logging.getLogger(__name__)

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


# --- Deltas inside each write --------------------------------------------------------------------


# The columns a slice is made of, as the 5W rows name them.
SLICE_COLUMNS = ("month", "organisation_id", "admin1_id", "activity_id")


@dataclass
class Slices:
    """What a write touched: the months, organisations, admin 1 areas (None: rows without one)
    and activities of the 5W rows it created, changed or deleted, as they were and as they are."""

    months: set[Any] = field(default_factory=set)
    organisations: set[int] = field(default_factory=set)
    admin1s: set[int | None] = field(default_factory=set)
    activities: set[int] = field(default_factory=set)

    def add(
        self, month: Any, organisation_id: int, admin1_id: int | None, activity_id: int
    ) -> None:
        self.months.add(month)
        self.organisations.add(organisation_id)
        self.admin1s.add(admin1_id)
        self.activities.add(activity_id)

    def add_rows(self, rows: Any) -> Slices:
        """Add the slices of 5W rows (a queryset of ActivityReport), as they are now: call it
        before deleting or changing rows, and after creating or changing them."""
        for values in rows.order_by().values_list(*SLICE_COLUMNS).distinct():
            self.add(*values)
        return self

    def __bool__(self) -> bool:
        return bool(self.months)


def _slice_of(grain: Grain, slices: Slices) -> Where:
    """The part of a grain a write can change: every summary row of the grain made from one of
    the touched 5W rows lies in it, and its source (the rows or a finer grain, computed first)
    is complete there. Monthly grains keep the month, and the organisation or else admin 1
    (which every one of them keeps). The picks of the counting rule are made per organisation ×
    activity × area × population group (× indicator): "p0" is computed again for the touched
    organisations × activities (whole keys); the coarser pick grains keep the organisation or
    admin 1 (an area's admin 1 is fixed: a key's picks lie in the admin 1 of its rows), and the
    activity where they keep it."""
    months = sorted(slices.months)
    organisations = sorted(slices.organisations)
    admin1s = sorted(slices.admin1s, key=lambda pk: (pk is not None, pk or 0))
    activities = sorted(slices.activities)
    by_place: list[tuple[str, Any]] = (
        [("organisation_id", organisations)]
        if "organisation_id" in grain.columns
        else [("admin1_id", admin1s)]
    )
    if grain in MONTHLY_GRAINS:
        return [("month", months), *by_place]
    if "activity_id" in grain.columns:
        by_place.append(("activity_id", activities))
    if not grain.source:
        return [("organisation_id", organisations), ("activity_id", activities)]
    return by_place


def _apply_slices(builder: SummaryBuilder, slices: Slices, rule: str) -> None:
    """Compute the touched slices of every grain again, finest first (each from its source)."""
    for grain in MONTHLY_GRAINS:
        where = _slice_of(grain, slices)
        builder.delete(MonthlySummary, grain, where)
        if grain.source:
            builder.monthly_from_grain(grain, where=where)
        else:
            builder.monthly_from_rows(grain, where=where)
    if rule == ActivitySettings.CumulativeRule.NEW_ONLY:
        return
    for grain in PICKED_GRAINS:
        where = _slice_of(grain, slices)
        builder.delete(PickedSummary, grain, where)
        if grain.source:
            builder.picks_from_grain(grain, where=where)
        else:
            builder.picks_from_rows(where=where)


def _build_all(builder: SummaryBuilder, rule: str) -> dict[str, int]:
    """Every grain of the operation, in the current transaction (rows under the target first
    deleted)."""
    grain_rows: dict[str, int] = {}
    for grain in MONTHLY_GRAINS:
        builder.delete(MonthlySummary, grain)
        build = builder.monthly_from_grain if grain.source else builder.monthly_from_rows
        grain_rows[grain.name] = build(grain)
    for grain in PICKED_GRAINS:
        builder.delete(PickedSummary, grain)
        if rule == ActivitySettings.CumulativeRule.NEW_ONLY:
            continue
        if grain.source:
            grain_rows[grain.name] = builder.picks_from_grain(grain)
        else:
            grain_rows[grain.name] = builder.picks_from_rows()
    return grain_rows


def _current_rule(operation_id: int) -> str:
    return (
        ActivitySettings.objects.filter(operation_id=operation_id)
        .values_list("cumulative_rule", flat=True)
        .first()
    ) or ActivitySettings.CumulativeRule.MAX_MONTH


@transaction.atomic
def summaries_apply(*, operation: Operation | int, slices: Slices | None) -> SummaryState:
    """Bring the operation's summary tables in step with its 5W rows, in the caller's
    transaction, once the write's rows are written: the touched `slices` computed again, or,
    with `slices=None` (the counting rule, the areas where names are hidden: what counts
    everywhere), every grain. Tables that were stale (never built, or a write by another path
    invalidated them), built under another rule or other hidden areas, or of an operation that
    just grew past ACTIVITY_SUMMARY_MIN_ROWS rows, are built whole. The version is bumped and the
    tables stay fresh: readers (and caches keyed on the version) see the write as it commits."""
    operation = (
        operation if isinstance(operation, Operation) else Operation.objects.get(pk=operation)
    )
    SummaryState.objects.get_or_create(operation=operation)
    # The lock serialises summary writes of an operation (PostgreSQL): a slice computed again
    # sees every committed row of the writes before it.
    state = SummaryState.objects.select_for_update().get(operation=operation)
    rule = _current_rule(operation.pk)
    hidden = _names_hidden_in(operation)
    key = hidden_key(hidden)
    rows = ActivityReport.objects.filter(operation=operation)
    version = state.version + 1
    changes: dict[str, Any] = {"version": version, "built_version": version}
    in_step = state.is_fresh and state.rule == rule and state.hidden_key == key
    if in_step and state.enabled and slices is not None:
        if slices:
            _apply_slices(
                SummaryBuilder(operation, rule, hidden, target=state.rows_key), slices, rule
            )
    else:
        row_count = rows.count()
        enabled = row_count >= min_rows() and row_count > 0
        if enabled and row_count > build_in_write_max_rows():
            # Too many rows to build in a write's transaction (at 1M rows it held SQLite's
            # write lock 20-30 s): the tables are left stale, readers answer from the 5W rows
            # (what counts now, so still fresh), and the chunked rebuild is queued once this
            # write commits.
            SummaryState.objects.filter(pk=state.pk).update(
                version=version, updated_at=timezone.now()
            )
            operation_id = operation.pk
            transaction.on_commit(lambda: summaries_refresh(operation_id=operation_id))
            state.refresh_from_db()
            return state
        started = time.perf_counter()
        grain_rows: dict[str, int] = {}
        builder = SummaryBuilder(operation, rule, hidden, target=state.rows_key)
        if enabled:
            grain_rows = _build_all(builder, rule)
        else:
            # Rows of a former build go (the operation has fewer rows now).
            _delete_rows_now(state.rows_key)
        changes.update(
            enabled=enabled,
            rule=rule,
            hidden_key=key,
            row_count=row_count,
            grain_rows=grain_rows,
            built_at=timezone.now(),
            build_seconds=time.perf_counter() - started,
        )
    months = rows.aggregate(first=Min("month"), last=Max("month"))
    changes.update(
        first_month=months["first"], last_month=months["last"], updated_at=timezone.now()
    )
    SummaryState.objects.filter(pk=state.pk).update(**changes)
    state.refresh_from_db()
    return state


def _delete_rows_now(key: int) -> None:
    """Delete the summary rows stored under operation id `key`, in the current transaction."""
    for model in (MonthlySummary, PickedSummary):
        model.objects.filter(operation_id=key).delete()


def summary_differences(*, operation: Operation) -> dict[str, list[tuple[Any, ...]]]:
    """Summary rows in use that a rebuild from the 5W rows would not make ("extra"), and those it
    would make that are missing ("missing"), as tuples of their columns; empty lists when the
    tables are in step. Built in the current transaction under a scratch key, then deleted (tests
    and `rebuild_5w_summaries --check`; not for a busy SQLite database)."""
    state = SummaryState.objects.filter(operation=operation).first()
    out: dict[str, list[tuple[Any, ...]]] = {"extra": [], "missing": []}
    if state is None or not state.enabled:
        return out
    with transaction.atomic():
        scratch = -state.rows_key
        _delete_rows_now(scratch)
        builder = SummaryBuilder(operation, state.rule, _names_hidden_in(operation), target=scratch)
        _build_all(builder, state.rule)
        for model in (MonthlySummary, PickedSummary):
            fields = [
                f.attname for f in model._meta.concrete_fields if f.name not in {"id", "operation"}
            ]
            in_use = _multiset(model.objects.filter(operation_id=state.rows_key), fields)
            rebuilt = _multiset(model.objects.filter(operation_id=scratch), fields)
            for row, count in (in_use - rebuilt).items():
                out["extra"] += [(model.__name__, *row)] * count
            for row, count in (rebuilt - in_use).items():
                out["missing"] += [(model.__name__, *row)] * count
        _delete_rows_now(scratch)
    return out


def _multiset(rows: Any, fields: list[str]) -> Counter[tuple[Any, ...]]:
    return Counter(rows.order_by().values_list(*fields))


# --- Invalidation --------------------------------------------------------------------------------


def summaries_invalidate(*, operation: Operation | int) -> None:
    """Mark the operation's summary tables stale, and queue their rebuild once the transaction
    commits (`summaries_refresh`). For writes that cannot say what they touched (data migrations,
    scripts): the app's services apply deltas instead (`summaries_apply`), so that pivots stay
    fresh. Until the rebuild, reads answer from the 5W rows (reads never write)."""
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
