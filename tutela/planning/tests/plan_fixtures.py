"""A response plan over the 5W analysis fixture's rows (see activities/tests/analysis_fixtures).

five_w rows (people reached, total of the sex and age bands):
  AMSS  PRO-PSS Bandiagara  Jan 10, Feb 30 (validated), Mar 20 (draft)
  OTHER PRO-PSS Djenné      Jan 40 (validated); PRO-AWA Ségou Feb 7 (submitted)
  DRC   PRO-PSS Bandiagara  Feb 50 (validated)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tutela.activities.models import Activity
from tutela.activities.tests.analysis_fixtures import FiveW
from tutela.activities.tests.analysis_fixtures import five_w_fixture as five_w_fixture
from tutela.planning.models import Objective, Plan, PlanIndicator
from tutela.planning.services import plans as services

__all__ = ["PlanWorld", "five_w_fixture", "plan_fixture"]


@dataclass
class PlanWorld:
    five_w: FiveW
    plan: Plan
    strategic: Objective
    objective: Objective
    pss: PlanIndicator

    @property
    def world(self) -> Any:
        return self.five_w.world


@pytest.fixture(name="plan_world")
def plan_fixture(five_w: FiveW) -> PlanWorld:
    world = five_w.world
    plan = services.plan_create(
        operation=world.operation,
        by=world.coordinator,
        year=2026,
        title="Plan de réponse humanitaire Mali 2026",
        body=world.cluster,
        code="HMLI26",
    )
    strategic = services.objective_create(
        plan=plan,
        by=world.coordinator,
        kind=Objective.Kind.STRATEGIC,
        code="SO1",
        name_en="Protect the people most at risk",
        name_fr="Protéger les personnes les plus à risque",
    )
    objective = services.objective_create(
        plan=plan,
        by=world.coordinator,
        kind=Objective.Kind.CLUSTER,
        code="CO1",
        name_en="Psychosocial support for affected people",
        name_fr="Soutien psychosocial aux personnes affectées",
        parent=strategic,
    )
    pss = services.indicator_create(
        plan=plan,
        by=world.coordinator,
        objective=objective,
        code="IND1",
        name_en="People receiving psychosocial support",
        name_fr="Personnes recevant un soutien psychosocial",
        baseline=20,
        target=400,
        activities=[Activity.objects.get(operation=world.operation, code="PRO-PSS")],
    )
    return PlanWorld(five_w=five_w, plan=plan, strategic=strategic, objective=objective, pss=pss)
