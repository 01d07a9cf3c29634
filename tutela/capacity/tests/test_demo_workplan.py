"""The demo operation shows the capacity pages with data (issue 17): the national cluster's work
plan for the year with objectives, activities led by demo organisations and their quarterly review,
and the reporting compliance dashboard computed from the demo's 5W rounds. Loading the demo again
adds nothing; a demo loaded before work plans existed gets one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from tutela.capacity.models import WorkActivity, WorkPlan, WorkReview
from tutela.conftest import client_for
from tutela.core.models import User

pytestmark = pytest.mark.django_db


def test_demo_has_a_work_plan_and_compliance_to_show():
    call_command("demo")
    plan = WorkPlan.objects.get(operation__slug="mali-demo")
    assert plan.year == timezone.localdate().year
    assert plan.body.code == "PRO"
    activities = WorkActivity.objects.filter(objective__plan=plan)
    assert activities.count() == 5
    assert set(activities.values_list("status", flat=True)) >= {"done", "ongoing", "delayed"}
    assert WorkReview.objects.filter(activity__objective__plan=plan).count() == 5
    coordinator = User.objects.get(email="coordinator@demo.tutela.org")
    client = client_for(coordinator)
    page = client.get(f"/o/mali-demo/capacity/workplans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Mise à jour des circuits de référencement par cercle" in page.content.decode()
    dashboard = client.get("/o/mali-demo/capacity/compliance/", HTTP_ACCEPT_LANGUAGE="en")
    assert dashboard.status_code == 200
    # The demo's returned 5W report (EMO) is counted.
    assert "EMO" in dashboard.content.decode()

    call_command("demo")
    assert WorkPlan.objects.count() == 1
    assert WorkActivity.objects.count() == 5

    # A demo loaded before work plans existed gets one on the next load.
    WorkPlan.objects.all().delete()
    call_command("demo")
    assert WorkPlan.objects.filter(operation__slug="mali-demo").count() == 1
