"""The hostile-file corpus (core/tests/hostile_corpus.py) through every 5W importer path: the web
upload (dry run, small files at once and big ones through the task worker), `tutela import_5w`,
the planning figures upload, and a real `db_worker` run: each file rejected with a clear message,
nothing written, the process alive."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tutela.activities.models import ActivityReport, ImportRecord, PlanningFigure
from tutela.activities.services.imports import import_5w_start
from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401
from tutela.core.imports.uploads import BACKGROUND_BYTES
from tutela.core.tests.hostile_corpus import CORPUS, corpus_file

pytestmark = pytest.mark.django_db

UPLOAD = "/o/mali/5w/upload/"
# The files the form refuses before reading them (over the 50 MB size limit).
FORM_REFUSED = {"csv_long_line"}
# Read (nothing in them is harmful once bounded), then rejected for lacking the 5W columns.
READABLE = {"deeply_nested"}
SAMPLE = ["dimension_bomb", "xls_bomb", "ods_far_cell", "zip_bomb", "csv_many_columns"]


def assert_rejected_clearly(record: ImportRecord, name: str) -> None:
    assert record.status == ImportRecord.Status.REJECTED, (name, record.status)
    assert record.problems, name
    problem = record.problems[0]
    if name not in READABLE:
        assert problem["code"] in {"too_big", "unsafe", "unreadable", "parse_failed"}, problem
    assert problem["message"]
    assert ActivityReport.objects.count() == 0


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_web_upload_of_a_hostile_file_is_rejected_with_a_clear_message(
    fivew: Any, as_user: Any, django_capture_on_commit_callbacks: Any, name: str
) -> None:
    file_name, data = corpus_file(name)
    # The 5W form takes .xlsx and .csv; the reader knows an xls or ods by its content.
    if file_name.endswith((".xls", ".ods")):
        file_name = file_name[:-4] + ".xlsx"
    client = as_user(fivew.world.partner)
    # Files over 512 KB are queued once the upload commits, and run by the task worker (at once
    # in the test settings).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            UPLOAD, {"file": SimpleUploadedFile(file_name, data), "dry_run": "on"}
        )
    if name in FORM_REFUSED:
        assert response.status_code == 200
        assert "50 MB" in response.content.decode()
        assert not ImportRecord.objects.exists()
        return
    assert response.status_code == 302, name
    record = ImportRecord.objects.get()
    assert_rejected_clearly(record, name)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert record.problems[0]["message"] in page.content.decode()


def test_the_reported_workbook_padded_to_700_kb_goes_to_the_worker_and_is_rejected(
    fivew: Any, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    file_name, data = corpus_file("dimension_bomb_padded")
    assert len(data) > BACKGROUND_BYTES
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(fivew.world.partner).post(
            UPLOAD, {"file": SimpleUploadedFile(file_name, data), "dry_run": "on"}
        )
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    # The test settings run queued tasks at once; the record went through the worker's path.
    assert record.job is not None
    record.job.refresh_from_db()
    assert record.job.is_finished
    assert_rejected_clearly(record, "dimension_bomb_padded")
    assert "declares 16,384 columns" in record.problems[0]["message"]


@pytest.mark.parametrize("name", SAMPLE)
def test_import_5w_command_rejects_a_hostile_file(fivew: Any, tmp_path: Path, name: str) -> None:
    file_name, data = corpus_file(name)
    path = tmp_path / file_name
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_5w", str(path), "--operation", "mali", "--dry-run", stdout=out)
    assert "Status: Rejected" in out.getvalue()
    assert_rejected_clearly(ImportRecord.objects.get(), name)


@pytest.mark.parametrize("name", SAMPLE)
def test_planning_upload_rejects_a_hostile_file(fivew: Any, as_user: Any, name: str) -> None:
    file_name, data = corpus_file(name)
    response = as_user(fivew.world.imo).post(
        "/o/mali/5w/config/planning/upload/",
        {"file": SimpleUploadedFile(file_name.replace(".xls", ".xlsx"), data), "year": 2026},
    )
    assert response.status_code == 200
    record = ImportRecord.objects.filter(kind="planning").first()
    if record is not None:
        assert record.status == ImportRecord.Status.REJECTED
        assert record.problems[0]["message"] in response.content.decode()
    assert PlanningFigure.objects.count() == 0


def test_a_real_db_worker_survives_the_padded_workbook_and_runs_the_next_task(
    fivew: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    from tutela.core.management.commands import db_worker as tutela_worker

    # The worker runs in this process, inside the test's transaction: it must not close the
    # connection between tasks (PostgreSQL would lose the transaction).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    # Tutela's worker (which `db_worker` runs) calls its own import of it: on PostgreSQL, closing
    # the connection inside the test's transaction left the worker retrying a closed connection
    # for ever (the full PostgreSQL run hung here).
    monkeypatch.setattr(tutela_worker, "close_old_connections", lambda: None)

    file_name, data = corpus_file("dimension_bomb_padded")
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=tasks):
        with django_capture_on_commit_callbacks(execute=True):
            bomb = import_5w_start(
                by=fivew.world.partner,
                operation=fivew.world.operation,
                file=io.BytesIO(data),
                file_name=file_name,
                dry_run=True,
            )
            from tutela.activities.tests.import_fixtures import row, xlsx_bytes

            good = import_5w_start(
                by=fivew.world.partner,
                operation=fivew.world.operation,
                file=io.BytesIO(xlsx_bytes([row(admin2_pcode="ML0501")])),
                file_name="good.xlsx",
                dry_run=True,
                background=True,
            )
            assert bomb.status == good.status == ImportRecord.Status.PENDING
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    bomb.refresh_from_db()
    good.refresh_from_db()
    assert_rejected_clearly(bomb, "dimension_bomb_padded")
    assert good.status != ImportRecord.Status.PENDING
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()


def test_an_import_whose_reading_was_stopped_is_rejected_and_can_be_run_again(
    fivew: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutela.activities.tests.import_fixtures import row, xlsx_bytes
    from tutela.core import sandbox
    from tutela.core.imports.pages import record_restart

    real_budget = sandbox.budget
    # A deadline no parse meets: the child reading the file is killed, as one over its memory
    # or CPU limit would be.
    monkeypatch.setattr(
        sandbox, "budget", lambda: sandbox.Budget(memory_mb=100, cpu_seconds=1, wall_seconds=0.001)
    )
    data = xlsx_bytes([row(admin2_pcode="ML0501")])
    with django_capture_on_commit_callbacks(execute=True):
        record = import_5w_start(
            by=fivew.world.partner,
            operation=fivew.world.operation,
            file=io.BytesIO(data),
            file_name="5w.xlsx",
            dry_run=True,
            background=True,
        )
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.REJECTED
    assert record.problems[0]["code"] == "parse_failed"
    assert "stopped" in record.problems[0]["message"]
    assert record.job is not None
    record.job.refresh_from_db()
    assert record.job.is_finished
    monkeypatch.setattr(sandbox, "budget", real_budget)
    again = record_restart(
        record,
        start=import_5w_start,
        by=fivew.world.partner,
        operation=fivew.world.operation,
        dry_run=True,
    )
    assert again.status == ImportRecord.Status.DRY_RUN, again.problems[:2]
