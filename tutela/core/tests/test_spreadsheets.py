"""Formula (CSV) injection: every spreadsheet the application writes shows user text as text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tutela.core.spreadsheets import csv_safe, sheet_title, xlsx_cell, xlsx_row, xlsx_text

ATTACK = "=1+2+cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [ATTACK, "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_text_that_would_run_gets_an_apostrophe(text: str) -> None:
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Bandiagara", "R02 Attacks", "", 12, -3, 1.5, None])
def test_csv_leaves_other_values_alone(value: object) -> None:
    assert csv_safe(value) == value


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_text_is_stored_as_text_never_as_formula(write_only: bool) -> None:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("t")
    sheet.append(xlsx_row(sheet, [ATTACK, 7, None, "plain"]))
    if not write_only:
        xlsx_text(sheet.cell(row=2, column=1), ATTACK)
        sheet.append([xlsx_cell(sheet, ATTACK)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue()))["t"]
    cells = [c for row in read.iter_rows() for c in row if c.value is not None]
    texts = [c for c in cells if c.value == ATTACK]
    assert texts
    assert all(c.data_type == "s" for c in texts)
    assert all(c.data_type != "f" for c in cells)
    assert read["B1"].value == 7


def test_sheet_title_drops_what_excel_refuses() -> None:
    assert sheet_title("Incidents per [Cercle]: a/b") == "Incidents per  Cercle   a b"


# Modules that write CSV or XLSX files for users. Each must go through tutela.core.spreadsheets.
ROOT = Path(__file__).resolve().parents[3]
WRITES = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(")
# Generators of synthetic test and benchmark files (never served to users).
NOT_EXPORTS = {"tutela/activities/synthetic.py", "bench/synthetic/monitoring.py"}


def test_every_spreadsheet_writer_uses_the_shared_neutraliser() -> None:
    writers = []
    for path in sorted(ROOT.glob("tutela/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or relative in NOT_EXPORTS:
            continue
        text = path.read_text(encoding="utf-8")
        if relative != "tutela/core/spreadsheets.py" and WRITES.search(text):
            writers.append(relative)
            assert "tutela.core.spreadsheets import" in text, relative
    assert len(writers) >= 7, writers
