"""Who may see and do what in case management: every rule in this one file (built on
tutela.core.access).

Rules:
- Case records are for **case management staff**: users with the caseworker or supervisor role of
  their own in the operation, acting for an organisation of the operation. Nobody else sees an
  individual case: not coordinators, information management officers, AoR focal points, partner
  focal points or donors (they see the aggregate statistics only), and not server administrators
  by being administrators (only a role of their own counts).
- A **caseworker** sees the cases of their organisation that they own or are assigned to.
- A **supervisor** sees every case of their organisation in the operation: a supervisor's
  *team* is their organisation's case management staff in the operation. (Organisations that need
  smaller teams can be given explicit team membership later by changing `team_case_filter` only.)
- Nobody outside the organisation that holds a case sees anything of it, except what a referral
  shares: the receiving organisation's case management staff read the referral (the consented
  fields copied into it), never the case.
- Supervisors of the case's team approve assessments, case plans and closures, but never what
  they asked for or wrote themselves; reassign; override a consent (with a reason); accept
  transfers and referrals for their organisation (caseworkers of the receiving organisation may
  accept referrals too).
- The service directory is published to everyone with a role in the operation; an organisation's
  partner focal points and supervisors keep its services, managers keep everyone's.
- The case statistics are for everyone with a role in the operation (disclosure-controlled, from
  consenting cases only).
- Exports have one permission each (`EXPORTS`).
- Every read of a case or a referral is written to the audit log (`case_get_for_user`,
  `referral_get_for_user`). Unknown or hidden records are 404; forbidden actions on visible ones
  are 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from tutela.cases.models import Approval, Case, CashAssistance, Referral, Service, Transfer
from tutela.cases.models.peers import InboundReferral, Peer
from tutela.core import access
from tutela.core.models import Operation, OperationRole, Organisation, User
from tutela.core.models.roles import Role
from tutela.core.services.audit import audit_read

CASE_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
DIRECTORY_EDITOR_ROLES = frozenset({Role.PARTNER, Role.SUPERVISOR, Role.FOCAL_POINT})

# Caches kept on the user object, i.e. once per request: attributes User does not declare, hence
# read and set by name.
_ROLES_CACHE = "_tutela_case_roles"
_MEMBER_CACHE = "_tutela_case_member"


def _own_roles(user: User, operation: Operation) -> frozenset[str]:
    """The user's roles in the operation; for a server administrator only the roles actually
    granted (being an administrator gives no access to cases)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        cache: dict[int, frozenset[str]] | None = getattr(user, _ROLES_CACHE, None)
        if cache is None:
            cache = {}
            setattr(user, _ROLES_CACHE, cache)
        if operation.pk not in cache:
            cache[operation.pk] = frozenset(
                OperationRole.objects.filter(user=user, operation=operation).values_list(
                    "role", flat=True
                )
            )
        return frozenset(cache[operation.pk])
    return access.roles_in(user, operation)


def _acts_for_member(user: User, operation: Operation) -> bool:
    cache: dict[int, bool] | None = getattr(user, _MEMBER_CACHE, None)
    if cache is None:
        cache = {}
        setattr(user, _MEMBER_CACHE, cache)
    if operation.pk not in cache:
        organisation_id = user.organisation_id
        cache[operation.pk] = bool(
            organisation_id and operation.organisations.filter(pk=organisation_id).exists()
        )
    return bool(cache[operation.pk])


def is_caseworker(user: User, operation: Operation) -> bool:
    return Role.CASEWORKER in _own_roles(user, operation) and _acts_for_member(user, operation)


def is_supervisor(user: User, operation: Operation) -> bool:
    return Role.SUPERVISOR in _own_roles(user, operation) and _acts_for_member(user, operation)


def is_case_staff(user: User, operation: Operation) -> bool:
    return bool(_own_roles(user, operation) & CASE_ROLES) and _acts_for_member(user, operation)


def require_case_staff(user: User, operation: Operation) -> None:
    """Pages and endpoints of case management: 403 for anyone else with a role (the operation
    itself is already 404 for people without one)."""
    if not is_case_staff(user, operation):
        raise PermissionDenied


def team_case_filter(user: User) -> Q:
    """A supervisor's team: the cases their organisation holds."""
    return Q(organisation_id=user.organisation_id)


def cases_for_user(user: User, operation: Operation) -> QuerySet[Case]:
    """The cases of the operation the user may see (none for anyone but case staff)."""
    cases = Case.objects.filter(operation=operation)
    if is_supervisor(user, operation):
        return cases.filter(team_case_filter(user))
    if is_caseworker(user, operation):
        # The assigned cases as a list of ids (a caseworker has few), not a subquery: with
        # `id IN (SELECT ...)` PostgreSQL filtered every case of the organisation (20,000 in
        # bench_cases.py) for the OR; with `id IN (1, 2, ...)` both sides use an index.
        assigned = list(
            Case.assigned.through.objects.filter(user_id=user.pk).values_list("case_id", flat=True)
        )
        # A caseworker acts for a member organisation (`_acts_for_member`): never None here.
        assert user.organisation_id is not None
        return cases.filter(organisation_id=user.organisation_id).filter(
            Q(owner_id=user.pk) | Q(pk__in=assigned)
        )
    return cases.none()


def case_get_for_user(
    user: User,
    operation: Operation,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    reason: str = "",
) -> Case:
    """The case if the user may see it (404 otherwise); the read is audited."""
    try:
        case = (
            cases_for_user(user, operation)
            .select_related(
                "operation",
                "organisation",
                "registering_organisation",
                "owner",
                "registered_by",
                "area",
                "admin1",
                "displacement_status",
            )
            # Boundaries are large and never shown on a case.
            .defer("area__geometry", "admin1__geometry")
            .get(pk=int(pk))
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit_read(actor=user, instance=case, operation=operation, request=request, reason=reason)
    return case


def can_edit_case(user: User, case: Case) -> bool:
    """Owner, assigned caseworkers and the team's supervisors change an open case."""
    if case.anonymised_at is not None or case.is_closed:
        return False
    return cases_for_user(user, case.operation).filter(pk=case.pk).exists()


def require_edit(user: User, case: Case) -> None:
    if not can_edit_case(user, case):
        raise PermissionDenied


def can_supervise(user: User, case: Case) -> bool:
    return is_supervisor(user, case.operation) and case.organisation_id == user.organisation_id


def can_decide_approval(user: User, approval: Approval) -> bool:
    """A supervisor of the case's team who neither asked for it nor wrote what it approves."""
    if approval.status != Approval.Status.PENDING or not can_supervise(user, approval.case):
        return False
    authors = {approval.requested_by_id}
    if approval.assessment is not None:
        authors.add(approval.assessment.by_id)
    if approval.plan is not None:
        authors.add(approval.plan.by_id)
    return user.pk not in authors


def can_reassign(user: User, case: Case) -> bool:
    return can_supervise(user, case) and not case.is_closed


def can_override_consent(user: User, case: Case) -> bool:
    """Only a supervisor of the case's team: a caseworker's override is refused."""
    return can_supervise(user, case)


def case_access_log_visible(user: User, case: Case) -> bool:
    return cases_for_user(user, case.operation).filter(pk=case.pk).exists()


# --- Referrals and transfers ---------------------------------------------------------------------


def referrals_sent_for_user(user: User, operation: Operation) -> QuerySet[Referral]:
    return Referral.objects.filter(
        operation=operation, case__in=cases_for_user(user, operation).values("pk")
    )


def referrals_received_for_user(user: User, operation: Operation) -> QuerySet[Referral]:
    if not is_case_staff(user, operation):
        return Referral.objects.none()
    return Referral.objects.filter(operation=operation, to_organisation_id=user.organisation_id)


def referral_side(user: User, referral: Referral) -> str:
    """ "sender", "receiver" or "" (neither may see it)."""
    operation = referral.operation
    if referral.to_organisation_id == user.organisation_id and is_case_staff(user, operation):
        return "receiver"
    if cases_for_user(user, operation).filter(pk=referral.case_id).exists():
        return "sender"
    return ""


def referral_get_for_user(
    user: User, operation: Operation, pk: Any, *, request: HttpRequest | None = None
) -> tuple[Referral, str]:
    """The referral and the user's side of it (404 for anyone else); the read is audited."""
    try:
        referral = Referral.objects.select_related(
            "operation",
            "case",
            "from_organisation",
            "to_organisation",
            "referred_by",
            "service",
            "to_user",
        ).get(operation=operation, pk=int(pk))
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    side = referral_side(user, referral)
    if not side:
        raise Http404
    audit_read(actor=user, instance=referral, operation=operation, request=request, reason=side)
    return referral, side


def can_answer_referral(user: User, referral: Referral) -> bool:
    """Case management staff of the receiving organisation accept, decline and complete."""
    return referral.to_organisation_id == user.organisation_id and is_case_staff(
        user, referral.operation
    )


def can_withdraw_referral(user: User, referral: Referral) -> bool:
    return cases_for_user(user, referral.operation).filter(pk=referral.case_id).exists()


def transfers_received_for_user(user: User, operation: Operation) -> QuerySet[Transfer]:
    if not is_supervisor(user, operation):
        return Transfer.objects.none()
    return Transfer.objects.filter(
        case__operation=operation, to_organisation_id=user.organisation_id
    )


def can_decide_transfer(user: User, transfer: Transfer) -> bool:
    """A supervisor of the receiving organisation (or the named caseworker)."""
    operation = transfer.case.operation
    if transfer.status != Transfer.Status.PENDING:
        return False
    if transfer.to_user_id is not None and transfer.to_user_id == user.pk:
        return is_case_staff(user, operation)
    return is_supervisor(user, operation) and user.organisation_id == transfer.to_organisation_id


# --- Directory, statistics, exports, retention ----------------------------------------------------


def can_see_directory(user: User, operation: Operation) -> bool:
    return bool(access.roles_in(user, operation))


def directory_for_user(user: User, operation: Operation) -> QuerySet[Service]:
    """Published services of the operation, and the user's own organisation's unpublished ones."""
    if not can_see_directory(user, operation):
        return Service.objects.none()
    visible = Q(is_published=True)
    if user.organisation_id:
        visible |= Q(organisation_id=user.organisation_id)
    if access.is_manager(user, operation):
        visible = Q()
    return Service.objects.filter(operation=operation).filter(visible)


def can_edit_directory(user: User, operation: Operation, organisation: Organisation | None) -> bool:
    """Managers for any organisation; partner focal points, supervisors and focal points for
    their own."""
    if access.is_manager(user, operation):
        return True
    if not (_own_roles(user, operation) & DIRECTORY_EDITOR_ROLES):
        return False
    if not _acts_for_member(user, operation):
        return False
    return organisation is None or organisation.pk == user.organisation_id


def can_see_statistics(user: User, operation: Operation) -> bool:
    return bool(access.roles_in(user, operation))


def _supervisor(user: User, operation: Operation) -> bool:
    return is_supervisor(user, operation)


# Each export and who may make it: the team's caseload (supervisors), one case's file (anyone who
# sees the case, checked on the case), the service directory (anyone who sees it).
EXPORTS = {
    "caseload": _supervisor,
    "directory": can_see_directory,
}


def can_export(user: User, operation: Operation, export: str) -> bool:
    rule = EXPORTS.get(export)
    return bool(rule and rule(user, operation))


def can_see_retention(user: User, operation: Operation) -> bool:
    return is_supervisor(user, operation) or access.is_manager(user, operation)


def can_manage_settings(user: User, operation: Operation) -> bool:
    """The operation's case management settings and reference data (specific needs, service
    types): its managers."""
    return access.is_manager(user, operation)


# --- Other Tutela instances (peers) ---------------------------------------------------------------


def can_manage_peers(user: User, operation: Operation) -> bool:
    """Registering and revoking the other Tutela instances of the operation: its managers."""
    return access.is_manager(user, operation)


def peer_get_for_user(user: User, operation: Operation, pk: Any) -> Peer:
    """A peer of the operation for its managers (404 for anyone else: its existence says which
    organisations work elsewhere)."""
    if not can_manage_peers(user, operation):
        raise Http404
    try:
        return Peer.objects.get(operation=operation, pk=int(pk))
    except (Peer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def inbound_referrals_for_user(user: User, operation: Operation) -> QuerySet[InboundReferral]:
    """Referrals received from other Tutela instances: the receiving organisation's case staff."""
    if not is_case_staff(user, operation):
        return InboundReferral.objects.none()
    # Case staff act for a member organisation (`_acts_for_member`): never None here.
    assert user.organisation_id is not None
    return InboundReferral.objects.filter(operation=operation, organisation_id=user.organisation_id)


def inbound_referral_get_for_user(
    user: User, operation: Operation, pk: Any, *, request: HttpRequest | None = None
) -> InboundReferral:
    """One inbound referral for the receiving organisation's case staff (404 for anyone else);
    the read is audited."""
    try:
        inbound = (
            inbound_referrals_for_user(user, operation)
            .select_related("operation", "peer", "organisation")
            .get(pk=int(pk))
        )
    except (InboundReferral.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit_read(
        actor=user, instance=inbound, operation=operation, request=request, reason="receiver"
    )
    return inbound


def can_answer_inbound_referral(user: User, inbound: InboundReferral) -> bool:
    return inbound.organisation_id == user.organisation_id and is_case_staff(
        user, inbound.operation
    )


# --- Cash for protection --------------------------------------------------------------------------
# The cash records of a case follow the case: whoever sees the case sees them (caseworker in charge
# or assigned, the team's supervisors); a supervisor of the team other than the person who asked
# for it approves (two people); the operation's managers keep the criteria, the MEB and the
# data-sharing agreements; everyone with a role sees the cluster's disclosure-controlled PDM
# summary, case staff their own organisation's.


def cash_for_user(user: User, operation: Operation) -> QuerySet[CashAssistance]:
    return CashAssistance.objects.filter(
        operation=operation, case__in=cases_for_user(user, operation).values("pk")
    )


def cash_get_for_user(
    user: User, operation: Operation, pk: Any, *, request: HttpRequest | None = None
) -> CashAssistance:
    """The cash record if the user may see its case (404 otherwise); the read is audited."""
    try:
        item = (
            cash_for_user(user, operation)
            .select_related("case", "case__operation", "basket", "intervention", "organisation")
            .get(pk=int(pk))
        )
    except (CashAssistance.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit_read(actor=user, instance=item, operation=operation, request=request)
    return item


def can_edit_cash(user: User, item: CashAssistance) -> bool:
    return can_edit_case(user, item.case)


def can_decide_cash(user: User, item: CashAssistance) -> bool:
    """Two people: a supervisor of the case's team who neither recorded nor asked for it."""
    if item.status != CashAssistance.Status.PENDING or not can_supervise(user, item.case):
        return False
    return user.pk not in {item.requested_by_id, item.created_by_id}


def can_manage_cash_settings(user: User, operation: Operation) -> bool:
    return access.is_manager(user, operation)


def can_see_cash_summary(user: User, operation: Operation) -> bool:
    return bool(access.roles_in(user, operation))


EXPORTS["cash_reconciliation"] = _supervisor


def require_form_manager(user: User, operation: Operation) -> None:
    """The case management XLSForm and its encryption key are kept by those who manage the
    operation's case settings."""
    if not can_manage_settings(user, operation):
        raise PermissionDenied
