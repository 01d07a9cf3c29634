"""API of plans: the same rules and services as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.core.models import User
from tutela.planning.models import Plan
from tutela.planning.tests.plan_fixtures import PlanWorld

pytestmark = pytest.mark.django_db


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"planning-api:{name}", args=["mali", *args])


def test_framework_through_the_api(plan_world: PlanWorld) -> None:
    response = api(plan_world.world.viewer).get(url("plan_framework", plan_world.plan.pk))
    assert response.status_code == 200
    data = response.json()
    assert data["indicators"][0]["reached"] == 120
    assert data["indicators"][0]["target"] == 400
    assert "never added up across months" in data["counting_rule"]


def test_progress_by_month(plan_world: PlanWorld) -> None:
    response = api(plan_world.world.coordinator).get(
        url("plan_indicator_progress", plan_world.plan.pk, plan_world.pss.pk), {"by": "month"}
    )
    assert response.status_code == 200
    assert [r["reached"] for r in response.json()["rows"]] == [50, 80, 20]
    assert response.json()["total"] is None


def test_partner_cannot_write_plans_and_outsiders_see_nothing(plan_world: PlanWorld) -> None:
    world = plan_world.world
    body = {"year": 2027, "title": "Plan 2027", "body": world.cluster.pk}
    assert api(world.partner).post(url("plans"), body, format="json").status_code == 403
    assert api(world.outsider).get(url("plans")).status_code == 404
    assert api(world.other_operation_user).get(url("plan", plan_world.plan.pk)).status_code == 404
    assert api(None).get(url("plans")).status_code == 401
    assert not Plan.objects.filter(year=2027).exists()


def test_coordinator_builds_a_plan_through_the_api(plan_world: PlanWorld) -> None:
    world = plan_world.world
    client = api(world.coordinator)
    created = client.post(
        url("plans"), {"year": 2027, "title": "Plan 2027", "body": world.cluster.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    objective = client.post(
        url("plan_objectives", plan_id),
        {"kind": "strategic", "code": "SO1", "name_en": "Protect", "name_fr": "Protéger"},
        format="json",
    )
    assert objective.status_code == 201, objective.content
    indicator = client.post(
        url("plan_indicators", plan_id),
        {
            "objective": objective.json()["id"],
            "code": "I1",
            "name_en": "People",
            "name_fr": "Personnes",
            "target": 10,
        },
        format="json",
    )
    assert indicator.status_code == 201, indicator.content
    area = plan_world.five_w.areas["ML05"]
    targets = client.put(
        url("plan_indicator_targets", plan_id, indicator.json()["id"]),
        {"targets": [{"area": area.pk, "target": 10}]},
        format="json",
    )
    assert targets.status_code == 200, targets.content
    assert targets.json()["targets"] == [
        {"pcode": "ML05", "population_group": None, "baseline": 0, "target": 10}
    ]
    other_area = client.put(
        url("plan_indicator_targets", plan_id, indicator.json()["id"]),
        {"targets": [{"area": plan_world.five_w.areas["CO"].pk, "target": 10}]},
        format="json",
    )
    assert other_area.status_code == 400
    final = client.post(url("plan_versions", plan_id), {"kind": "final"}, format="json")
    assert final.status_code == 201, final.content
    locked = client.patch(
        url("plan_indicator", plan_id, indicator.json()["id"]), {"target": 5}, format="json"
    )
    assert locked.status_code == 400
