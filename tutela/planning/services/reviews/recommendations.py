"""The committee's recommendation: justifications drafted from the scores and comments for the
chair to edit, a written justification for every proposal, and the allocation's finalisation.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    Proposal,
)
from tutela.planning.selectors import reviews as selectors
from tutela.planning.services.notify import notify
from tutela.planning.services.reviews.scorecards import digest
from tutela.planning.services.reviews.scores import chairing

# --- the recommendation --------------------------------------------------------------------------


def draft_justification(
    *,
    sheet: selectors.ScoreSheet,
    rank: int,
    count: int,
    recommended: bool,
    above_line: bool,
    below_minimum: bool,
    allocation: Allocation,
) -> str:
    """A justification drafted from the scores and the reviewers' comments, for the chair to
    edit (in the chair's language)."""
    proposal = sheet.proposal
    parts = [
        _("Recommended.") if recommended else _("Not recommended."),
        _("Consensus score %(total)s/100, rank %(rank)s of %(count)s.")
        % {"total": sheet.total, "rank": rank, "count": count},
    ]
    shares = [(c.category.name, c.percent) for c in sheet.categories if c.percent is not None]
    if shares:
        best = max(shares, key=lambda item: item[1] or 0)
        worst = min(shares, key=lambda item: item[1] or 0)
        parts.append(
            _("Strongest: %(best)s (%(best_pct)s%%); weakest: %(worst)s (%(worst_pct)s%%).")
            % {
                "best": best[0],
                "best_pct": best[1],
                "worst": worst[0],
                "worst_pct": worst[1],
            }
        )
    if below_minimum:
        parts.append(
            _("Below the minimum score of %(minimum)s.") % {"minimum": allocation.min_score}
        )
    elif not above_line:
        parts.append(
            _("The USD %(amount)s requested does not fit in what is left of the envelope.")
            % {"amount": f"{proposal.requested_usd:,.0f}"}
        )
    divergences = sheet.divergences
    if divergences:
        parts.append(
            _("Reviewers diverged on %(codes)s.")
            % {"codes": ", ".join(q.question.code for q in divergences)}
        )
    comments = [f"{question.code}: {comment}" for _r, question, comment in sheet.comments()]
    if comments:
        parts.append(_("Reviewers' comments: %(comments)s") % {"comments": " ".join(comments)})
    return " ".join(str(p) for p in parts)


@transaction.atomic
def recommendation_draft(*, allocation: Allocation, by: User) -> int:
    """Rank the proposals, place the envelope's cut line and draft the recommendation and its
    justification of every proposal the user chairs (the chair; a fund manager for those the
    chair is recused from). Written justifications are kept. Returns how many were drafted."""
    if not (access.is_chair(by, allocation) or access.is_fund_manager(by, allocation)):
        raise PermissionDenied
    if allocation.status != Allocation.Status.REVIEW:
        raise ValidationError(_("The strategic review is not under way."), code="status")
    ordered, sheets, places = selectors.places_for_drafting(allocation)
    count = len(ordered)
    drafted = 0
    for rank, proposal in enumerate(ordered, start=1):
        if not access.can_chair(by, proposal):
            continue
        sheet = sheets[proposal.pk]
        if sheet.total is None:
            continue
        above, below, _cumulative = places[proposal.pk]
        proposal.rank = rank
        if proposal.recommended is None:
            proposal.recommended = above
        if not proposal.justification.strip():
            proposal.justification = draft_justification(
                sheet=sheet,
                rank=rank,
                count=count,
                recommended=bool(proposal.recommended),
                above_line=above,
                below_minimum=below,
                allocation=allocation,
            )
            proposal.justified_by = by
            proposal.justified_at = timezone.now()
            drafted += 1
        proposal.save(
            update_fields=["rank", "recommended", "justification", "justified_by", "justified_at"]
        )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=allocation,
        operation=allocation.operation,
        summary=f"Recommendation drafted ({drafted} justifications): {allocation.name}",
        after={"drafted": drafted},
    )
    return drafted


@transaction.atomic
def justification_save(
    *, proposal: Proposal, by: User, recommended: bool, justification: str
) -> Proposal:
    """The committee's recommendation for a proposal and why, written by the chair."""
    proposal = chairing(proposal, by)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(
            {"justification": _("Write why the proposal is or is not recommended.")}
        )
    proposal.recommended = recommended
    proposal.justification = justification
    proposal.justified_by = by
    proposal.justified_at = timezone.now()
    proposal.save(update_fields=["recommended", "justification", "justified_by", "justified_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        operation=proposal.allocation.operation,
        entity_type=Proposal._meta.label_lower,
        entity_id=str(proposal.pk),
        summary=f"Recommendation written for proposal {proposal.pk}",
        after={"recommendation": digest(f"{recommended}|{justification}")},
    )
    return proposal


@transaction.atomic
def allocation_finalise(*, allocation: Allocation, by: User) -> Allocation:
    """Send the committee's recommendation to the fund: every proposal in review has its
    consensus score, a recommendation and a written justification."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.status != Allocation.Status.REVIEW:
        raise ValidationError(_("The strategic review is not under way."), code="status")
    if not (access.is_chair(by, allocation) or access.is_fund_manager(by, allocation)):
        raise PermissionDenied
    ordered, sheets, _places = selectors.places_for_drafting(allocation)
    problems = []
    for proposal in ordered:
        if sheets[proposal.pk].total is None:
            problems.append(
                _("“%(title)s” has no consensus score yet.") % {"title": proposal.title}
            )
        elif proposal.recommended is None or not proposal.justification.strip():
            problems.append(
                _("“%(title)s” has no written recommendation yet.") % {"title": proposal.title}
            )
    if problems:
        raise ValidationError(problems, code="incomplete")
    for rank, proposal in enumerate(ordered, start=1):
        proposal.rank = rank
        proposal.status = (
            Proposal.Status.RECOMMENDED if proposal.recommended else Proposal.Status.NOT_RECOMMENDED
        )
        proposal.save(update_fields=["rank", "status", "updated_at"])
    allocation.status = Allocation.Status.RECOMMENDED
    allocation.recommended_at = timezone.now()
    allocation.recommended_by = by
    allocation.save(update_fields=["status", "recommended_at", "recommended_by", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=allocation,
        operation=allocation.operation,
        summary=f"Recommendation sent to the fund: {allocation.name}",
        before={"status": Allocation.Status.REVIEW},
        after={
            "status": allocation.status,
            "recommended": sum(1 for p in ordered if p.recommended),
            "not_recommended": sum(1 for p in ordered if not p.recommended),
        },
    )
    notify(
        operation=allocation.operation,
        users=allocation.fund_managers.all(),
        kind="allocation_recommended",
        subject=lambda: (
            _("Recommendation of the review committee: %(name)s") % {"name": allocation.name}
        ),
        text=lambda: (
            _(
                "The review committee of “%(name)s” sent its recommendation. It can be downloaded "
                "from the allocation's page."
            )
            % {"name": allocation.name}
        ),
    )
    return allocation
