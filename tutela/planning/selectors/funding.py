"""Reads of funding: requirements against funding received."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from tutela.core.models import Operation
from tutela.planning.models import FundingFlow, PlanRequirement, Project


def pct(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return round(float(100 * part / whole), 1)


@dataclass
class FundingSummary:
    year: int
    plan_requirements: Decimal
    project_requirements: Decimal
    funded: Decimal
    pledged: Decimal

    @property
    def requirements(self) -> Decimal:
        return self.plan_requirements or self.project_requirements

    @property
    def pct_funded(self) -> float | None:
        return pct(self.funded, self.requirements)


def funding_summary(operation: Operation, year: int) -> FundingSummary:
    """The year's requirements (the plan's own, or its approved projects') and the funding
    received (commitments and paid contributions; pledges apart)."""
    flows = FundingFlow.objects.filter(operation=operation, year=year)
    zero = Decimal("0")
    return FundingSummary(
        year=year,
        plan_requirements=PlanRequirement.objects.filter(
            plan__operation=operation, plan__year=year
        ).aggregate(s=Sum("amount_usd"))["s"]
        or zero,
        project_requirements=Project.objects.filter(
            operation=operation, plan__year=year, status=Project.Status.APPROVED
        ).aggregate(s=Sum("requirements_usd"))["s"]
        or zero,
        funded=flows.exclude(status=FundingFlow.Status.PLEDGE).aggregate(s=Sum("amount_usd"))["s"]
        or zero,
        pledged=flows.filter(status=FundingFlow.Status.PLEDGE).aggregate(s=Sum("amount_usd"))["s"]
        or zero,
    )
