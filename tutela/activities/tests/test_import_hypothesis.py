"""Property: no malformed upload crashes the importer or leaves partial rows. Whatever the file
(random cells and types, missing or odd headers, huge numbers, formulas, empty sheets, damaged
bytes), the import ends as a reported rejection with nothing written, or as a full import."""

from __future__ import annotations

import datetime
import io
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tutela.activities.models import ActivityReport, ImportRecord
from tutela.activities.services.imports import import_5w_file, import_annotated_workbook
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    HEADERS,
    Ops,
    csv_bytes,
    ops_fixture,
    row,
)

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk_text = st.text(max_size=40)
cell = st.one_of(
    st.none(),
    junk_text,
    st.sampled_from(
        [
            "",
            " ",
            "=1/0",
            "=SUM(A1:A9)",
            "#REF!",
            "PRO-PSS",
            "ML0501",
            "ML05",
            "IDP",
            "2026-03",
            "mars 2026",
            "13/2026",
            "-5",
            "1e400",
            "NaN",
            "١٢",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2200, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2200, 1, 1)),  # noqa: DTZ001
)
header = st.one_of(st.sampled_from(HEADERS), junk_text, st.just(""), st.just("#adm1+code"))


@st.composite
def tables(draw: Any) -> tuple[list[str], list[list[Any]]]:
    """Headers (some of the real ones, some junk) and rows: valid rows with cells replaced by
    junk, or junk rows."""
    names = draw(
        st.one_of(
            st.just(list(HEADERS)),
            st.lists(header, min_size=0, max_size=12),
            st.permutations(HEADERS).map(lambda h: list(h)[: len(h) // 2]),
        )
    )
    count = draw(st.integers(min_value=0, max_value=8))
    rows = []
    for _ in range(count):
        base = row(population_group=draw(st.sampled_from(["IDP", "REF", "RET", "HST"])))
        cells = [base.get(name) for name in names]
        for index in range(len(cells)):
            if draw(st.integers(min_value=0, max_value=3)) == 0:
                cells[index] = draw(cell)
        if draw(st.booleans()):
            cells += draw(st.lists(cell, max_size=3))
        rows.append(cells)
    return names, rows


def _writable(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


def workbook_bytes(names: list[str], rows: list[list[Any]], *, hxl: bool, empty: bool) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if not empty:
        sheet.append([_writable(n) for n in names])
        if hxl:
            sheet.append(["#date+reported" if n == "month" else "" for n in names])
        for cells in rows:
            sheet.append([_writable(c) for c in cells])
    if empty and rows:
        workbook.create_sheet("Other")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check_upload(ops: Ops, data: bytes, name: str) -> None:
    before = ActivityReport.objects.count()
    record = import_5w_file(
        by=ops.world.imo,
        operation=ops.operation,
        file=io.BytesIO(data),
        file_name=name,
    )
    after = ActivityReport.objects.count()
    event(f"{record.status}: {record.problems[0]['code'] if record.problems else 'clean'}")
    assert record.status in {ImportRecord.Status.REJECTED, ImportRecord.Status.IMPORTED}
    if record.status == ImportRecord.Status.REJECTED:
        assert after == before
        assert record.error_count >= 1
        assert record.problems
        assert (record.created_count, record.updated_count) == (0, 0)
    else:
        assert after == before + record.created_count
    for problem in record.problems:
        assert problem["message"]
        assert problem["severity"] in {"error", "warning"}
    # The annotated workbook of any upload that could be read opens in a spreadsheet.
    if record.problems and record.problems[0]["row"] is not None:
        load_workbook(io.BytesIO(import_annotated_workbook(record=record)))


@EXAMPLES
@given(table=tables(), hxl=st.booleans(), empty=st.booleans())
def test_random_workbooks_never_crash_or_leave_partial_rows(
    ops: Ops, table: tuple[list[str], list[list[Any]]], hxl: bool, empty: bool
) -> None:
    names, rows = table
    check_upload(ops, workbook_bytes(names, rows, hxl=hxl, empty=empty), "random.xlsx")


@EXAMPLES
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]))
def test_random_csv_files_never_crash_or_leave_partial_rows(
    ops: Ops, table: tuple[list[str], list[list[Any]]], delimiter: str
) -> None:
    names, rows = table
    records = [dict(zip(names, cells, strict=False)) for cells in rows]
    data = csv_bytes(records, headers=names or ["x"], delimiter=delimiter)
    check_upload(ops, data, "random.csv")


@EXAMPLES
@given(data=st.binary(max_size=2000), cut=st.integers(min_value=0, max_value=5000))
def test_damaged_bytes_never_crash(ops: Ops, data: bytes, cut: int) -> None:
    good = workbook_bytes(list(HEADERS), [[row().get(h) for h in HEADERS]], hxl=True, empty=False)
    check_upload(ops, data, "garbage.xlsx")
    check_upload(ops, good[:cut] + data, "truncated.xlsx")
