"""Fixtures of the planning tests: the 5W analysis rows and a plan over them."""

from tutela.planning.tests.plan_fixtures import five_w_fixture, plan_fixture

__all__ = ["five_w_fixture", "plan_fixture"]


import pytest  # noqa: E402

from tutela.planning.tests.allocation_fixtures import Review, build_review  # noqa: E402
from tutela.planning.tests.plan_fixtures import PlanWorld  # noqa: E402


@pytest.fixture
def review(plan_world: PlanWorld) -> Review:
    """An allocation in strategic review (see allocation_fixtures)."""
    return build_review(plan_world.world)
