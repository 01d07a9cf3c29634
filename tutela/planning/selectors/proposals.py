"""Reads of one proposal: its lines, and its checks against the cluster's own 5W data."""

from __future__ import annotations

from typing import Any

from tutela.core.models import User
from tutela.planning.models import Proposal
from tutela.planning.selectors import fivew


def proposal_lines(proposal: Proposal) -> dict[str, Any]:
    return {
        "budget_lines": list(proposal.budget_lines.all()),
        "targets": list(proposal.targets.select_related("population_group")),
        "areas": list(proposal.areas.order_by("pcode")),
        "activities": list(proposal.activities.order_by("code")),
        "implementing_partners": list(proposal.implementing_partners.order_by("acronym")),
        "attachments": list(proposal.attachments.select_related("uploaded_by")),
    }


def proposal_checks(user: User, proposal: Proposal) -> list[fivew.AreaCheck]:
    """For each place of the proposal: who already works there according to the 5W (and who
    reports the same activities there), its severity and whether it is on the gap list, as the
    user may see them. Reached figures of the allocation's year."""
    allocation = proposal.allocation
    areas = list(proposal.areas.order_by("pcode"))
    if not areas:
        return []
    return fivew.area_checks(
        user=user,
        operation=allocation.operation,
        areas=areas,
        activity_ids=list(proposal.activities.values_list("pk", flat=True)),
        organisation_id=proposal.organisation_id,
        year=allocation.call_opens.year,
    )
