"""Helpers and fixtures for the 5W analysis tests: rows made directly with the ORM (not through
the importer), so these tests do not depend on it.

Import the fixtures into a test module with
`from tutela.activities.tests.analysis_fixtures import five_w_fixture  # noqa: F401`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    PlanningFigure,
    ReportingRound,
    Submission,
)
from tutela.activities.services.catalogue import catalogue_seed
from tutela.conftest import World
from tutela.core.models import AdminArea, Organisation, PopulationGroup

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)


def submission_for(
    world: World, organisation: Organisation, month: datetime.date, status: str
) -> Submission:
    round_, _ = ReportingRound.objects.get_or_create(
        operation=world.operation,
        month=month,
        defaults={"deadline": month + datetime.timedelta(days=40)},
    )
    submission, created = Submission.objects.get_or_create(
        round=round_, organisation=organisation, defaults={"status": status}
    )
    if not created and submission.status != status:
        submission.status = status
        submission.save(update_fields=["status"])
    return submission


def ancestors(area: AdminArea) -> dict[str, AdminArea | None]:
    found: dict[str, AdminArea | None] = {"admin1": None, "admin2": None, "admin3": None}
    current: AdminArea | None = area
    while current is not None:
        if 1 <= current.level <= 3:
            found[f"admin{current.level}"] = current
        current = current.parent
    return found


def add_row(
    world: World,
    organisation: Organisation,
    activity: str,
    area: AdminArea,
    month: datetime.date,
    group: str = "IDP",
    *,
    status: str = Submission.Status.VALIDATED,
    total: int | None = None,
    bands: tuple[int, int, int, int, int, int] | None = None,
    with_disability: int = 0,
    quantity: int | None = None,
    implementing_partner: Organisation | None = None,
) -> ActivityReport:
    """One 5W row; `bands` are girls, boys, women, men, older women, older men (the total is their
    sum unless given)."""
    act = Activity.objects.get(operation=world.operation, code=activity)
    bands = bands or (0, 0, 0, 0, 0, 0)
    return ActivityReport.objects.create(
        operation=world.operation,
        submission=submission_for(world, organisation, month, status),
        organisation=organisation,
        implementing_partner=implementing_partner,
        month=month,
        activity=act,
        indicator=act.indicators.first(),
        body=act.body,
        area=area,
        population_group=PopulationGroup.objects.get(operation=world.operation, code=group),
        girls=bands[0],
        boys=bands[1],
        women=bands[2],
        men=bands[3],
        older_women=bands[4],
        older_men=bands[5],
        total=sum(bands) if total is None else total,
        with_disability=with_disability,
        quantity=quantity,
        **ancestors(area),
    )


@dataclass
class FiveW:
    world: World
    areas: dict[str, AdminArea]


@pytest.fixture(name="five_w")
def five_w_fixture(world: World, areas: dict[str, AdminArea]) -> Any:
    """The world operation with the standard catalogue and a few rows:

    AMSS (partner's org): PSS in Bandiagara, Jan 10 and Feb 30 (validated), Mar 20 (draft).
    OTHER: PSS in Djenné, Jan 40 (validated); awareness in Ségou, Feb 7 (submitted).
    DRC: PSS in Bandiagara, Feb 50 (validated).
    """
    catalogue_seed(operation=world.operation)
    amss, other, drc = world.amss, world.other_org, world.drc
    add_row(world, amss, "PRO-PSS", areas["ML0501"], JAN, bands=(2, 3, 2, 3, 0, 0))
    add_row(world, amss, "PRO-PSS", areas["ML0501"], FEB, bands=(5, 5, 10, 10, 0, 0))
    add_row(
        world,
        amss,
        "PRO-PSS",
        areas["ML0501"],
        MAR,
        bands=(5, 5, 5, 5, 0, 0),
        status=Submission.Status.DRAFT,
    )
    add_row(world, other, "PRO-PSS", areas["ML0502"], JAN, bands=(10, 10, 10, 10, 0, 0))
    add_row(
        world,
        other,
        "PRO-AWA",
        areas["ML04"],
        FEB,
        bands=(1, 1, 2, 3, 0, 0),
        status=Submission.Status.SUBMITTED,
    )
    add_row(world, drc, "PRO-PSS", areas["ML0501"], FEB, bands=(10, 10, 15, 15, 0, 0))
    return FiveW(world=world, areas=areas)


def add_planning(
    world: World,
    area: AdminArea,
    *,
    pin: int,
    targeted: int = 0,
    severity: int | None = None,
    group: str | None = "IDP",
    year: int = 2026,
    body: Any = None,
) -> PlanningFigure:
    return PlanningFigure.objects.create(
        operation=world.operation,
        year=year,
        area=area,
        body=body or world.cluster,
        population_group=(
            PopulationGroup.objects.get(operation=world.operation, code=group) if group else None
        ),
        people_in_need=pin,
        targeted=targeted,
        severity=severity,
    )


def set_rule(world: World, rule: str) -> None:
    settings, _created = ActivitySettings.objects.get_or_create(operation=world.operation)
    settings.cumulative_rule = rule
    settings.save()


def hide_names_in(world: World, *areas: AdminArea) -> None:
    settings, _created = ActivitySettings.objects.get_or_create(operation=world.operation)
    settings.sensitive_areas.set(areas)
