"""Who may see and write which 5W rows (built on tutela.core.access). Every permission check of
the 5W app is here.

Rules:
- Everyone with a role of their own in the operation other than viewer enters 5W rows for their
  own organisation (grid, uploads): `can_enter_rows`.
- An organisation's rows change only through its members, except that the operation's managers
  (coordinators and information management officers) report for
  - organisations that delegated their 5W reports to them (`core.models.Delegation`, granted and
    withdrawn by the organisation's members, audited), and
  - organisations with no member in the operation: nobody else could report for them (partners
    without an account, who send their 5W by e-mail to be consolidated).
- The command line (no user) writes any organisation's rows.
- Rows of a round change (`can_report`):
  - open: managers for the organisations they may report for; other members of the operation
    (except viewers) for their own organisation;
  - closed: managers only (late corrections by the information management officer);
  - locked: nobody.
- Saved column mappings: a manager sees and changes (deletes, their value tables) every mapping
  of the operation; others who enter rows see the shared ones and their organisation's, and
  change their organisation's only: what saving one takes (`mapping_change_check`). 404 for a
  mapping the user does not see (`mappings_for_user`).
- Every status of an organisation's rows (drafts included) is seen by cluster-wide roles and by
  the organisation's own people (`can_view_organisation`); 404 for others
  (`submission_get_for_user`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tutela.activities.models import ColumnMapping, ReportingRound, Submission
from tutela.core import access
from tutela.core.imports.mappings import mapping_save_check
from tutela.core.models import Delegation, Operation, Organisation, User
from tutela.core.models.roles import Role


def reporting_roles(user: User, operation: Operation) -> frozenset[str]:
    """Roles that may enter rows for the user's own organisation (viewers only read)."""
    return access.roles_in(user, operation) - {Role.VIEWER}


def can_enter_rows(user: User, operation: Operation) -> bool:
    """Whether the user may save 5W rows at all (viewers and outsiders may not)."""
    return bool(reporting_roles(user, operation))


def reports_for_whole_operation(by: User | None, operation: Operation) -> bool:
    """Whether `by` reports for the operation as a whole rather than for their own organisation:
    its managers, and the command line run without a user (`by=None`). Rows or uploads given no
    organisation are taken as the user's own organisation's otherwise. (Which organisations a
    manager may write for is `writable_organisation_ids`.)"""
    return by is None or access.is_manager(by, operation)


def writable_organisation_ids(user: User | None, operation: Operation) -> frozenset[int] | None:
    """The organisations whose rows `user` may write; None for any (the command line)."""
    if user is None:
        return None
    ids: set[int] = set()
    if user.organisation_id is not None and access.is_member_of(
        user, operation, user.organisation_id
    ):
        ids.add(user.organisation_id)
    if access.is_manager(user, operation):
        every = set(operation.organisations.values_list("pk", flat=True))
        ids |= every - access.organisations_with_members(operation)
        ids |= access.delegated_organisation_ids(operation, Delegation.Scope.ACTIVITIES)
    return frozenset(ids)


def writable_organisations(user: User | None, operation: Operation) -> QuerySet[Organisation]:
    """`writable_organisation_ids` as the operation's organisations (for a form's choices)."""
    organisations = operation.organisations.order_by("acronym")
    ids = writable_organisation_ids(user, operation)
    return organisations if ids is None else organisations.filter(pk__in=ids)


def can_write_rows_of(user: User | None, operation: Operation, organisation: Organisation) -> bool:
    writable = writable_organisation_ids(user, operation)
    return writable is None or organisation.pk in writable


def can_view_organisation(user: User, operation: Operation, organisation: Organisation) -> bool:
    """Whether the user may see this organisation's rows of any status."""
    if not access.roles_in(user, operation):
        return False
    if access.is_cluster_wide(user, operation):
        return True
    return bool(user.organisation_id and user.organisation_id == organisation.pk)


def can_report(user: User, round: ReportingRound, organisation: Organisation) -> bool:
    """Whether the user may change the organisation's rows of the round (see the rules above)."""
    operation = round.operation
    if round.status == ReportingRound.Status.LOCKED:
        return False
    if access.is_manager(user, operation):
        # Managers write in closed rounds too, but only the rows of organisations they may
        # report for.
        return can_write_rows_of(user, operation, organisation)
    if round.status != ReportingRound.Status.OPEN or not reporting_roles(user, operation):
        return False
    return bool(user.organisation_id and user.organisation_id == organisation.pk)


def submission_get_for_user(
    user: User, round: ReportingRound, organisation: Organisation
) -> Submission | None:
    """The organisation's submission for the round, if the user may see that organisation's rows
    (404 otherwise); None when nothing was entered yet."""
    if not can_view_organisation(user, round.operation, organisation):
        raise Http404
    return Submission.objects.filter(round=round, organisation=organisation).first()


def mappings_for_user(user: User, operation: Operation, kind: str) -> QuerySet[ColumnMapping]:
    """The saved mappings of `kind` the user sees: a manager all of the operation's; others who
    enter rows the shared ones and their organisation's; nobody else any."""
    mappings = ColumnMapping.objects.filter(operation=operation, kind=kind).select_related(
        "organisation"
    )
    if access.is_manager(user, operation):
        return mappings
    if can_enter_rows(user, operation) and user.organisation_id is not None:
        return mappings.filter(
            Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
        )
    return mappings.none()


def mapping_change_check(user: User | None, mapping: ColumnMapping) -> None:
    """Changing a saved mapping takes what saving it takes (core.imports.mappings): managers any
    of the operation's, others their own organisation's; PermissionDenied otherwise."""
    mapping_save_check(
        by=user,
        operation=mapping.operation,
        organisation=mapping.organisation,
        may_save=can_enter_rows,
    )


def changeable_mapping_ids(user: User, mappings: Iterable[ColumnMapping]) -> set[int]:
    """The ids of those of `mappings` the user may change (delete, their value tables)."""
    ids = set()
    for mapping in mappings:
        try:
            mapping_change_check(user, mapping)
        except PermissionDenied:
            continue
        ids.add(mapping.pk)
    return ids
