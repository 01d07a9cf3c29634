"""The planning demo, loaded by `tutela demo` through `extensions.demo_loaders`: a plan, projects
at each stage of vetting, funding, and an allocation in strategic review where the EMO focal
point is recused from EMO's own proposal."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tutela.core.models import Operation, User
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    FundingFlow,
    Plan,
    Project,
    Proposal,
    Reviewer,
)
from tutela.planning.services.demo_data import demo_planning_load

pytestmark = pytest.mark.django_db


def test_demo_loads_a_plan_projects_funding_and_an_allocation_under_review_once():
    call_command("demo")
    op = Operation.objects.get(slug="mali-demo")
    plan = Plan.objects.get(operation=op)
    assert plan.year == 2026
    assert plan.indicators.count() == 4
    assert all(i.activities.exists() for i in plan.indicators.all())
    statuses = sorted(Project.objects.filter(operation=op).values_list("status", flat=True))
    assert statuses == sorted(["approved", "approved", "submitted", "returned", "draft"])
    assert FundingFlow.objects.filter(operation=op).count() == 5
    allocation = Allocation.objects.get(operation=op)
    assert allocation.status == Allocation.Status.REVIEW
    assert Proposal.objects.filter(allocation=allocation, status="accepted").count() == 2
    focal = Reviewer.objects.get(
        allocation=allocation, user=User.objects.get(email="focalpoint@demo.tutela.org")
    )
    emo = Proposal.objects.get(allocation=allocation, organisation__acronym="EMO")
    assert [r.reason for r in access.recusal_reasons(focal, emo)] == [access.OWN_ORGANISATION]

    # Loading again changes nothing.
    counts = (Plan.objects.count(), Project.objects.count(), Proposal.objects.count())
    assert demo_planning_load(operation=op) == 0
    call_command("demo")
    assert (Plan.objects.count(), Project.objects.count(), Proposal.objects.count()) == counts
