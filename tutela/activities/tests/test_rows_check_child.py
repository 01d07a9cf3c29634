"""Big 5W saves: the rows checked in a child process that hands them over in chunks while this
process saves the chunks already checked (services.rows.chunks, `report_chunks_save`), the same
outcome as checking in process, all or nothing whatever the child does."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from tutela.activities.models import ActivityReport, ImportRecord, Submission
from tutela.activities.services import import_reading, imports
from tutela.activities.services.imports import import_5w_file
from tutela.activities.services.rows import bulk, chunks, report_rows_save
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    numbered,
    ops_fixture,
    row,
    xlsx_bytes,
)
from tutela.activities.validation import checked_chunks
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_child(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every save checked in a child, two rows per chunk."""
    monkeypatch.setattr(chunks, "CHECK_CHUNK_ROWS", 2)
    with override_settings(TUTELA_5W_CHECK_CHILD_MIN_ROWS=1):
        yield


def sites(count: int, **values: Any) -> list[dict[str, Any]]:
    return [row(site=f"Site {i}", **values) for i in range(count)]


def save(ops: Ops, rows: list[dict[str, Any]], **kwargs: Any) -> Any:
    return report_rows_save(
        by=kwargs.pop("by", ops.world.partner),
        operation=ops.operation,
        rows=numbered(*rows),
        **kwargs,
    )


def saved_rows() -> list[tuple[Any, ...]]:
    return list(
        ActivityReport.objects.order_by("site_key").values_list(
            "organisation__acronym",
            "activity__code",
            "area__pcode",
            "month",
            "population_group__code",
            "site",
            "site_key",
            "girls",
            "total",
            "submission__round__month",
            "created_by__email",
            "updated_by__email",
        )
    )


def outcome(result: Any) -> tuple[Any, ...]:
    return (
        result.rejected,
        result.created,
        result.updated,
        result.unchanged,
        result.updated_rows,
        [(p.row, p.field, p.code, p.severity, p.message) for p in result.problems],
    )


def test_the_same_outcome_as_checking_in_process(ops: Ops, monkeypatch: pytest.MonkeyPatch) -> None:
    first = sites(7)
    second = [
        *sites(3),
        row(site="Site 3", girls=6, total=28),
        row(site="Site 4", admin2_name="Djenné"),
        *sites(2, population_group="REF"),
    ]
    runs = []
    for min_rows in (10**9, 1):
        ActivityReport.objects.all().delete()
        Submission.objects.all().delete()
        monkeypatch.setattr(chunks, "CHECK_CHUNK_ROWS", 2)
        with override_settings(TUTELA_5W_CHECK_CHILD_MIN_ROWS=min_rows):
            results = [save(ops, first), save(ops, second, dry_run=True), save(ops, second)]
        runs.append(([outcome(r) for r in results], saved_rows()))
    in_process, in_child = runs
    assert in_child == in_process
    results, rows = in_child
    assert [r[1:4] for r in results] == [(7, 0, 0), (2, 1, 4), (2, 1, 4)]
    assert results[2][4] == [5]
    # The warning of the name that does not match its P-code.
    assert [p[2] for p in results[2][5]] == ["name_mismatch"]
    assert len(rows) == 9


def test_an_error_in_a_later_chunk_rejects_the_rows_already_inserted(
    ops: Ops, in_child: None
) -> None:
    audit_before = AuditEntry.objects.count()
    inserted = []
    real_insert = chunks.insert_rows

    def counting(rows: list[Any], **kwargs: Any) -> None:
        inserted.append(len(rows))
        real_insert(rows, **kwargs)

    rows = [
        *sites(4),
        row(site="Site 4", admin2_name="Djenné"),
        row(site="Site 5", admin2_pcode="ML9999", admin2_name=""),
        *sites(3, population_group="REF"),
        row(site="Site 1"),
    ]
    chunks.insert_rows = counting  # type: ignore[assignment]
    try:
        result = save(ops, rows)
    finally:
        chunks.insert_rows = real_insert  # type: ignore[assignment]
    # The first two chunks (the first is small) were inserted before the error was found...
    assert inserted[:2] == [1, 2]
    # ...and rolled back with everything else.
    assert result.rejected
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert ActivityReport.objects.count() == 0
    assert Submission.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    # Every problem, from every chunk, the warning too.
    assert [(p.row, p.code) for p in result.problems] == [
        (6, "name_mismatch"),
        (7, "unknown_pcode"),
        (11, "duplicate_row"),
    ]


@pytest.mark.parametrize("how", ["killed", "raises"])
def test_a_child_that_dies_or_fails_mid_way_leaves_nothing(
    ops: Ops, in_child: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks = checked_chunks(*args, **kwargs)
        yield next(chunks)
        yield next(chunks)
        if how == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("a bug in the checks")

    monkeypatch.setattr(chunks, "checked_chunks", failing)
    if how == "raises":
        with pytest.raises(RuntimeError, match="a bug in the checks"):
            save(ops, sites(9))
    else:
        result = save(ops, sites(9))
        assert result.rejected
        assert [p.code for p in result.problems] == ["check_stopped"]
        assert "nothing was saved" in result.problems[0].message
    assert ActivityReport.objects.count() == 0
    assert Submission.objects.count() == 0


def test_chunks_are_saved_while_the_child_still_checks(
    ops: Ops, in_child: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(*args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks = checked_chunks(*args, **kwargs)
        yield next(chunks)
        time.sleep(2)
        yield from chunks

    started = time.monotonic()
    insert_times = []
    real_insert = chunks.insert_rows

    def timed(rows: list[Any], **kwargs: Any) -> None:
        insert_times.append(time.monotonic() - started)
        real_insert(rows, **kwargs)

    monkeypatch.setattr(chunks, "checked_chunks", slow)
    monkeypatch.setattr(chunks, "insert_rows", timed)
    result = save(ops, sites(6))
    assert not result.rejected
    assert result.created == 6
    assert ActivityReport.objects.count() == 6
    assert insert_times[0] < 1.5
    assert insert_times[-1] >= 2


# --- uploads: read, mapped and checked in one child -----------------------------------------------


def upload(ops: Ops, rows: list[dict[str, Any]], **kwargs: Any) -> Any:
    return import_5w_file(
        by=ops.world.imo,
        operation=ops.operation,
        file=xlsx_bytes(rows),
        file_name="5w.xlsx",
        organisation=ops.world.amss,
        **kwargs,
    )


def test_an_upload_is_checked_in_the_child_that_read_it(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "CHECK_CHUNK_ROWS", 2)
    # The table never comes over: reading it here would fail.
    monkeypatch.setattr(
        import_reading, "read_table", lambda *a, **k: pytest.fail("table read in the parent")
    )
    record = upload(ops, [*sites(4), row(site="Site 4", admin2_name="Djenné")])
    assert record.status == ImportRecord.Status.IMPORTED, record.problems
    assert (record.rows_read, record.created_count, record.warning_count) == (5, 5, 1)
    assert ActivityReport.objects.count() == 5


def test_an_upload_whose_checking_child_dies_leaves_nothing(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dying(*args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks = checked_chunks(*args, **kwargs)
        yield next(chunks)
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(chunks, "CHECK_CHUNK_ROWS", 2)
    monkeypatch.setattr(imports, "checked_chunks", dying)
    record = upload(ops, sites(7))
    assert record.status == ImportRecord.Status.REJECTED
    assert [p["code"] for p in record.problems] == ["check_stopped"]
    assert ActivityReport.objects.count() == 0
    assert Submission.objects.count() == 0


def test_an_upload_whose_child_dies_before_the_checks_is_a_file_that_could_not_be_read(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dying(self: Any, table: Any) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)

    # The columns are matched in the child, before any row is checked.
    monkeypatch.setattr(imports.FiveWImporter, "map", dying)
    record = upload(ops, sites(3))
    assert record.status == ImportRecord.Status.REJECTED
    assert [p["code"] for p in record.problems] == ["parse_failed"]
    assert ActivityReport.objects.count() == 0


def test_without_fork_an_upload_is_read_and_checked_in_process(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = upload(ops, [*sites(3), row(site="Site 3", admin2_name="Djenné")])
    ActivityReport.objects.all().delete()
    Submission.objects.all().delete()
    monkeypatch.delattr(os, "fork")
    second = upload(ops, [*sites(3), row(site="Site 3", admin2_name="Djenné")])
    for record in (first, second):
        assert record.status == ImportRecord.Status.IMPORTED, record.problems
    fields = ("rows_read", "created_count", "updated_count", "warning_count", "problems")
    assert [getattr(second, f) for f in fields] == [getattr(first, f) for f in fields]
    assert ActivityReport.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_new_rows_go_to_postgresql_by_binary_copy(ops: Ops) -> None:
    names = [f.column for f in ActivityReport._meta.concrete_fields if f.column != "id"]
    # Every column the INSERT names has a binary type (else it falls back to text COPY).
    assert bulk._copy_types(names)
    result = save(ops, [*sites(2), row(site="Site 9", latitude=14.5, longitude=-4.2)])
    assert result.created == 3
    saved = ActivityReport.objects.get(site="Site 9")
    assert (saved.latitude, saved.longitude, saved.month.isoformat()) == (14.5, -4.2, "2026-03-01")
