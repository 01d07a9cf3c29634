"""A site-level 5W as national clusters send it (three header rows, Spanish labels, their own age
bands, dd/mm/aa dates, local status words, site codes) goes in untouched: through the command line
with a mapping said once, then next month's file with the same mapping and no new question."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tutela.activities.models import ActivityReport, ColumnMapping, ImportRecord
from tutela.activities.selectors import pivot
from tutela.activities.services.imports import import_inspect
from tutela.activities.tests.import_fixtures import Ops, ops_fixture  # noqa: F401
from tutela.activities.tests.real_files import (
    CLI_COLUMNS,
    CLI_SETS,
    CLI_VALUES,
    LABELS,
    site_row,
    site_workbook,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def first_month(path: Path) -> str:
    """The first file, with the mapping said on the command line and saved."""
    options: list[str] = []
    for item in CLI_COLUMNS:
        options += ["--column", item]
    for item in CLI_SETS:
        options += ["--set", item]
    for item in CLI_VALUES:
        options += ["--value", item]
    return run(
        "import_5w",
        str(path),
        "--operation",
        "mali",
        "--as",
        "imo@unhcr.test",
        *options,
        "--save-mapping",
        "Clúster 5W sitios",
    )


def test_site_level_spanish_workbook_imports_untouched_then_next_month_with_the_same_mapping(
    ops: Ops, tmp_path: Path
) -> None:
    february = tmp_path / "5W_febrero.xlsx"
    february.write_bytes(
        site_workbook(
            [
                site_row("feb-26", start="02/02/26", end="27/02/26"),
                # The same activity, place, month and group at another site: another row.
                site_row(
                    "feb-26",
                    site="Centro de salud El Carmen",
                    code="S-002",
                    start="02/02/26",
                    end="27/02/26",
                    girls=(0, 3, 2),
                ),
                site_row(
                    "feb-26",
                    group="Comunidad de acogida",
                    status="Finalizado",
                    start="02/02/26",
                    end="27/02/26",
                ),
            ]
        )
    )
    output = first_month(february)
    assert "Status: Imported" in output, output
    assert "created: 3" in output
    rows = {(r.site_code, r.population_group.code): r for r in ActivityReport.objects.all()}
    assert set(rows) == {("S-001", "IDP"), ("S-002", "IDP"), ("S-001", "HST")}
    school = rows[("S-001", "IDP")]
    # The age bands 0-3 + 4-11 + 12-17 added into the operation's girls and boys.
    assert (school.girls, school.boys, school.women, school.men) == (10, 9, 12, 6)
    assert school.total == 40
    assert rows[("S-002", "IDP")].girls == 5
    assert school.site == "Escuela San José"
    assert school.latitude == pytest.approx(14.3497)
    assert school.month.isoformat() == "2026-02-01"
    assert school.start_date.isoformat() == "2026-02-02"
    assert school.status == "ongoing"
    assert rows[("S-001", "HST")].status == "completed"
    # Constants for the columns the file lacks.
    assert school.organisation == ops.world.amss
    assert school.modality == "in_person"
    # The percentage column was ignored on purpose: no warning about unused numbers.
    assert "holds numbers" not in output
    mapping = ColumnMapping.objects.get(name="Clúster 5W sitios")
    assert mapping.columns["% mujeres"] == ""
    assert mapping.values["organisation"] == {"": "AMSS"}

    # Next month: the same shape, new sites and figures, and nothing more to say.
    march = tmp_path / "5W_marzo.xlsx"
    march.write_bytes(
        site_workbook(
            [
                site_row("mar-26", girls=(3, 5, 3)),
                site_row("mar-26", site="Centro de salud El Carmen", code="S-002"),
                site_row("mar-26", site="Asentamiento La Paz", code="S-017", boys=(2, 2, 2)),
            ]
        )
    )
    again = run(
        "import_5w",
        str(march),
        "--operation",
        "mali",
        "--as",
        "imo@unhcr.test",
        "--mapping",
        "Clúster 5W sitios",
    )
    assert "Status: Imported" in again, again
    assert "created: 3" in again
    assert "Errors: 0  warnings: 0" in again
    record = ImportRecord.objects.latest("created_at")
    assert record.mapping == mapping
    marzo = ActivityReport.objects.filter(month__month=3)
    assert marzo.count() == 3
    assert marzo.get(site_code="S-001").girls == 11
    assert marzo.get(site_code="S-017").boys == 6

    # Pivot by site: both sites of the school's activity count (the counting rule keeps one
    # month per site, not one per place).
    table = pivot(user=ops.world.imo, operation=ops.operation, rows_by=["site"])
    by_site = {row.labels[0]: row for row in table.rows}
    assert set(by_site) >= {
        "S-001 — Escuela San José",
        "S-002 — Centro de salud El Carmen",
        "S-017 — Asentamiento La Paz",
    }
    overall = pivot(user=ops.world.imo, operation=ops.operation, rows_by=[])
    # max_month per partner × activity × place × site × group: March for S-001 IDP (41 > 40),
    # March for S-002 (40 > 35), S-017 (37), S-001 HST (40 in February only).
    assert overall.totals["total"] == 41 + 40 + 37 + 40


def test_rows_with_genuine_errors_are_all_reported_at_once(ops: Ops, tmp_path: Path) -> None:
    path = tmp_path / "5W_con_errores.xlsx"
    path.write_bytes(
        site_workbook(
            [
                site_row(),
                # A date that does not exist, a count typed as a word, a latitude out of range.
                site_row(site="Escuela Nueva", code="S-003", start="31/02/26"),
                site_row(site="Escuela Vieja", code="S-004", girls=(2, "cinco", 3)),
                site_row(site="Escuela Norte", code="S-005", **{"Latitud": 143.5}),
            ]
        )
    )
    options: list[str] = []
    for item in CLI_COLUMNS:
        options += ["--column", item]
    for item in CLI_SETS:
        options += ["--set", item]
    for item in CLI_VALUES:
        options += ["--value", item]
    out = io.StringIO()
    with pytest.raises(CommandError, match="rejected"):
        call_command(
            "import_5w",
            str(path),
            "--operation",
            "mali",
            *options,
            "--save-mapping",
            "Clúster",
            stdout=out,
        )
    output = out.getvalue()
    assert "row 5, column “Fecha de inicio”" in output, output
    assert "row 6, column “Niñas 0-3”" in output
    assert "cinco" in output
    assert "row 7, column “Latitud”" in output
    assert ActivityReport.objects.count() == 0


def test_mis_mappings_are_caught_before_anything_is_written() -> None:
    """A percentage mapped to a count is an error; a hashtag saying men over "Mujeres…" and a
    column nearly empty are warnings; the file is only read (no database)."""
    rows = [site_row(code="" if n else "S-001") for n in range(25)]
    workbook = openpyxl.load_workbook(io.BytesIO(site_workbook(rows)))
    sheet = workbook["5W sitios"]
    women = LABELS.index("Mujeres 18-59") + 1
    assert sheet.cell(row=3, column=women).value == "#reached+f+adults"
    sheet.cell(row=3, column=women).value = "#reached+m+adults"
    content = io.BytesIO()
    workbook.save(content)
    inspection = import_inspect(
        file=content.getvalue(),
        file_name="5W.xlsx",
        mapping=ColumnMapping(columns={"% mujeres": "older_women"}, header_row=2),
    )
    by_code = {(p.code, p.column): p for p in inspection.problems}
    assert by_code[("rate_as_count", "% mujeres")].severity == "error"
    assert by_code[("hxl_contradicts_label", "Mujeres 18-59")].severity == "warning"
    assert by_code[("nearly_empty", "Código del sitio")].severity == "warning"
    # The well-mapped columns raise nothing.
    assert not any(p.column == "Latitud" for p in inspection.problems)
