"""The demo operation's cases: across the workflow, marked as demo, loaded once."""

from __future__ import annotations

import pytest

from tutela.cases.models import Case, Referral, Service
from tutela.core.services.demo import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_has_cases_across_the_workflow_and_loads_once() -> None:
    result = demo_load()
    cases = Case.objects.filter(operation=result.operation)
    assert cases.count() == 8
    assert all(case.is_demo for case in cases)
    stages = set(cases.values_list("stage", flat=True))
    assert {
        "registered",
        "assessment",
        "case_plan",
        "implementation",
        "follow_up",
        "closed",
    } <= stages
    assert set(cases.values_list("case_type", flat=True)) == {"general", "gbv", "cp"}
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {"sent", "completed", "declined"} <= statuses
    assert Service.objects.filter(operation=result.operation, is_demo=True).count() == 9
    demo_load()
    assert Case.objects.filter(operation=result.operation).count() == 8
