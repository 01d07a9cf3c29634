"""A partner's proposal to a pooled-fund allocation as written by an eligible organisation while
the call is open (form, budget, targets), and its submission.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.counts import MAX_AMOUNT, MAX_COUNT, max_amount_text, max_count_text
from tutela.core.models import AdminArea, AuditEntry, Organisation, PopulationGroup, User
from tutela.core.services.audit import audit_write, snapshot
from tutela.planning import access
from tutela.planning.models import (
    Allocation,
    BudgetCategory,
    Project,
    Proposal,
    ProposalBudgetLine,
    ProposalTarget,
)
from tutela.planning.selectors import fivew
from tutela.planning.services.notify import absolute, notify
from tutela.planning.services.reviews import digest

Status = Proposal.Status

VALUE_FIELDS = ("title", "summary", "project", "start_date", "end_date")
LINK_FIELDS = ("areas", "activities", "implementing_partners")


def proposal_url(proposal: Proposal) -> str:
    allocation = proposal.allocation
    return absolute(
        reverse(
            "planning:proposal_detail",
            args=[allocation.operation.slug, allocation.pk, proposal.pk],
        )
    )


def _check_links(
    allocation: Allocation,
    *,
    areas: Sequence[AdminArea] | None = None,
    activities: Sequence[Any] | None = None,
    implementing_partners: Sequence[Organisation] | None = None,
    project: Project | None = None,
    organisation: Organisation | None = None,
) -> None:
    operation = allocation.operation
    if areas:
        countries = set(operation.countries.values_list("country_pcode", flat=True))
        if any(a.country_pcode not in countries for a in areas):
            raise ValidationError({"areas": _("Choose areas of the operation's countries.")})
    if activities:
        allowed = set(fivew.catalogue_activities(operation).values_list("pk", flat=True))
        if any(a.pk not in allowed for a in activities):
            raise ValidationError(
                {"activities": _("Choose activities of this operation's catalogue.")}
            )
    if implementing_partners:
        members = set(operation.organisations.values_list("pk", flat=True))
        if any(o.pk not in members for o in implementing_partners):
            raise ValidationError(
                {"implementing_partners": _("Choose organisations of this operation.")}
            )
    if project is not None and (
        project.operation_id != operation.pk
        or (organisation is not None and project.organisation_id != organisation.pk)
    ):
        raise ValidationError({"project": _("Choose one of your organisation's projects.")})


def _lines(
    proposal: Proposal,
    budget_lines: Sequence[dict[str, Any]] | None,
    targets: Sequence[dict[str, Any]] | None,
) -> None:
    if budget_lines is not None:
        clean = []
        for index, line in enumerate(budget_lines, start=1):
            amount = line.get("amount_usd")
            if amount is None or Decimal(amount) < 0 or line.get("category") not in BudgetCategory:
                raise ValidationError(
                    {
                        "budget_lines": _(
                            "Budget line %(line)s: choose a category and give an amount."
                        )
                        % {"line": index}
                    }
                )
            if Decimal(amount) > MAX_AMOUNT:
                raise ValidationError(
                    {
                        "budget_lines": _(
                            "Budget line %(line)s: the amount cannot be more than %(max)s."
                        )
                        % {"line": index, "max": max_amount_text()}
                    }
                )
            clean.append(
                ProposalBudgetLine(
                    proposal=proposal,
                    category=line["category"],
                    description=(line.get("description") or "").strip()[:300],
                    amount_usd=Decimal(amount),
                    order=index,
                )
            )
        if sum((line.amount_usd for line in clean), Decimal("0")) > MAX_AMOUNT:
            raise ValidationError(
                {
                    "budget_lines": _("The budget lines add up to more than %(max)s.")
                    % {"max": max_amount_text()}
                }
            )
        proposal.budget_lines.all().delete()
        ProposalBudgetLine.objects.bulk_create(clean)
        proposal.requested_usd = sum((line.amount_usd for line in clean), Decimal("0"))
        proposal.save(update_fields=["requested_usd", "updated_at"])
    if targets is not None:
        seen: set[int] = set()
        clean_targets = []
        for index, item in enumerate(targets, start=1):
            group: PopulationGroup = item["population_group"]
            if group.operation_id != proposal.allocation.operation_id or group.pk in seen:
                raise ValidationError(
                    {"targets": _("Target %(line)s repeats a population group.") % {"line": index}}
                )
            seen.add(group.pk)
            targeted = int(item.get("targeted") or 0)
            if not 0 <= targeted <= MAX_COUNT:
                raise ValidationError(
                    {
                        "targets": _(
                            "Target %(line)s: the number of people must be between 0 and %(max)s."
                        )
                        % {"line": index, "max": max_count_text()}
                    }
                )
            clean_targets.append(
                ProposalTarget(proposal=proposal, population_group=group, targeted=targeted)
            )
        proposal.targets.all().delete()
        ProposalTarget.objects.bulk_create(clean_targets)


def _details(proposal: Proposal) -> dict[str, Any]:
    return {
        "areas": sorted(a.pcode for a in proposal.areas.all()),
        "activities": sorted(a.code for a in proposal.activities.all()),
        "implementing_partners": sorted(o.acronym for o in proposal.implementing_partners.all()),
        "budget_lines": [
            [line.category, line.description, str(line.amount_usd)]
            for line in proposal.budget_lines.all()
        ],
        "targets": sorted(
            [t.population_group.code, t.targeted]
            for t in proposal.targets.select_related("population_group")
        ),
    }


def proposal_snapshot(proposal: Proposal) -> dict[str, Any]:
    """The proposal for the audit log: what follows from the scores (rank, recommendation,
    justification) never in clear — a recused reviewer may be a manager who reads the log."""

    data = snapshot(proposal)
    for name in Proposal.SCORE_FIELDS:
        if data.get(name) not in (None, ""):
            data[name] = digest(str(data[name]))
    return data


@transaction.atomic
def proposal_create(
    *,
    allocation: Allocation,
    by: User,
    title: str,
    summary: str,
    organisation: Organisation | None = None,
    project: Project | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    areas: Sequence[AdminArea] = (),
    activities: Sequence[Any] = (),
    implementing_partners: Sequence[Organisation] = (),
    budget_lines: Sequence[dict[str, Any]] = (),
    targets: Sequence[dict[str, Any]] = (),
) -> Proposal:
    """A draft proposal of the user's (eligible) organisation, while the call is open."""
    if not access.can_submit_proposals(by, allocation):
        raise PermissionDenied(
            _("Only members of an eligible organisation write proposals, while the call is open.")
        )
    organisation = by.organisation
    assert organisation is not None
    _check_links(
        allocation,
        areas=areas,
        activities=activities,
        implementing_partners=implementing_partners,
        project=project,
        organisation=organisation,
    )
    proposal = Proposal(
        allocation=allocation,
        organisation=organisation,
        project=project,
        title=(title or "").strip(),
        summary=(summary or "").strip(),
        start_date=start_date,
        end_date=end_date,
        created_by=by,
    )
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    proposal.full_clean()
    proposal.save()
    proposal.areas.set(areas)
    proposal.activities.set(activities)
    proposal.implementing_partners.set(implementing_partners)
    _lines(proposal, budget_lines, targets)
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=proposal,
        operation=allocation.operation,
        after={**proposal_snapshot(proposal), **_details(proposal)},
    )
    return proposal


@transaction.atomic
def proposal_update(
    *,
    proposal: Proposal,
    by: User,
    budget_lines: Sequence[dict[str, Any]] | None = None,
    targets: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> Proposal:
    proposal = Proposal.objects.select_related("allocation").get(pk=proposal.pk)
    access.require_proposal_editable(by, proposal)
    links = {name: fields[name] for name in LINK_FIELDS if name in fields}
    _check_links(
        proposal.allocation,
        project=fields.get("project"),
        organisation=proposal.organisation,
        **links,
    )
    before = {**proposal_snapshot(proposal), **_details(proposal)}
    for name in VALUE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(proposal, name, value.strip() if isinstance(value, str) else value)
    if proposal.start_date and proposal.end_date and proposal.end_date < proposal.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    proposal.full_clean()
    proposal.save()
    for name, values in links.items():
        getattr(proposal, name).set(values)
    _lines(proposal, budget_lines, targets)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=proposal,
        operation=proposal.allocation.operation,
        before=before,
        after={**proposal_snapshot(proposal), **_details(proposal)},
    )
    return proposal


@transaction.atomic
def proposal_submit(*, proposal: Proposal, by: User) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("allocation").get(pk=proposal.pk)
    access.require_proposal_editable(by, proposal)
    missing = []
    if not proposal.budget_lines.exists():
        missing.append(_("a budget line"))
    if not proposal.areas.exists():
        missing.append(_("a location"))
    if not proposal.activities.exists():
        missing.append(_("an activity"))
    if missing:
        raise ValidationError(
            _("Before submitting, add %(missing)s.") % {"missing": ", ".join(missing)},
            code="incomplete",
        )
    before = proposal.status
    proposal.status = Status.SUBMITTED
    proposal.submitted_at = timezone.now()
    proposal.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=proposal,
        operation=proposal.allocation.operation,
        summary=f"Proposal submitted: {proposal.title}"[:300],
        before={"status": before},
        after={"status": proposal.status, "requested_usd": str(proposal.requested_usd)},
    )
    allocation = proposal.allocation
    notify(
        operation=allocation.operation,
        users=allocation.fund_managers.all(),
        kind="proposal_submitted",
        subject=lambda: _("Proposal submitted: %(title)s") % {"title": proposal.title},
        text=lambda: (
            _(
                "%(organisation)s submitted the proposal “%(title)s” to “%(allocation)s” "
                "(USD %(amount)s).\n\n%(url)s"
            )
            % {
                "organisation": proposal.organisation.acronym,
                "title": proposal.title,
                "allocation": allocation.name,
                "amount": f"{proposal.requested_usd:,.0f}",
                "url": proposal_url(proposal),
            }
        ),
    )
    return proposal
