"""The fund's pre-review of a submitted proposal (accepted for the strategic review, returned for
corrections, or rejected), and a partner's withdrawal.
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
from tutela.planning.services.allocations import MESSAGES
from tutela.planning.services.notify import members_of, notify
from tutela.planning.services.proposals.writing import proposal_url

Status = Proposal.Status

PREREVIEW_DECISIONS = {
    "accept": Status.ACCEPTED,
    "return": Status.RETURNED,
    "reject": Status.REJECTED,
}


@transaction.atomic
def proposal_prereview(*, proposal: Proposal, by: User, decision: str, note: str = "") -> Proposal:
    """The fund's pre-review of a submitted proposal (eligibility, completeness, budget):
    accepted for the strategic review, returned to the partner for corrections, or rejected."""
    proposal = Proposal.objects.select_for_update().select_related("allocation").get(pk=proposal.pk)
    allocation = proposal.allocation
    if not access.is_fund_manager(by, allocation):
        raise PermissionDenied(_("The fund's managers pre-review proposals."))
    if allocation.status not in (Allocation.Status.OPEN, Allocation.Status.PRE_REVIEW):
        raise ValidationError(_("The pre-review is over."), code="status")
    if proposal.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted proposal is pre-reviewed."), code="status")
    if decision not in PREREVIEW_DECISIONS:
        raise ValidationError({"decision": _("Accept, return or reject the proposal.")})
    note = (note or "").strip()
    if decision != "accept" and not note:
        raise ValidationError({"note": _("Say why.")})
    before = proposal.status
    proposal.status = PREREVIEW_DECISIONS[decision]
    proposal.prereview_note = note
    proposal.prereviewed_by = by
    proposal.prereviewed_at = timezone.now()
    proposal.save()
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=proposal,
        operation=allocation.operation,
        summary=f"Proposal pre-reviewed ({decision}): {proposal.title}"[:300],
        before={"status": before},
        after={"status": proposal.status, "note": note},
    )
    subject, text = MESSAGES[proposal.status]
    notify(
        operation=allocation.operation,
        users=members_of(allocation.operation, proposal.organisation_id),
        kind=f"proposal_{proposal.status}",
        subject=lambda: _(subject) % {"title": proposal.title},
        text=lambda: (
            _(text)
            % {
                "fund": allocation.fund_name,
                "title": proposal.title,
                "note": note,
                "url": proposal_url(proposal),
            }
        ),
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by: User) -> Proposal:
    if not access.is_own_proposal(by, proposal):
        raise PermissionDenied
    if proposal.status in (Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.WITHDRAWN):
        raise ValidationError(_("This proposal can no longer be withdrawn."), code="status")
    before = proposal.status
    proposal.status = Status.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=proposal,
        operation=proposal.allocation.operation,
        summary=f"Proposal withdrawn: {proposal.title}"[:300],
        before={"status": before},
        after={"status": proposal.status},
    )
    return proposal
