"""Reads of the strategic review: score sheets (each reviewer's scores, the divergence between
them, the consensus), the ranking with the envelope's cut line, the reviewer's queue, and the
record of recusals.

Scores never leave this module without an access check: `score_sheet` and `ranking` ask
`tutela.planning.access` which proposals the user may see the scores of, and leave the others
out (or show them without any figure). The scores of a reviewer who is recused from a proposal
(for instance after declaring a tie late) count nowhere.

Scoring: each question is answered from 0 to its highest score; a category's share is the
weighted mean of its questions (each answer ÷ its highest score); the total, out of 100, adds up
the categories' shares times their weights. The consensus of a question is the score the
committee agreed on, or else the mean of the reviewers' scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied

from tutela.core.models import User
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    ConflictDeclaration,
    ConsensusScore,
    Proposal,
    Reviewer,
    Score,
    Scorecard,
    ScoreCategory,
    ScoreQuestion,
)

TWO = Decimal("0.01")
# Reviewers' scores further apart than this share of the question's range are a divergence to
# discuss (2 points on a 0-5 scale).
DIVERGENCE_SHARE = Decimal("0.4")


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def scorecard_of(allocation: Allocation) -> Scorecard | None:
    return Scorecard.objects.filter(allocation=allocation).first()


def structure(scorecard: Scorecard | None) -> list[tuple[ScoreCategory, list[ScoreQuestion]]]:
    if scorecard is None:
        return []
    categories = list(scorecard.categories.prefetch_related("questions").order_by("order", "code"))
    return [(c, list(c.questions.order_by("order", "code"))) for c in categories]


@dataclass
class QuestionScores:
    question: ScoreQuestion
    # (reviewer, value, comment) of the reviewers not recused from the proposal.
    values: list[tuple[Reviewer, int, str]]
    consensus_set: ConsensusScore | None = None

    @property
    def mean(self) -> Decimal | None:
        if not self.values:
            return None
        return _round(Decimal(sum(v for _r, v, _c in self.values)) / len(self.values))

    @property
    def spread(self) -> int | None:
        if not self.values:
            return None
        scores = [v for _r, v, _c in self.values]
        return max(scores) - min(scores)

    @property
    def divergent(self) -> bool:
        spread = self.spread
        if spread is None:
            return False
        limit = max(Decimal(2), DIVERGENCE_SHARE * self.question.max_score)
        return Decimal(spread) >= limit

    @property
    def consensus(self) -> Decimal | None:
        if self.consensus_set is not None:
            return self.consensus_set.value
        return self.mean


@dataclass
class CategoryScores:
    category: ScoreCategory
    questions: list[QuestionScores]

    @property
    def share(self) -> Decimal | None:
        """The category's consensus as a share (0 to 1), None while a question has none."""
        weights = Decimal(0)
        total = Decimal(0)
        for item in self.questions:
            consensus = item.consensus
            if consensus is None:
                return None
            weights += item.question.weight
            total += item.question.weight * consensus / item.question.max_score
        return total / weights if weights else None

    @property
    def points(self) -> Decimal | None:
        share = self.share
        return None if share is None else _round(share * self.category.weight)

    @property
    def percent(self) -> Decimal | None:
        share = self.share
        return None if share is None else _round(share * 100)


@dataclass
class ScoreSheet:
    proposal: Proposal
    categories: list[CategoryScores]
    scored_by: list[Reviewer]
    # Reviewers not recused from the proposal who have not scored every question.
    missing: list[Reviewer]

    @property
    def total(self) -> Decimal | None:
        points = [c.points for c in self.categories]
        if not points or any(p is None for p in points):
            return None
        return _round(sum((p for p in points if p is not None), Decimal(0)))

    @property
    def divergences(self) -> list[QuestionScores]:
        return [q for c in self.categories for q in c.questions if q.divergent]

    def comments(self) -> list[tuple[Reviewer, ScoreQuestion, str]]:
        return [
            (reviewer, item.question, comment)
            for category in self.categories
            for item in category.questions
            for reviewer, _value, comment in item.values
            if comment
        ]


def _sheets(allocation: Allocation, proposals: Sequence[Proposal]) -> dict[int, ScoreSheet]:
    """Score sheets of `proposals`, WITHOUT any access check: callers filter first. Four
    queries whatever the number of proposals."""
    layout = structure(scorecard_of(allocation))
    reviewers = list(Reviewer.objects.filter(allocation=allocation).select_related("user"))
    by_id = {r.pk: r for r in reviewers}
    facts = access.ConflictFacts.load(
        allocation, reviewers=reviewers, proposal_ids=[p.pk for p in proposals]
    )
    recused = {(r.pk, p.pk) for r in reviewers for p in proposals if facts.reasons(r.pk, p.pk)}
    scores: dict[tuple[int, int], list[tuple[Reviewer, int, str]]] = {}
    answered: dict[tuple[int, int], set[int]] = {}
    for reviewer_id, proposal_id, question_id, value, comment in Score.objects.filter(
        proposal_id__in=[p.pk for p in proposals], reviewer__allocation=allocation
    ).values_list("reviewer_id", "proposal_id", "question_id", "value", "comment"):
        if (reviewer_id, proposal_id) in recused:
            continue
        scores.setdefault((proposal_id, question_id), []).append(
            (by_id[reviewer_id], value, comment)
        )
        answered.setdefault((reviewer_id, proposal_id), set()).add(question_id)
    consensus = {
        (c.proposal_id, c.question_id): c
        for c in ConsensusScore.objects.filter(proposal_id__in=[p.pk for p in proposals])
    }
    question_ids = {q.pk for _c, questions in layout for q in questions}
    out = {}
    for proposal in proposals:
        categories = [
            CategoryScores(
                category=category,
                questions=[
                    QuestionScores(
                        question=question,
                        values=sorted(
                            scores.get((proposal.pk, question.pk), []),
                            key=lambda item: item[0].user.full_name,
                        ),
                        consensus_set=consensus.get((proposal.pk, question.pk)),
                    )
                    for question in questions
                ],
            )
            for category, questions in layout
        ]
        eligible = [r for r in reviewers if (r.pk, proposal.pk) not in recused]
        done = [r for r in eligible if answered.get((r.pk, proposal.pk), set()) >= question_ids]
        out[proposal.pk] = ScoreSheet(
            proposal=proposal,
            categories=categories,
            scored_by=done,
            missing=[r for r in eligible if r not in done],
        )
    return out


def score_sheet(*, user: User, proposal: Proposal) -> ScoreSheet:
    """The proposal's scores, for someone who may see them (403 for anyone else, the recused
    first of all)."""
    access.require_scores_visible(user, proposal)
    return _sheets(proposal.allocation, [proposal])[proposal.pk]


def reviewer_scores(reviewer: Reviewer, proposal: Proposal) -> dict[int, tuple[int, str]]:
    """The reviewer's own scores of a proposal: question id -> (value, comment)."""
    return {
        question_id: (value, comment)
        for question_id, value, comment in Score.objects.filter(
            reviewer=reviewer, proposal=proposal
        ).values_list("question_id", "value", "comment")
    }


# --- the ranking and the envelope's cut line ------------------------------------------------------


@dataclass
class RankRow:
    proposal: Proposal
    # False: the user may not see this proposal's scores (recused): no figure is shown.
    visible: bool
    sheet: ScoreSheet | None = None
    # Place among the proposals the user may see.
    rank: int | None = None
    above_line: bool | None = None
    below_minimum: bool = False
    cumulative: Decimal | None = None
    can_chair: bool = False

    @property
    def total(self) -> Decimal | None:
        return self.sheet.total if self.sheet is not None else None

    @property
    def recommended(self) -> bool | None:
        """The recommendation as written, or the cut line's while none is."""
        if not self.visible:
            return None
        if self.proposal.recommended is not None:
            return self.proposal.recommended
        return self.above_line


@dataclass
class Ranking:
    allocation: Allocation
    rows: list[RankRow]
    envelope: Decimal
    recommended_total: Decimal
    # The user is recused from some proposals: cumulative amounts are not shown to them (they
    # would give away where the hidden proposals stand).
    partial: bool
    complete: bool = field(default=False)


REVIEWED = (
    Proposal.Status.ACCEPTED,
    Proposal.Status.RECOMMENDED,
    Proposal.Status.NOT_RECOMMENDED,
)


def _order(allocation: Allocation) -> tuple[list[Proposal], dict[int, ScoreSheet], dict[int, Any]]:
    """Every reviewed proposal in ranking order with its sheet and its place against the cut
    line. Internal: no access check."""
    proposals = list(
        Proposal.objects.filter(allocation=allocation, status__in=REVIEWED)
        .select_related("organisation", "allocation")
        .order_by("pk")
    )
    sheets = _sheets(allocation, proposals)

    def key(p: Proposal) -> tuple[Any, ...]:
        total = sheets[p.pk].total
        return (total is None, -(total or 0), p.requested_usd, p.pk)

    ordered = sorted(proposals, key=key)
    places: dict[int, Any] = {}
    cumulative = Decimal(0)
    for proposal in ordered:
        total = sheets[proposal.pk].total
        below = total is not None and total < allocation.min_score
        above = False
        if (
            total is not None
            and not below
            and cumulative + proposal.requested_usd <= (allocation.envelope_usd)
        ):
            cumulative += proposal.requested_usd
            above = True
        places[proposal.pk] = (above, below, cumulative if above else None)
    return ordered, sheets, places


def ranking(*, user: User, allocation: Allocation) -> Ranking:
    """The proposals in strategic review ranked by consensus score, with the envelope's cut line:
    from the top, proposals at or above the minimum score are recommended while their requests
    fit in what is left of the envelope. Proposals whose scores the user may not see are listed
    without figures; ranks are counted among the others."""
    visible = access.score_visible_ids(user, allocation)
    if not visible:
        raise PermissionDenied
    ordered, sheets, places = _order(allocation)
    partial = any(p.pk not in visible for p in ordered)
    rows = []
    rank = 0
    recommended_total = Decimal(0)
    for proposal in ordered:
        if proposal.pk not in visible:
            rows.append(RankRow(proposal=proposal, visible=False))
            continue
        rank += 1
        above, below, cumulative = places[proposal.pk]
        row = RankRow(
            proposal=proposal,
            visible=True,
            sheet=sheets[proposal.pk],
            rank=rank,
            above_line=above,
            below_minimum=below,
            cumulative=None if partial else cumulative,
            can_chair=access.can_chair(user, proposal),
        )
        if row.recommended:
            recommended_total += proposal.requested_usd
        rows.append(row)
    complete = all(
        r.visible and r.proposal.recommended is not None and r.proposal.justification.strip()
        for r in rows
    )
    return Ranking(
        allocation=allocation,
        rows=rows,
        envelope=allocation.envelope_usd,
        recommended_total=recommended_total if not partial else Decimal(0),
        partial=partial,
        complete=complete,
    )


def places_for_drafting(
    allocation: Allocation,
) -> tuple[list[Proposal], dict[int, ScoreSheet], dict[int, Any]]:
    """The ranking order, sheets and cut-line places, for the services that write the
    recommendation (they check who may write each proposal's)."""
    return _order(allocation)


# --- the reviewer's queue and the record of conflicts --------------------------------------------


@dataclass
class QueueItem:
    proposal: Proposal
    declaration: ConflictDeclaration | None
    recusals: list[access.Recusal]
    answered: int
    questions: int

    @property
    def done(self) -> bool:
        return bool(self.recusals) or (self.questions > 0 and self.answered >= self.questions)


def review_queue(reviewer: Reviewer) -> list[QueueItem]:
    allocation = reviewer.allocation
    proposals = list(
        Proposal.objects.filter(allocation=allocation, status__in=REVIEWED)
        .select_related("organisation")
        .order_by("organisation__acronym", "pk")
    )
    facts = access.ConflictFacts.load(
        allocation, reviewers=[reviewer], proposal_ids=[p.pk for p in proposals]
    )
    declarations = {d.proposal_id: d for d in ConflictDeclaration.objects.filter(reviewer=reviewer)}
    counts: dict[int, int] = {}
    for proposal_id in Score.objects.filter(reviewer=reviewer).values_list(
        "proposal_id", flat=True
    ):
        counts[proposal_id] = counts.get(proposal_id, 0) + 1
    questions = sum(len(q) for _c, q in structure(scorecard_of(allocation)))
    return [
        QueueItem(
            proposal=p,
            declaration=declarations.get(p.pk),
            recusals=facts.reasons(reviewer.pk, p.pk),
            answered=counts.get(p.pk, 0),
            questions=questions,
        )
        for p in proposals
    ]


@dataclass
class ConflictRow:
    reviewer: Reviewer
    proposal: Proposal
    reasons: list[access.Recusal]
    declaration: ConflictDeclaration | None


def conflict_record(*, user: User, allocation: Allocation) -> list[ConflictRow]:
    """Who is recused from which proposal and why, and every declaration (the fund managers and
    the operation's managers)."""
    if not access.can_see_conflicts(user, allocation):
        raise PermissionDenied
    return _conflict_rows(allocation)


def _conflict_rows(allocation: Allocation) -> list[ConflictRow]:
    reviewers = list(Reviewer.objects.filter(allocation=allocation).select_related("user"))
    proposals = list(
        Proposal.objects.filter(allocation=allocation)
        .exclude(status=Proposal.Status.DRAFT)
        .select_related("organisation")
    )
    facts = access.ConflictFacts.load(
        allocation, reviewers=reviewers, proposal_ids=[p.pk for p in proposals]
    )
    declarations = {
        (d.reviewer_id, d.proposal_id): d
        for d in ConflictDeclaration.objects.filter(reviewer__allocation=allocation)
    }
    rows = []
    for reviewer in reviewers:
        for proposal in proposals:
            reasons = facts.reasons(reviewer.pk, proposal.pk)
            declaration = declarations.get((reviewer.pk, proposal.pk))
            if reasons or declaration is not None:
                rows.append(ConflictRow(reviewer, proposal, reasons, declaration))
    return rows


def visible_sheets(
    *, user: User, allocation: Allocation, proposals: Iterable[Proposal]
) -> dict[int, ScoreSheet]:
    """Score sheets of the given proposals that the user may see (the others left out)."""
    visible = access.score_visible_ids(user, allocation)
    wanted = [p for p in proposals if p.pk in visible]
    return _sheets(allocation, wanted) if wanted else {}
