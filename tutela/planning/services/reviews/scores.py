"""Conflict-of-interest declarations, each reviewer's scores and the committee's consensus.

A recused reviewer cannot score, and nobody writes a consensus for a proposal whose scores they
may not see. Scores and consensus scores enter the audit log only as keyed digests.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    ConflictDeclaration,
    ConsensusScore,
    Proposal,
    Reviewer,
    Score,
    ScoreQuestion,
)
from tutela.planning.selectors import reviews as selectors
from tutela.planning.services.reviews.scorecards import digest

# --- declarations and scores ---------------------------------------------------------------------


def _reviewing(reviewer: Reviewer, by: User, proposal: Proposal) -> tuple[Reviewer, Proposal]:
    """The reviewer and the proposal as the database has them now (the caller's copies may be
    stale), once checked: the reviewer's own, in an allocation under strategic review."""
    if reviewer.user_id != by.pk:
        raise PermissionDenied
    reviewer = Reviewer.objects.select_related("allocation", "user").get(pk=reviewer.pk)
    proposal = Proposal.objects.select_related("allocation").get(pk=proposal.pk)
    if proposal.allocation_id != reviewer.allocation_id:
        raise PermissionDenied
    if reviewer.allocation.status != Allocation.Status.REVIEW:
        raise ValidationError(_("The strategic review is not under way."), code="status")
    if proposal.status != Proposal.Status.ACCEPTED:
        raise ValidationError(_("This proposal is not in the strategic review."), code="status")
    return reviewer, proposal


@transaction.atomic
def declaration_save(
    *, reviewer: Reviewer, proposal: Proposal, by: User, has_conflict: bool, statement: str = ""
) -> ConflictDeclaration:
    """The reviewer's declaration for a proposal, required before scoring it. A declared
    conflict is final: it recuses the reviewer, and cannot be taken back."""
    reviewer, proposal = _reviewing(reviewer, by, proposal)
    declaration = ConflictDeclaration.objects.filter(reviewer=reviewer, proposal=proposal).first()
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationError({"statement": _("Say what the conflict of interest is.")})
    if declaration is not None:
        if declaration.has_conflict and not has_conflict:
            raise ValidationError(
                _("A declared conflict of interest cannot be taken back."), code="final"
            )
        before = snapshot(declaration)
        declaration.has_conflict = has_conflict
        declaration.statement = statement
        declaration.save()
        audit_update(
            actor=by, instance=declaration, operation=proposal.allocation.operation, before=before
        )
        return declaration
    declaration = ConflictDeclaration.objects.create(
        reviewer=reviewer, proposal=proposal, has_conflict=has_conflict, statement=statement
    )
    audit_create(actor=by, instance=declaration, operation=proposal.allocation.operation)
    return declaration


@transaction.atomic
def score_save(
    *,
    reviewer: Reviewer,
    proposal: Proposal,
    by: User,
    scores: Mapping[int, tuple[int, str]],
) -> list[Score]:
    """Save the reviewer's scores of a proposal: {question id: (score, comment)}. Refused to a
    reviewer who has not declared, or who is recused."""
    reviewer, proposal = _reviewing(reviewer, by, proposal)
    allocation = reviewer.allocation
    scorecard = selectors.scorecard_of(allocation)
    if scorecard is None or not scorecard.is_locked:
        raise ValidationError(_("The scorecard is not locked yet."), code="unlocked")
    declaration = ConflictDeclaration.objects.filter(reviewer=reviewer, proposal=proposal).first()
    if declaration is None:
        raise ValidationError(
            _("Declare whether you have a conflict of interest first."), code="undeclared"
        )
    if access.recusal_reasons(reviewer, proposal):
        raise PermissionDenied(_("You are recused from this proposal."))
    questions = {q.pk: q for q in ScoreQuestion.objects.filter(category__scorecard=scorecard)}
    unknown = set(scores) - set(questions)
    if unknown:
        raise ValidationError(_("Unknown question."), code="question")
    saved = []
    changes: dict[str, Any] = {}
    for question_id, (value, comment) in scores.items():
        question = questions[question_id]
        if value is None or not 0 <= int(value) <= question.max_score:
            raise ValidationError(
                _("%(code)s: give a score from 0 to %(max)s.")
                % {"code": question.code, "max": question.max_score},
                code="range",
            )
        score, _created = Score.objects.update_or_create(
            reviewer=reviewer,
            proposal=proposal,
            question=question,
            defaults={"value": int(value), "comment": (comment or "").strip()},
        )
        changes[question.code] = digest(f"{score.value}|{score.comment}")
        saved.append(score)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        operation=allocation.operation,
        entity_type=Score._meta.label_lower,
        entity_id=str(proposal.pk),
        summary=f"Scores saved for proposal {proposal.pk} ({len(saved)} questions)",
        after={"proposal": proposal.pk, "reviewer": reviewer.pk, "scores": changes},
    )
    return saved


def chairing(proposal: Proposal, by: User) -> Proposal:
    """The proposal as the database has it now, once checked that `by` chairs its review."""
    proposal = Proposal.objects.select_related("allocation").get(pk=proposal.pk)
    if not access.can_chair(by, proposal):
        raise PermissionDenied
    return proposal


@transaction.atomic
def consensus_set(
    *, proposal: Proposal, by: User, question: ScoreQuestion, value: Decimal, note: str
) -> ConsensusScore:
    """The committee's agreed score on a question (after discussing a divergence), set by the
    chair, with why."""
    proposal = chairing(proposal, by)
    if question.category.scorecard.allocation_id != proposal.allocation_id:
        raise ValidationError(_("Unknown question."), code="question")
    if value is None or not Decimal(0) <= value <= question.max_score:
        raise ValidationError(
            {"value": _("Give a score from 0 to %(max)s.") % {"max": question.max_score}}
        )
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the committee agreed on this score.")})
    consensus, _created = ConsensusScore.objects.update_or_create(
        proposal=proposal,
        question=question,
        defaults={"value": value, "note": note.strip(), "set_by": by},
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        operation=proposal.allocation.operation,
        entity_type=ConsensusScore._meta.label_lower,
        entity_id=str(proposal.pk),
        summary=f"Consensus score set for proposal {proposal.pk}, question {question.code}",
        after={"question": question.code, "value": digest(f"{value}|{note.strip()}")},
    )
    return consensus


@transaction.atomic
def consensus_clear(*, proposal: Proposal, by: User, question: ScoreQuestion) -> None:
    proposal = chairing(proposal, by)
    deleted, _rows = ConsensusScore.objects.filter(proposal=proposal, question=question).delete()
    if deleted:
        audit_write(
            actor=by,
            action=AuditEntry.Action.DELETE,
            operation=proposal.allocation.operation,
            entity_type=ConsensusScore._meta.label_lower,
            entity_id=str(proposal.pk),
            summary=f"Consensus score cleared for proposal {proposal.pk}, question {question.code}",
        )
