"""The action plan agreed after a CCPM round: items (what, for which body and sub-function, by
whom, by when) that become action points in the coordination workspace, where they are followed
up with the rest of the cluster's action points."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import CcpmActionItem, CcpmRound, CcpmSubFunction
from tutela.capacity.services import coordination_link
from tutela.core.models import AuditEntry, Body, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot


def _require_manager(by: User, round: CcpmRound) -> None:
    capacity_access.require(capacity_access.can_manage_ccpm(by, round.operation))


@transaction.atomic
def ccpm_action_item_add(
    *,
    round: CcpmRound,
    by: User,
    action: str,
    body: Body | None = None,
    subfunction: CcpmSubFunction | None = None,
    owner_organisation: Organisation | None = None,
    due_date: datetime.date | None = None,
) -> CcpmActionItem:
    _require_manager(by, round)
    operation = round.operation
    errors: dict[str, str] = {}
    if body is not None and not round.bodies.filter(pk=body.pk).exists():
        errors["body"] = _("This body is not evaluated in this round.")
    if subfunction is not None and subfunction.function.operation_id != operation.pk:
        errors["subfunction"] = _("This sub-function belongs to another operation.")
    if (
        owner_organisation is not None
        and not operation.organisations.filter(pk=owner_organisation.pk).exists()
    ):
        errors["owner_organisation"] = _("This organisation does not take part in the operation.")
    if errors:
        raise ValidationError(errors)
    item = CcpmActionItem(
        round=round,
        body=body,
        subfunction=subfunction,
        action=(action or "").strip(),
        owner_organisation=owner_organisation,
        due_date=due_date,
        created_by=by,
    )
    item.full_clean()
    item.save()
    audit_create(actor=by, instance=item, operation=operation)
    return item


@transaction.atomic
def ccpm_action_item_remove(*, item: CcpmActionItem, by: User) -> None:
    _require_manager(by, item.round)
    if item.action_point_id:
        raise ValidationError(
            _("This item is an action point already: follow it up in the coordination workspace.")
        )
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=item,
        operation=item.round.operation,
        before=snapshot(item),
    )
    item.delete()


@transaction.atomic
def ccpm_action_item_to_action_point(*, item: CcpmActionItem, by: User) -> int:
    """Make the item an action point of the coordination workspace (once); returns its id."""
    round = item.round
    _require_manager(by, round)
    if item.action_point_id:
        return int(item.action_point_id)
    before = snapshot(item)
    code = f"{item.subfunction.code} " if item.subfunction else ""
    item.action_point_id = coordination_link.action_point_open(
        operation=round.operation,
        by=by,
        title=item.action,
        description=_("CCPM action plan (%(round)s): %(code)s%(sub)s")
        % {
            "round": round.title,
            "code": code,
            "sub": item.subfunction.name if item.subfunction else "",
        },
        owner_organisation=item.owner_organisation,
        due_date=item.due_date,
        body=item.body,
    )
    item.save(update_fields=["action_point_id", "updated_at"])
    audit_update(actor=by, instance=item, operation=round.operation, before=before)
    return int(item.action_point_id)
