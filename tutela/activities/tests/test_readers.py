"""Reading uploads: xlsx, ods, csv (encodings, delimiters), HXL rows, header detection, and clear
errors for files that cannot be read."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from tutela.activities.tests.import_fixtures import FIXTURES, csv_bytes, row, xlsx_bytes
from tutela.core.imports.problems import ImportFileError
from tutela.core.imports.readers import read_table


def test_xlsx_headers_hxl_row_and_row_numbers() -> None:
    table = read_table(xlsx_bytes([row(), row(activity="PRO-LEG")]), file_name="5w.xlsx")
    assert table.kind == "xlsx"
    assert table.sheet == "5W"
    assert table.headers[:3] == ["month", "organisation", "implementing_partner"]
    assert table.hxl_tags is not None
    assert table.hxl_tags[0] == "#date+reported"
    assert table.header_row == 1
    # Header on row 1, hashtags on row 2: the data starts on row 3, as the user sees it.
    assert [number for number, _cells in table.rows] == [3, 4]
    assert table.rows[1][1][table.headers.index("activity")] == "PRO-LEG"


def test_title_lines_above_the_header_are_skipped() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "5W report — AMSS, March 2026"
    sheet["A2"] = "Fill in one row per activity and place."
    sheet.append([])
    sheet.append(["Mois", "Activité", "Région", "Total"])
    sheet.append(["2026-03", "PRO-PSS", "Mopti", 12])
    sheet.append([None, None, None, None])
    sheet.append(["2026-03", "PRO-LEG", "Mopti", 3])
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), file_name="own.xlsx")
    assert table.header_row == 4
    assert table.headers == ["Mois", "Activité", "Région", "Total"]
    assert table.hxl_tags is None
    # The empty row 6 is skipped; numbers stay those of the sheet.
    assert [n for n, _c in table.rows] == [5, 7]
    assert table.rows[0][1] == ["2026-03", "PRO-PSS", "Mopti", 12.0]


def test_header_row_can_be_given() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["a", "b", "c"])
    sheet.append(["month", "activity", "total"])
    sheet.append(["2026-03", "PRO-PSS", 4])
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), header_row=2)
    assert table.headers == ["month", "activity", "total"]
    assert [n for n, _c in table.rows] == [3]


def test_csv_utf8_with_bom_and_semicolons() -> None:
    data = "\ufeff" + "mois;région;total\n2026-03;Ségou;12\n"
    table = read_table(data.encode("utf-8"), file_name="5w.csv")
    assert table.kind == "csv"
    assert table.headers == ["mois", "région", "total"]
    assert table.rows == [(2, ["2026-03", "Ségou", "12"])]


def test_csv_in_windows_1252_is_decoded() -> None:
    data = csv_bytes(
        [{"admin1_name": "Ségou", "total": "5"}],
        headers=["admin1_name", "total"],
        encoding="cp1252",
    )
    table = read_table(data, file_name="5w.csv")
    assert table.rows[0][1] == ["Ségou", "5"]


def test_excel_unicode_text_utf16_tab_delimited() -> None:
    data = "mois\trégion\n2026-03\tSégou\n".encode("utf-16")
    table = read_table(data, file_name="5w.txt")
    assert table.rows == [(2, ["2026-03", "Ségou"])]


def test_csv_tab_delimited() -> None:
    table = read_table(b"month\tactivity\n2026-03\tPRO-PSS\n", file_name="5w.txt")
    assert table.headers == ["month", "activity"]
    assert table.rows == [(2, ["2026-03", "PRO-PSS"])]


def test_real_hxl_csv_from_rowca() -> None:
    table = read_table(FIXTURES / "rowca-3w-hxl.csv")
    assert table.headers[:5] == ["Cluster", "Organization", "ProjectCode", "FundingStatus", "MONTH"]
    assert table.hxl_tags is not None
    assert table.hxl_tags[:2] == ["#sector", "#org"]
    assert table.hxl_tags[2] == ""
    assert len(table.rows) == 244
    assert table.rows[0][0] == 3


def test_real_drc_extract_with_long_french_headers() -> None:
    table = read_table(FIXTURES / "extrait_mai_2025.xlsx")
    assert table.sheet == "Data"
    assert len(table.headers) == 39
    assert table.headers[2].startswith("CLUSTER\n(Choisir dans la liste déroulante)")
    assert len(table.rows) == 4343
    first = table.rows[0][1]
    assert first[7] == datetime.date(2025, 1, 1)
    assert first[9] == 306.0


def test_real_chad_workbook_partial_hxl_row_and_sheet_choice() -> None:
    table = read_table(FIXTURES / "3w_tcd_avr2025.xlsx")
    assert table.sheet_names == ["3W Opérationnelle", "3W Physique"]
    assert table.sheet == "3W Opérationnelle"
    assert table.hxl_tags is not None
    assert "#adm1+name" in table.hxl_tags
    # (The samples README says 1,580; the sheet holds 1,556 data rows below the two header rows.)
    assert len(table.rows) == 1556
    other = read_table(FIXTURES / "3w_tcd_avr2025.xlsx", sheet="3W Physique")
    assert other.hxl_tags is None
    # 774 rows under the header, 14 of them empty.
    assert len(other.rows) == 760
    by_index = read_table(FIXTURES / "3w_tcd_avr2025.xlsx", sheet=1)
    assert by_index.sheet == "3W Physique"


def test_prefer_picks_the_data_sheet_and_hidden_sheets_are_ignored() -> None:
    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = "Instructions"
    instructions.append(["How to fill this template", "Read me"])
    hidden = workbook.create_sheet("Lists")
    hidden.append(["month", "activity", "total", "girls"])
    hidden.sheet_state = "hidden"
    data = workbook.create_sheet("5W")
    data.append(["month", "activity", "total"])
    data.append(["2026-03", "PRO-PSS", 1])
    out = io.BytesIO()
    workbook.save(out)

    def score(headers: list[str], _tags: list[str] | None) -> float:
        return float(len({"month", "activity", "total", "girls"} & set(headers)))

    table = read_table(out.getvalue(), prefer=score)
    assert table.sheet == "5W"
    assert read_table(out.getvalue()).sheet == "Instructions"


def test_ods_is_read(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "5w.xlsx"
    source.write_bytes(xlsx_bytes([row()]))
    subprocess.run(  # noqa: S603 (fixed arguments)
        [soffice, "--headless", "--convert-to", "ods", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    table = read_table(tmp_path / "5w.ods")
    assert table.kind == "ods"
    assert table.headers[0] == "month"
    assert table.hxl_tags is not None
    assert len(table.rows) == 1


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.csv", "empty"),
        (b"   \n\n", "blank.csv", "empty"),
        (b"PK\x03\x04 this is no zip", "broken.xlsx", "unreadable"),
        (b"not a spreadsheet at all", "fake.xlsx", "unreadable"),
        (b"\x00\x01\x02\x03binary", "data.bin", "unreadable"),
    ],
)
def test_unreadable_files_raise_a_clear_error(data: bytes, name: str, code: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(data, file_name=name)
    assert caught.value.code == code
    assert caught.value.message


def test_password_protected_workbook_is_refused() -> None:
    # An encrypted Office file is an OLE container holding EncryptionInfo and EncryptedPackage.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    data = header + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64 + b"EncryptedPackage"
    with pytest.raises(ImportFileError) as caught:
        read_table(data, file_name="secret.xlsx")
    assert caught.value.code == "password"
    assert "password" in caught.value.message


def test_oversized_files_and_too_many_rows_are_refused() -> None:
    data = xlsx_bytes([row() for _ in range(5)])
    with pytest.raises(ImportFileError) as caught:
        read_table(data, max_bytes=1000)
    assert caught.value.code == "too_big"
    with pytest.raises(ImportFileError) as caught:
        read_table(data, max_rows=3)
    assert caught.value.code == "too_big"


def test_empty_sheet_and_unknown_sheet() -> None:
    workbook = Workbook()
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(ImportFileError) as caught:
        read_table(out.getvalue())
    assert caught.value.code == "empty"
    with pytest.raises(ImportFileError) as caught:
        read_table(xlsx_bytes([row()]), sheet="Nope")
    assert caught.value.code == "sheet"
    assert "5W" in caught.value.message


def test_file_like_upload_is_read() -> None:
    upload = io.BytesIO(csv_bytes([row()]))
    upload.name = "uploads/5w.csv"  # type: ignore[attr-defined]
    table = read_table(upload)
    assert table.file_name == "5w.csv"
    assert len(table.rows) == 1
