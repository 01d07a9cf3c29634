"""Fixtures for the incident record tests.

Import into a test module with
`from tutela.monitoring.tests.incident_fixtures import mon_fixture  # noqa: F401`; tests then take
the `mon` fixture: the shared `world` with monitoring reference data seeded, a commune under
Bandiagara, and the IMO (UNHCR) designated as cluster analyst.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

import pytest

from tutela.conftest import World, make_area, make_user
from tutela.core.models import AdminArea, OperationRole, Organisation, User
from tutela.monitoring.incidents.data import IncidentData, PeopleCount
from tutela.monitoring.models import Incident, MonitoringSettings
from tutela.monitoring.services.incidents import incident_record
from tutela.monitoring.services.reference import monitoring_seed

MARCH_10 = datetime.date(2026, 3, 10)


@dataclass
class Mon:
    world: World
    areas: dict[str, AdminArea]
    analyst: User

    @property
    def operation(self) -> Any:
        return self.world.operation

    def record(
        self, organisation: Organisation | None = None, by: User | None = None, **changes: Any
    ) -> Incident:
        """Record an incident (AMSS's by default), by a member of its organisation by default
        (an organisation's records change only through its members)."""
        organisation = organisation or self.world.amss
        return incident_record(
            operation=self.operation,
            organisation=organisation,
            by=by or self.member_of(organisation),
            data=data(**changes),
        )

    def member_of(self, organisation: Organisation) -> User:
        """The organisation's partner focal point in the operation (made for those without)."""
        known = {
            self.world.amss.pk: self.world.partner,
            self.world.other_org.pk: self.world.other_partner,
        }
        if organisation.pk in known:
            return known[organisation.pk]
        user = User.objects.filter(email=f"focal@{organisation.acronym.lower()}.test").first()
        if user is None:
            user = make_user(
                f"focal@{organisation.acronym.lower()}.test",
                f"{organisation.acronym} focal point",
                organisation,
            )
            OperationRole.objects.create(user=user, operation=self.operation, role="partner")
        return user


def data(**changes: Any) -> IncidentData:
    """A killing in Bandiagara, three IDP women, reported two days later."""
    base = IncidentData(
        occurred_on=MARCH_10,
        reported_on=MARCH_10 + datetime.timedelta(days=2),
        area_pcode="ML0501",
        risks=[("R02", "killing")],
        perpetrator="nsag",
        people=[PeopleCount("F", "18-59", False, "IDP", 3)],
        services=["health"],
        source="monitoring_visit",
        verification="unverified",
        narrative="",
    )
    return replace(base, **changes)


def gbv(**changes: Any) -> IncidentData:
    return data(
        risks=[("R08", "gbv_rape")], people=[PeopleCount("F", "12-17", False, None, 1)], **changes
    )


@pytest.fixture(name="mon")
def mon_fixture(world: World, areas: dict[str, AdminArea]) -> Mon:
    monitoring_seed(operation=world.operation)
    areas["ML050101"] = make_area("ML050101", "Bandiagara", 3, areas["ML0501"])
    areas["ML050102"] = make_area("ML050102", "Dandoli", 3, areas["ML0501"])
    settings = MonitoringSettings.objects.get(operation=world.operation)
    settings.analysts.add(world.imo)
    return Mon(world=world, areas=areas, analyst=world.imo)
