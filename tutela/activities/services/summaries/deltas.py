"""The 5W summary tables kept in step inside every write (`summaries_apply`): the slices a write
touched computed again, or the tables built whole when the operation is small enough; and
`summary_differences`, which compares the tables with a rebuild.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    MonthlySummary,
    PickedSummary,
    SummaryState,
)
from tutela.activities.models.summary_grains import (
    MONTHLY_GRAINS,
    PICKED_GRAINS,
    Grain,
    hidden_key,
)
from tutela.activities.services.summaries.common import (
    build_in_write_max_rows,
    current_rule,
    delete_rows_now,
    min_rows,
    month_span,
    names_hidden_in,
)
from tutela.activities.services.summaries.invalidation import summaries_refresh
from tutela.activities.services.summary_sql import SummaryBuilder, Where
from tutela.core.models import Operation

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
    # The write changed an activity's sensitivity: its rows are hidden from others, or no longer,
    # whatever the activity is now (see `touches_hidden_rows`).
    sensitivity_changed: bool = False

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

    def touches_hidden_rows(self) -> bool:
        """Whether the write can change what other organisations see of the 5W only in
        blocks: rows of a sensitive activity (as it is now: a row moved between activities
        holds both), or an activity's sensitivity itself."""
        if self.sensitivity_changed:
            return True
        return Activity.objects.filter(pk__in=self.activities, is_sensitive=True).exists()


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
    rule = current_rule(operation.pk)
    hidden = names_hidden_in(operation)
    key = hidden_key(hidden)
    rows = ActivityReport.objects.filter(operation=operation)
    version = state.version + 1
    changes: dict[str, Any] = {
        "version": version,
        "built_version": version,
        **_data_changes(state, version, slices),
    }
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
                version=version,
                updated_at=timezone.now(),
                **_data_changes(state, version, slices),
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
            delete_rows_now(state.rows_key)
        changes.update(
            enabled=enabled,
            rule=rule,
            hidden_key=key,
            row_count=row_count,
            grain_rows=grain_rows,
            built_at=timezone.now(),
            build_seconds=time.perf_counter() - started,
        )
    months = month_span(operation)
    changes.update(
        first_month=months["first"], last_month=months["last"], updated_at=timezone.now()
    )
    SummaryState.objects.filter(pk=state.pk).update(**changes)
    state.refresh_from_db()
    return state


def _data_changes(state: SummaryState, version: int, slices: Slices | None) -> dict[str, Any]:
    """The versions a write making `version` moves on besides `version` itself: every month's
    (no slices: what counts everywhere), or those of its months when it touches rows others
    see only in blocks (the blocks cached month by month, selectors.pooled_atoms), or none."""
    if slices is None:
        return state.data_changes(version, None)
    if slices and slices.touches_hidden_rows():
        return state.data_changes(version, slices.months)
    return {}


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
        delete_rows_now(scratch)
        builder = SummaryBuilder(operation, state.rule, names_hidden_in(operation), target=scratch)
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
        delete_rows_now(scratch)
    return out


def _multiset(rows: Any, fields: list[str]) -> Counter[tuple[Any, ...]]:
    return Counter(rows.order_by().values_list(*fields))
