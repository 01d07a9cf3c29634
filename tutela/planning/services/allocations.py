"""Pooled-fund allocations (CBPF, CERF): set-up, calendar and stages, eligible organisations and
the review committee.

Stages: draft (set up) -> open (call for proposals) -> pre-review (the fund checks the
proposals) -> review (the committee scores them on the locked scorecard) -> recommended (the
committee's recommendation is final and sent to the fund) -> closed.

The operation's managers and the allocation's fund managers run it. Every write is audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tutela.core import access as core_access
from tutela.core.models import (
    AdminArea,
    AuditEntry,
    Body,
    Operation,
    Organisation,
    PopulationGroup,
    User,
)
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    EligibleOrganisation,
    Proposal,
    Reviewer,
    ReviewerTie,
    Scorecard,
)
from tutela.planning.selectors import fivew
from tutela.planning.services.notify import absolute, members_of, notify
from tutela.planning.services.reviews import scorecard_seed

Status = Allocation.Status
SETUP_FIELDS = (
    "fund",
    "fund_name",
    "name",
    "body",
    "envelope_usd",
    "strategy",
    "call_opens",
    "call_closes",
    "review_by",
    "decision_by",
    "min_score",
)
SETUP_LINKS = ("priority_areas", "priority_activities", "priority_groups", "fund_managers")


def allocation_url(allocation: Allocation) -> str:
    return absolute(
        reverse("planning:allocation_detail", args=[allocation.operation.slug, allocation.pk])
    )


def _check_links(
    operation: Operation,
    *,
    body: Body | None = None,
    priority_areas: Sequence[AdminArea] | None = None,
    priority_activities: Sequence[Any] | None = None,
    priority_groups: Sequence[PopulationGroup] | None = None,
    fund_managers: Sequence[User] | None = None,
) -> None:
    if body is not None and body.operation_id != operation.pk:
        raise ValidationError({"body": _("Choose a cluster or AoR of this operation.")})
    if priority_areas:
        countries = set(operation.countries.values_list("country_pcode", flat=True))
        if any(a.country_pcode not in countries for a in priority_areas):
            raise ValidationError(
                {"priority_areas": _("Choose areas of the operation's countries.")}
            )
    if priority_activities:
        allowed = set(fivew.catalogue_activities(operation).values_list("pk", flat=True))
        if any(a.pk not in allowed for a in priority_activities):
            raise ValidationError(
                {"priority_activities": _("Choose activities of this operation's catalogue.")}
            )
    if priority_groups and any(g.operation_id != operation.pk for g in priority_groups):
        raise ValidationError({"priority_groups": _("Choose population groups of this operation.")})
    if fund_managers and any(not core_access.roles_in(u, operation) for u in fund_managers):
        raise ValidationError({"fund_managers": _("Fund managers need a role in the operation.")})


def _check_dates(allocation: Allocation) -> None:
    if allocation.call_closes < allocation.call_opens:
        raise ValidationError({"call_closes": _("The deadline is before the call opens.")})
    if allocation.review_by and allocation.review_by < allocation.call_closes:
        raise ValidationError({"review_by": _("The strategic review comes after the deadline.")})


@transaction.atomic
def allocation_create(
    *,
    operation: Operation,
    by: User,
    name: str,
    fund_name: str,
    body: Body,
    envelope_usd: Decimal,
    call_opens: datetime.date,
    call_closes: datetime.date,
    fund: str = Allocation.Fund.CBPF,
    strategy: str = "",
    review_by: datetime.date | None = None,
    decision_by: datetime.date | None = None,
    min_score: Decimal = Decimal("50"),
    priority_areas: Sequence[AdminArea] = (),
    priority_activities: Sequence[Any] = (),
    priority_groups: Sequence[PopulationGroup] = (),
    fund_managers: Sequence[User] = (),
) -> Allocation:
    """A new allocation (being prepared), with the CBPF scorecard template to adapt."""
    if not access.can_create_allocation(by, operation):
        raise PermissionDenied
    _check_links(
        operation,
        body=body,
        priority_areas=priority_areas,
        priority_activities=priority_activities,
        priority_groups=priority_groups,
        fund_managers=fund_managers,
    )
    allocation = Allocation(
        operation=operation,
        fund=fund,
        fund_name=(fund_name or "").strip(),
        name=(name or "").strip(),
        body=body,
        envelope_usd=envelope_usd,
        strategy=(strategy or "").strip(),
        call_opens=call_opens,
        call_closes=call_closes,
        review_by=review_by,
        decision_by=decision_by,
        min_score=min_score,
        created_by=by,
    )
    _check_dates(allocation)
    allocation.full_clean()
    allocation.save()
    allocation.priority_areas.set(priority_areas)
    allocation.priority_activities.set(priority_activities)
    allocation.priority_groups.set(priority_groups)
    allocation.fund_managers.set(fund_managers)
    audit_create(actor=by, instance=allocation, operation=operation)

    scorecard_seed(allocation=allocation)
    return allocation


@transaction.atomic
def allocation_update(*, allocation: Allocation, by: User, **fields: Any) -> Allocation:
    """Change the set-up while the allocation is prepared or its call is open."""
    access.require_allocation_manager(by, allocation)
    if allocation.status not in (Status.DRAFT, Status.OPEN):
        raise ValidationError(
            _("The allocation can no longer be changed at this stage."), code="status"
        )
    operation = allocation.operation
    links = {name: fields[name] for name in SETUP_LINKS if name in fields}
    _check_links(operation, body=fields.get("body"), **links)
    before = snapshot(allocation)
    for name in SETUP_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(allocation, name, value.strip() if isinstance(value, str) else value)
    _check_dates(allocation)
    allocation.full_clean()
    allocation.save()
    for name, values in links.items():
        getattr(allocation, name).set(values)
    audit_update(actor=by, instance=allocation, operation=operation, before=before)
    return allocation


def _move(allocation: Allocation, by: User, to: str, summary: str) -> Allocation:
    before = allocation.status
    allocation.status = to
    allocation.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=allocation,
        operation=allocation.operation,
        summary=f"{summary}: {allocation.name}",
        before={"status": before},
        after={"status": to},
    )
    return allocation


def _locked(allocation: Allocation, by: User, *expected: str) -> Allocation:
    access.require_allocation_manager(by, allocation)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.status not in expected:
        raise ValidationError(
            _("This cannot be done while the allocation is “%(status)s”.")
            % {"status": allocation.get_status_display()},
            code="status",
        )
    return allocation


@transaction.atomic
def allocation_open(*, allocation: Allocation, by: User) -> Allocation:
    """Open the call for proposals; the eligible organisations are told."""
    allocation = _locked(allocation, by, Status.DRAFT)
    if not allocation.envelope_usd:
        raise ValidationError(_("Give the allocation's envelope first."), code="envelope")
    _move(allocation, by, Status.OPEN, "Call for proposals opened")
    users = [
        user
        for org_id in access.eligible_organisation_ids(allocation)
        for user in members_of(allocation.operation, org_id)
    ]
    notify(
        operation=allocation.operation,
        users=users,
        kind="allocation_open",
        subject=lambda: _("Call for proposals: %(name)s") % {"name": allocation.name},
        text=lambda: (
            _(
                "The %(fund)s opened the call for proposals “%(name)s” (envelope USD "
                "%(envelope)s). Proposals are due by %(deadline)s.\n\n%(url)s"
            )
            % {
                "fund": allocation.fund_name,
                "name": allocation.name,
                "envelope": f"{allocation.envelope_usd:,.0f}",
                "deadline": allocation.call_closes.isoformat(),
                "url": allocation_url(allocation),
            }
        ),
    )
    return allocation


@transaction.atomic
def allocation_close_call(*, allocation: Allocation, by: User) -> Allocation:
    """Close the call: proposals not submitted stay drafts and are not reviewed."""
    allocation = _locked(allocation, by, Status.OPEN)
    return _move(allocation, by, Status.PRE_REVIEW, "Call for proposals closed")


@transaction.atomic
def allocation_start_review(*, allocation: Allocation, by: User) -> Allocation:
    """Start the strategic review: the scorecard is locked, every submitted proposal has been
    pre-reviewed, and the committee has members and a chair. Reviewers are asked to declare
    their conflicts of interest."""
    allocation = _locked(allocation, by, Status.PRE_REVIEW)
    scorecard = Scorecard.objects.filter(allocation=allocation).first()
    problems = []
    if scorecard is None or not scorecard.is_locked:
        problems.append(_("Lock the scorecard first."))
    if allocation.proposals.filter(status=Proposal.Status.SUBMITTED).exists():
        problems.append(_("Pre-review every submitted proposal first."))
    if not allocation.proposals.filter(status=Proposal.Status.ACCEPTED).exists():
        problems.append(_("No proposal was accepted for the strategic review."))
    if not Reviewer.objects.filter(allocation=allocation).exists():
        problems.append(_("Appoint the review committee first."))
    if allocation.chair_id is None:
        problems.append(_("Choose the committee's chair first."))
    if problems:
        raise ValidationError(problems, code="not_ready")
    _move(allocation, by, Status.REVIEW, "Strategic review started")
    notify(
        operation=allocation.operation,
        users=[
            r.user for r in Reviewer.objects.filter(allocation=allocation).select_related("user")
        ],
        kind="allocation_review",
        subject=lambda: _("Strategic review: %(name)s") % {"name": allocation.name},
        text=lambda: (
            _(
                "The strategic review of “%(name)s” has started. Declare any conflict of interest "
                "for each proposal, then score the proposals you are not recused from.\n\n%(url)s"
            )
            % {"name": allocation.name, "url": allocation_url(allocation)}
        ),
    )
    return allocation


@transaction.atomic
def allocation_close(*, allocation: Allocation, by: User) -> Allocation:
    allocation = _locked(allocation, by, Status.RECOMMENDED)
    return _move(allocation, by, Status.CLOSED, "Allocation closed")


# --- eligible organisations ----------------------------------------------------------------------


@transaction.atomic
def eligibility_set(
    *,
    allocation: Allocation,
    by: User,
    organisation: Organisation,
    due_diligence: str,
    capacity: str,
    note: str = "",
) -> EligibleOrganisation:
    """Record an organisation's due diligence and capacity assessment for the allocation."""
    access.require_allocation_manager(by, allocation)
    if not allocation.operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": _("This organisation is not part of the operation.")}
        )
    record = EligibleOrganisation.objects.filter(
        allocation=allocation, organisation=organisation
    ).first()
    before = snapshot(record) if record is not None else None
    if record is None:
        record = EligibleOrganisation(allocation=allocation, organisation=organisation)
    record.due_diligence = due_diligence
    record.capacity = capacity
    record.note = (note or "").strip()
    record.updated_by = by
    record.full_clean()
    record.save()
    if before is None:
        audit_create(actor=by, instance=record, operation=allocation.operation)
    else:
        audit_update(actor=by, instance=record, operation=allocation.operation, before=before)
    return record


# --- the review committee ------------------------------------------------------------------------


@transaction.atomic
def reviewer_add(*, allocation: Allocation, by: User, user: User) -> Reviewer:
    access.require_allocation_manager(by, allocation)
    if allocation.status in (Status.RECOMMENDED, Status.CLOSED):
        raise ValidationError(_("The review is over."), code="status")
    if not core_access.roles_in(user, allocation.operation):
        raise ValidationError({"user": _("Reviewers need a role in the operation.")})
    if Reviewer.objects.filter(allocation=allocation, user=user).exists():
        raise ValidationError({"user": _("Already a member of the committee.")})
    reviewer = Reviewer.objects.create(
        allocation=allocation, user=user, organisation_id=user.organisation_id
    )
    audit_create(actor=by, instance=reviewer, operation=allocation.operation)
    return reviewer


@transaction.atomic
def reviewer_remove(*, reviewer: Reviewer, by: User) -> None:
    allocation = reviewer.allocation
    access.require_allocation_manager(by, allocation)
    if allocation.status not in (Status.DRAFT, Status.OPEN, Status.PRE_REVIEW):
        raise ValidationError(
            _("Members leave the committee before the strategic review starts."), code="status"
        )
    if allocation.chair_id == reviewer.user_id:
        allocation.chair = None
        allocation.save(update_fields=["chair", "updated_at"])
    before = snapshot(reviewer)
    pk = reviewer.pk
    reviewer.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=allocation.operation,
        entity_type=Reviewer._meta.label_lower,
        entity_id=str(pk),
        summary=f"Reviewer removed from {allocation.name}",
        before=before,
    )


@transaction.atomic
def chair_set(*, allocation: Allocation, by: User, user: User) -> Allocation:
    access.require_allocation_manager(by, allocation)
    if allocation.status in (Status.RECOMMENDED, Status.CLOSED):
        raise ValidationError(_("The review is over."), code="status")
    if not Reviewer.objects.filter(allocation=allocation, user=user).exists():
        raise ValidationError({"user": _("The chair is a member of the committee.")})
    before = snapshot(allocation)
    allocation.chair = user
    allocation.save(update_fields=["chair", "updated_at"])
    audit_update(actor=by, instance=allocation, operation=allocation.operation, before=before)
    return allocation


@transaction.atomic
def tie_declare(
    *, reviewer: Reviewer, by: User, organisation: Organisation, relation: str, note: str = ""
) -> ReviewerTie:
    """A reviewer declares ties with an organisation: they are recused from its proposals (and
    from those where it is an implementing partner), from now on."""
    if reviewer.user_id != by.pk:
        raise PermissionDenied
    if ReviewerTie.objects.filter(reviewer=reviewer, organisation=organisation).exists():
        raise ValidationError({"organisation": _("You already declared this organisation.")})
    tie = ReviewerTie(
        reviewer=reviewer, organisation=organisation, relation=relation, note=(note or "").strip()
    )
    tie.full_clean()
    tie.save()
    audit_create(actor=by, instance=tie, operation=reviewer.allocation.operation)
    return tie


@transaction.atomic
def tie_withdraw(*, tie: ReviewerTie, by: User) -> None:
    """Withdraw a declared tie, before the strategic review only: once proposals are scored, a
    tie that was declared stays (withdrawing it would let the reviewer see scores they were
    recused from)."""
    reviewer = tie.reviewer
    if reviewer.user_id != by.pk:
        raise PermissionDenied
    if reviewer.allocation.status not in (Status.DRAFT, Status.OPEN, Status.PRE_REVIEW):
        raise ValidationError(
            _("Declared ties stay once the strategic review has started."), code="status"
        )
    before = snapshot(tie)
    pk = tie.pk
    tie.delete()
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=reviewer.allocation.operation,
        entity_type=ReviewerTie._meta.label_lower,
        entity_id=str(pk),
        summary="Declared tie withdrawn",
        before=before,
    )


MESSAGES = {
    "returned": (
        gettext_noop("Proposal returned for corrections: %(title)s"),
        gettext_noop(
            "The %(fund)s returned your proposal “%(title)s” for corrections:\n\n%(note)s\n\n"
            "%(url)s"
        ),
    ),
    "rejected": (
        gettext_noop("Proposal not retained at pre-review: %(title)s"),
        gettext_noop(
            "The %(fund)s did not retain your proposal “%(title)s” at pre-review:\n\n%(note)s"
            "\n\n%(url)s"
        ),
    ),
    "accepted": (
        gettext_noop("Proposal in strategic review: %(title)s"),
        gettext_noop(
            "The %(fund)s accepted your proposal “%(title)s” for the strategic review.\n\n%(url)s"
        ),
    ),
}
