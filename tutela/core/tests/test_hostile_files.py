"""Hostile files against the readers, the bounded child process, the boundary loader and a real
`tutela import_5w` process: a clear error, nothing written, the process alive, memory bounded.

The importers' own paths (web upload, command line, task worker) are run over the same corpus in
activities/tests/test_hostile_files.py and monitoring/tests/test_hostile_files.py.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tutela.core import sandbox
from tutela.core.imports.problems import ImportFileError
from tutela.core.imports.readers import PARSE_FAILED, read_table
from tutela.core.models import AdminArea
from tutela.core.tests.hostile_corpus import CORPUS, corpus_file, dimension_bomb, geojson_bombs
from tutela.core.tests.stack import migrated_template

ROOT = Path(__file__).resolve().parents[3]
REFUSED = {"too_big", "unsafe", "unreadable", PARSE_FAILED}
# Files that hold nothing harmful once bounded: read (or refused), never a crash.
READABLE = {"deeply_nested"}
EXPECTED = {
    "dimension_bomb": "declares 16,384 columns; the limit is 5,000",
    "dimension_bomb_padded": "declares 16,384 columns",
    "lying_dimension": "has a value in column 16,384",
    "cells_without_references": "has a value in column 8,000",
    "zip_bomb": "100-fold",
    "zip_of_many_parts": "12,0",
    "billion_laughs": "document type declaration",
    "huge_shared_strings": "100-fold",
    "xls_bomb": "65,536 rows × 256 columns",
    "ods_repeated_bomb": "column 16,384",
    "ods_far_cell": "column 16,384",
    "csv_long_line": "too big",
    "csv_long_value": "longer than 1,048,576 characters",
    "csv_many_columns": "3,000,001 columns; the limit is 5,000",
    "csv_many_rows": "too many rows",
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_hostile_file_gets_a_clear_error_within_bounded_memory(name: str) -> None:
    file_name, data = corpus_file(name)
    before = peak_mb()
    if name in READABLE:
        assert read_table(data, file_name=file_name).headers
    else:
        with pytest.raises(ImportFileError) as caught:
            read_table(data, file_name=file_name)
        assert caught.value.code in REFUSED, caught.value.code
        assert EXPECTED[name] in caught.value.message, caught.value.message
    # The parse ran in the child: this process grew by little more than the file itself.
    assert peak_mb() - before < 150 + len(data) / 2**20 * 3


def test_limits_are_settings() -> None:
    _name, data = corpus_file("cells_without_references")
    with override_settings(TUTELA_IMPORT_MAX_COLUMNS=10_000):
        assert len(read_table(data, file_name="ok.xlsx").headers) == 8000
    with (
        override_settings(TUTELA_IMPORT_MAX_COLUMNS=100),
        pytest.raises(ImportFileError, match="the limit is 100"),
    ):
        read_table(data, file_name="ok.xlsx")


def test_messages_are_translated() -> None:
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ImportFileError) as caught:
        read_table(dimension_bomb(), file_name="bomb.xlsx")
    assert "colonnes" in caught.value.message


# --- the child process ---------------------------------------------------------------------------


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def _spin() -> None:
    while True:
        pass


def _die() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _raise() -> None:
    raise ImportFileError("refused", code="unsafe")


def _calamine_bomb() -> None:
    # What readers did before the checks: python-calamine aborts the process.
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(dimension_bomb()))
    workbook.get_sheet_by_name("5W")


def test_a_child_over_its_memory_limit_fails_and_the_parent_goes_on() -> None:
    within = sandbox.Budget(memory_mb=200, cpu_seconds=30, wall_seconds=30)
    with pytest.raises(sandbox.SandboxFailure) as caught:
        sandbox.run_bounded(_allocate, 2048, within=within)
    assert caught.value.reason == sandbox.MEMORY
    assert sandbox.run_bounded(_allocate, 10, within=within) == 10 * 1024 * 1024
    # The parent's own limits are untouched.
    assert resource.getrlimit(resource.RLIMIT_CPU)[0] == resource.RLIM_INFINITY


def test_a_parser_that_aborts_the_process_is_a_failure_not_a_crash() -> None:
    within = sandbox.Budget(memory_mb=1024, cpu_seconds=30, wall_seconds=30)
    with pytest.raises(sandbox.SandboxFailure) as caught:
        sandbox.run_bounded(_calamine_bomb, within=within)
    assert caught.value.reason == sandbox.MEMORY


def test_a_child_that_spins_is_stopped_at_the_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(sandbox.SandboxFailure) as caught:
        sandbox.run_bounded(
            _spin, within=sandbox.Budget(memory_mb=100, cpu_seconds=60, wall_seconds=1)
        )
    assert caught.value.reason == sandbox.TIME
    assert time.monotonic() - started < 10


def test_a_child_over_its_cpu_limit_is_stopped() -> None:
    with pytest.raises(sandbox.SandboxFailure) as caught:
        sandbox.run_bounded(
            _spin, within=sandbox.Budget(memory_mb=100, cpu_seconds=1, wall_seconds=60)
        )
    assert caught.value.reason == sandbox.TIME


def test_a_child_killed_by_a_signal_is_a_crash_and_errors_come_back_as_raised() -> None:
    with pytest.raises(sandbox.SandboxFailure) as caught:
        sandbox.run_bounded(_die)
    assert caught.value.reason == sandbox.CRASH
    with pytest.raises(ImportFileError) as raised:
        sandbox.run_bounded(_raise)
    assert raised.value.code == "unsafe"


def test_the_request_budget_is_short_and_the_worker_budget_long() -> None:
    assert sandbox.budget().wall_seconds <= 20
    with sandbox.patient():
        assert sandbox.budget().wall_seconds >= 300
    assert sandbox.budget().wall_seconds <= 20


def test_a_file_whose_reading_dies_is_refused_with_parse_failed() -> None:
    # A file the checks let through, read with a deadline too short for it: the child is killed.
    from tutela.activities.tests.import_fixtures import row, xlsx_bytes

    with (
        override_settings(TUTELA_IMPORT_REQUEST_SECONDS=0.001),
        pytest.raises(ImportFileError) as caught,
    ):
        read_table(xlsx_bytes([row()]), file_name="5w.xlsx")
    assert caught.value.code == PARSE_FAILED
    assert "nothing was saved" in caught.value.message


# --- boundaries (tutela load_geo) -----------------------------------------------------------


@pytest.mark.django_db
def test_load_geo_lists_a_geojson_nested_a_million_deep_as_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "deep.geojson"
    path.write_bytes(geojson_bombs()["deep.geojson"])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_geo", str(path), stderr=err)
    assert "deep.geojson, file: not valid GeoJSON (nested too deeply)" in err.getvalue()
    assert AdminArea.objects.count() == 0


@pytest.mark.django_db
def test_load_geo_lists_a_file_whose_reading_was_stopped_as_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.geojson"
    path.write_bytes(geojson_bombs()["big.geojson"])
    # A deadline no parse can meet: the child is stopped, as one over its limits would be.
    tiny = sandbox.Budget(memory_mb=100, cpu_seconds=1, wall_seconds=0.001)
    monkeypatch.setattr(sandbox, "budget", lambda: tiny)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_geo", str(path), stderr=err)
    assert "big.geojson, file: reading it was stopped" in err.getvalue()
    assert AdminArea.objects.count() == 0


@pytest.mark.django_db
def test_load_geo_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.geojson"
    path.write_bytes(geojson_bombs()["big.geojson"])
    err = io.StringIO()
    with override_settings(TUTELA_GEO_MAX_BYTES=2**20), pytest.raises(CommandError):
        call_command("load_geo", str(path), stderr=err)
    assert "the limit is 1 MB" in err.getvalue()


@pytest.mark.django_db
def test_load_geo_reports_a_gazetteer_with_a_huge_value(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes(b"pcode,name,level,parent_pcode\nZZ," + b"x" * 300_000 + b",0,\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_geo", "--gazetteer", str(path), stderr=err)
    assert "not valid CSV" in err.getvalue()


# --- a real `tutela import_5w` process ------------------------------------------------------


def _limit_memory() -> None:  # pragma: no cover (runs in the subprocess before exec)
    # A machine's memory, as a process sees it: 6 GB.
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _tutela(
    *args: str, env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "tutela.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,  # noqa: PLW1509 (no threads in the test process matter here)
        check=False,
    )


@pytest.fixture(scope="module")
def real_database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A SQLite database on disk with the Mali boundaries and an operation, for real processes."""
    folder = tmp_path_factory.mktemp("real")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TUTELA_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'tutela.sqlite3'}",
        "TUTELA_VAR_DIR": str(folder / "var"),
    }
    # A copy of the run's migrated database (migrating here took over ten minutes when busy).
    shutil.copy(migrated_template(), folder / "tutela.sqlite3")
    for args in (
        ("load_geo", "--country", "MLI"),
        ("create_operation", "--slug", "mali", "--name", "Mali", "--country", "ML"),
    ):
        done = _tutela(*args, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
    return env


def test_a_real_import_5w_process_survives_the_reported_workbook(
    real_database: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(dimension_bomb())
    done = _tutela("import_5w", str(path), "--operation", "mali", "--dry-run", env=real_database)
    # Before the fix: "memory allocation of 549755813888 bytes failed", killed by SIGABRT (-6).
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "declares 16,384 columns; the limit is 5,000" in done.stdout
    assert "Status: Rejected" in done.stdout
    assert "The file was rejected; nothing was saved." in done.stderr


def test_a_real_load_geo_process_survives_a_geojson_nested_a_million_deep(
    real_database: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "deep.geojson"
    path.write_bytes(geojson_bombs()["deep.geojson"])
    done = _tutela("load_geo", str(path), env=real_database)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "nested too deeply" in done.stderr
