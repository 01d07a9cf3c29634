"""Shared set-up of the PAU and monitoring settings tests: the seeded reference data and a few
incidents written straight to the models (the records helper's services are not needed here)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from tutela.core.models import AdminArea, Organisation, ProtectionRisk
from tutela.monitoring.models import (
    AgeBand,
    Incident,
    IncidentPeople,
    IncidentRisk,
    PerpetratorCategory,
    ReferralService,
    Source,
    VerificationStatus,
)
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.services.summaries import SummaryDelta, state_of

_numbers = itertools.count(1)


def seed(operation: Any) -> None:
    monitoring_seed(operation=operation)


def make_incident(
    operation: Any,
    organisation: Organisation,
    area: AdminArea,
    occurred_on: datetime.date,
    risk: str = "R02",
    *,
    people: tuple[tuple[str, str, int], ...] = (("F", "18-59", 2),),
    perpetrator: str | None = "nsag",
    displaced_households: int | None = None,
    services: tuple[str, ...] = (),
) -> Incident:
    risk_obj = ProtectionRisk.objects.get(operation=operation, code=risk)
    admin2 = area if area.level == 2 else None
    admin1 = area.parent if area.level == 2 else area
    incident = Incident.objects.create(
        operation=operation,
        organisation=organisation,
        reference=f"INC-T-{next(_numbers):06d}",
        occurred_on=occurred_on,
        reported_on=occurred_on,
        month=occurred_on.replace(day=1),
        area=area,
        admin1=admin1,
        admin2=admin2,
        primary_risk=risk_obj,
        perpetrator=(
            PerpetratorCategory.objects.get(operation=operation, code=perpetrator)
            if perpetrator
            else None
        ),
        people_affected=sum(n for _s, _b, n in people),
        displacement_caused=displaced_households is not None,
        displaced_households=displaced_households,
        source=Source.objects.filter(operation=operation).first(),
        verification=VerificationStatus.objects.filter(operation=operation).first(),
        is_gbv=risk_obj.is_gbv,
    )
    # Created here without the services: keep the incident summary in step as they do.
    delta = SummaryDelta(operation.pk)
    delta.add(state_of(incident))
    delta.apply()
    IncidentRisk.objects.create(incident=incident, risk=risk_obj)
    for sex, band, count in people:
        IncidentPeople.objects.create(
            incident=incident,
            sex=sex,
            age_band=AgeBand.objects.get(operation=operation, code=band),
            count=count,
        )
    if services:
        incident.services.set(
            ReferralService.objects.filter(operation=operation, code__in=services)
        )
    return incident


def make_many(
    operation: Any,
    organisation: Organisation,
    area: AdminArea,
    month: datetime.date,
    n: int,
    risk: str = "R02",
    **kwargs: Any,
) -> list[Incident]:
    return [
        make_incident(operation, organisation, area, month.replace(day=1 + i % 27), risk, **kwargs)
        for i in range(n)
    ]
