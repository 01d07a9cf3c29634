"""Fresh planner statistics after a bulk 5W save (tutela.core.planner_stats).

On PostgreSQL a table that a save has just filled was planned as if nearly empty until autovacuum
noticed (the rows API's page at 1.3-3.5 s instead of 0.13-0.17 s in the load benchmark): a save
of BULK_ROWS rows or more analyses the 5W rows table once it commits. On SQLite nothing is
queued (no statistics are kept there)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tutela.activities.models import ActivityReport
from tutela.activities.tests.import_fixtures import Ops, ops_fixture  # noqa: F401
from tutela.activities.tests.test_summary_deltas import ORGANISATIONS, PLACES, _save
from tutela.core import planner_stats

pytestmark = pytest.mark.django_db


def _reltuples(model: Any) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return float(cursor.fetchone()[0])


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "organisation": org,
            "activity": "PRO-PSS",
            "place": place,
            "month": "2026-03",
            "population_group": "IDP",
            "women": 2,
            "men": 1,
            "quantity": None,
        }
        for org in ORGANISATIONS
        for place in PLACES
    ]


def test_a_bulk_save_has_the_rows_table_analysed_once_committed(
    ops: Ops, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    rows = _rows()
    monkeypatch.setattr(planner_stats, "BULK_ROWS", len(rows))
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            # As a restored or freshly created table: statistics never gathered.
            cursor.execute(
                "UPDATE pg_class SET reltuples = -1 WHERE oid = %s::regclass",
                [ActivityReport._meta.db_table],
            )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _save(ops, rows)
    assert ActivityReport.objects.count() == len(rows)
    analyses = [c for c in callbacks if getattr(c, "__qualname__", "").startswith("analyze_after")]
    assert len(analyses) == (1 if postgres else 0)
    if postgres:
        assert _reltuples(ActivityReport) == -1
        for callback in analyses:
            callback()
        assert _reltuples(ActivityReport) == len(rows)


def test_a_small_save_queues_no_analysis(
    ops: Ops, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    rows = _rows()
    monkeypatch.setattr(planner_stats, "BULK_ROWS", len(rows) + 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _save(ops, rows)
    assert not [c for c in callbacks if "analyze" in getattr(c, "__qualname__", "")]


def test_analyze_database_only_on_postgresql() -> None:
    done = planner_stats.analyze_database()
    assert done == (connection.vendor == "postgresql")
