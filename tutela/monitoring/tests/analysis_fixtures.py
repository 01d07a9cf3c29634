"""Incidents and community reports for the analysis tests, made directly with the ORM (the
denormalised fields set here), so that these tests do not depend on the recording services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tutela.core.models import AdminArea, Operation, Organisation, ProtectionRisk
from tutela.monitoring.models import (
    AgeBand,
    CommunityReport,
    CommunityRisk,
    Incident,
    IncidentPeople,
    IncidentRisk,
    MonitoringSettings,
    SharingAgreement,
    Source,
    VerificationStatus,
)
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.services.summaries import SummaryDelta, state_of

_counter = {"n": 0}


def make_incident(
    operation: Operation,
    organisation: Organisation,
    area: AdminArea,
    month: datetime.date,
    risk: str = "R02",
    *,
    extra_risks: tuple[str, ...] = (),
    verified: bool = True,
    people: tuple[tuple[str, str, int], ...] = (("F", "18-59", 1),),
    merged_into: Incident | None = None,
) -> Incident:
    _counter["n"] += 1
    risks = {r.code: r for r in ProtectionRisk.objects.filter(operation=operation)}
    admin2 = area if area.level == 2 else (area.parent if area.level == 3 else None)
    admin1 = area if area.level == 1 else (admin2.parent if admin2 else area)
    codes = [risk, *extra_risks]
    incident = Incident.objects.create(
        operation=operation,
        organisation=organisation,
        reference=f"INC-T-{_counter['n']:06d}",
        occurred_on=month,
        reported_on=month,
        month=month,
        area=area,
        admin1=admin1,
        admin2=admin2,
        primary_risk=risks[risk],
        source=Source.objects.filter(operation=operation).first(),
        verification=VerificationStatus.objects.get(
            operation=operation, code="verified" if verified else "unverified"
        ),
        is_gbv=any(risks[c].is_gbv for c in codes),
        people_affected=sum(n for _s, _a, n in people),
        merged_into=merged_into,
    )
    # Created here without the services: keep the incident summary in step as they do.
    delta = SummaryDelta(operation.pk)
    delta.add(state_of(incident))
    delta.apply()
    for code in codes:
        IncidentRisk.objects.create(incident=incident, risk=risks[code])
    bands = {b.code: b for b in AgeBand.objects.filter(operation=operation)}
    for sex, band, n in people:
        IncidentPeople.objects.create(incident=incident, sex=sex, age_band=bands[band], count=n)
    return incident


def many(n: int, *args: Any, **kwargs: Any) -> list[Incident]:
    return [make_incident(*args, **kwargs) for _ in range(n)]


def make_report(
    operation: Operation,
    organisation: Organisation,
    area: AdminArea,
    month: datetime.date,
    community: str,
    risks: tuple[str, ...] = (),
) -> CommunityReport:
    admin2 = area if area.level == 2 else None
    admin1 = area if area.level == 1 else area.parent
    report = CommunityReport.objects.create(
        operation=operation,
        organisation=organisation,
        month=month,
        area=area,
        admin1=admin1,
        admin2=admin2,
        community=community,
        respondent="key_informant",
    )
    by_code = {r.code: r for r in ProtectionRisk.objects.filter(operation=operation)}
    for code in risks:
        CommunityRisk.objects.create(report=report, risk=by_code[code])
    return report


JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)
APR = datetime.date(2026, 4, 1)


@dataclass
class Data:
    world: Any
    mopti: AdminArea
    segou: AdminArea
    bandiagara: AdminArea
    djenne: AdminArea


@pytest.fixture(name="seeded")
def seeded_fixture(world: Any, areas: dict[str, AdminArea]) -> Data:
    monitoring_seed(operation=world.operation)
    MonitoringSettings.objects.get_or_create(operation=world.operation)
    return Data(
        world=world,
        mopti=areas["ML05"],
        segou=areas["ML04"],
        bandiagara=areas["ML0501"],
        djenne=areas["ML0502"],
    )


def share_gbv(operation: Operation, organisation: Organisation) -> None:
    SharingAgreement.objects.create(
        operation=operation, organisation=organisation, shares_gbv_aggregates=True
    )


def make_analyst(operation: Operation, user: Any) -> None:
    settings, _ = MonitoringSettings.objects.get_or_create(operation=operation)
    settings.analysts.add(user)


@pytest.fixture(name="years")
def years_fixture(seeded: Any) -> Any:
    """Incidents in 2019, then none until 2025-06, then every month to 2026-09."""
    w = seeded.world
    many(6, w.operation, w.drc, seeded.bandiagara, datetime.date(2019, 3, 1), "R02")
    month = datetime.date(2025, 6, 1)
    while month <= datetime.date(2026, 9, 1):
        many(6, w.operation, w.drc, seeded.bandiagara, month, "R02")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return seeded
