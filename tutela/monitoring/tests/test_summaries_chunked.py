"""The monitoring summary and atoms rebuild (`services.summaries.summaries_rebuild`, command
`rebuild_monitoring_summaries`) is done in chunks of months, each its own transaction, so that
another writer gets SQLite's write lock between the chunks (issue 11, requirement 1), and makes
the same rows as a rebuild in one go.

The lock test runs the rebuild on a real SQLite file in WAL mode (a copy of the test database,
made with SQLite's backup API) while a second connection, in another thread, takes the write
lock again and again and writes: between two chunks it finds some months already repaired and
others not yet."""

from __future__ import annotations

import copy
import datetime
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from tutela.monitoring.models import Incident, IncidentAtom, IncidentSummary
from tutela.monitoring.selectors.atoms import incident_atoms
from tutela.monitoring.selectors.base import AnalysisFilters, viewer_for
from tutela.monitoring.services.atoms import atom_differences
from tutela.monitoring.services.summaries import (
    month_ranges,
    summaries_rebuild,
    summary_differences,
)
from tutela.monitoring.tests.incident_fixtures import Mon, mon_fixture  # noqa: F401

MONTHS = 36
DAMAGE = 1000


def _spread_over_months(mon: Mon) -> None:
    """Incidents in MONTHS months (copies of recorded ones, written behind the services' back,
    so the summary is out of step), a GBV one too, and the atoms built."""
    mon.record()
    mon.record(area_pcode="ML0502", verification="verified")
    template = list(Incident.objects.all())
    copies = []
    for index in range(MONTHS):
        month = datetime.date(2023 + index // 12, index % 12 + 1, 1)
        for number, incident in enumerate(template):
            twin = copy.copy(incident)
            twin.pk = None
            twin.month = month
            twin.reference = f"COPY-{index}-{number}"
            copies.append(twin)
    Incident.objects.bulk_create(copies)
    incident_atoms(viewer_for(mon.world.coordinator, mon.operation), AnalysisFilters())


def _rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    summary = sorted(
        IncidentSummary.objects.values_list(
            "operation_id",
            "month",
            "admin1_id",
            "admin2_id",
            "primary_risk_id",
            "verification_id",
            "is_gbv",
            "organisation_id",
            "incidents",
            "people",
        ),
        key=str,
    )
    atoms = sorted(
        IncidentAtom.objects.values_list(
            "operation_id",
            "month",
            "admin1_id",
            "admin2_id",
            "primary_risk_id",
            "verified",
            "is_gbv",
            "incidents",
        ),
        key=str,
    )
    return summary, atoms


def test_month_ranges_cover_every_month_in_chunks_of_about_the_size() -> None:
    jan, feb, mar, apr = (datetime.date(2026, m, 1) for m in range(1, 5))
    assert month_ranges([], 10) == [(None, None)]
    assert month_ranges([(jan, 50)], 10) == [(None, None)]
    assert month_ranges([(jan, 4), (feb, 4), (mar, 4), (apr, 4)], 8) == [
        (None, feb),
        (feb, None),
    ]
    # A month larger than a chunk is a chunk of its own.
    assert month_ranges([(jan, 1), (feb, 30), (mar, 1)], 10) == [(None, feb), (feb, None)]


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [1, 3, 10**6])
def test_a_rebuild_in_chunks_makes_the_rows_of_a_rebuild_in_one_go(mon: Mon, chunk: int) -> None:
    _spread_over_months(mon)
    mon.record(risks=[("R08", "gbv_rape")], people=[], occurred_on=datetime.date(2024, 5, 3))
    IncidentSummary.objects.filter(month__year=2024).update(incidents=DAMAGE)
    IncidentAtom.objects.filter(month__year=2025).update(incidents=DAMAGE)
    # A summary row of a month without incidents (deleted behind the services' back).
    stray = IncidentSummary.objects.first()
    assert stray is not None
    IncidentSummary.objects.create(
        operation=mon.operation,
        month=datetime.date(2019, 1, 1),
        admin1_id=stray.admin1_id,
        primary_risk_id=stray.primary_risk_id,
        verification_id=stray.verification_id,
        incidents=5,
        people=5,
    )
    summaries_rebuild(operation=mon.operation, chunk=10**9)
    one_go = _rows()
    IncidentSummary.objects.filter(month__year=2024).update(incidents=DAMAGE)
    IncidentAtom.objects.all().delete()
    incident_atoms(viewer_for(mon.world.coordinator, mon.operation), AnalysisFilters())
    IncidentAtom.objects.filter(month__year=2025).update(incidents=DAMAGE)

    rows = summaries_rebuild(operation=mon.operation, chunk=chunk)

    assert _rows() == one_go
    assert rows == len(one_go[0])
    assert summary_differences(mon.operation) == {}
    assert atom_differences(mon.operation) == {}
    assert not IncidentSummary.objects.filter(month__year=2019).exists()
    assert sum(r[-2] for r in one_go[0]) == Incident.objects.count()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    """The test database copied to a SQLite file in WAL mode, used as the default database for
    the test's own thread (the test's in-memory database is put back afterwards)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock (PostgreSQL writers lock rows, not the database)")
    path = tmp_path / "tutela.sqlite3"
    memory = connections["default"]
    memory.ensure_connection()
    target = sqlite3.connect(path)
    memory.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    on_file = memory.__class__({**memory.settings_dict, "NAME": str(path)}, "default")
    connections["default"] = on_file
    try:
        yield path
    finally:
        on_file.close()
        connections["default"] = memory


@pytest.mark.django_db(transaction=True)
def test_another_writer_gets_the_write_lock_between_chunks(
    audit_log_flushable: None, mon: Mon, sqlite_file: Path, settings: Any
) -> None:
    # A gap between every two chunks (they take milliseconds here).
    settings.LOCK_GAP_EVERY_SECONDS = 0
    _spread_over_months(mon)
    summaries_rebuild(operation=mon.operation, chunk=10**9)
    seen: list[int] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        # Takes the write lock (BEGIN IMMEDIATE waits for it), writes, holds it a moment.
        other = sqlite3.connect(sqlite_file, timeout=60, isolation_level=None)
        try:
            while not done.is_set():
                other.execute("BEGIN IMMEDIATE")
                damaged = other.execute(
                    "SELECT COUNT(DISTINCT month) FROM monitoring_incidentsummary "
                    "WHERE incidents >= ?",
                    [DAMAGE],
                ).fetchone()[0]
                other.execute("UPDATE monitoring_incident SET people_affected = people_affected")
                time.sleep(0.02)
                other.execute("COMMIT")
                seen.append(damaged)
                time.sleep(0.02)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            other.close()

    # The copy on file: damage every month's summary, then repair it in chunks of one month.
    on_file = sqlite3.connect(sqlite_file, timeout=60)
    with on_file:
        on_file.execute("UPDATE monitoring_incidentsummary SET incidents = ?", [DAMAGE])
    on_file.close()
    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        while not seen:
            time.sleep(0.01)
        summaries_rebuild(operation=mon.operation, chunk=1)
    finally:
        done.set()
        thread.join()

    assert not errors
    assert seen[0] == MONTHS + 1  # 36 months of copies and March 2026's records
    # Some months repaired and others not: the lock was taken between two chunks.
    assert any(0 < damaged < MONTHS + 1 for damaged in seen), seen
    assert summary_differences(mon.operation) == {}
    assert atom_differences(mon.operation) == {}
