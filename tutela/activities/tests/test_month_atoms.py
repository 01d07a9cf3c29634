"""The hidden rows' monthly atoms cached month by month (selectors.pooled_atoms): a write
recomputes only the months it touched, what is shown is what a computation from nothing shows,
and the blocks of a period are those of its months put together."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutela.activities import selectors
from tutela.activities.models import Submission, SummaryState
from tutela.activities.selectors.disclosure import POOL_ORDER, fold, hidden_blocks, hidden_rows_q
from tutela.activities.selectors.filters import Filters
from tutela.activities.selectors.hidden_records import atom_dimensions, grouped_records
from tutela.activities.selectors.pooled_atoms import _unchanged, pooled_atoms, pooled_by_month
from tutela.activities.selectors.visibility import visible_rows
from tutela.activities.services.summaries import (
    summaries_apply,
    summaries_invalidate,
    summaries_rebuild,
)
from tutela.activities.tests.test_summaries import (  # noqa: F401 (the fixture)
    MONTHS,
    Data,
    _big_bands,
    _filter_sets,
    _fresh,
    _shown,
    data_fixture,
)


def _write(data: Data, month: str, organisation: str = "DRC", activity: str = "PRO-CM") -> None:
    """An upload of one row of a sensitive activity (the service's delta in its transaction)."""
    from tutela.activities.services.rows import report_rows_save
    from tutela.activities.tests.import_fixtures import numbered, row

    saved = report_rows_save(
        by=data.world.coordinator,
        operation=data.world.operation,
        rows=numbered(
            row(
                month=month,
                organisation=organisation,
                activity=activity,
                indicator=f"{activity}-01",
                total=1000,
                **_big_bands(),
            )
        ),
    )
    assert not saved.rejected, [p.message for p in saved.problems]


def _months_read(queries: CaptureQueriesContext) -> list[set[str]]:
    """The months each read of the hidden 5W rows by month asked for (its IN list)."""
    out = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if "is_sensitive" in sql and '"month" IN' in sql:
            out.append({m.isoformat() for m in MONTHS if f"'{m.isoformat()}'" in sql})
    return out


def _by_month(data: Data, user: Any) -> selectors.PivotResult:
    return selectors.pivot(
        user=_fresh(user), operation=data.world.operation, rows_by=["month", "admin1"]
    )


def test_a_write_recomputes_only_the_month_it_touched(data: Data) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        before = _by_month(data, w.partner)
    assert before.suppressed
    # Every month is read once, in one query.
    assert _months_read(first) == [{m.isoformat() for m in MONTHS}]
    _write(data, "2026-02")
    with CaptureQueriesContext(connection) as second:
        after = _by_month(data, w.partner)
    assert _months_read(second) == [{"2026-02-01"}]
    assert _shown(after) != _shown(before)
    # What is shown is what a computation from nothing shows.
    cache.clear()
    assert _shown(_by_month(data, w.partner)) == _shown(after)
    # Asked again with no write: nothing is read again.
    with CaptureQueriesContext(connection) as third:
        _by_month(data, w.other_partner)
        _by_month(data, w.other_partner)
    assert len(_months_read(third)) == 1


def test_another_viewer_and_another_period_have_their_own_blocks(data: Data) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    cache.clear()
    first = _by_month(data, w.partner)
    # Another organisation's partner hides other rows: never the first partner's blocks.
    cache_free = []
    for user in (w.other_partner, w.viewer):
        shown = _shown(_by_month(data, user))
        cache.clear()
        cache_free.append(_shown(_by_month(data, user)))
        assert shown == cache_free[-1]
    cache.clear()
    assert _shown(_by_month(data, w.partner)) == _shown(first)
    # A period of some of the months takes those months' blocks.
    period = {"month_from": MONTHS[1], "month_to": MONTHS[2]}
    _by_month(data, w.partner)
    warm = selectors.pivot(
        user=_fresh(w.partner), operation=w.operation, rows_by=["month", "admin1"], filters=period
    )
    cache.clear()
    cold = selectors.pivot(
        user=_fresh(w.partner), operation=w.operation, rows_by=["month", "admin1"], filters=period
    )
    assert _shown(warm) == _shown(cold)


def test_changes_of_what_counts_everywhere_recompute_every_month(data: Data) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    cache.clear()
    _by_month(data, w.partner)
    # What the counting rule's or hidden names' changes do (slices=None).
    summaries_apply(operation=w.operation, slices=None)
    with CaptureQueriesContext(connection) as queries:
        _by_month(data, w.partner)
    assert _months_read(queries) == [{m.isoformat() for m in MONTHS}]
    summaries_invalidate(operation=w.operation)
    with CaptureQueriesContext(connection) as queries:
        _by_month(data, w.partner)
    assert _months_read(queries) == [{m.isoformat() for m in MONTHS}]


def test_writes_record_the_months_they_touched(data: Data) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    state = SummaryState.objects.get(operation=w.operation)
    whole = state.whole_version
    _write(data, "2026-03")
    state.refresh_from_db()
    assert state.month_versions == {"2026-03-01": state.version}
    assert state.whole_version == whole
    assert state.month_version(datetime.date(2026, 3, 1)) == (whole, state.version)
    assert state.month_version(datetime.date(2026, 1, 1)) == (whole, 0)
    summaries_invalidate(operation=w.operation)
    state.refresh_from_db()
    assert state.whole_version == state.version


def test_blocks_computed_meanwhile_are_not_kept(data: Data) -> None:
    """A write that commits between reading the versions and reading the rows: what was read
    may be that write's, so it is not cached under the versions before it."""
    w = data.world
    summaries_rebuild(operation=w.operation)
    state = SummaryState.objects.get(operation=w.operation)
    _write(data, "2026-02")
    assert not _unchanged(state, [datetime.date(2026, 2, 1)])
    assert _unchanged(state, [datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)])


@pytest.mark.parametrize("persona", ["partner", "other_partner", "viewer"])
def test_month_by_month_blocks_are_those_of_the_whole_period(data: Data, persona: str) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    user = _fresh(getattr(w, persona))
    hidden = hidden_rows_q(user, w.operation)
    assert hidden is not None
    rows = visible_rows(user, w.operation).filter(hidden)
    dims = atom_dimensions(monthly=True, by_indicator=False, unnamed=())
    names = tuple(dims)
    pool_order = tuple(d for d in POOL_ORDER if d in names)
    whole = pooled_atoms(
        grouped_records(rows, dims, rule="", additive=True),
        names,
        threshold=5,
        pool_order=pool_order,
    )
    cache.clear()
    for _ in range(2):  # computed, then from the cache
        by_month = pooled_by_month(
            user=user,
            operation=w.operation,
            hidden_rows=rows,
            filters=Filters(),
            dims=dims,
            pool_order=pool_order,
            unnamed=(),
            threshold=5,
        )
        assert by_month is not None
        assert Counter(by_month.tuples) == Counter(whole.tuples)
        assert by_month.withheld_groups == whole.withheld_groups
        assert by_month.controlled == whole.controlled
    assert whole.tuples


@pytest.mark.parametrize("persona", ["partner", "other_partner", "viewer"])
def test_blocks_folded_month_by_month_add_up_as_the_blocks(data: Data, persona: str) -> None:
    """The folded path (the pivot's and the planning framework's) gives the sums `fold` makes
    of the blocks, for every view's filters, cached or not."""
    w = data.world
    summaries_rebuild(operation=w.operation)
    user = _fresh(getattr(w, persona))
    counted = visible_rows(user, w.operation)
    measures = ["girls", "women", "total", "with_disability", "quantity"]
    for filters, rows_by in itertools.product(
        _filter_sets(data), (["month", "admin1"], ["month", "activity", "organisation"])
    ):

        def blocks(fold_by: Any, filters: dict[str, Any] = filters, rows_by: Any = rows_by) -> Any:
            return hidden_blocks(
                user=user,
                operation=w.operation,
                visible=counted,
                filters=Filters.of(filters),
                rule="max_month",
                monthly=True,
                by_indicator=False,
                unnamed=(),
                threshold=5,
                fold_by=fold_by,
            )

        plain = blocks(None)
        assert plain is not None
        expected = fold(plain, rows_by, measures)
        for _ in range(2):  # computed, then from the cache
            folded = blocks((rows_by, measures))
            assert folded is not None
            assert folded.folded is not None
            assert fold(folded, rows_by, measures) == expected, (filters, rows_by)
            assert folded.withheld_groups == plain.withheld_groups
            assert folded.controlled == plain.controlled


def test_writes_of_other_activities_keep_every_block(data: Data) -> None:
    """Rows of activities that are not sensitive are no one's hidden rows: a write of them
    moves no block's version on, and what is shown is still what a computation from nothing
    shows."""
    w = data.world
    summaries_rebuild(operation=w.operation)
    cache.clear()
    _by_month(data, w.partner)
    cumulative = ["admin1", "activity"]
    selectors.pivot(user=_fresh(w.partner), operation=w.operation, rows_by=cumulative)
    state = SummaryState.objects.get(operation=w.operation)
    # An organisation's month still in review (a row added to a validated month sends it back
    # to review: its sensitive rows then leave other partners' figures).
    submission = (
        Submission.objects.filter(organisation=w.drc)
        .exclude(status=Submission.Status.VALIDATED)
        .order_by("round__month")
        .first()
    )
    assert submission is not None
    _write(data, f"{submission.round.month:%Y-%m}", activity="PRO-PSS")
    after = SummaryState.objects.get(operation=w.operation)
    assert after.version > state.version
    assert after.hidden_rows_version == state.hidden_rows_version
    assert after.month_versions == state.month_versions
    with CaptureQueriesContext(connection) as queries:
        monthly = _by_month(data, w.partner)
        over_period = selectors.pivot(
            user=_fresh(w.partner), operation=w.operation, rows_by=cumulative
        )
    # No hidden row read: neither a month's nor the period's picks.
    assert _months_read(queries) == []
    assert not any("p0" in q["sql"] and "sensitive" in q["sql"] for q in queries.captured_queries)
    cache.clear()
    assert _shown(_by_month(data, w.partner)) == _shown(monthly)
    assert _shown(
        selectors.pivot(user=_fresh(w.partner), operation=w.operation, rows_by=cumulative)
    ) == _shown(over_period)


def test_a_change_of_sensitivity_pools_again(data: Data) -> None:
    from tutela.activities.models import Activity
    from tutela.activities.services.config import activity_update

    w = data.world
    summaries_rebuild(operation=w.operation)
    cache.clear()
    before = _by_month(data, w.partner)
    cm = Activity.objects.get(operation=w.operation, code="PRO-CM")
    activity_update(by=w.coordinator, activity=cm, is_sensitive=False)
    state = SummaryState.objects.get(operation=w.operation)
    assert state.hidden_version == state.version
    after = _by_month(data, w.partner)
    cache.clear()
    assert _shown(_by_month(data, w.partner)) == _shown(after)
    assert _shown(after) != _shown(before)
