"""In headless Chromium, in French: a pooled-fund allocation from the call for proposals to the
committee's ranked recommendation, with a recusal.

The coordinator opens the call; AMSS's partner writes and submits a proposal in the browser (two
other organisations submit theirs too); the call closes; the fund manager pre-reviews, locks the
CBPF scorecard and starts the strategic review; the coordinator, who chairs the committee,
declares ties with OTHER (a partner of UNHCR) and is recused from OTHER's proposal; the IMO
declares no conflict and scores a proposal in the browser; the chair's ranking lists OTHER's
proposal without any figure; the chair drafts the recommendation, the fund manager writes the
one the chair is recused from, and the chair sends it to the fund.

The pages' own words are compared with their French translation (`_fr`). The `browser_page`
fixture fails the test on any JavaScript error or Content-Security-Policy violation.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tutela.conftest import signed_in
from tutela.core.models import AdminArea
from tutela.planning.models import Allocation, Proposal, Reviewer, ScoreQuestion
from tutela.planning.services import allocations as services
from tutela.planning.services import proposals as proposal_services
from tutela.planning.services import reviews as review_services
from tutela.planning.tests.allocation_fixtures import open_allocation, proposal, with_role
from tutela.planning.tests.plan_fixtures import PlanWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def message(page: Any, text: str) -> None:
    page.locator(".messages").get_by_text(_fr(text)).first.wait_for()


def click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def test_allocation_from_call_to_ranked_recommendation_with_a_recusal(
    browser: Any, browser_page: Any, live_server: Any, plan_world: PlanWorld
) -> None:
    from tutela.conftest import make_user
    from tutela.core.models import Organisation
    from tutela.core.models.roles import Role

    world = plan_world.world
    for user in (world.coordinator, world.partner, world.imo):
        user.language = "fr"
        user.save()
    ocha = Organisation.objects.create(name="OCHA", acronym="OCHA", type="un")
    ocha.operations.add(world.operation)
    fund = with_role(
        world, make_user("hfu@ocha.test", "Hadja Fund", ocha, language="fr"), Role.VIEWER
    )
    drc_partner = with_role(world, make_user("focal@drc.test", "Dina DRC", world.drc), Role.PARTNER)
    allocation = open_allocation(world, fund)
    # Back to "being prepared", so that the coordinator opens the call in the browser.
    Allocation.objects.filter(pk=allocation.pk).update(status=Allocation.Status.DRAFT)
    page = browser_page
    base = f"/o/mali/planning/allocations/{allocation.pk}/"

    # The coordinator opens the call for proposals.
    signed_in(page, live_server, world.coordinator)
    page.goto(base)
    assert page.locator("html").get_attribute("lang") == "fr"
    click_and_wait(page, page.get_by_role("button", name=_fr("Open the call for proposals")))
    message(page, "The call for proposals is open.")

    # AMSS's partner writes a proposal and submits it.
    signed_in(page, live_server, world.partner)
    page.goto(base)
    click_and_wait(page, page.get_by_role("link", name=_fr("Write a proposal")))
    page.fill("#id_title", "Soutien psychosocial à Bandiagara")
    page.fill("#id_summary", "Séances de groupe et suivi individuel pour les déplacés.")
    page.select_option("#id_areas", [str(AdminArea.objects.get(pcode="ML0501").pk)])
    from tutela.activities.models import Activity

    pss = Activity.objects.get(operation=world.operation, code="PRO-PSS")
    page.select_option("#id_activities", [str(pss.pk)])
    page.select_option("#id_budget-0-category", "staff")
    page.fill("#id_budget-0-description", "Psychologues")
    page.fill("#id_budget-0-amount_usd", "300000")
    click_and_wait(page, page.get_by_role("button", name=_fr("Save")))
    message(page, "Proposal saved as a draft. Attach documents, then submit.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Submit to the fund")))
    message(page, "Proposal submitted to the fund.")
    amss = Proposal.objects.get(organisation=world.amss)
    assert (amss.status, amss.requested_usd) == (Proposal.Status.SUBMITTED, 300000)

    # Two more proposals, then the call closes.
    other = proposal(
        world, allocation, world.other_partner, "Gestion de cas à Djenné", 250000, "ML0502"
    )
    drc = proposal(world, allocation, drc_partner, "Aide juridique à Mopti", 200000, "ML05")
    signed_in(page, live_server, world.coordinator)
    page.goto(base)
    click_and_wait(page, page.get_by_role("button", name=_fr("Close the call")))
    message(page, "The call for proposals is closed.")

    # The fund manager pre-reviews AMSS's proposal and locks the scorecard.
    signed_in(page, live_server, fund)
    page.goto(f"{base}proposals/{amss.pk}/")
    page.check("input[name=decision][value=accept]")
    click_and_wait(page, page.get_by_role("button", name=_fr("Record the pre-review")))
    message(page, "Pre-review recorded.")
    for item in (other, drc):
        proposal_services.proposal_prereview(proposal=item, by=fund, decision="accept")
    page.goto(f"{base}scorecard/")
    click_and_wait(page, page.get_by_role("button", name=_fr("Lock the scorecard")))
    message(page, "Scorecard locked.")

    # The committee: the coordinator chairs, with the IMO.
    services.reviewer_add(allocation=allocation, by=fund, user=world.coordinator)
    services.reviewer_add(allocation=allocation, by=fund, user=world.imo)
    services.chair_set(allocation=allocation, by=fund, user=world.coordinator)

    # The chair declares ties with OTHER before the review starts.
    signed_in(page, live_server, world.coordinator)
    page.goto(f"{base}ties/")
    page.select_option("#id_organisation", str(world.other_org.pk))
    page.select_option("#id_relation", "partner")
    click_and_wait(page, page.get_by_role("button", name=_fr("Declare this tie")))
    message(page, "Tie declared: you are recused from its proposals.")

    signed_in(page, live_server, fund)
    page.goto(base)
    click_and_wait(page, page.get_by_role("button", name=_fr("Start the strategic review")))
    message(page, "The strategic review has started.")

    # The IMO declares no conflict with DRC's proposal and scores it in the browser.
    signed_in(page, live_server, world.imo)
    page.goto(f"{base}proposals/{drc.pk}/")
    page.check("input[name=has_conflict][value=no]")
    click_and_wait(page, page.get_by_role("button", name=_fr("Record my declaration")))
    message(page, "Declaration recorded.")
    click_and_wait(page, page.get_by_role("link", name=_fr("Score this proposal")))
    inputs = page.locator("input[type=number]")
    for index in range(inputs.count()):
        inputs.nth(index).fill("3")
    page.locator("textarea").first.fill("Bonne couverture juridique.")
    click_and_wait(page, page.get_by_role("button", name=_fr("Save my scores")))
    message(page, "Your scores are saved.")

    # The other scores, through the services.
    chair = Reviewer.objects.get(allocation=allocation, user=world.coordinator)
    imo = Reviewer.objects.get(allocation=allocation, user=world.imo)
    questions = [
        q.pk for q in ScoreQuestion.objects.filter(category__scorecard__allocation=allocation)
    ]
    for reviewer, user, item, value in (
        (chair, world.coordinator, amss, 5),
        (chair, world.coordinator, drc, 3),
        (imo, world.imo, amss, 4),
        (imo, world.imo, other, 2),
    ):
        review_services.declaration_save(
            reviewer=reviewer, proposal=item, by=user, has_conflict=False
        )
        review_services.score_save(
            reviewer=reviewer, proposal=item, by=user, scores={q: (value, "") for q in questions}
        )

    # The chair's ranking: OTHER's proposal without any figure (recused).
    signed_in(page, live_server, world.coordinator)
    page.goto(f"{base}ranking/")
    rows = page.locator("main table tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert "Soutien psychosocial à Bandiagara" in texts[0]
    assert "90" in texts[0]
    recused = next(t for t in texts if "Gestion de cas à Djenné" in t)
    assert _fr("Recused: scores not shown") in recused
    assert "30" not in recused
    # The chair cannot open OTHER's scores.
    response = page.goto(f"{base}proposals/{other.pk}/scores/")
    assert response is not None
    assert response.status == 403
    page.goto(f"{base}ranking/")
    click_and_wait(
        page, page.get_by_role("button", name=_fr("Draft the recommendation from the scores"))
    )
    page.get_by_role("status").wait_for()
    # The fund manager writes the recommendation the chair is recused from.
    allocation.refresh_from_db()
    review_services.recommendation_draft(allocation=allocation, by=fund)
    page.goto(f"{base}ranking/")
    click_and_wait(
        page, page.get_by_role("button", name=_fr("Send the recommendation to the fund"))
    )
    message(page, "The committee's recommendation was sent to the fund.")

    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.RECOMMENDED
    statuses = dict(Proposal.objects.values_list("title", "status"))
    assert statuses == {
        "Soutien psychosocial à Bandiagara": Proposal.Status.RECOMMENDED,
        "Aide juridique à Mopti": Proposal.Status.RECOMMENDED,
        "Gestion de cas à Djenné": Proposal.Status.NOT_RECOMMENDED,
    }
