"""API of project sheets: the same rules and services as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.activities.models import Activity
from tutela.core.models import AdminArea, PopulationGroup, User
from tutela.planning.models import Project
from tutela.planning.services import projects as services
from tutela.planning.tests.plan_fixtures import PlanWorld
from tutela.planning.tests.project_fixtures import sheet

pytestmark = pytest.mark.django_db


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"planning-api:{name}", args=["mali", *args])


def test_partner_writes_and_submits_a_project(plan_world: PlanWorld) -> None:
    world = plan_world.world
    body = {
        "title": "Soutien psychosocial",
        "objectives": "Réduire la détresse.",
        "body": world.cluster.pk,
        "plan": plan_world.plan.pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "locations": [AdminArea.objects.get(pcode="ML0501").pk],
        "activities": [Activity.objects.get(operation=world.operation, code="PRO-PSS").pk],
        "budget_lines": [{"category": "staff", "description": "Psy", "amount_usd": "5000.00"}],
        "targets": [
            {
                "population_group": PopulationGroup.objects.get(
                    operation=world.operation, code="IDP"
                ).pk,
                "targeted": 100,
            }
        ],
    }
    client = api(world.partner)
    created = client.post(url("projects"), body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["organisation"] == "AMSS"
    assert data["code"] == "HMLI26-PRO-0001"
    assert data["requirements_usd"] == "5000.00"
    submitted = client.post(url("project_submit", data["id"]))
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    # The partner may not vet its own project.
    assert client.post(url("project_approve", data["id"]), {}, format="json").status_code == 403
    approved = api(world.coordinator).post(url("project_approve", data["id"]), {}, format="json")
    assert approved.json()["status"] == "approved"


def test_other_partner_cannot_see_a_draft(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world)
    assert api(world.other_partner).get(url("project", project.pk)).status_code == 404
    assert api(world.other_partner).get(url("project_events", project.pk)).status_code == 404
    listing = api(world.other_partner).get(url("projects")).json()
    assert listing["count"] == 0
    services.project_submit(project=project, by=world.partner)
    services.project_approve(project=project, by=world.coordinator)
    assert api(world.other_partner).get(url("project", project.pk)).status_code == 200
    # The vetting conversation is not theirs.
    assert api(world.other_partner).get(url("project_events", project.pk)).status_code == 403
    assert api(world.outsider).get(url("projects")).status_code == 404


def test_partner_cannot_patch_another_organisations_project(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world, by=world.coordinator, organisation=world.other_org)
    response = api(world.partner).patch(url("project", project.pk), {"title": "x"}, format="json")
    assert response.status_code == 404
    own = api(world.other_partner).patch(
        url("project", project.pk), {"title": "New"}, format="json"
    )
    assert own.status_code == 200
    assert Project.objects.get(pk=project.pk).title == "New"


def test_reported_endpoint(plan_world: PlanWorld) -> None:
    world = plan_world.world
    project = sheet(world)
    response = api(world.partner).get(url("project_reported", project.pk))
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert "never added up" in response.json()["counting_rule"]
