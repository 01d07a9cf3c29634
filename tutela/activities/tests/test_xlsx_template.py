from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import hxl
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tutela.activities.models import ReportingRound
from tutela.activities.models.fields import FIELDS
from tutela.activities.services.xlsx_template import (
    DATA_ROWS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    TEMPLATE_FIELDS,
    template_workbook,
)
from tutela.activities.tests.export_fixtures import (  # noqa: F401
    CSV_SECOND_SHEET,
    FEB,
    Mali,
    mali_fixture,
    soffice_convert,
)
from tutela.core.models import AdminArea

LAST_ROW = FIRST_DATA_ROW + DATA_ROWS - 1


def open_template(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def make(mali: Mali, language: str = "fr", **kwargs: Any) -> bytes:
    return template_workbook(
        operation=mali.operation, organisation=mali.world.amss, language=language, **kwargs
    )


def column_index(name: str) -> int:
    return [f.name for f in TEMPLATE_FIELDS].index(name)


def column_of(name: str) -> str:
    index = [f.name for f in TEMPLATE_FIELDS].index(name) + 1
    return openpyxl.utils.get_column_letter(index)


def validation_for(sheet: Any, name: str) -> Any:
    letter = column_of(name)
    wanted = f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}"
    found = [dv for dv in sheet.data_validations.dataValidation if str(dv.sqref) == wanted]
    assert len(found) == 1, f"no single validation on {wanted} ({name})"
    return found[0]


def named_values(workbook: openpyxl.Workbook, name: str) -> list[str]:
    defined = workbook.defined_names[name]
    ((sheet_title, ref),) = list(defined.destinations)
    return [row[0].value for row in workbook[sheet_title][ref]]


def test_template_sheets_are_instructions_data_reference_and_hidden_lists(mali: Mali) -> None:
    workbook = open_template(make(mali, "fr"))

    assert workbook.sheetnames == ["Instructions", DATA_SHEET, "Activités", "Lists"]
    assert workbook.active is not None
    assert workbook.active.title == DATA_SHEET
    assert workbook["Lists"].sheet_state == "hidden"
    assert workbook["Lists"].protection.sheet
    assert workbook["Activités"].protection.sheet
    assert workbook["Instructions"].protection.sheet
    assert not workbook[DATA_SHEET].protection.sheet


def test_header_row_has_labels_and_second_row_hxl_tags(mali: Mali) -> None:
    sheet = open_template(make(mali))[DATA_SHEET]

    headers = [cell.value for cell in sheet[1]]
    tags = [cell.value for cell in sheet[2]]
    assert headers[0] == "Mois de rapportage"
    assert headers[column_index("girls")] == "Filles (0-17)"
    assert len(headers) == len(TEMPLATE_FIELDS)
    assert "organisation" not in headers
    assert tags == [f.hxl for f in FIELDS if f.name != "organisation"]
    assert all(tag.startswith("#") for tag in tags)
    assert sheet.freeze_panes == "A3"
    assert sheet.max_row == LAST_ROW
    # The label and the admin level names are in the header's comment.
    comment = sheet[f"{column_of('admin2_name')}1"].comment
    assert comment is not None
    assert "Cercle" in comment.text


def test_dropdowns_for_codes_and_months(mali: Mali) -> None:
    workbook = open_template(make(mali))
    sheet = workbook[DATA_SHEET]

    assert validation_for(sheet, "activity").formula1 == "T_ACTIVITY"
    assert validation_for(sheet, "population_group").formula1 == "T_POPULATION"
    assert validation_for(sheet, "status").formula1 == "T_STATUS"
    assert validation_for(sheet, "modality").formula1 == "T_MODALITY"
    month = validation_for(sheet, "month")
    assert month.type == "list"
    assert month.formula1 == "T_MONTH"
    # Only the open round (March); February is closed.
    assert named_values(workbook, "T_MONTH") == ["2026-03"]
    assert "PRO-PSS" in named_values(workbook, "T_ACTIVITY")
    assert named_values(workbook, "T_STATUS") == ["planned", "ongoing", "completed"]
    assert set(named_values(workbook, "T_POPULATION")) >= {"IDP", "REF", "HST"}
    # Implementing partners: the operation's other organisations.
    assert named_values(workbook, "T_PARTNER") == ["DRC", "OTHER", "UNHCR"]
    for name in ("activity", "population_group", "status", "month"):
        dv = validation_for(sheet, name)
        assert dv.showErrorMessage
        assert dv.showInputMessage
        assert dv.errorStyle == "stop"
        assert dv.prompt
        assert dv.error
        assert len(dv.prompt) <= 255
        assert len(dv.promptTitle) <= 32


def test_indicator_list_depends_on_the_activity(mali: Mali) -> None:
    workbook = open_template(make(mali))
    indicator = validation_for(workbook[DATA_SHEET], "indicator")

    assert indicator.formula1.startswith('INDIRECT("I_"&')
    assert f"${column_of('activity')}{FIRST_DATA_ROW}" in indicator.formula1
    assert named_values(workbook, "I_PRO_AWA") == ["PRO-AWA-01", "PRO-AWA-02"]
    assert named_values(workbook, "I_CP_CM") == ["CP-CM-01"]


def test_places_cascade_through_one_named_range_per_parent(mali: Mali) -> None:
    workbook = open_template(make(mali))
    sheet = workbook[DATA_SHEET]

    assert validation_for(sheet, "admin1_name").formula1 == "L_ADM1"
    admin2 = validation_for(sheet, "admin2_name").formula1
    admin3 = validation_for(sheet, "admin3_name").formula1
    assert admin2 == f'INDIRECT("L_"&${column_of("admin1_pcode")}{FIRST_DATA_ROW})'
    assert admin3 == f'INDIRECT("L_"&${column_of("admin2_pcode")}{FIRST_DATA_ROW})'

    regions = AdminArea.objects.filter(pcode__startswith="ML", level=1)
    assert sorted(named_values(workbook, "L_ADM1")) == sorted(r.name for r in regions)
    mopti_cercles = AdminArea.objects.filter(parent__pcode="ML05").values_list("name", flat=True)
    assert sorted(named_values(workbook, "L_ML05")) == sorted(mopti_cercles)
    # One named range per region and per cercle; every commune listed exactly once.
    cercles = AdminArea.objects.filter(country_pcode="ML", level=2)
    assert all(f"L_{c.pcode}" in workbook.defined_names for c in cercles)
    communes = [v for c in cercles for v in named_values(workbook, f"L_{c.pcode}")]
    assert len(communes) == 701
    # All the lookups live on the one hidden sheet.
    for name, defined in workbook.defined_names.items():
        assert [title for title, _ref in defined.destinations] == ["Lists"], name


def test_pcode_columns_are_filled_from_the_names_on_every_row(mali: Mali) -> None:
    sheet = open_template(make(mali))[DATA_SHEET]

    for row in (FIRST_DATA_ROW, LAST_ROW):
        admin1 = sheet[f"{column_of('admin1_pcode')}{row}"].value
        admin2 = sheet[f"{column_of('admin2_pcode')}{row}"].value
        assert admin1.startswith("=")
        assert "MATCH(" in admin1
        assert f"{column_of('admin1_name')}{row}" in admin1
        assert f"{column_of('admin1_pcode')}{row}&" in admin2
    assert sheet[f"{column_of('month')}{FIRST_DATA_ROW}"].number_format == "@"


def test_counts_accept_whole_numbers_of_zero_or_more(mali: Mali) -> None:
    sheet = open_template(make(mali))[DATA_SHEET]

    for name in ("girls", "boys", "women", "men", "older_women", "older_men", "total"):
        dv = validation_for(sheet, name)
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert validation_for(sheet, "start_date").type == "date"
    # Totals that are not the sum of the bands are highlighted.
    ranges = [str(cf.sqref) for cf in sheet.conditional_formatting]
    assert f"{column_of('total')}{FIRST_DATA_ROW}:{column_of('total')}{LAST_ROW}" in ranges


def test_month_list_is_the_round_given(mali: Mali) -> None:
    february = ReportingRound.objects.get(operation=mali.operation, month=FEB)
    workbook = open_template(make(mali, round=february))

    assert named_values(workbook, "T_MONTH") == ["2026-02"]


def test_without_open_round_the_month_is_checked_as_yyyy_mm(mali: Mali) -> None:
    ReportingRound.objects.filter(operation=mali.operation).update(
        status=ReportingRound.Status.CLOSED
    )
    workbook = open_template(make(mali))

    assert "T_MONTH" not in workbook.defined_names
    month = validation_for(workbook[DATA_SHEET], "month")
    assert month.type == "custom"
    assert "LEN(" in month.formula1


def test_reference_sheet_and_instructions_follow_the_language(mali: Mali) -> None:
    french = open_template(make(mali, "fr"))
    english = open_template(make(mali, "en"))

    def texts(sheet: Any) -> str:
        return "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)

    assert "Gestion de cas de protection" in texts(french["Activités"])
    assert "Protection case management" in texts(english["Activities"])
    assert english.sheetnames[2] == "Activities"
    instructions = texts(english["Instructions"])
    assert "AMSS" in instructions
    assert "counted once" in instructions
    assert "No names" in instructions
    assert "2026-03" in instructions
    # Every template column is explained.
    for field in TEMPLATE_FIELDS:
        assert field.hxl in instructions
    # Spanish: activity names fall back to English where no Spanish name is set.
    spanish = open_template(make(mali, "es"))
    assert "Protection case management" in texts(spanish[spanish.sheetnames[2]])


def test_template_says_whose_it_is(mali: Mali) -> None:
    workbook = open_template(make(mali))

    props = {prop.name: prop.value for prop in workbook.custom_doc_props.props}
    assert props["tutela_organisation"] == "AMSS"
    assert props["tutela_operation"] == "mali"
    assert props["tutela_template"] == "5w"


def test_template_for_a_whole_country_stays_small(mali: Mali) -> None:
    assert len(make(mali)) < 300_000


def fill_in(content: bytes, path: Path) -> None:
    """Type a row into the template as a partner would (openpyxl, no formula recalculation)."""
    workbook = open_template(content)
    sheet = workbook[DATA_SHEET]
    values = {
        "month": "2026-03",
        "activity": "PRO-PSS",
        "indicator": "PRO-PSS-01",
        "admin1_name": "Mopti",
        "admin2_name": "Bandiagara",
        "admin3_name": "Bandiagara",
        "population_group": "IDP",
        "status": "ongoing",
        "girls": 1,
        "boys": 2,
        "women": 3,
        "men": 4,
        "older_women": 0,
        "older_men": 0,
        "total": 10,
        "with_disability": 1,
    }
    for name, value in values.items():
        sheet[f"{column_of(name)}{FIRST_DATA_ROW}"] = value
    # A second row with the P-code typed over the formula.
    sheet[f"{column_of('admin1_pcode')}{FIRST_DATA_ROW + 1}"] = "ML04"
    sheet[f"{column_of('activity')}{FIRST_DATA_ROW + 1}"] = "PRO-AWA"
    workbook.save(path)


def test_filled_in_template_reads_back_with_calamine(mali: Mali, tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    fill_in(make(mali), path)

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(DATA_SHEET).to_python()

    headers = [f.name for f in TEMPLATE_FIELDS]
    assert rows[0][0] == "Mois de rapportage"
    assert rows[1] == [f.hxl for f in TEMPLATE_FIELDS]
    first = dict(zip(headers, rows[2], strict=True))
    assert first["activity"] == "PRO-PSS"
    assert first["admin3_name"] == "Bandiagara"
    assert first["total"] == 10
    second = dict(zip(headers, rows[3], strict=True))
    assert second["admin1_pcode"] == "ML04"


def test_filled_in_template_is_an_hxl_dataset(mali: Mali, tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    fill_in(make(mali), path)

    # libhxl finds the tagged sheet behind the instructions and skips the empty prepared rows.
    data = hxl.data(str(path), hxl.InputOptions(allow_local=True)).cache()

    assert data.display_tags == [f.hxl for f in TEMPLATE_FIELDS]
    activities = [row.get("#activity+code") for row in data]
    assert activities == ["PRO-PSS", "PRO-AWA"]


@pytest.mark.libreoffice
def test_libreoffice_converts_the_template_without_errors(mali: Mali, tmp_path: Path) -> None:
    source = tmp_path / "template.xlsx"
    source.write_bytes(make(mali))

    to_csv = soffice_convert(source, CSV_SECOND_SHEET, tmp_path / "csv")
    to_ods = soffice_convert(source, "ods", tmp_path / "ods")

    assert to_csv.returncode == 0, to_csv.stderr
    (output,) = list((tmp_path / "csv").glob("*.csv"))
    with output.open(encoding="utf-8", newline="") as file:
        lines = list(csv.reader(file))
    assert lines[0][0] == "Mois de rapportage"
    assert lines[1] == [f.hxl for f in TEMPLATE_FIELDS]
    assert to_ods.returncode == 0, to_ods.stderr
    ods = tmp_path / "ods" / "template.ods"
    assert ods.exists()
    assert ods.stat().st_size > 10_000
    import zipfile

    with zipfile.ZipFile(ods) as archive:
        content = archive.read("content.xml").decode()
    # LibreOffice kept the dropdowns and the named ranges behind them.
    assert 'table:named-range table:name="L_ML05"' in content
    assert "cell-content-is-in-list(INDIRECT(" in content


@pytest.mark.libreoffice
def test_libreoffice_computes_pcodes_from_the_chosen_names(mali: Mali, tmp_path: Path) -> None:
    source = tmp_path / "filled.xlsx"
    fill_in(make(mali), source)

    result = soffice_convert(source, CSV_SECOND_SHEET, tmp_path / "csv")

    assert result.returncode == 0, result.stderr
    (output,) = list((tmp_path / "csv").glob("*.csv"))
    with output.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)  # the headers, in the user's language: the HXL row names the columns
        tags = next(reader)
        names = {field.hxl: field.name for field in TEMPLATE_FIELDS}
        lines = [
            {"": ""},
            *({names[tag]: value for tag, value in zip(tags, row, strict=True)} for row in reader),
        ]
    first = lines[1]
    assert (first["admin1_pcode"], first["admin2_pcode"], first["admin3_pcode"]) == (
        "ML05",
        "ML0501",
        "ML050101",
    )
    assert lines[2]["admin1_pcode"] == "ML04"


@pytest.mark.parametrize(
    ("language", "month", "girls", "modality", "in_person"),
    [
        ("fr", "Mois de rapportage", "Filles (0-17)", "Modalité", "En présentiel"),
        ("es", "Mes de reporte", "Niñas (0-17)", "Modalidad", "Presencial"),
    ],
)
def test_headers_and_code_explanations_are_in_the_template_language(
    mali: Mali, language: str, month: str, girls: str, modality: str, in_person: str
) -> None:
    workbook = open_template(make(mali, language))
    headers = [cell.value for cell in workbook[DATA_SHEET][1]]
    assert headers[0] == month
    assert headers[column_index("girls")] == girls
    assert headers[column_index("modality")] == modality
    assert "month" not in headers
    assert "girls" not in headers
    # The codes stay codes in the dropdowns, explained in the language on the reference sheet.
    reference = workbook.worksheets[2]
    explained = {row[0]: row[1] for row in reference.iter_rows(values_only=True) if row and row[0]}
    assert explained["in_person"] == in_person
