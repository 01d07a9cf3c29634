"""Fixtures for the 5W import engine tests (readers, matching, validation, saving, imports).

Import into a test module with
`from tutela.activities.tests.import_fixtures import ops_fixture  # noqa: F401`.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tutela.activities.models import ActivityReport, ReportingRound
from tutela.activities.models.fields import FIELDS
from tutela.activities.services.catalogue import catalogue_seed
from tutela.conftest import World, make_area
from tutela.core.models import AdminArea, Delegation
from tutela.core.services.delegations import delegation_grant

FIXTURES = Path(__file__).parent / "fixtures"
MARCH = datetime.date(2026, 3, 1)
FEBRUARY = datetime.date(2026, 2, 1)
JANUARY = datetime.date(2026, 1, 1)


@dataclass
class Ops:
    world: World
    areas: dict[str, AdminArea]
    march: ReportingRound
    february: ReportingRound
    january: ReportingRound

    @property
    def operation(self) -> Any:
        return self.world.operation


def row(**values: Any) -> dict[str, Any]:
    """A valid 5W row: psychosocial support to IDPs in Bandiagara (Mopti), March 2026."""
    base: dict[str, Any] = {
        "month": "2026-03",
        "organisation": "AMSS",
        "activity": "PRO-PSS",
        "indicator": "PRO-PSS-01",
        "admin1_pcode": "ML05",
        "admin1_name": "Mopti",
        "admin2_pcode": "ML0501",
        "admin2_name": "Bandiagara",
        "population_group": "IDP",
        "girls": 5,
        "boys": 4,
        "women": 10,
        "men": 6,
        "older_women": 1,
        "older_men": 1,
        "total": 27,
        "with_disability": 2,
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not ...}


def numbered(*rows: dict[str, Any], start: int = 2) -> list[tuple[int, dict[str, Any]]]:
    return [(start + i, r) for i, r in enumerate(rows)]


HEADERS = [f.name for f in FIELDS]


def xlsx_bytes(
    rows: list[dict[str, Any]], *, headers: list[str] | None = None, hxl: bool = True
) -> bytes:
    """A workbook like Tutela's template: field names on row 1, hashtags on row 2, data below."""
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "5W"
    sheet.append(headers)
    if hxl:
        by_name = {f.name: f.hxl for f in FIELDS}
        sheet.append([by_name.get(h, "") for h in headers])
    for item in rows:
        sheet.append([item.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(
    rows: list[dict[str, Any]],
    *,
    headers: list[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    headers = headers or HEADERS
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    for item in rows:
        writer.writerow(["" if item.get(h) is None else item.get(h) for h in headers])
    return out.getvalue().encode(encoding)


def report_count() -> int:
    return ActivityReport.objects.count()


@pytest.fixture(name="ops")
def ops_fixture(world: World, areas: dict[str, AdminArea]) -> Ops:
    """The world operation (Mali) with the standard catalogue, a few communes, and three rounds:
    March 2026 open, February closed, January locked."""
    catalogue_seed(operation=world.operation)
    extra = {
        "ML050101": make_area("ML050101", "Bandiagara Commune", 3, areas["ML0501"]),
        "ML050102": make_area("ML050102", "Dandoli", 3, areas["ML0501"]),
        "ML050201": make_area("ML050201", "Djenné Commune", 3, areas["ML0502"]),
        "ML0401": make_area("ML0401", "Ségou Cercle", 2, areas["ML04"]),
        # Two communes called Sofara, in two cercles: a name alone is ambiguous in Mopti.
        "ML050103": make_area("ML050103", "Sofara", 3, areas["ML0501"]),
        "ML050202": make_area("ML050202", "Sofara", 3, areas["ML0502"]),
    }
    deadline = datetime.timedelta(days=40)
    march = ReportingRound.objects.create(
        operation=world.operation, month=MARCH, deadline=MARCH + deadline
    )
    february = ReportingRound.objects.create(
        operation=world.operation, month=FEBRUARY, deadline=FEBRUARY + deadline, status="closed"
    )
    january = ReportingRound.objects.create(
        operation=world.operation, month=JANUARY, deadline=JANUARY + deadline, status="locked"
    )
    # AMSS and OTHER report through their members; they let the operation's managers report for
    # them too, so that these tests can have the IMO upload files of several organisations (the
    # refusal without it is tested in test_rows_save).
    for organisation, member in (
        (world.amss, world.partner),
        (world.other_org, world.other_partner),
    ):
        delegation_grant(
            by=member,
            operation=world.operation,
            organisation=organisation,
            scope=Delegation.Scope.ACTIVITIES,
        )
    return Ops(
        world=world,
        areas={**areas, **extra},
        march=march,
        february=february,
        january=january,
    )
