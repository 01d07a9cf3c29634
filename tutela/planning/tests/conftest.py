"""Fixtures of the planning tests: the 5W analysis rows and a plan over them."""

from tutela.planning.tests.plan_fixtures import five_w_fixture, plan_fixture

__all__ = ["five_w_fixture", "plan_fixture"]
