"""`tutela import_5w` and `tutela import_planning`: report printed, non-zero exit when rejected."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from tutela.activities.models import ActivityReport, ImportRecord, PlanningFigure
from tutela.activities.services.imports import mapping_save
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    csv_bytes,
    ops_fixture,
    row,
    xlsx_bytes,
)
from tutela.cli import main
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def exit_status(monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> tuple[int, str]:
    """Run the `tutela` console script in this process (sharing the test database)."""
    monkeypatch.setattr("sys.argv", ["tutela", *args])
    # A command closes the database connections when it ends; the test still needs its own
    # (PostgreSQL would lose the test transaction).
    monkeypatch.setattr(connections, "close_all", lambda: None)
    try:
        main()
    except SystemExit as exc:
        captured = capsys.readouterr()
        return int(exc.code or 0), captured.out + captured.err
    captured = capsys.readouterr()
    return 0, captured.out + captured.err


def test_import_prints_counts_and_saves(ops: Ops, tmp_path: Path) -> None:
    path = tmp_path / "5w.xlsx"
    path.write_bytes(xlsx_bytes([row(), row(population_group="REF")]))
    output = run("import_5w", str(path), "--operation", "mali", "--as", "imo@unhcr.test")
    assert "Status: Imported" in output
    assert "created: 2" in output
    assert ActivityReport.objects.count() == 2
    record = ImportRecord.objects.get()
    assert record.user == ops.world.imo
    assert AuditEntry.objects.filter(entity_type="activities.importrecord").count() == 1
    again = run("import_5w", str(path), "--operation", "mali", "--as", "imo@unhcr.test")
    assert "unchanged: 2" in again
    assert ActivityReport.objects.count() == 2


def test_rejected_file_exits_non_zero_with_problems_by_row_and_column(
    ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    path = tmp_path / "5w.xlsx"
    path.write_bytes(xlsx_bytes([row(), row(population_group="REF", admin2_pcode="ML0599")]))
    with pytest.raises(CommandError, match="rejected"):
        run("import_5w", str(path), "--operation", "mali")
    status, output = exit_status(monkeypatch, capsys, "import_5w", str(path), "--operation", "mali")
    assert status == 1
    assert "Status: Rejected" in output
    assert "[error] row 4, column “admin2_pcode”:" in output
    assert "ML0599" in output
    assert ActivityReport.objects.count() == 0


def test_success_exits_zero(
    ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    path = tmp_path / "5w.csv"
    path.write_bytes(csv_bytes([row()]))
    status, output = exit_status(
        monkeypatch, capsys, "import_5w", str(path), "--operation", "mali", "--dry-run"
    )
    assert status == 0
    assert "Checked (dry run)" in output
    assert "created: 1" in output
    assert ActivityReport.objects.count() == 0


def test_org_and_saved_mapping_options(ops: Ops, tmp_path: Path) -> None:
    mapping_save(
        by=ops.world.imo,
        operation=ops.operation,
        organisation=ops.world.amss,
        name="AMSS sheet",
        columns={"Mois": "month", "Code": "activity", "Cercle": "admin2_pcode", "Total": "total"},
        values={"population_group": {"": "IDP"}},
    )
    path = tmp_path / "amss.csv"
    path.write_bytes(
        csv_bytes(
            [{"Mois": "2026-03", "Code": "PRO-PSS", "Cercle": "ML0501", "Total": 9}],
            headers=["Mois", "Code", "Cercle", "Total"],
        )
    )
    output = run(
        "import_5w",
        str(path),
        "--operation",
        "mali",
        "--org",
        "amss",
        "--mapping",
        "AMSS sheet",
        "--as",
        "imo@unhcr.test",
    )
    assert "created: 1" in output
    saved = ActivityReport.objects.get()
    assert saved.organisation == ops.world.amss
    assert saved.total == 9


def test_language_option(ops: Ops, tmp_path: Path) -> None:
    path = tmp_path / "5w.csv"
    path.write_bytes(csv_bytes([row(girls=-1)]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_5w", str(path), "--operation", "mali", "--language", "fr", stdout=out)
    assert "[error] row 2, column “girls”" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operation", "nowhere"], "No operation"),
        (["--operation", "mali", "--org", "NOPE"], "No organisation"),
        (["--operation", "mali", "--mapping", "Nope"], "No column mapping"),
        (["--operation", "mali", "--as", "nobody@x.test"], "No active user"),
    ],
)
def test_bad_options(ops: Ops, tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "5w.csv"
    path.write_bytes(csv_bytes([row()]))
    with pytest.raises(CommandError, match=message):
        run("import_5w", str(path), *args)


def test_missing_file_and_user_without_rights(ops: Ops, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No file"):
        run("import_5w", str(tmp_path / "missing.xlsx"), "--operation", "mali")
    path = tmp_path / "5w.csv"
    path.write_bytes(csv_bytes([row()]))
    with pytest.raises(CommandError):
        run("import_5w", str(path), "--operation", "mali", "--as", "donor@echo.test")
    assert not ImportRecord.objects.exists()


def test_import_planning_command(ops: Ops, tmp_path: Path) -> None:
    path = tmp_path / "hno.csv"
    path.write_text("pcode,aor,pin,targeted,severity\nML05,PRO,1000,400,3\n", encoding="utf-8")
    output = run("import_planning", str(path), "--operation", "mali", "--year", "2026")
    assert "created: 1" in output
    assert PlanningFigure.objects.get().people_in_need == 1000
    path.write_text("pcode,aor,pin,targeted,severity\nML05,PRO,1000,400,8\n", encoding="utf-8")
    with pytest.raises(CommandError, match="rejected"):
        run("import_planning", str(path), "--operation", "mali", "--year", "2026")
    assert PlanningFigure.objects.get().severity == 3
