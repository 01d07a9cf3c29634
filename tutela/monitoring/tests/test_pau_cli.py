"""tutela pau --operation SLUG --period 2026Q3 --lang fr -o pau.docx"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import CommandError, call_command

from tutela.core.models import AuditEntry
from tutela.monitoring.models import AnalysisUpdate
from tutela.monitoring.tests.pau_helpers import make_many, seed


@pytest.fixture
def mali(world: Any, areas: Any) -> Any:
    seed(world.operation)
    make_many(world.operation, world.amss, areas["ML0501"], datetime.date(2026, 7, 1), 6, "R02")
    return world


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("pau", *args, stdout=out)
    return out.getvalue()


def test_writes_a_docx_and_creates_the_draft(mali: Any, tmp_path: Path) -> None:
    target = tmp_path / "pau.docx"
    output = run("--operation", "mali", "--period", "2026Q3", "--lang", "fr", "-o", str(target))
    assert "Created" in output
    document = docx.Document(str(target))
    assert any(p.style.name == "Title" for p in document.paragraphs)
    update = AnalysisUpdate.objects.get()
    assert (update.period, update.language, update.scope) == ("2026Q3", "fr", None)
    assert AuditEntry.objects.filter(action="create", entity_id=str(update.pk)).exists()


def test_second_run_refreshes_the_draft_and_writes_a_pdf(mali: Any, tmp_path: Path) -> None:
    run("--operation", "mali", "--period", "2026Q3", "--lang", "fr", "-o", str(tmp_path / "a.docx"))
    output = run(
        "--operation", "mali", "--period", "2026Q3", "--lang", "fr", "-o", str(tmp_path / "a.pdf")
    )
    assert "Updated" in output
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    update = AnalysisUpdate.objects.get()
    assert update.versions.count() == 2


def test_scope_by_pcode(mali: Any, tmp_path: Path, areas: Any) -> None:
    run(
        "--operation",
        "mali",
        "--period",
        "2026-07",
        "--lang",
        "en",
        "--scope",
        "ML05",
        "-o",
        str(tmp_path / "mopti.docx"),
    )
    assert AnalysisUpdate.objects.get().scope == areas["ML05"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operation", "nowhere", "--period", "2026Q3"], "Unknown operation"),
        (["--operation", "mali", "--period", "2026Q9"], "not a period"),
        (["--operation", "mali", "--period", "2026Q3", "--scope", "ML0501"], "region"),
        (["--operation", "mali", "--period", "2026Q3", "--lang", "de"], "language"),
    ],
)
def test_errors_are_reported(mali: Any, tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args, "-o", str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="docx or .pdf"):
        run("--operation", "mali", "--period", "2026Q3", "-o", str(tmp_path / "x.odt"))
    assert not AnalysisUpdate.objects.exists()
