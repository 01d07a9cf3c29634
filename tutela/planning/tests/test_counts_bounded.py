"""Counts of people and amounts of money are bounded in planning (issue 10 item 10): targets,
baselines, people targeted, budget lines, their total, requirements, envelopes and funding flows
refuse more than tutela.core.counts' bounds on every path (pages' forms, API, services, FTS
import), with the bound in the message; and totals over many records at the bound add up."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.core.counts import MAX_AMOUNT, MAX_COUNT
from tutela.core.models import AdminArea, PopulationGroup, User
from tutela.planning.forms.plans import TargetForm
from tutela.planning.forms.projects import TargetLineForm
from tutela.planning.models import FundingFlow, FundingImport, IndicatorTarget, Project
from tutela.planning.selectors import funding as funding_selectors
from tutela.planning.services import funding as funding_services
from tutela.planning.services import projects as project_services
from tutela.planning.services.fts_import import funding_import_file
from tutela.planning.tests.plan_fixtures import PlanWorld
from tutela.planning.tests.project_fixtures import sheet

pytestmark = pytest.mark.django_db

HUGE = 2**63 - 1
FLOWS = Path(__file__).parent / "fixtures" / "fts_flows_mali_2026.csv"


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"planning-api:{name}", args=["mali", *args])


def _project_body(plan_world: PlanWorld, *, targeted: int, amount: str) -> dict[str, Any]:
    world = plan_world.world
    return {
        "title": "Soutien psychosocial",
        "objectives": "Réduire la détresse.",
        "body": world.cluster.pk,
        "plan": plan_world.plan.pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "locations": [AdminArea.objects.get(pcode="ML0501").pk],
        "budget_lines": [{"category": "staff", "description": "Psy", "amount_usd": amount}],
        "targets": [
            {
                "population_group": PopulationGroup.objects.get(
                    operation=world.operation, code="IDP"
                ).pk,
                "targeted": targeted,
            }
        ],
    }


def test_api_refuses_an_unbounded_plan_target(plan_world: PlanWorld) -> None:
    client = api(plan_world.world.coordinator)
    area = plan_world.five_w.areas["ML05"]
    target_url = url("plan_indicator_targets", plan_world.plan.pk, plan_world.pss.pk)
    refused = client.put(
        target_url, {"targets": [{"area": area.pk, "target": HUGE}]}, format="json"
    )
    assert refused.status_code == 400, refused.content
    assert str(MAX_COUNT) in refused.content.decode()
    assert not IndicatorTarget.objects.filter(target__gt=MAX_COUNT).exists()
    # The bound itself is a figure like any other.
    accepted = client.put(
        target_url, {"targets": [{"area": area.pk, "target": MAX_COUNT}]}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    indicator = client.post(
        url("plan_indicators", plan_world.plan.pk),
        {
            "objective": plan_world.objective.pk,
            "code": "I9",
            "name_en": "People",
            "name_fr": "Personnes",
            "target": MAX_COUNT + 1,
        },
        format="json",
    )
    assert indicator.status_code == 400
    assert str(MAX_COUNT) in indicator.content.decode()


def test_api_refuses_unbounded_people_targeted_and_amounts(plan_world: PlanWorld) -> None:
    client = api(plan_world.world.partner)
    people = client.post(
        url("projects"), _project_body(plan_world, targeted=HUGE, amount="10.00"), format="json"
    )
    assert people.status_code == 400, people.content
    assert str(MAX_COUNT) in people.content.decode()
    money = client.post(
        url("projects"),
        _project_body(plan_world, targeted=10, amount=str(MAX_AMOUNT + 1)),
        format="json",
    )
    assert money.status_code == 400, money.content
    assert str(MAX_AMOUNT) in money.content.decode()
    assert not Project.objects.exists()
    flow = api(plan_world.world.imo).post(
        url("funding_flows"),
        {"donor": "ECHO", "amount_usd": str(MAX_AMOUNT + 1), "status": "paid", "year": 2026},
        format="json",
    )
    assert flow.status_code == 400, flow.content
    assert not FundingFlow.objects.exists()


def test_services_refuse_lines_above_the_bound_and_a_total_above_it(
    plan_world: PlanWorld,
) -> None:
    world = plan_world.world
    with pytest.raises(ValidationError) as raised:
        sheet(world, budget=(HUGE,))
    assert "1,000,000,000,000" in str(raised.value)
    project = sheet(world)
    # Each line at the bound, but together more than it: the total would not fit the column.
    lines = [
        {"category": "staff", "description": f"Line {n}", "amount_usd": MAX_AMOUNT}
        for n in range(101)
    ]
    with pytest.raises(ValidationError) as raised:
        project_services.project_update(project=project, by=world.partner, budget_lines=lines)
    assert "add up to more than 1,000,000,000,000" in str(raised.value)
    group = PopulationGroup.objects.get(operation=world.operation, code="IDP")
    with pytest.raises(ValidationError) as raised:
        project_services.project_update(
            project=project,
            by=world.partner,
            targets=[{"population_group": group, "targeted": HUGE}],
        )
    assert "100,000,000" in str(raised.value)
    project.refresh_from_db()
    assert project.requirements_usd == Decimal("150000.00")
    assert list(project.targets.values_list("targeted", flat=True)) == [1500]


def test_forms_show_the_bound(plan_world: PlanWorld) -> None:
    operation = plan_world.world.operation
    form = TargetLineForm(data={"targeted": str(HUGE)}, operation=operation)
    assert not form.is_valid()
    assert "100000000" in str(form.errors["targeted"])
    target = TargetForm(
        data={"area": "ML05", "target": str(MAX_COUNT + 1), "baseline": "0"}, operation=operation
    )
    assert not target.is_valid()
    assert "100000000" in str(target.errors["target"])


def test_fts_import_refuses_an_amount_above_the_bound(plan_world: PlanWorld) -> None:
    world = plan_world.world
    text = FLOWS.read_text(encoding="utf-8").replace(
        "1510101,250000,", f"1510101,{MAX_AMOUNT * 10},"
    )
    record = funding_import_file(
        by=world.imo,
        operation=world.operation,
        year=2026,
        file=text.encode(),
        file_name="huge.csv",
    )
    assert record.status == FundingImport.Status.REJECTED
    problem = next(p for p in record.problems if p["code"] == "too_large")
    assert problem["row"] == 2
    assert "1,000,000,000,000" in problem["message"]
    assert not FundingFlow.objects.exists()


def test_totals_of_many_flows_at_the_bound_add_up(plan_world: PlanWorld) -> None:
    """Funding totals are added up by the database (SQLite raises OverflowError past 2^63 on an
    integer sum): two thousand flows at the bound still add up, exactly."""
    world = plan_world.world
    first = funding_services.funding_flow_record(
        operation=world.operation,
        by=world.imo,
        donor="ECHO",
        amount_usd=MAX_AMOUNT,
        status="paid",
        year=2026,
    )
    copies = []
    for _n in range(1999):
        copy = FundingFlow.objects.get(pk=first.pk)
        copy.pk = None
        copies.append(copy)
    FundingFlow.objects.bulk_create(copies)
    summary = funding_selectors.funding_summary(world.operation, 2026)
    assert summary.funded == MAX_AMOUNT * 2000
    coverage = funding_selectors.funding_coverage(world.operation, year=2026, by="organisation")
    assert coverage.total.funded == MAX_AMOUNT * 2000
