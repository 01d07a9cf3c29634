"""The one access layer: which operations, organisations' records and pages a user may reach.

Every module fetches protected records through these helpers (or helpers built on them, such as
`case_get_for_user`), which raise 404 for what the user may not know exists and 403 for what they
may know exists but may not do.

Rules:
- A user sees the operations where they hold a role, and every operation nested below those
  (a regional role reads across national operations). A role inherited from a parent operation
  counts as `viewer` in the child: it reads, it does not manage.
- Coordinators, information management officers and AoR/regional focal points see every
  organisation's records in the operation ("cluster-wide"); other roles see their own
  organisation's records, and the cluster's shared, aggregated products.
- Coordinators and information management officers manage the operation (structure, users,
  audit log).
- Server administrators (`is_superuser`) see everything.
- An organisation's records change only through its members (users of that organisation with a
  role of their own in the operation other than viewer), or through the operation's managers
  where the organisation has delegated that to them (`Delegation`, one per kind of record):
  `may_write_for`. The command line (no user) acts for the server's administrators.
- The audit log shows a user only what the records it is about would: a domain module whose
  records are hidden from some managers registers, per record type, which entries a user may see
  (`audit_rule_register`); `audit_entries_visible` applies every rule.
- The contact directory is kept by managers, and by partners and focal points for their own
  organisation (`can_write_contacts`). An organisation's name and acronym are shared by every
  operation it takes part in: changed only by those who manage all of them (`can_change_details`).
- A background job (an export, a problems workbook) is seen by the user who started it only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from tutela.core.models import (
    AuditEntry,
    Delegation,
    Job,
    Operation,
    OperationRole,
    Organisation,
    User,
    Visitor,
)
from tutela.core.models.roles import CLUSTER_WIDE_ROLES, MANAGER_ROLES, Role

M = TypeVar("M", bound=Model)


def _role_map(user: User) -> dict[int, frozenset[str]]:
    """operation id -> effective roles, computed once per user object (i.e. per request)."""
    cached = getattr(user, "_tutela_role_map", None)
    if cached is not None:
        return cached
    direct: dict[int, set[str]] = {}
    for op_id, role in OperationRole.objects.filter(
        user=user, operation__is_active=True
    ).values_list("operation_id", "role"):
        direct.setdefault(op_id, set()).add(role)
    parents = dict(Operation.objects.filter(is_active=True).values_list("id", "parent_id"))
    effective: dict[int, set[str]] = {op: set(roles) for op, roles in direct.items()}
    for op_id in parents:
        ancestor = parents.get(op_id)
        seen = set()
        while ancestor is not None and ancestor not in seen:
            seen.add(ancestor)
            if ancestor in direct:
                effective.setdefault(op_id, set()).add(Role.VIEWER)
                break
            ancestor = parents.get(ancestor)
    result = {op: frozenset(roles) for op, roles in effective.items()}
    user._tutela_role_map = result
    return result


def forget_roles(user: Visitor) -> None:
    """Drop the per-request cache after a role change."""
    if hasattr(user, "_tutela_role_map"):
        del user._tutela_role_map


def roles_in(user: Visitor, operation: Operation) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.values)
    return _role_map(user).get(operation.pk, frozenset())


def has_role(user: Visitor, operation: Operation, roles: Iterable[str]) -> bool:
    return bool(roles_in(user, operation) & set(roles))


def is_manager(user: Visitor, operation: Operation) -> bool:
    return has_role(user, operation, MANAGER_ROLES)


def is_cluster_wide(user: Visitor, operation: Operation) -> bool:
    return has_role(user, operation, CLUSTER_WIDE_ROLES)


def operations_for_user(user: Visitor) -> QuerySet[Operation]:
    if not user.is_authenticated or not user.is_active:
        return Operation.objects.none()
    if user.is_superuser:
        return Operation.objects.filter(is_active=True)
    return Operation.objects.filter(pk__in=list(_role_map(user)), is_active=True)


def operation_get_for_user(user: Visitor, slug: str) -> Operation:
    """The operation, if the user has any role in it (or above it); 404 otherwise."""
    try:
        return operations_for_user(user).get(slug=slug)
    except Operation.DoesNotExist:
        raise Http404 from None


def require_role(user: Visitor, operation: Operation, roles: Iterable[str]) -> None:
    if not has_role(user, operation, roles):
        raise PermissionDenied


def require_manager(user: Visitor, operation: Operation) -> None:
    require_role(user, operation, MANAGER_ROLES)


def scope_by_organisation(
    user: Visitor,
    operation: Operation,
    queryset: QuerySet[M],
    *,
    operation_field: str = "operation",
    organisation_field: str = "organisation",
) -> QuerySet[M]:
    """Records of the operation the user may see: all of them for cluster-wide roles, their own
    organisation's otherwise. Nothing for a user with no role in the operation."""
    roles = roles_in(user, operation)
    if not roles or not isinstance(user, User):  # no role: an anonymous visitor has none
        return queryset.none()
    queryset = queryset.filter(**{operation_field: operation})
    if user.is_superuser or roles & CLUSTER_WIDE_ROLES:
        return queryset
    if user.organisation_id is None:
        return queryset.none()
    return queryset.filter(**{organisation_field: user.organisation_id})


def get_scoped_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None


def can_see_contacts(user: User, operation: Operation) -> bool:
    """The contact directory is for the operation's members; donors and viewers see it too only
    when they hold another role."""
    return bool(roles_in(user, operation) - {Role.VIEWER})


# --- Writing an organisation's records ----------------------------------------------------------


def is_member_of(user: Visitor, operation: Operation, organisation: Organisation | int) -> bool:
    """The user acts for `organisation` in the operation: it is their organisation, it takes part
    in the operation, and they hold a role of their own in it other than viewer (a role
    inherited from a parent operation reads, it does not write)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    if not user.is_authenticated or not user.is_active or user.organisation_id != organisation_id:
        return False
    if not (roles_in(user, operation) - {Role.VIEWER}):
        return False
    return operation.organisations.filter(pk=organisation_id).exists()


def delegated_organisation_ids(operation: Operation, scope: str) -> set[int]:
    """Organisations that let the operation's managers write their records of `scope`."""
    return set(
        Delegation.objects.filter(
            operation=operation, scope=scope, revoked_at__isnull=True
        ).values_list("organisation_id", flat=True)
    )


def may_write_for(
    user: Visitor | None, operation: Operation, organisation: Organisation | int, scope: str
) -> bool:
    """Whether `user` may create or change `organisation`'s records of `scope` (a
    Delegation.Scope): its members may; the operation's managers only under the organisation's
    delegation; the command line (`user` None) may."""
    if user is None:
        return True
    if is_member_of(user, operation, organisation):
        return True
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return is_manager(user, operation) and organisation_id in delegated_organisation_ids(
        operation, scope
    )


def organisations_with_members(operation: Operation) -> set[int]:
    """Organisations of the operation with at least one active member (a user of theirs holding a
    role of their own in it other than viewer)."""
    return set(
        OperationRole.objects.filter(
            operation=operation,
            user__is_active=True,
            user__organisation__isnull=False,
            user__organisation__operations=operation,
        )
        .exclude(role=Role.VIEWER)
        .values_list("user__organisation_id", flat=True)
        .distinct()
    )


# --- Audit log -----------------------------------------------------------------------------------

# record type ("monitoring.incident") -> (user, operation) -> Q over AuditEntry: the entries of that
# type the user may see.
AuditRule = Callable[[User, Operation], Q]
_AUDIT_RULES: dict[str, AuditRule] = {}


def audit_rule_register(entity_type: str, rule: AuditRule) -> None:
    """Declare which audit entries about records of `entity_type` a user may see (called by the
    module that owns those records, from its AppConfig.ready)."""
    _AUDIT_RULES[entity_type] = rule


def audit_entries_visible(
    user: User, operation: Operation, entries: QuerySet[AuditEntry]
) -> QuerySet[AuditEntry]:
    """`entries` narrowed to those the user may see: entries about records of a registered type
    only where that type's rule allows (the same visibility as the records themselves), entries
    of other types as they are. Server administrators see every entry."""
    if user.is_superuser or not _AUDIT_RULES:
        return entries
    allowed = ~Q(entity_type__in=list(_AUDIT_RULES))
    for entity_type, rule in _AUDIT_RULES.items():
        allowed |= Q(entity_type=entity_type) & rule(user, operation)
    return entries.filter(allowed)


# --- The directory: contacts, organisations' shared details ---------------------------------------

# Roles that may keep their own organisation's entries of the directory.
OWN_ORGANISATION_WRITERS = frozenset({Role.PARTNER, Role.FOCAL_POINT})


def can_write_contacts(user: User, operation: Operation, organisation: Organisation) -> bool:
    """May `user` add or change the contacts of `organisation` in `operation`?"""
    if is_manager(user, operation):
        return True
    return bool(
        has_role(user, operation, OWN_ORGANISATION_WRITERS)
        and user.organisation_id is not None
        and user.organisation_id == organisation.pk
    )


def can_write_any_contact(user: User, operation: Operation) -> bool:
    """Whether to offer the "add a contact" button at all."""
    if is_manager(user, operation):
        return True
    return bool(
        has_role(user, operation, OWN_ORGANISATION_WRITERS) and user.organisation_id is not None
    )


def can_change_details(user: User, organisation: Organisation) -> bool:
    """The organisation's details are shared by every operation it takes part in: a user changes
    them only when they manage all of those operations (server administrators: always)."""
    if user.is_superuser:
        return True
    return all(is_manager(user, op) for op in organisation.operations.all())


# --- Background jobs ------------------------------------------------------------------------------


def job_get_for_user(*, user: User, pk: int) -> Job:
    """The user's own job; 404 for anyone else's."""
    job = Job.objects.filter(user=user, pk=pk).select_related("operation").first()
    if job is None:
        raise Http404
    return job


# --- Two-factor authentication --------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    """True when an operation where the user holds a role requires two-factor for that role."""
    for role, required in OperationRole.objects.filter(
        user=user, operation__is_active=True
    ).values_list("role", "operation__require_2fa_roles"):
        if role in (required or []):
            return True
    return False
