from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tutela.activities.services.xlsx_template import DATA_SHEET, TEMPLATE_FIELDS
from tutela.activities.tests.export_fixtures import Mali, mali_fixture  # noqa: F401


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("export_5w_template", *args, stdout=out)
    return out.getvalue()


def test_command_writes_the_organisations_template(mali: Mali, tmp_path: Path) -> None:
    target = tmp_path / "amss.xlsx"

    output = run("--operation", "mali", "--org", "amss", "-o", str(target))

    assert "AMSS" in output
    assert str(target) in output
    workbook = openpyxl.load_workbook(target)
    # Headers in the operation's language; the HXL row under them names every field.
    headers = [cell.value for cell in workbook[DATA_SHEET][1]]
    assert headers[0] == "Mois de rapportage"
    assert len(headers) == len(TEMPLATE_FIELDS)
    assert [cell.value for cell in workbook[DATA_SHEET][2]] == [f.hxl for f in TEMPLATE_FIELDS]
    props = {prop.name: prop.value for prop in workbook.custom_doc_props.props}
    # The operation's default language (French) unless --lang says otherwise.
    assert props["tutela_organisation"] == "AMSS"
    assert props["tutela_language"] == "fr"
    assert workbook.sheetnames[2] == "Activités"


def test_command_language_and_month(mali: Mali, tmp_path: Path) -> None:
    target = tmp_path / "drc.xlsx"

    run(
        "--operation",
        "mali",
        "--org",
        "DRC",
        "--lang",
        "en",
        "--month",
        "2026-02",
        "-o",
        str(target),
    )

    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames[2] == "Activities"
    months = workbook.defined_names["T_MONTH"]
    ((title, ref),) = list(months.destinations)
    assert [row[0].value for row in workbook[title][ref]] == ["2026-02"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operation", "nowhere", "--org", "AMSS"], "Unknown operation"),
        (["--operation", "mali", "--org", "MSF"], "No organisation “MSF” in mali"),
        (["--operation", "colombia", "--org", "AMSS"], "No organisation"),
        (["--operation", "mali", "--org", "AMSS", "--lang", "de"], "Unknown language"),
        (["--operation", "mali", "--org", "AMSS", "--month", "2020-01"], "No reporting round"),
        (["--operation", "mali", "--org", "AMSS", "--month", "mars"], "YYYY-MM"),
    ],
)
def test_command_refuses_bad_arguments(
    mali: Mali, tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "out.xlsx"

    with pytest.raises(CommandError, match=message):
        run(*args, "-o", str(target))

    assert not target.exists()
