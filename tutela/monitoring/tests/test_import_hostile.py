"""Malformed and hostile files (generated with hypothesis) never crash the monitoring importer
and never commit part of a file: either every row is saved, or nothing is."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutela.conftest import World
from tutela.core.models import AuditEntry
from tutela.monitoring.models import (
    CommunityReport,
    CommunityRisk,
    Incident,
    IncidentPeople,
    IncidentRisk,
    Kind,
    MonitoringImport,
)
from tutela.monitoring.services.imports import import_monitoring_file
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.import_helpers import (
    COMMUNITY_HEADERS,
    INCIDENT_HEADERS,
    community_row,
    csv_bytes,
    incident_row,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

HOSTILE = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY_TEXT = st.sampled_from(
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.test","click")',
        "+1+1",
        "@SUM(A1:A2)",
        "-2+3",
        "\t=1",
        "x" * 40_000,
        "R02" * 5_000,
        "",
        " ",
        "\x00\x01\x02",
        "NaN",
        "inf",
        "-1",
        "1e309",
        "99999999999999999999",
        "2026-02-30",
        "31/12/9999",
        "0000-00-00",
        "R99",
        "not_a_code",
        "DROP TABLE monitoring_incident;",
        "<script>alert(1)</script>",
        "ML05 ML0501",
        "uuid:",
        "💥",
        "R02;;;;",
        ",,,",
        "yes no",
    ]
)
CELL = st.one_of(
    NASTY_TEXT,
    st.text(max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)),
)


@pytest.fixture
def seeded(world: World) -> World:
    monitoring_seed(operation=world.operation)
    return world


def counts() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        IncidentRisk.objects.count(),
        IncidentPeople.objects.count(),
        CommunityReport.objects.count(),
        CommunityRisk.objects.count(),
        AuditEntry.objects.filter(
            entity_type__in=["monitoring.incident", "monitoring.communityreport"]
        ).count(),
    )


def attempt(world: World, data: bytes, name: str, kind: str = Kind.INCIDENTS) -> None:
    """Import, then check the all-or-nothing promise and that no failure was unexpected."""
    before = counts()
    record = import_monitoring_file(
        by=world.partner,
        operation=world.operation,
        organisation=None,
        kind=kind,
        file=io.BytesIO(data),
        file_name=name,
    )
    after = counts()
    assert record.status in (MonitoringImport.Status.IMPORTED, MonitoringImport.Status.REJECTED)
    assert not [p for p in record.problems if p["code"] == "failed"], record.problems
    if record.status == MonitoringImport.Status.REJECTED:
        assert record.error_count > 0
        assert after == before
    else:
        model = Incident if kind == Kind.INCIDENTS else CommunityReport
        assert model.objects.filter(import_record=record).count() == (
            record.created_count + record.updated_count
        )


@HOSTILE
@given(data=st.binary(max_size=4096), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a"]))
def test_random_bytes(seeded: World, data: bytes, name: str) -> None:
    attempt(seeded, data, name)


@HOSTILE
@given(cut=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_xlsx(seeded: World, cut: float) -> None:
    rows = [incident_row(i) for i in range(1, 4)]
    content = xlsx_bytes(INCIDENT_HEADERS, rows)
    attempt(seeded, content[: int(len(content) * cut)], "cut.xlsx")


@HOSTILE
@given(
    cells=st.lists(st.tuples(st.sampled_from(INCIDENT_HEADERS), CELL), min_size=1, max_size=6),
    good=st.integers(min_value=0, max_value=3),
    as_xlsx=st.booleans(),
)
def test_hostile_cells_in_an_otherwise_valid_file(
    seeded: World, cells: list[tuple[str, Any]], good: int, as_xlsx: bool
) -> None:
    rows = [incident_row(1000 + i) for i in range(good)]
    bad = incident_row(999)
    for header, value in cells:
        bad[header] = value
    rows.insert(good // 2, bad)
    if as_xlsx:
        try:
            content = xlsx_bytes(INCIDENT_HEADERS, rows)
        except Exception:  # noqa: BLE001 (openpyxl refuses some values: not our concern)
            return
        attempt(seeded, content, "hostile.xlsx")
    else:
        text_rows = [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in rows]
        attempt(seeded, csv_bytes(INCIDENT_HEADERS, text_rows), "hostile.csv")


@HOSTILE
@given(
    headers=st.lists(
        st.one_of(
            st.sampled_from(INCIDENT_HEADERS + ["", "x", "a/b/c", "_uuid"]), st.text(max_size=20)
        ),
        min_size=1,
        max_size=12,
    ),
    values=st.lists(st.lists(CELL, max_size=12), max_size=4),
)
def test_duplicate_and_strange_headers(
    seeded: World, headers: list[str], values: list[list[Any]]
) -> None:
    rows = [[("" if v is None else str(v)) for v in row] for row in values]
    attempt(seeded, csv_bytes(headers, rows), "headers.csv")


@HOSTILE
@given(
    cells=st.lists(st.tuples(st.sampled_from(COMMUNITY_HEADERS), CELL), min_size=1, max_size=6),
)
def test_hostile_community_rows(seeded: World, cells: list[tuple[str, Any]]) -> None:
    rows = [community_row(1), community_row(2)]
    for header, value in cells:
        rows[1][header] = value
    text_rows = [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in rows]
    attempt(seeded, csv_bytes(COMMUNITY_HEADERS, text_rows), "p21.csv", Kind.COMMUNITY)


def test_one_bad_row_among_many_commits_nothing(seeded: World) -> None:
    rows = [incident_row(i) for i in range(1, 40)]
    rows[25]["source"] = "=cmd|' /C calc'!A0"
    before = counts()
    record = import_monitoring_file(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=None,
        file=io.BytesIO(csv_bytes(INCIDENT_HEADERS, rows)),
        file_name="many.csv",
    )
    assert record.status == "rejected"
    assert [p["row"] for p in record.problems if p["severity"] == "error"] == [27]
    assert counts() == before


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("site", '=HYPERLINK("http://evil.test")', "formula"),
        ("narrative", "@SUM(A1)", "formula"),
        ("external_id", "+cmd", "formula"),
        ("site", "s" * 201, "too_long"),
        ("women", "-3", "negative"),
        ("women", "2.5", "not_whole"),
        ("displaced_households", "many", "not_number"),
        ("displacement_caused", "perhaps", "not_yes_no"),
        ("occurred_on", "2031-01-01", "future"),
        ("reported_on", "2026-01-01", "reported_before_occurred"),
        ("risks", "R99", "unknown_value"),
        ("admin2_pcode", "ML", "wrong_pcode"),
    ],
)
def test_hostile_values_are_reported(seeded: World, column: str, value: str, code: str) -> None:
    before = counts()
    record = import_monitoring_file(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=None,
        file=io.BytesIO(csv_bytes(INCIDENT_HEADERS, [incident_row(1, **{column: value})])),
        file_name="one.csv",
    )
    assert record.status == "rejected"
    assert (2, code) in {(p["row"], p["code"]) for p in record.problems}, record.problems
    assert counts() == before


def test_formula_cells_of_an_xlsx_are_read_as_values_never_run(seeded: World) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(INCIDENT_HEADERS)
    row = incident_row(1)
    sheet.append([row[h] for h in INCIDENT_HEADERS])
    sheet.cell(row=2, column=INCIDENT_HEADERS.index("women") + 1, value="=1+1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = counts()
    record = import_monitoring_file(
        by=seeded.partner,
        operation=seeded.operation,
        organisation=None,
        file=io.BytesIO(buffer.getvalue()),
        file_name="formula.xlsx",
    )
    assert record.status in ("imported", "rejected")
    if record.status == "rejected":
        assert counts() == before
