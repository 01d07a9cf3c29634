"""Fixtures for the 5W reporting, review, configuration and upload page tests.

Import into a test module with
`from tutela.activities.tests.reporting_fixtures import fivew_fixture  # noqa: F401`; tests then
take the `fivew` fixture.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tutela.activities.models import ActivityReport, ReportingRound
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.rows import report_rows_save
from tutela.conftest import World, make_area
from tutela.core.models import AdminArea, Organisation

MARCH = datetime.date(2026, 3, 1)


@dataclass
class FiveW:
    world: World
    round: ReportingRound
    areas: dict[str, AdminArea]

    @property
    def operation(self) -> Any:
        return self.world.operation


def line(**values: Any) -> dict[str, Any]:
    """A 5W row as the grid sends it (psychosocial support to IDPs in Bandiagara by default)."""
    row = {
        "month": "2026-03",
        "activity": "PRO-PSS",
        "indicator": "PRO-PSS-01",
        "admin1_pcode": "ML05",
        "admin2_pcode": "ML0501",
        "population_group": "IDP",
        "girls": "5",
        "boys": "4",
        "women": "10",
        "men": "6",
        "older_women": "1",
        "older_men": "1",
        "total": "27",
    }
    row.update(values)
    return row


def save_rows(by: Any, organisation: Organisation, *rows: dict[str, Any]) -> Any:
    world_op = organisation.operations.get(slug="mali")
    result = report_rows_save(
        by=by,
        operation=world_op,
        organisation=organisation,
        rows=[{**row, "_row": i} for i, row in enumerate(rows, start=1)],
    )
    assert not result.rejected, [p.message for p in result.problems]
    return result


def rows_of(organisation: Organisation) -> list[ActivityReport]:
    return list(ActivityReport.objects.filter(organisation=organisation).order_by("pk"))


@pytest.fixture(name="fivew")
def fivew_fixture(world: World, areas: dict[str, AdminArea]) -> FiveW:
    """The world operation with the standard catalogue, communes below two cercles, and an open
    round for March 2026."""
    catalogue_seed(operation=world.operation)
    extra = {
        "ML050101": make_area("ML050101", "Bandiagara Commune", 3, areas["ML0501"]),
        "ML050102": make_area("ML050102", "Dandoli", 3, areas["ML0501"]),
        "ML050201": make_area("ML050201", "Djenné Commune", 3, areas["ML0502"]),
        "ML0401": make_area("ML0401", "Ségou Cercle", 2, areas["ML04"]),
    }
    round_ = ReportingRound.objects.create(
        operation=world.operation, month=MARCH, deadline=datetime.date(2026, 4, 10)
    )
    return FiveW(world=world, round=round_, areas={**areas, **extra})
