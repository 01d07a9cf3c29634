"""Delegations: an organisation lets the operation's managers write its records of one kind (its
5W reports, its protection monitoring imports) on its behalf, and withdraws that again.

Granted and withdrawn by the organisation's own members, audited; managers may also give one up.
Without a delegation an organisation's records change only through its members
(`core.access.may_write_for`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.models import AuditEntry, Delegation, Operation, Organisation, User
from tutela.core.services.audit import audit_write, snapshot


def delegations_of(operation: Operation, organisation: Organisation) -> list[Delegation]:
    """The organisation's delegations in force in the operation, one per scope at most."""
    return list(
        Delegation.objects.filter(
            operation=operation, organisation=organisation, revoked_at__isnull=True
        ).select_related("granted_by")
    )


@transaction.atomic
def delegation_grant(
    *, by: User, operation: Operation, organisation: Organisation, scope: str
) -> Delegation:
    """Let the operation's managers write `organisation`'s records of `scope` (a member of the
    organisation decides)."""
    if scope not in Delegation.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    if not access.is_member_of(by, operation, organisation):
        raise PermissionDenied(_("Only the organisation's own members decide this."))
    delegation = Delegation(
        operation=operation, organisation=organisation, scope=scope, granted_by=by
    )
    try:
        with transaction.atomic():
            delegation.save()
    except IntegrityError:
        raise ValidationError(
            _("%(org)s has already authorised this.") % {"org": organisation.acronym},
            code="granted",
        ) from None
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        instance=delegation,
        operation=operation,
        after=snapshot(delegation),
        summary=f"{organisation.acronym} lets the managers of {operation.slug} write: {scope}",
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, by: User, delegation: Delegation) -> Delegation:
    """Withdraw a delegation: a member of the organisation, or a manager giving it up."""
    operation = delegation.operation
    if not (
        access.is_member_of(by, operation, delegation.organisation_id)
        or access.is_manager(by, operation)
    ):
        raise PermissionDenied
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.revoked_at is not None:
        return delegation
    before = snapshot(delegation)
    delegation.revoked_at = timezone.now()
    delegation.revoked_by = by
    delegation.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=delegation,
        operation=operation,
        before=before,
        after=snapshot(delegation),
        summary=(
            f"{delegation.organisation} no longer lets the managers of {operation.slug} "
            f"write: {delegation.scope}"
        ),
    )
    return delegation
