"""Pooled-fund allocations: set-up, eligibility, proposals and the fund's pre-review, the locked
scorecard, scoring, divergence and consensus, the cut line, justifications and the final
recommendation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.core.models import AuditEntry, OutboxMessage
from tutela.planning.models import Allocation, Proposal, Score, ScoreCategory
from tutela.planning.selectors import reviews as selectors
from tutela.planning.services import allocations as services
from tutela.planning.services import proposals as proposal_services
from tutela.planning.services import reviews as review_services
from tutela.planning.tests.allocation_fixtures import Review, finished, open_allocation, scored
from tutela.planning.tests.plan_fixtures import PlanWorld

pytestmark = pytest.mark.django_db


def test_new_allocation_gets_the_cbpf_scorecard(plan_world: PlanWorld) -> None:
    world = plan_world.world
    allocation = open_allocation(world, world.imo)
    layout = selectors.structure(selectors.scorecard_of(allocation))
    assert [c.code for c, _q in layout] == ["STR", "PROG", "COST", "MGMT", "COORD"]
    assert sum(c.weight for c, _q in layout) == 100
    assert {c.name_fr for c, _q in layout} >= {"Pertinence stratégique", "Coût-efficacité"}
    assert allocation.status == Allocation.Status.OPEN
    assert OutboxMessage.objects.filter(kind="allocation_open", recipient=world.partner).exists()


def test_only_eligible_organisations_write_proposals(plan_world: PlanWorld) -> None:
    world = plan_world.world
    allocation = open_allocation(world, world.imo)
    services.eligibility_set(
        allocation=allocation,
        by=world.imo,
        organisation=world.other_org,
        due_diligence="failed",
        capacity="high",
    )
    with pytest.raises(PermissionDenied):
        proposal_services.proposal_create(
            allocation=allocation, by=world.other_partner, title="x", summary="y"
        )
    with pytest.raises(PermissionDenied):
        proposal_services.proposal_create(
            allocation=allocation, by=world.viewer, title="x", summary="y"
        )
    made = proposal_services.proposal_create(
        allocation=allocation, by=world.partner, title="x", summary="y"
    )
    assert made.organisation == world.amss
    with pytest.raises(PermissionDenied):
        services.eligibility_set(
            allocation=allocation,
            by=world.partner,
            organisation=world.amss,
            due_diligence="passed",
            capacity="low",
        )


def test_prereview_returns_and_partner_corrects(plan_world: PlanWorld) -> None:
    world = plan_world.world
    allocation = open_allocation(world, world.imo)
    item = proposal_services.proposal_create(
        allocation=allocation, by=world.partner, title="x", summary="y"
    )
    with pytest.raises(ValidationError):
        proposal_services.proposal_submit(proposal=item, by=world.partner)
    from tutela.planning.tests.allocation_fixtures import proposal

    submitted = proposal(world, allocation, world.partner, "Full", 1000, "ML0501")
    with pytest.raises(PermissionDenied):
        proposal_services.proposal_prereview(
            proposal=submitted, by=world.coordinator, decision="accept"
        )
    with pytest.raises(ValidationError):
        proposal_services.proposal_prereview(proposal=submitted, by=world.imo, decision="return")
    services.allocation_close_call(allocation=allocation, by=world.coordinator)
    proposal_services.proposal_prereview(
        proposal=submitted, by=world.imo, decision="return", note="Budget trop élevé."
    )
    submitted.refresh_from_db()
    assert submitted.status == Proposal.Status.RETURNED
    # Returned during the pre-review: its organisation corrects it although the call closed.
    proposal_services.proposal_update(
        proposal=submitted,
        by=world.partner,
        budget_lines=[{"category": "staff", "description": "", "amount_usd": 800}],
    )
    proposal_services.proposal_submit(proposal=submitted, by=world.partner)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.requested_usd) == (Proposal.Status.SUBMITTED, 800)
    assert OutboxMessage.objects.filter(kind="proposal_returned", recipient=world.partner).exists()


def test_review_cannot_start_unless_ready(plan_world: PlanWorld) -> None:
    world = plan_world.world
    allocation = open_allocation(world, world.imo)
    services.allocation_close_call(allocation=allocation, by=world.coordinator)
    with pytest.raises(ValidationError) as error:
        services.allocation_start_review(allocation=allocation, by=world.coordinator)
    text = " ".join(error.value.messages)
    assert "Lock the scorecard" in text
    assert "committee" in text


def test_scorecard_is_fixed_once_locked(review: Review) -> None:
    card = selectors.scorecard_of(review.allocation)
    assert card is not None
    category = ScoreCategory.objects.filter(scorecard=card).first()
    assert category is not None
    with pytest.raises(ValidationError):
        review_services.category_save(
            scorecard=card,
            by=review.fund,
            category=category,
            code=category.code,
            name_en="x",
            name_fr="x",
            weight=Decimal("50"),
        )
    with pytest.raises(ValidationError):
        review_services.scorecard_item_delete(item=category, by=review.fund)


def test_weights_must_add_up_before_locking(plan_world: PlanWorld) -> None:
    world = plan_world.world
    allocation = open_allocation(world, world.imo)
    card = selectors.scorecard_of(allocation)
    assert card is not None
    category = card.categories.get(code="COORD")
    review_services.category_save(
        scorecard=card,
        by=world.imo,
        category=category,
        code="COORD",
        name_en=category.name_en,
        name_fr=category.name_fr,
        weight=Decimal("15"),
    )
    with pytest.raises(ValidationError) as error:
        review_services.scorecard_lock(scorecard=card, by=world.imo)
    assert "105" in " ".join(error.value.messages)
    with pytest.raises(PermissionDenied):
        review_services.scorecard_lock(scorecard=card, by=world.partner)


def test_recusals_follow_organisations_partners_and_ties(review: Review) -> None:
    from tutela.planning import access

    found = {(r.reviewer_id, r.proposal_id, r.reason) for r in access.recusals(review.allocation)}
    assert found == {
        (review.drc_member.pk, review.drc.pk, access.OWN_ORGANISATION),
        (review.drc_member.pk, review.amss.pk, access.PARTNER_IN_PROPOSAL),
        (review.chair.pk, review.other.pk, access.DECLARED_TIE),
    }


def test_scoring_needs_a_declaration_and_no_recusal(review: Review) -> None:
    world = review.world
    question = review.questions()[0]
    with pytest.raises(ValidationError):
        review_services.score_save(
            reviewer=review.imo_member,
            proposal=review.amss,
            by=world.imo,
            scores={question.pk: (3, "")},
        )
    review_services.declaration_save(
        reviewer=review.drc_member, proposal=review.drc, by=review.drc_reviewer, has_conflict=False
    )
    with pytest.raises(PermissionDenied):
        review_services.score_save(
            reviewer=review.drc_member,
            proposal=review.drc,
            by=review.drc_reviewer,
            scores={question.pk: (3, "")},
        )
    # Nobody scores for someone else.
    with pytest.raises(PermissionDenied):
        review_services.score_save(
            reviewer=review.imo_member,
            proposal=review.amss,
            by=world.coordinator,
            scores={question.pk: (3, "")},
        )
    review_services.declaration_save(
        reviewer=review.imo_member, proposal=review.amss, by=world.imo, has_conflict=False
    )
    with pytest.raises(ValidationError):
        review_services.score_save(
            reviewer=review.imo_member,
            proposal=review.amss,
            by=world.imo,
            scores={question.pk: (question.max_score + 1, "")},
        )
    assert not Score.objects.exists()


def test_declared_conflict_recuses_and_is_final(review: Review) -> None:
    world = review.world
    with pytest.raises(ValidationError):
        review_services.declaration_save(
            reviewer=review.imo_member, proposal=review.drc, by=world.imo, has_conflict=True
        )
    review_services.declaration_save(
        reviewer=review.imo_member,
        proposal=review.drc,
        by=world.imo,
        has_conflict=True,
        statement="Mon conjoint travaille au DRC.",
    )
    with pytest.raises(ValidationError):
        review_services.declaration_save(
            reviewer=review.imo_member, proposal=review.drc, by=world.imo, has_conflict=False
        )
    from tutela.planning import access

    assert not access.can_see_scores(world.imo, review.drc)


def test_scores_consensus_and_divergence(review: Review) -> None:
    scored(review)
    world = review.world
    amss = selectors.score_sheet(user=world.imo, proposal=review.amss)
    assert amss.total == Decimal("90.00")
    assert [r.user for r in amss.scored_by] == [world.coordinator, world.imo]
    other = selectors.score_sheet(user=world.imo, proposal=review.other)
    assert other.total == Decimal("30.00")
    assert not other.divergences
    # A divergence: the chair and the IMO far apart on one question of DRC's proposal.
    question = review.questions()[0]
    review_services.score_save(
        reviewer=review.chair,
        proposal=review.drc,
        by=world.coordinator,
        scores={question.pk: (0, "Hors priorités")},
    )
    review_services.score_save(
        reviewer=review.imo_member, proposal=review.drc, by=world.imo, scores={question.pk: (5, "")}
    )
    sheet = selectors.score_sheet(user=world.coordinator, proposal=review.drc)
    [divergent] = sheet.divergences
    assert divergent.question == question
    assert divergent.spread == 5
    before = sheet.total
    review_services.consensus_set(
        proposal=review.drc,
        by=world.coordinator,
        question=question,
        value=Decimal("4"),
        note="Zone prioritaire après discussion.",
    )
    after = selectors.score_sheet(user=world.coordinator, proposal=review.drc).total
    assert after is not None
    assert before is not None
    assert after > before
    # Only the chair (not recused) sets a consensus.
    with pytest.raises(PermissionDenied):
        review_services.consensus_set(
            proposal=review.drc, by=world.imo, question=question, value=Decimal(1), note="x"
        )


def test_late_tie_removes_a_reviewers_scores(review: Review) -> None:
    scored(review)
    world = review.world
    assert selectors.score_sheet(user=review.fund, proposal=review.other).total == Decimal("30.00")
    services.tie_declare(
        reviewer=review.imo_member, by=world.imo, organisation=world.other_org, relation="personal"
    )
    sheet = selectors.score_sheet(user=review.fund, proposal=review.other)
    # Only the DRC reviewer's 1s are left.
    assert sheet.total == Decimal("20.00")
    assert [r.user for r in sheet.scored_by] == [review.drc_reviewer]
    with pytest.raises(PermissionDenied):
        selectors.score_sheet(user=world.imo, proposal=review.other)
    tie = review.imo_member.ties.get()
    with pytest.raises(ValidationError):
        services.tie_withdraw(tie=tie, by=world.imo)


def test_ranking_cut_line_and_final_recommendation(review: Review) -> None:
    finished(scored(review))
    world = review.world
    ranking = selectors.ranking(user=review.fund, allocation=review.allocation)
    assert [(r.proposal, r.total, r.above_line, r.below_minimum) for r in ranking.rows] == [
        (review.amss, Decimal("90.00"), True, False),
        (review.drc, Decimal("60.00"), True, False),
        (review.other, Decimal("30.00"), False, True),
    ]
    assert ranking.recommended_total == Decimal("500000")
    for row in ranking.rows:
        assert row.proposal.justification
    drc = Proposal.objects.get(pk=review.drc.pk)
    assert drc.justification.startswith("Recommended. Consensus score 60.00/100, rank 2 of 3.")
    other = Proposal.objects.get(pk=review.other.pk)
    assert "Below the minimum score of 50" in other.justification
    assert "Budget élevé" in other.justification
    with pytest.raises(PermissionDenied):
        review_services.allocation_finalise(allocation=review.allocation, by=world.imo)
    review_services.allocation_finalise(allocation=review.allocation, by=world.coordinator)
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses[review.amss.pk] == Proposal.Status.RECOMMENDED
    assert statuses[review.other.pk] == Proposal.Status.NOT_RECOMMENDED
    assert Allocation.objects.get(pk=review.allocation.pk).status == Allocation.Status.RECOMMENDED
    assert OutboxMessage.objects.filter(
        kind="allocation_recommended", recipient=review.fund
    ).exists()


def test_finalising_needs_every_justification(review: Review) -> None:
    scored(review)
    world = review.world
    review_services.recommendation_draft(allocation=review.allocation, by=world.coordinator)
    with pytest.raises(ValidationError) as error:
        review_services.allocation_finalise(allocation=review.allocation, by=world.coordinator)
    assert "Case management in Djenné" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        review_services.justification_save(
            proposal=review.amss, by=world.coordinator, recommended=True, justification=" "
        )
    # The chair may not write the justification of a proposal they are recused from.
    with pytest.raises(PermissionDenied):
        review_services.justification_save(
            proposal=review.other, by=world.coordinator, recommended=False, justification="x"
        )


def test_scores_enter_the_audit_log_as_digests_only(review: Review) -> None:
    finished(scored(review))
    entries = AuditEntry.objects.filter(entity_type="planning.score")
    assert entries.count() == 6
    for entry in entries:
        assert all(str(v).startswith("[digest #") for v in entry.after["scores"].values())
    for entry in AuditEntry.objects.filter(entity_type="planning.proposal"):
        for key in ("rank", "justification", "recommended", "recommendation"):
            for side in (entry.before or {}, entry.after or {}):
                value = side.get(key)
                assert value in (None, "") or str(value).startswith("[digest #"), (key, value)
    # The justifications' texts (which quote scores) appear nowhere in the log.
    text = " ".join(f"{e.summary} {e.before} {e.after}" for e in AuditEntry.objects.all())
    assert "Consensus score" not in text
    assert "Très pertinent" not in text


def test_partner_cannot_act_on_the_allocation(review: Review) -> None:
    world = review.world
    with pytest.raises(PermissionDenied):
        services.reviewer_add(allocation=review.allocation, by=world.partner, user=world.partner)
    with pytest.raises(PermissionDenied):
        services.allocation_close(allocation=review.allocation, by=world.partner)
    with pytest.raises(PermissionDenied):
        review_services.recommendation_draft(allocation=review.allocation, by=world.partner)
