"""API of pooled-fund allocations: access-denied tests per persona, on every endpoint that could
carry a proposal or a score."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.core.models import User
from tutela.planning.models import Proposal
from tutela.planning.tests.allocation_fixtures import Review, finished, scored

pytestmark = pytest.mark.django_db


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(review: Review, name: str, *args: object) -> str:
    return reverse(f"planning-api:{name}", args=["mali", review.allocation.pk, *args])


def test_partner_sees_only_its_own_proposal_and_no_score(review: Review) -> None:
    finished(scored(review))
    world = review.world
    partner = api(world.partner)
    listing = partner.get(url(review, "proposals")).json()
    assert [p["title"] for p in listing] == ["Psychosocial support in Bandiagara"]
    assert partner.get(url(review, "proposal", review.other.pk)).status_code == 404
    assert partner.get(url(review, "scores", review.other.pk)).status_code == 404
    own = partner.get(url(review, "proposal", review.amss.pk)).json()
    assert own["rank"] is None
    assert own["justification"] is None
    assert partner.get(url(review, "scores", review.amss.pk)).status_code == 403
    assert partner.get(url(review, "ranking")).status_code == 403
    assert partner.get(url(review, "conflicts")).status_code == 403
    assert api(world.viewer).get(url(review, "proposals")).json() == []
    assert api(world.outsider).get(url(review, "proposals")).status_code == 404


def test_recused_reviewer_gets_no_score_through_the_api(review: Review) -> None:
    finished(scored(review))
    drc = api(review.drc_reviewer)
    assert drc.get(url(review, "scores", review.amss.pk)).status_code == 403
    detail = drc.get(url(review, "proposal", review.amss.pk)).json()
    assert detail["rank"] is None
    assert detail["justification"] is None
    ranking = drc.get(url(review, "ranking")).json()
    assert ranking["recused_from_some"] is True
    rows = {r["proposal"]: r for r in ranking["rows"]}
    assert rows[review.amss.pk]["recused"] is True
    assert rows[review.amss.pk]["total"] is None
    assert rows[review.amss.pk]["justification"] is None
    assert rows[review.other.pk]["total"] == "30.00"
    # Scoring the proposal of one's own organisation is refused too.
    question = review.questions()[0]
    response = drc.post(
        url(review, "scores", review.drc.pk),
        {"scores": [{"question": question.pk, "value": 5}]},
        format="json",
    )
    assert response.status_code in (400, 403)


def test_reviewer_declares_and_scores_through_the_api(review: Review) -> None:
    world = review.world
    client = api(world.imo)
    undeclared = client.post(
        url(review, "scores", review.drc.pk),
        {"scores": [{"question": q.pk, "value": 3} for q in review.questions()]},
        format="json",
    )
    assert undeclared.status_code == 400
    declared = client.post(
        url(review, "declaration", review.drc.pk), {"has_conflict": False}, format="json"
    )
    assert declared.status_code == 201
    saved = client.post(
        url(review, "scores", review.drc.pk),
        {"scores": [{"question": q.pk, "value": 3} for q in review.questions()]},
        format="json",
    )
    assert saved.status_code == 201, saved.content
    sheet = client.get(url(review, "scores", review.drc.pk)).json()
    assert sheet["total"] == "60.00"
    assert sheet["categories"][0]["questions"][0]["scores"][0]["value"] == 3
    assert (
        api(world.partner)
        .post(url(review, "declaration", review.drc.pk), {"has_conflict": False}, format="json")
        .status_code
        == 404
    )


def test_fund_sees_conflicts_and_everything(review: Review) -> None:
    finished(scored(review))
    fund = api(review.fund)
    conflicts = fund.get(url(review, "conflicts")).json()
    reasons = {(c["reviewer"], c["organisation"]): c["reasons"] for c in conflicts}
    assert reasons[("Dieter DRC", "DRC")] == ["own_organisation"]
    assert reasons[("Dieter DRC", "AMSS")] == ["implementing_partner"]
    assert reasons[("Awa Coordinator", "OTHER")] == ["declared_tie"]
    ranking = fund.get(url(review, "ranking")).json()
    assert [r["total"] for r in ranking["rows"]] == ["90.00", "60.00", "30.00"]
    assert ranking["recused_from_some"] is False


def test_partner_creates_and_submits_a_proposal(review: Review) -> None:
    world = review.world
    from tutela.planning.tests.allocation_fixtures import open_allocation

    allocation = open_allocation(world, review.fund)
    base = reverse("planning-api:proposals", args=["mali", allocation.pk])
    from tutela.activities.models import Activity
    from tutela.core.models import AdminArea

    body = {
        "title": "Via l'API",
        "summary": "Résumé",
        "areas": [AdminArea.objects.get(pcode="ML0501").pk],
        "activities": [Activity.objects.get(operation=world.operation, code="PRO-PSS").pk],
        "budget_lines": [{"category": "staff", "amount_usd": "1000.00"}],
    }
    created = api(world.partner).post(base, body, format="json")
    assert created.status_code == 201, created.content
    assert api(world.viewer).post(base, body, format="json").status_code == 403
    pid = created.json()["id"]
    submit = reverse("planning-api:proposal_submit", args=["mali", allocation.pk, pid])
    assert api(world.other_partner).post(submit).status_code == 404
    assert api(world.partner).post(submit).json()["status"] == "submitted"
    prereview = reverse("planning-api:proposal_prereview", args=["mali", allocation.pk, pid])
    assert (
        api(world.partner).post(prereview, {"decision": "accept"}, format="json").status_code == 403
    )
    accepted = api(review.fund).post(prereview, {"decision": "accept"}, format="json")
    assert accepted.json()["status"] == Proposal.Status.ACCEPTED
