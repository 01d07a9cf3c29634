"""Who may see and do what in planning and funding. Every page, API endpoint, export and service
of the app asks here; 404 for what the user may not know exists, 403 for what they may not do.

Rules:
- Plans, funding figures and pooled-fund allocations (strategy, envelope, calendar) are read by
  everyone with a role in the operation. Plans and funding are written by its managers
  (coordinators, information management officers).
- Projects: cluster-wide roles (managers, focal points) see every project; everyone else sees their
  own organisation's projects and the approved projects of others. An organisation's members
  (any role but viewer) write its projects while they are drafts or returned; managers vet them
  (return, approve); cluster-wide roles and the organisation's members comment.
- Allocations are run by the operation's managers and the allocation's fund managers (the fund's
  staff). Proposals are seen by their own organisation, the managers, the fund managers, and the
  review committee once the fund has accepted them for strategic review. A partner never sees
  another organisation's proposal.
- Scores (each reviewer's, the divergence, consensus scores, rank, draft recommendation and its
  justification) are seen only by the review committee and the fund managers, and never, through
  any path, by someone recused from the proposal: a reviewer of the proposal's organisation, of one
  of its implementing partners, of an organisation they declared ties with, or who declared a
  conflict for it. Nobody from the proposing organisation or its implementing partners sees its
  scores either, whatever their other roles (fund manager, server administrator).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tutela.core import access
from tutela.core.models import Operation, Organisation, User
from tutela.core.models.roles import Role
from tutela.planning.models import (
    Allocation,
    ConflictDeclaration,
    EligibleOrganisation,
    Plan,
    Project,
    Proposal,
    Reviewer,
    ReviewerTie,
)

# Roles that act for their organisation (write its projects and proposals).
ORGANISATION_ROLES = frozenset(
    {Role.COORDINATOR, Role.IMO, Role.FOCAL_POINT, Role.PARTNER, Role.CASEWORKER, Role.SUPERVISOR}
)


def _in_operation(user: User, operation: Operation) -> None:
    if not access.roles_in(user, operation):
        raise Http404


# --- plans and funding ---------------------------------------------------------------------------


def can_edit_plans(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation)


def require_plan_editor(user: User, operation: Operation) -> None:
    _in_operation(user, operation)
    if not can_edit_plans(user, operation):
        raise PermissionDenied


def plan_get_for_user(user: User, operation: Operation, pk: int) -> Plan:
    _in_operation(user, operation)
    return access.get_scoped_or_404(
        Plan.objects.filter(operation=operation).select_related("body"), pk=pk
    )


def can_manage_funding(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation)


def require_funding_manager(user: User, operation: Operation) -> None:
    _in_operation(user, operation)
    if not can_manage_funding(user, operation):
        raise PermissionDenied


# --- projects ------------------------------------------------------------------------------------


def acts_for_organisation(user: User, operation: Operation) -> bool:
    """The user writes for their organisation in this operation (not a pure viewer)."""
    return bool(
        getattr(user, "organisation_id", None)
        and access.roles_in(user, operation) & ORGANISATION_ROLES
    )


def project_queryset(user: User, operation: Operation) -> QuerySet[Project]:
    projects = Project.objects.filter(operation=operation)
    if not access.roles_in(user, operation):
        return projects.none()
    if user.is_superuser or access.is_cluster_wide(user, operation):
        return projects
    visible = Q(status=Project.Status.APPROVED)
    if getattr(user, "organisation_id", None):
        visible |= Q(organisation_id=user.organisation_id)
    return projects.filter(visible)


def project_get_for_user(user: User, operation: Operation, pk: int) -> Project:
    return access.get_scoped_or_404(
        project_queryset(user, operation).select_related(
            "organisation", "body", "plan", "reviewed_by", "created_by"
        ),
        pk=pk,
    )


def can_create_project(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation) or acts_for_organisation(user, operation)


def is_own_project(user: User, project: Project) -> bool:
    return bool(
        getattr(user, "organisation_id", None)
        and user.organisation_id == project.organisation_id
        and acts_for_organisation(user, project.operation)
    )


def can_edit_project(user: User, project: Project) -> bool:
    """Change the sheet (and submit it): its organisation's members or the managers, while it is a
    draft or returned."""
    if not project.is_editable:
        return False
    return access.is_manager(user, project.operation) or is_own_project(user, project)


def can_vet_projects(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation)


def can_comment_project(user: User, project: Project) -> bool:
    return access.is_cluster_wide(user, project.operation) or is_own_project(user, project)


def can_see_project_versions(user: User, project: Project) -> bool:
    return access.is_cluster_wide(user, project.operation) or is_own_project(user, project)


# --- allocations ---------------------------------------------------------------------------------


def allocation_get_for_user(user: User, operation: Operation, pk: int) -> Allocation:
    _in_operation(user, operation)
    return access.get_scoped_or_404(
        Allocation.objects.filter(operation=operation).select_related("body", "chair"), pk=pk
    )


def can_create_allocation(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation)


def is_fund_manager(user: User, allocation: Allocation) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return allocation.fund_managers.filter(pk=user.pk).exists()


def can_manage_allocation(user: User, allocation: Allocation) -> bool:
    """Set up the allocation (strategy, calendar, committee, scorecard, eligibility) and move it
    along: the operation's managers and the fund managers."""
    return access.is_manager(user, allocation.operation) or is_fund_manager(user, allocation)


def require_allocation_manager(user: User, allocation: Allocation) -> None:
    if not can_manage_allocation(user, allocation):
        raise PermissionDenied


def reviewer_for(user: User, allocation: Allocation) -> Reviewer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Reviewer.objects.filter(allocation=allocation, user=user).first()


def eligible_organisation_ids(allocation: Allocation) -> set[int]:
    return {
        e.organisation_id
        for e in EligibleOrganisation.objects.filter(allocation=allocation)
        if e.is_eligible
    }


def can_submit_proposals(user: User, allocation: Allocation) -> bool:
    """Write a proposal: the members of an eligible organisation while the call is open."""
    if allocation.status != Allocation.Status.OPEN:
        return False
    if not acts_for_organisation(user, allocation.operation):
        return False
    return user.organisation_id in eligible_organisation_ids(allocation)


# Proposal statuses the review committee works on (and sees).
IN_REVIEW = (
    Proposal.Status.ACCEPTED,
    Proposal.Status.RECOMMENDED,
    Proposal.Status.NOT_RECOMMENDED,
)


def proposal_queryset(user: User, allocation: Allocation) -> QuerySet[Proposal]:
    proposals = Proposal.objects.filter(allocation=allocation)
    operation = allocation.operation
    if not access.roles_in(user, operation):
        return proposals.none()
    if user.is_superuser or access.is_manager(user, operation) or is_fund_manager(user, allocation):
        return proposals
    visible = Q(pk__in=[])
    if getattr(user, "organisation_id", None) and acts_for_organisation(user, operation):
        visible |= Q(organisation_id=user.organisation_id)
    if reviewer_for(user, allocation) is not None:
        visible |= Q(status__in=IN_REVIEW)
    return proposals.filter(visible)


def proposal_get_for_user(user: User, allocation: Allocation, pk: int) -> Proposal:
    return access.get_scoped_or_404(
        proposal_queryset(user, allocation).select_related("organisation", "allocation"), pk=pk
    )


def is_own_proposal(user: User, proposal: Proposal) -> bool:
    return bool(
        getattr(user, "organisation_id", None)
        and user.organisation_id == proposal.organisation_id
        and acts_for_organisation(user, proposal.allocation.operation)
    )


def can_edit_proposal(user: User, proposal: Proposal) -> bool:
    """Its organisation changes (and submits) a draft while the call is open, and a proposal
    the fund returned for corrections until the pre-review ends."""
    stage = proposal.allocation.status
    open_draft = proposal.status == Proposal.Status.DRAFT and stage == Allocation.Status.OPEN
    returned = proposal.status == Proposal.Status.RETURNED and stage in (
        Allocation.Status.OPEN,
        Allocation.Status.PRE_REVIEW,
    )
    return (open_draft or returned) and is_own_proposal(user, proposal)


# --- conflicts of interest and who sees scores ----------------------------------------------------


OWN_ORGANISATION = "own_organisation"
PARTNER_IN_PROPOSAL = "implementing_partner"
DECLARED_TIE = "declared_tie"
DECLARED_CONFLICT = "declared_conflict"

REASON_LABELS: dict[str, Promise] = {
    OWN_ORGANISATION: _("The proposal is from the reviewer's own organisation."),
    PARTNER_IN_PROPOSAL: _(
        "The reviewer's organisation is an implementing partner of the proposal."
    ),
    DECLARED_TIE: _("The reviewer declared ties with an organisation of the proposal."),
    DECLARED_CONFLICT: _("The reviewer declared a conflict of interest for this proposal."),
}


@dataclass(frozen=True)
class Recusal:
    reviewer_id: int
    proposal_id: int
    reason: str
    detail: str = ""

    @property
    def label(self) -> str:
        return str(REASON_LABELS[self.reason])


@dataclass
class ConflictFacts:
    """What recusal is computed from, for an allocation: loaded once, in a few queries."""

    reviewer_orgs: dict[int, set[int]]
    ties: dict[int, set[int]]
    conflicts: set[tuple[int, int]]
    leads: dict[int, int]
    partners: dict[int, set[int]]
    acronyms: dict[int, str]

    @classmethod
    def load(
        cls,
        allocation: Allocation,
        *,
        reviewers: Iterable[Reviewer] | None = None,
        proposal_ids: Iterable[int] | None = None,
    ) -> ConflictFacts:

        reviewer_list = list(
            reviewers
            if reviewers is not None
            else Reviewer.objects.filter(allocation=allocation).select_related("user")
        )
        reviewer_orgs = {
            r.pk: {o for o in (r.organisation_id, r.user.organisation_id) if o is not None}
            for r in reviewer_list
        }
        ties: dict[int, set[int]] = {}
        for reviewer_id, org_id in ReviewerTie.objects.filter(
            reviewer_id__in=list(reviewer_orgs)
        ).values_list("reviewer_id", "organisation_id"):
            ties.setdefault(reviewer_id, set()).add(org_id)
        proposals = Proposal.objects.filter(allocation=allocation)
        if proposal_ids is not None:
            proposals = proposals.filter(pk__in=list(proposal_ids))
        leads = dict(proposals.values_list("pk", "organisation_id"))
        partners: dict[int, set[int]] = {pk: set() for pk in leads}
        for proposal_id, org_id in Proposal.implementing_partners.through.objects.filter(
            proposal_id__in=list(leads)
        ).values_list("proposal_id", "organisation_id"):
            partners[proposal_id].add(org_id)
        conflicts = set(
            ConflictDeclaration.objects.filter(
                reviewer_id__in=list(reviewer_orgs),
                proposal_id__in=list(leads),
                has_conflict=True,
            ).values_list("reviewer_id", "proposal_id")
        )
        every_org = set(leads.values()) | {o for orgs in partners.values() for o in orgs}
        acronyms = dict(Organisation.objects.filter(pk__in=every_org).values_list("pk", "acronym"))
        return cls(reviewer_orgs, ties, conflicts, leads, partners, acronyms)

    def organisations(self, proposal_id: int) -> set[int]:
        """The proposal's organisation and its implementing partners."""
        lead = self.leads.get(proposal_id)
        if lead is None:
            return set()
        return {lead, *self.partners.get(proposal_id, ())}

    def _names(self, orgs: set[int]) -> str:
        return ", ".join(sorted(self.acronyms.get(o, "?") for o in orgs))

    def reasons(self, reviewer_id: int, proposal_id: int) -> list[Recusal]:
        """Why the reviewer is recused from the proposal (empty: not recused)."""
        lead = self.leads.get(proposal_id)
        if lead is None:
            return []
        own = self.reviewer_orgs.get(reviewer_id, set())
        found: list[Recusal] = []
        if lead in own:
            found.append(
                Recusal(reviewer_id, proposal_id, OWN_ORGANISATION, self.acronyms.get(lead, ""))
            )
        partner_orgs = self.partners.get(proposal_id, set()) & own
        if partner_orgs:
            found.append(
                Recusal(reviewer_id, proposal_id, PARTNER_IN_PROPOSAL, self._names(partner_orgs))
            )
        tied = self.organisations(proposal_id) & self.ties.get(reviewer_id, set())
        if tied:
            found.append(Recusal(reviewer_id, proposal_id, DECLARED_TIE, self._names(tied)))
        if (reviewer_id, proposal_id) in self.conflicts:
            found.append(Recusal(reviewer_id, proposal_id, DECLARED_CONFLICT))
        return found


def recusals(allocation: Allocation) -> list[Recusal]:
    """Every recusal of the allocation's committee, with its reasons."""
    facts = ConflictFacts.load(allocation)
    found = []
    for reviewer_id in facts.reviewer_orgs:
        for proposal_id in facts.leads:
            found.extend(facts.reasons(reviewer_id, proposal_id))
    return found


def recusal_reasons(reviewer: Reviewer, proposal: Proposal) -> list[Recusal]:
    facts = ConflictFacts.load(
        proposal.allocation, reviewers=[reviewer], proposal_ids=[proposal.pk]
    )
    return facts.reasons(reviewer.pk, proposal.pk)


def _in_proposal_organisations(user: User, proposal_orgs: set[int]) -> bool:
    org_id = getattr(user, "organisation_id", None)
    return org_id is not None and org_id in proposal_orgs


def score_visible_ids(user: User, allocation: Allocation) -> set[int]:
    """The allocation's proposals whose scores the user may see (see the module's rules)."""
    if not access.roles_in(user, allocation.operation):
        return set()
    reviewer = reviewer_for(user, allocation)
    fund = is_fund_manager(user, allocation)
    if reviewer is None and not fund and not user.is_superuser:
        return set()
    facts = ConflictFacts.load(allocation, reviewers=[reviewer] if reviewer else [])
    visible = set()
    for proposal_id in facts.leads:
        if _in_proposal_organisations(user, facts.organisations(proposal_id)):
            continue
        if reviewer is not None and facts.reasons(reviewer.pk, proposal_id):
            continue
        visible.add(proposal_id)
    return visible


def can_see_scores(user: User, proposal: Proposal) -> bool:
    return proposal.pk in score_visible_ids(user, proposal.allocation)


def require_scores_visible(user: User, proposal: Proposal) -> None:
    if not can_see_scores(user, proposal):
        raise PermissionDenied


def can_see_conflicts(user: User, allocation: Allocation) -> bool:
    """Who was recused and why: the fund managers and the operation's managers."""
    return is_fund_manager(user, allocation) or access.is_manager(user, allocation.operation)


def is_chair(user: User, allocation: Allocation) -> bool:
    return bool(getattr(user, "is_authenticated", False) and allocation.chair_id == user.pk)


def can_chair(user: User, proposal: Proposal) -> bool:
    """Set consensus scores and write the recommendation and its justification: the chair, or a
    fund manager where the chair is recused (or there is no chair), during the strategic review
    and only where they may see the scores."""
    allocation = proposal.allocation
    if allocation.status != Allocation.Status.REVIEW or proposal.status not in IN_REVIEW:
        return False
    if not can_see_scores(user, proposal):
        return False
    if is_chair(user, allocation):
        return True
    if not is_fund_manager(user, allocation):
        return False
    if allocation.chair_id is None:
        return True
    chair_reviewer = (
        Reviewer.objects.filter(allocation=allocation, user_id=allocation.chair_id)
        .select_related("user")
        .first()
    )
    return chair_reviewer is None or bool(recusal_reasons(chair_reviewer, proposal))


def can_export_recommendation(user: User, allocation: Allocation) -> bool:
    """The committee's recommendation (Excel, Word) is for the chair and the fund's managers,
    once they may see scores."""
    return bool(
        (is_chair(user, allocation) or is_fund_manager(user, allocation))
        and score_visible_ids(user, allocation)
    )


def require_proposal_editable(by: User, proposal: Proposal) -> None:
    """Its organisation changes a proposal while it is a draft or returned (ValidationError
    once it is not: they may know it exists); PermissionDenied for anyone else."""
    if not can_edit_proposal(by, proposal):
        if is_own_proposal(by, proposal):
            raise ValidationError(_("This proposal can no longer be changed."), code="status")
        raise PermissionDenied
