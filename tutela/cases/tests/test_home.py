"""The case-management panels of the home page: a caseworker's open cases and follow-ups due, the
receiving supervisor's referrals to answer; counts only, never a case code; nothing for the roles
that see no case."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tutela.cases.services import workflow
from tutela.cases.tests.conftest import CaseWorld, consent, register
from tutela.cases.tests.test_referrals import send
from tutela.core.tests.home_pages import home_html as _home
from tutela.core.tests.home_pages import panel_html as _panel

pytestmark = pytest.mark.django_db


def test_caseworker_home_shows_open_cases_and_follow_ups_due(cw: CaseWorld) -> None:
    case = register(cw)
    register(cw, by=cw.caseworker2)
    workflow.follow_up_schedule(case=case, by=cw.caseworker, due_on=timezone.localdate())
    page = _home(cw.caseworker)
    cases = _panel(page, "cases-open")
    assert '<p class="figure">1' in cases
    assert "/o/mali/cases/list/" in cases
    assert "No open case is assigned" not in cases
    tasks = _panel(page, "cases-tasks")
    assert '<p class="figure">1' in tasks
    assert "Follow-ups: 1" in tasks
    # Counts only: the case code is not on the home page.
    assert case.code not in page


def test_supervisor_sees_the_team_cases(cw: CaseWorld) -> None:
    register(cw)
    register(cw, by=cw.caseworker2)
    assert '<p class="figure">2' in _panel(_home(cw.supervisor), "cases-open")


def test_receiving_supervisor_sees_the_referral_to_answer(cw: CaseWorld) -> None:
    case = register(cw)
    consent(cw, case)
    referral = send(cw, case)
    panel = _panel(_home(cw.drc_supervisor), "cases-referrals")
    assert '<p class="figure">1' in panel
    assert "Referrals to answer: 1" in panel
    assert referral.code not in panel
    # The sender has nothing to answer.
    assert '<p class="figure">0' in _panel(_home(cw.caseworker), "cases-referrals")


@pytest.mark.parametrize("persona", ["coordinator", "imo", "partner", "other_partner", "viewer"])
def test_roles_without_cases_get_no_case_panel(cw: CaseWorld, persona: str) -> None:
    register(cw)
    page = _home(getattr(cw.world, persona))
    assert 'id="work-cases-' not in page
