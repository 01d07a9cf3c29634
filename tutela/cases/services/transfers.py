"""Transferring a case's ownership to another organisation: checked against the consent (a
transfer moves everything the case holds), accepted or declined by the receiver."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access, shared_fields
from tutela.cases.models import Case, CaseSearchToken, Transfer
from tutela.cases.services.consent import handoff_authorise
from tutela.core.models import Organisation, User
from tutela.core.services.audit import audit_create, audit_update, snapshot


@transaction.atomic
def transfer_request(
    *,
    case: Case,
    by: User,
    to_organisation: Organisation,
    reason: str,
    to_user: User | None = None,
    override_reason: str = "",
) -> Transfer:
    access.require_edit(by, case)
    if case.is_gbv:
        raise ValidationError(
            _(
                "A GBV case is never transferred: its identifying information stays in the "
                "organisation. Refer the survivor instead."
            )
        )
    if to_organisation.pk == case.organisation_id:
        raise ValidationError({"to_organisation": _("Reassign within the organisation instead.")})
    if not case.operation.organisations.filter(pk=to_organisation.pk).exists():
        raise ValidationError({"to_organisation": _("Not an organisation of this operation.")})
    if to_user is not None and (
        to_user.organisation_id != to_organisation.pk
        or not access.is_case_staff(to_user, case.operation)
    ):
        raise ValidationError(
            {"to_user": _("Choose case management staff of the receiving organisation.")}
        )
    if case.transfers.filter(status=Transfer.Status.PENDING).exists():
        raise ValidationError(_("A transfer of this case is already waiting."))
    handoff = handoff_authorise(
        case=case,
        by=by,
        handoff="transfer",
        organisation=to_organisation,
        fields=list(shared_fields.FIELDS),
        override_reason=override_reason,
    )
    transfer = Transfer.objects.create(
        case=case,
        from_organisation_id=case.organisation_id,
        to_organisation=to_organisation,
        to_user=to_user,
        reason=reason.strip(),
        consent=handoff.consent,
        override=handoff.override,
        requested_by=by,
    )
    audit_create(actor=by, instance=transfer, operation=case.operation)
    return transfer


@transaction.atomic
def transfer_decide(
    *,
    transfer: Transfer,
    by: User,
    accept: bool,
    owner: User | None = None,
    decline_reason: str = "",
) -> Transfer:
    """The receiving organisation accepts (the case, its people and history become theirs; the
    sending organisation no longer sees it) or declines."""
    if not access.can_decide_transfer(by, transfer):
        raise PermissionDenied
    case = transfer.case
    before = snapshot(transfer)
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    if not accept:
        if not decline_reason.strip():
            raise ValidationError({"decline_reason": _("Say why the transfer is declined.")})
        transfer.status = Transfer.Status.DECLINED
        transfer.decline_reason = decline_reason.strip()
        transfer.save()
        audit_update(actor=by, instance=transfer, operation=case.operation, before=before)
        return transfer
    owner = owner or transfer.to_user or by
    if owner.organisation_id != transfer.to_organisation_id or not access.is_case_staff(
        owner, case.operation
    ):
        raise ValidationError({"owner": _("Choose case management staff of your organisation.")})
    transfer.status = Transfer.Status.ACCEPTED
    transfer.save()
    audit_update(actor=by, instance=transfer, operation=case.operation, before=before)
    case_before = snapshot(case)
    case.organisation_id = transfer.to_organisation_id
    case.owner = owner
    case.save(update_fields=["organisation", "owner", "updated_at"])
    case.assigned.clear()
    CaseSearchToken.objects.filter(case=case).update(organisation_id=transfer.to_organisation_id)
    audit_update(actor=by, instance=case, operation=case.operation, before=case_before)
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, by: User) -> Transfer:
    access.require_edit(by, transfer.case)
    if transfer.status != Transfer.Status.PENDING:
        raise ValidationError(_("Only a waiting transfer can be cancelled."))
    before = snapshot(transfer)
    transfer.status = Transfer.Status.CANCELLED
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.save()
    audit_update(actor=by, instance=transfer, operation=transfer.case.operation, before=before)
    return transfer
