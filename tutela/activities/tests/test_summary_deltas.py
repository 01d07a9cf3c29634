"""Property: the 5W summary tables kept by deltas inside each write equal a rebuild from the rows.

After any sequence of imports and grid saves (new rows and changed ones), deletions, reviews
(submit, validate, return: what counts as validated), sensitivity and counting-rule changes, the
areas where names are hidden, and writes rolled back half-way, the summary rows in use are the
rows a rebuild makes, and the tables are fresh (readers never fall back to the 5W rows)."""

from __future__ import annotations

import contextlib
import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tutela.activities import selectors
from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    ReportingRound,
    Submission,
    SummaryState,
)
from tutela.activities.selectors.filters import Filters
from tutela.activities.services.config import activity_update, settings_update
from tutela.activities.services.rows import chunks as rows_chunks
from tutela.activities.services.rows import report_row_delete, report_rows_save
from tutela.activities.services.submissions import (
    submission_return,
    submission_submit,
    submission_validate,
)
from tutela.activities.services.summaries import summary_differences
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    numbered,
    ops_fixture,
    row,
)

Rule = ActivitySettings.CumulativeRule
Status = Submission.Status
APRIL = datetime.date(2026, 4, 1)

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ORGANISATIONS = ["AMSS", "OTHER", "DRC"]
ACTIVITIES = ["PRO-PSS", "PRO-CM", "CP-CM"]
# (admin 1, admin 2) P-codes.
PLACES = [("ML05", "ML0501"), ("ML05", "ML0502"), ("ML04", ""), ("ML05", "")]
MONTHS = ["2026-03", "2026-04"]
GROUPS = ["IDP", "REF"]
# A row no fixture holds (organisation to be set).
ONE_ROW = {
    "activity": "PRO-CM",
    "place": ("ML04", ""),
    "month": "2026-04",
    "population_group": "REF",
    "women": 3,
    "men": 1,
    "quantity": None,
}


class RolledBack(Exception):
    pass


five_w_row = st.fixed_dictionaries(
    {
        "organisation": st.sampled_from(ORGANISATIONS),
        "activity": st.sampled_from(ACTIVITIES),
        "place": st.sampled_from(PLACES),
        "month": st.sampled_from(MONTHS),
        "population_group": st.sampled_from(GROUPS),
        # Small totals: the counting rule meets ties.
        "women": st.integers(0, 3),
        "men": st.integers(0, 3),
        "quantity": st.one_of(st.none(), st.integers(0, 3)),
    }
)
step = st.one_of(
    st.tuples(st.just("save"), st.lists(five_w_row, min_size=1, max_size=6)),
    # Checked in a child process and saved chunk by chunk (services.rows, report_chunks_save):
    # the path of every upload and of big saves.
    st.tuples(st.just("save_in_child"), st.lists(five_w_row, min_size=1, max_size=6)),
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(st.just("review"), st.integers(0, 1000)),
    st.tuples(st.just("sensitive"), st.sampled_from(ACTIVITIES)),
    st.tuples(st.just("rule"), st.sampled_from(list(Rule.values))),
    st.tuples(st.just("hide"), st.sampled_from([(), ("ML0501",), ("ML04", "ML0502")])),
    st.tuples(st.just("rollback"), st.lists(five_w_row, min_size=1, max_size=3)),
)


def _rows(items: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for item in items:
        admin1, admin2 = item["place"]
        values = {
            "month": item["month"],
            "organisation": item["organisation"],
            "activity": item["activity"],
            "indicator": "PRO-PSS-01" if item["activity"] == "PRO-PSS" else ...,
            "admin1_pcode": admin1 or ...,
            "admin1_name": ...,
            "admin2_pcode": admin2 or ...,
            "admin2_name": ...,
            "population_group": item["population_group"],
            "girls": 0,
            "boys": 0,
            "women": item["women"],
            "men": item["men"],
            "older_women": 0,
            "older_men": 0,
            "total": item["women"] + item["men"],
            "with_disability": 0,
            "quantity": item["quantity"] if item["quantity"] is not None else ...,
        }
        out.append(row(**values))
    # One row per natural key in a save (the file's duplicates are refused otherwise).
    unique = {
        (r["organisation"], r["activity"], r.get("admin2_pcode"), r.get("admin1_pcode"))
        + (r["month"], r["population_group"]): r
        for r in out
    }
    return numbered(*unique.values())


def _save(ops: Ops, items: list[dict[str, Any]]) -> None:
    saved = report_rows_save(by=ops.world.coordinator, operation=ops.operation, rows=_rows(items))
    assert not saved.rejected, [p.message for p in saved.problems]


@transaction.atomic
def _save_then_fail(ops: Ops, items: list[dict[str, Any]]) -> None:
    """A save whose transaction fails after its rows and deltas are written."""
    _save(ops, items)
    raise RolledBack


# Submissions in an order that does not depend on their ids: the rows' save creates them in the
# order of a set of (round id, organisation id) pairs, and PostgreSQL's ids (sequences are not
# rolled back) differ from one test to the next, so an order by pk made the fixture validate
# another organisation's report depending on which tests ran before it in the same worker.
SUBMISSION_ORDER = ("round__month", "organisation__acronym")


def _review(ops: Ops, index: int) -> None:
    submissions = list(
        Submission.objects.filter(round__operation=ops.operation).order_by(*SUBMISSION_ORDER)
    )
    if not submissions:
        return
    submission = submissions[index % len(submissions)]
    by = ops.world.coordinator
    if submission.status in (Status.DRAFT, Status.RETURNED):
        if submission.rows.exists():
            submission_submit(by=by, round=submission.round, organisation=submission.organisation)
    elif submission.status == Status.SUBMITTED:
        submission_validate(by=by, submission=submission)
    else:
        submission_return(by=by, submission=submission, comment="Check the totals.")


def _settings(ops: Ops, *, rule: str | None = None, hidden: tuple[str, ...] | None = None) -> None:
    current = ActivitySettings.objects.filter(operation=ops.operation).first()
    if hidden is None:
        hidden = tuple(current.sensitive_areas.values_list("pcode", flat=True)) if current else ()
    settings_update(
        by=ops.world.coordinator,
        operation=ops.operation,
        cumulative_rule=rule or (current.cumulative_rule if current else Rule.MAX_MONTH),
        outlier_factor=current.outlier_factor if current else None,  # type: ignore[arg-type]
        sensitive_area_pcodes=hidden,
    )


def _run(ops: Ops, kind: str, arg: Any) -> None:
    operation = ops.operation
    if kind == "save":
        _save(ops, arg)
    elif kind == "save_in_child":
        # Two rows a chunk (the first chunk one): several chunks saved one after the other.
        chunk_rows, rows_chunks.CHECK_CHUNK_ROWS = rows_chunks.CHECK_CHUNK_ROWS, 2
        try:
            with override_settings(TUTELA_5W_CHECK_CHILD_MIN_ROWS=1):
                _save(ops, arg)
        finally:
            rows_chunks.CHECK_CHUNK_ROWS = chunk_rows
    elif kind == "delete":
        rows = list(ActivityReport.objects.filter(operation=operation).order_by("pk"))
        if rows:
            report_row_delete(by=ops.world.coordinator, row=rows[arg % len(rows)])
    elif kind == "review":
        _review(ops, arg)
    elif kind == "sensitive":
        activity = Activity.objects.get(operation=operation, code=arg)
        activity_update(
            by=ops.world.coordinator, activity=activity, is_sensitive=not activity.is_sensitive
        )
    elif kind == "rule":
        _settings(ops, rule=arg)
    elif kind == "hide":
        _settings(ops, hidden=arg)
    elif kind == "rollback":
        with pytest.raises(RolledBack):
            _save_then_fail(ops, arg)


def _assert_in_step(ops: Ops, after: str) -> None:
    state = SummaryState.objects.get(operation=ops.operation)
    assert state.is_fresh, after
    assert state.enabled, after
    found = summary_differences(operation=ops.operation)
    assert found == {"extra": [], "missing": []}, after


def _make_stale(ops: Ops) -> None:
    """Leave the summary tables stale, as a large import does until its chunked rebuild ends:
    no write may build them in its transaction, and a rule change needs every grain again."""
    assert SummaryState.objects.get(operation=ops.operation).is_fresh
    current = ActivitySettings.objects.filter(operation=ops.operation).first()
    rule = current.cumulative_rule if current else Rule.MAX_MONTH
    with override_settings(ACTIVITY_SUMMARY_BUILD_IN_WRITE_MAX_ROWS=0):
        _settings(ops, rule=Rule.LATEST if rule != Rule.LATEST else Rule.MAX_MONTH)
    assert not SummaryState.objects.get(operation=ops.operation).is_fresh


@contextlib.contextmanager
def _tables(ops: Ops, tables: str) -> Iterator[None]:
    """The summary tables as the test asks: "fresh", or "stale" (`_make_stale`), with every write
    inside keeping them so."""
    with override_settings(
        ACTIVITY_SUMMARY_BUILD_IN_WRITE_MAX_ROWS=0 if tables == "stale" else 25_000
    ):
        if tables == "stale":
            _make_stale(ops)
        yield


@pytest.fixture(name="ops_open")
def ops_open_fixture(ops: Ops, settings: Any) -> Ops:
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 1
    settings.ACTIVITY_SUMMARY_OLD_ROWS_GRACE = 0
    ReportingRound.objects.create(
        operation=ops.operation, month=APRIL, deadline=APRIL + datetime.timedelta(days=40)
    )
    _save(
        ops,
        [
            {
                "organisation": org,
                "activity": activity,
                "place": place,
                "month": "2026-03",
                "population_group": "IDP",
                "women": 2,
                "men": 1,
                "quantity": None,
            }
            for org in ORGANISATIONS
            for activity in ACTIVITIES[:2]
            for place in PLACES[:2]
        ],
    )
    # Reports at every status from the start: saves into a validated report send it back to
    # review, returns and validations change what counts as validated.
    submissions = Submission.objects.filter(round__operation=ops.operation).order_by(
        *SUBMISSION_ORDER
    )
    for index in range(len(submissions)):
        for _ in range(index % 3):
            _review(ops, index)
    assert set(submissions.values_list("status", flat=True)) == {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.VALIDATED,
    }
    return ops


@EXAMPLES
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_summaries_kept_by_deltas_equal_a_rebuild(
    ops_open: Ops, steps: list[tuple[str, Any]]
) -> None:
    with transaction.atomic():
        _assert_in_step(ops_open, "the first save")
        for number, (kind, arg) in enumerate(steps, start=1):
            _run(ops_open, kind, arg)
            _assert_in_step(ops_open, f"step {number} ({kind})")
        transaction.set_rollback(True)


def test_a_pivot_after_a_save_is_read_from_fresh_summaries(ops_open: Ops) -> None:
    coordinator = ops_open.world.coordinator
    before = selectors.pivot(user=coordinator, operation=ops_open.operation, rows_by=["admin1"])
    assert before.source.startswith("summary:")
    _save(
        ops_open,
        [
            {
                "organisation": "DRC",
                "activity": "CP-CM",
                "place": ("ML04", ""),
                "month": "2026-04",
                "population_group": "REF",
                "women": 300,
                "men": 200,
                "quantity": None,
            }
        ],
    )
    after = selectors.pivot(user=coordinator, operation=ops_open.operation, rows_by=["admin1"])
    # No rebuild ran (nothing queued, no commit in this test): the save's own delta.
    assert after.source.startswith("summary:")
    assert after.totals["total"] == before.totals["total"] + 500


def test_a_cached_pivot_is_never_shared_between_users_who_see_different_rows(
    ops_open: Ops,
) -> None:
    w = ops_open.world
    operation = ops_open.operation
    everyone = selectors.pivot(user=w.coordinator, operation=operation, rows_by=["organisation"])
    # Cached for the coordinator now; the partner and the viewer see fewer rows.
    for user in (w.partner, w.viewer):
        cached = selectors.pivot(user=user, operation=operation, rows_by=["organisation"])
        uncached = selectors.pivot(
            user=user, operation=operation, rows_by=["organisation"], use_summaries=False
        )
        assert cached.totals == uncached.totals, user
        assert cached.totals != everyone.totals, user


def test_the_rebuild_command_checks_the_tables_against_the_rows(ops_open: Ops) -> None:
    out = io.StringIO()
    call_command("rebuild_5w_summaries", operation=ops_open.operation.slug, check=True, stdout=out)
    assert "in step" in out.getvalue()
    # A row changed behind the services' back (no delta): the check says so.
    ActivityReport.objects.filter(operation=ops_open.operation).update(women=F("women") + 7)
    with pytest.raises(CommandError, match="differ from the rows"):
        call_command("rebuild_5w_summaries", operation=ops_open.operation.slug, check=True)
    # The repair brings them back in step.
    call_command("rebuild_5w_summaries", operation=ops_open.operation.slug, force=True, stdout=out)
    assert summary_differences(operation=ops_open.operation) == {"extra": [], "missing": []}


def _people(result: selectors.PivotResult) -> list[Any]:
    return [(row.codes, row.values) for row in result.rows] + [result.totals]


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=3))
@pytest.mark.parametrize("tables", ["fresh", "stale"])
def test_cached_atoms_of_hidden_rows_follow_every_write(
    ops_open: Ops, tables: str, steps: list[tuple[str, Any]]
) -> None:
    """The pooled atoms of the rows a partner may not see (selectors.disclosure, cached per data
    version and shared by the tables of a period) are never read after a write changed them: a
    table read with the atoms another table cached equals the same table computed from nothing.
    The same while the summary tables are stale (every write then keeps them stale)."""
    partner, operation = ops_open.world.partner, ops_open.operation
    # Versions repeat across examples (each is rolled back): start from an empty cache.
    cache.clear()
    with transaction.atomic(), _tables(ops_open, tables):
        for kind, arg in steps:
            # Caches the period's atoms (monthly and over the period).
            selectors.pivot(user=partner, operation=operation, rows_by=["admin1", "month"])
            selectors.pivot(user=partner, operation=operation, rows_by=["admin1"])
            _run(ops_open, kind, arg)
            for rows_by in (["activity", "month"], ["organisation"]):
                selectors.pivot(user=partner, operation=operation, rows_by=["admin1", "month"])
                selectors.pivot(user=partner, operation=operation, rows_by=["admin1"])
                warm = selectors.pivot(user=partner, operation=operation, rows_by=rows_by)
                cache.clear()
                cold = selectors.pivot(user=partner, operation=operation, rows_by=rows_by)
                assert _people(warm) == _people(cold), (kind, rows_by)
        transaction.set_rollback(True)


def test_tables_of_a_period_share_the_atoms_of_hidden_rows(ops_open: Ops) -> None:
    """A partner's second table of the same period does not read the hidden rows again."""
    partner, operation = ops_open.world.partner, ops_open.operation
    cache.clear()
    first = selectors.pivot(user=partner, operation=operation, rows_by=["admin1"])
    assert first.suppressed  # the partner counts others' sensitive rows: controlled
    with CaptureQueriesContext(connection) as queries:
        second = selectors.pivot(user=partner, operation=operation, rows_by=["activity"])
    assert second.suppressed
    atoms_reads = [q["sql"] for q in queries.captured_queries if '"k_organisation_id"' in q["sql"]]
    assert atoms_reads == []
    cache.clear()
    assert _people(selectors.pivot(user=partner, operation=operation, rows_by=["activity"])) == (
        _people(second)
    )


def test_a_rule_change_of_a_large_operation_is_rebuilt_in_the_background(
    ops_open: Ops, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Past ACTIVITY_SUMMARY_BUILD_IN_WRITE_MAX_ROWS rows, a change of what counts everywhere
    does not build the tables whole in its transaction (at 1M rows that held SQLite's write lock
    20-30 s): they are left stale, pivots answer from the rows under the new rule, and the
    chunked rebuild queued at the commit brings them back in step."""
    coordinator = ops_open.world.coordinator
    operation = ops_open.operation
    rows = ActivityReport.objects.filter(operation=operation).count()
    settings.ACTIVITY_SUMMARY_BUILD_IN_WRITE_MAX_ROWS = rows - 1
    before = SummaryState.objects.get(operation=operation)
    assert before.is_fresh
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _settings(ops_open, rule=Rule.LATEST)
    state = SummaryState.objects.get(operation=operation)
    assert not state.is_fresh
    assert state.built_version == before.built_version
    assert state.rule == before.rule  # nothing was built under the new rule
    pivot = selectors.pivot(user=coordinator, operation=operation, rows_by=["organisation"])
    assert pivot.source == "rows"
    # A grid save while the tables are stale does not build them either.
    with django_capture_on_commit_callbacks(execute=False) as more:
        _save(
            ops_open,
            [
                {
                    "organisation": "DRC",
                    "activity": "CP-CM",
                    "place": ("ML04", ""),
                    "month": "2026-04",
                    "population_group": "REF",
                    "women": 30,
                    "men": 20,
                    "quantity": None,
                }
            ],
        )
    assert not SummaryState.objects.get(operation=operation).is_fresh
    expected = selectors.pivot(
        user=coordinator, operation=operation, rows_by=["organisation"], use_summaries=False
    )
    # The commit's callbacks queue the rebuild (the test settings run tasks at once).
    for callback in [*callbacks, *more]:
        callback()
    _assert_in_step(ops_open, "the background rebuild")
    assert SummaryState.objects.get(operation=operation).rule == Rule.LATEST
    cache.clear()
    after = selectors.pivot(user=coordinator, operation=operation, rows_by=["organisation"])
    assert after.source.startswith("summary:")
    assert after.totals == expected.totals


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=3))
@pytest.mark.parametrize("tables", ["fresh", "stale"])
def test_the_row_lists_cached_count_follows_every_write(
    ops_open: Ops, tables: str, steps: list[tuple[str, Any]]
) -> None:
    """The row list's number of rows (API, selectors.row_counts: counted once per data version,
    user's visibility and filters) is never read after a write changed it, nor shared between
    users who may list different rows; while the summary tables are stale as well."""
    w, operation = ops_open.world, ops_open.operation
    url = f"/api/v1/operations/{operation.slug}/5w/rows/"
    questions = [({}, Filters()), ({"validated_only": "true"}, Filters(validated_only=True))]
    client = APIClient()
    cache.clear()
    with transaction.atomic(), _tables(ops_open, tables):
        for kind, arg in steps:
            for user in (w.partner, w.viewer, w.coordinator):
                client.force_authenticate(user)
                for params, _filters in questions:
                    client.get(url, params)  # counted and kept
            _run(ops_open, kind, arg)
            for user in (w.partner, w.viewer, w.coordinator):
                client.force_authenticate(user)
                rows = selectors.listable_rows(user, operation)
                for params, filters in questions:
                    expected = selectors.apply_filters(rows, operation, filters, user=user).count()
                    assert client.get(url, params).json()["count"] == expected, (kind, params)
        transaction.set_rollback(True)


def test_the_row_list_counts_once_per_data_version(ops_open: Ops) -> None:
    partner, operation = ops_open.world.partner, ops_open.operation
    url = f"/api/v1/operations/{operation.slug}/5w/rows/"
    client = APIClient()
    client.force_authenticate(partner)
    cache.clear()
    first = client.get(url).json()["count"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).json()["count"] == first
    assert not [q for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    _save(ops_open, [{**ONE_ROW, "organisation": "AMSS"}])  # a new row of the partner's own
    assert client.get(url).json()["count"] == first + 1


def test_while_the_tables_are_stale_counts_and_pivots_are_kept_per_data_version(
    ops_open: Ops,
) -> None:
    """After a large import the summary tables stay stale until the chunked rebuild ends, and
    reads answer from the 5W rows: the row list's count and a pivot are then counted once per
    data version (under 50 users on PostgreSQL, the row list counted at every request), and a
    write made meanwhile is seen at once."""
    partner, operation = ops_open.world.partner, ops_open.operation
    url = f"/api/v1/operations/{operation.slug}/5w/rows/"
    client = APIClient()
    client.force_authenticate(partner)
    cache.clear()
    with override_settings(ACTIVITY_SUMMARY_BUILD_IN_WRITE_MAX_ROWS=0):
        _make_stale(ops_open)
        first = client.get(url).json()["count"]
        pivot = selectors.pivot(user=partner, operation=operation, rows_by=["organisation"])
        assert pivot.source == "rows"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).json()["count"] == first
            again = selectors.pivot(user=partner, operation=operation, rows_by=["organisation"])
        assert again.totals == pivot.totals
        assert not [q for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
        assert not [q for q in queries.captured_queries if "SUM(" in q["sql"].upper()]
        _save(ops_open, [{**ONE_ROW, "organisation": "AMSS"}])  # a new row of the partner's own
        assert not SummaryState.objects.get(operation=operation).is_fresh
        assert client.get(url).json()["count"] == first + 1
        after = selectors.pivot(user=partner, operation=operation, rows_by=["organisation"])
        uncached = selectors.pivot(
            user=partner, operation=operation, rows_by=["organisation"], use_summaries=False
        )
        assert after.totals == uncached.totals
        assert after.totals != pivot.totals
