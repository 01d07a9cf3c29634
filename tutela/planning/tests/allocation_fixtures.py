"""A pooled-fund allocation in strategic review, for the tests.

Organisations: AMSS (partner), OTHER (other partner), DRC; UNHCR chairs (the coordinator).
Committee: the coordinator (UNHCR, chair), a DRC reviewer, a reviewer of no proposing
organisation (the IMO, UNHCR). The fund manager works for OCHA.

Proposals accepted for the strategic review:
  AMSS  "Psychosocial support in Bandiagara"  USD 300,000, DRC as implementing partner
  OTHER "Case management in Djenné"           USD 250,000
  DRC   "Legal aid in Mopti"                  USD 200,000
Envelope: USD 600,000. Minimum score 50.

Recusals this gives: the DRC reviewer from DRC's proposal (own organisation) and from AMSS's
(DRC is its implementing partner); the coordinator declared ties with OTHER (a partner of
UNHCR): recused from OTHER's proposal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tutela.activities.models import Activity
from tutela.conftest import World, make_user
from tutela.core.models import AdminArea, OperationRole, Organisation, PopulationGroup, User
from tutela.core.models.roles import Role
from tutela.planning.models import Allocation, Proposal, Reviewer, ScoreQuestion
from tutela.planning.selectors import reviews as review_selectors
from tutela.planning.services import allocations as services
from tutela.planning.services import proposals as proposal_services
from tutela.planning.services import reviews as review_services


@dataclass
class Review:
    world: World
    allocation: Allocation
    fund: User
    drc_reviewer: User
    drc_partner: User
    amss: Proposal
    other: Proposal
    drc: Proposal
    chair: Reviewer
    drc_member: Reviewer
    imo_member: Reviewer

    def questions(self) -> list[ScoreQuestion]:
        layout = review_selectors.structure(review_selectors.scorecard_of(self.allocation))
        return [q for _c, questions in layout for q in questions]

    def reviewer(self, user: User) -> Reviewer:
        return Reviewer.objects.get(allocation=self.allocation, user=user)

    def score(
        self, user: User, proposal: Proposal, value: int | list[int], comment: str = ""
    ) -> None:
        """Declare no conflict and score every question (one value, or one per question)."""
        reviewer = self.reviewer(user)
        review_services.declaration_save(
            reviewer=reviewer, proposal=proposal, by=user, has_conflict=False
        )
        questions = self.questions()
        values = value if isinstance(value, list) else [value] * len(questions)
        review_services.score_save(
            reviewer=reviewer,
            proposal=proposal,
            by=user,
            scores={q.pk: (v, comment) for q, v in zip(questions, values, strict=True)},
        )


def with_role(world: World, user: User, role: str) -> User:
    OperationRole.objects.create(user=user, operation=world.operation, role=role)
    return user


def proposal(
    world: World,
    allocation: Allocation,
    user: User,
    title: str,
    amount: int,
    pcode: str,
    partners: tuple[Organisation, ...] = (),
) -> Proposal:
    operation = world.operation
    item = proposal_services.proposal_create(
        allocation=allocation,
        by=user,
        title=title,
        summary=f"{title}: summary.",
        areas=list(AdminArea.objects.filter(pcode=pcode)),
        activities=[Activity.objects.get(operation=operation, code="PRO-PSS")],
        implementing_partners=list(partners),
        budget_lines=[{"category": "staff", "description": "Équipe", "amount_usd": amount}],
        targets=[
            {
                "population_group": PopulationGroup.objects.get(operation=operation, code="IDP"),
                "targeted": 500,
            }
        ],
    )
    return proposal_services.proposal_submit(proposal=item, by=user)


def open_allocation(world: World, fund: User) -> Allocation:
    allocation = services.allocation_create(
        operation=world.operation,
        by=world.coordinator,
        name="2026 first standard allocation",
        fund_name="Mali Humanitarian Fund",
        body=world.cluster,
        envelope_usd=Decimal("600000"),
        call_opens=datetime.date(2026, 3, 1),
        call_closes=datetime.date(2026, 3, 31),
        strategy="Psychosocial support and case management in Mopti.",
        priority_areas=list(AdminArea.objects.filter(pcode="ML05")),
        fund_managers=[fund],
    )
    for organisation in (world.amss, world.other_org, world.drc):
        services.eligibility_set(
            allocation=allocation,
            by=fund,
            organisation=organisation,
            due_diligence="passed",
            capacity="medium",
        )
    return services.allocation_open(allocation=allocation, by=world.coordinator)


def build_review(world: World) -> Review:
    ocha = Organisation.objects.create(name="OCHA", acronym="OCHA", type="un")
    ocha.operations.add(world.operation)
    fund = with_role(world, make_user("hfu@ocha.test", "Hadja Fund", ocha), Role.VIEWER)
    drc_reviewer = with_role(
        world, make_user("protection@drc.test", "Dieter DRC", world.drc), Role.FOCAL_POINT
    )
    drc_partner = with_role(world, make_user("focal@drc.test", "Dina DRC", world.drc), Role.PARTNER)
    allocation = open_allocation(world, fund)
    amss = proposal(
        world,
        allocation,
        world.partner,
        "Psychosocial support in Bandiagara",
        300000,
        "ML0501",
        partners=(world.drc,),
    )
    other = proposal(
        world, allocation, world.other_partner, "Case management in Djenné", 250000, "ML0502"
    )
    drc = proposal(world, allocation, drc_partner, "Legal aid in Mopti", 200000, "ML05")
    services.allocation_close_call(allocation=allocation, by=world.coordinator)
    for item in (amss, other, drc):
        proposal_services.proposal_prereview(proposal=item, by=fund, decision="accept")
    card = review_selectors.scorecard_of(allocation)
    assert card is not None
    review_services.scorecard_lock(scorecard=card, by=fund)
    chair = services.reviewer_add(
        allocation=allocation, by=world.coordinator, user=world.coordinator
    )
    drc_member = services.reviewer_add(
        allocation=allocation, by=world.coordinator, user=drc_reviewer
    )
    imo_member = services.reviewer_add(allocation=allocation, by=world.coordinator, user=world.imo)
    services.chair_set(allocation=allocation, by=world.coordinator, user=world.coordinator)
    services.tie_declare(
        reviewer=chair, by=world.coordinator, organisation=world.other_org, relation="partner"
    )
    services.allocation_start_review(allocation=allocation, by=fund)
    allocation.refresh_from_db()
    for item in (amss, other, drc):
        item.refresh_from_db()
    return Review(
        world=world,
        allocation=allocation,
        fund=fund,
        drc_reviewer=drc_reviewer,
        drc_partner=drc_partner,
        amss=amss,
        other=other,
        drc=drc,
        chair=chair,
        drc_member=drc_member,
        imo_member=imo_member,
    )


def scored(review: Review) -> Review:
    """Every reviewer scores what they may: AMSS high, DRC middling, OTHER low."""
    world = review.world
    review.score(world.coordinator, review.amss, 5, "Très pertinent")
    review.score(world.coordinator, review.drc, 3)
    review.score(world.imo, review.amss, 4)
    review.score(world.imo, review.other, 2, "Budget élevé")
    review.score(world.imo, review.drc, 3)
    review.score(review.drc_reviewer, review.other, 1)
    return review


def finished(review: Review, **extra: Any) -> Review:
    """Drafted by the chair and completed by the fund manager (the chair is recused from
    OTHER's proposal)."""
    world = review.world
    review_services.recommendation_draft(allocation=review.allocation, by=world.coordinator)
    review_services.recommendation_draft(allocation=review.allocation, by=review.fund)
    return review
