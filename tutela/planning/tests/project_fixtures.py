"""Project sheets for the tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from tutela.activities.models import Activity
from tutela.core.models import AdminArea, Organisation, PopulationGroup, User
from tutela.planning.models import Plan, Project
from tutela.planning.services import projects as services


def sheet(
    world: Any,
    *,
    by: User | None = None,
    organisation: Organisation | None = None,
    plan: Plan | None = None,
    code: str = "",
    areas: list[AdminArea] | None = None,
    activities: tuple[str, ...] = ("PRO-PSS",),
    budget: tuple[int, ...] = (120_000, 30_000),
    **extra: Any,
) -> Project:
    """A complete project sheet (ready to submit) of AMSS by default."""
    operation = world.operation
    by = by or world.partner
    organisation = organisation or by.organisation or world.amss
    areas = areas if areas is not None else list(AdminArea.objects.filter(pcode="ML0501"))
    return services.project_create(
        operation=operation,
        by=by,
        organisation=organisation,
        plan=plan,
        code=code,
        title=extra.pop("title", "Soutien psychosocial aux déplacés de Bandiagara"),
        objectives="Réduire la détresse des personnes déplacées.",
        body=world.cluster,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        locations=areas,
        activities=[Activity.objects.get(operation=operation, code=c) for c in activities],
        budget_lines=[
            {"category": "staff", "description": "Psychologues", "amount_usd": Decimal(budget[0])},
            *[
                {"category": "supplies", "description": "Kits", "amount_usd": Decimal(amount)}
                for amount in budget[1:]
            ],
        ],
        targets=[
            {
                "population_group": PopulationGroup.objects.get(operation=operation, code="IDP"),
                "targeted": 1500,
            }
        ],
        **extra,
    )
