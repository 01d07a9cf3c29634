"""Whose 5W rows a user may write (built on tutela.core.access).

Rules:
- Everyone with a role of their own in the operation other than viewer enters 5W rows for their
  own organisation (grid, uploads).
- An organisation's rows change only through its members, except that the operation's managers
  (coordinators and information management officers) report for
  - organisations that delegated their 5W reports to them (`core.models.Delegation`, granted and
    withdrawn by the organisation's members, audited), and
  - organisations with no member in the operation: nobody else could report for them (partners
    without an account, who send their 5W by e-mail to be consolidated).
- The command line (no user) writes any organisation's rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tutela.core import access
from tutela.core.models import Delegation, Operation, Organisation


def writable_organisation_ids(user: Any, operation: Operation) -> frozenset[int] | None:
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


def writable_organisations(user: Any, operation: Operation) -> QuerySet[Organisation]:
    """`writable_organisation_ids` as the operation's organisations (for a form's choices)."""
    organisations = operation.organisations.order_by("acronym")
    ids = writable_organisation_ids(user, operation)
    return organisations if ids is None else organisations.filter(pk__in=ids)


def can_write_rows_of(user: Any, operation: Operation, organisation: Organisation) -> bool:
    writable = writable_organisation_ids(user, operation)
    return writable is None or organisation.pk in writable
