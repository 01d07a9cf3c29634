"""Cash for protection, disbursement and monitoring: each instalment's status (planned, approved,
paid, failed, cancelled) moves only along TRANSITIONS; the amount and due date of an instalment
nothing was paid on can still be corrected; post-distribution monitoring (PDM) is recorded per
instalment. Every change is checked (tutela.cases.access) and audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    CashAssistance,
    CashInstalment,
    DistributionMonitoring,
)
from tutela.cases.models.cash import MAX_AMOUNT
from tutela.cases.services.cash_reference import CENT
from tutela.core.models import User
from tutela.core.services.audit import audit_create, audit_update, snapshot

Status = CashAssistance.Status
IStatus = CashInstalment.Status


# Which disbursement status may follow which (per instalment).
TRANSITIONS: dict[str, frozenset[str]] = {
    IStatus.PLANNED: frozenset({IStatus.CANCELLED}),
    IStatus.APPROVED: frozenset({IStatus.PAID, IStatus.FAILED, IStatus.CANCELLED}),
    IStatus.FAILED: frozenset({IStatus.APPROVED, IStatus.CANCELLED}),
    IStatus.PAID: frozenset(),
    IStatus.CANCELLED: frozenset(),
}


# --- Disbursement and monitoring --------------------------------------------------------------


@transaction.atomic
def instalment_status_set(
    *,
    instalment: CashInstalment,
    by: User,
    status: str,
    paid_on: datetime.date | None = None,
    paid_amount: Decimal | None = None,
    reference: str = "",
    note: str = "",
) -> CashInstalment:
    """Planned → approved (by the approval) → paid / failed / cancelled; a failed payment can be
    tried again (approved) or cancelled. When every instalment is paid or cancelled the record
    is completed."""
    assistance = instalment.assistance
    if not access.can_edit_cash(by, assistance):
        raise PermissionDenied
    if status not in TRANSITIONS.get(instalment.status, frozenset()):
        raise ValidationError(
            {
                "status": _("An instalment that is %(now)s cannot become %(next)s.")
                % {
                    "now": instalment.get_status_display(),
                    "next": dict(IStatus.choices).get(status, status),
                }
            }
        )
    if status in (IStatus.PAID, IStatus.FAILED) and assistance.status != Status.APPROVED:
        raise ValidationError(_("The cash record is not approved."))
    if status == IStatus.APPROVED and assistance.status != Status.APPROVED:
        raise ValidationError(_("The cash record is not approved."))
    before = snapshot(instalment)
    if status == IStatus.PAID:
        paid_on = paid_on or timezone.localdate()
        if paid_on > timezone.localdate():
            raise ValidationError({"paid_on": _("A payment cannot be in the future.")})
        instalment.paid_on = paid_on
        instalment.paid_amount = instalment.amount if paid_amount is None else paid_amount
    instalment.status = status
    instalment.reference = reference.strip()[:100] or instalment.reference
    if note.strip():
        instalment.note = note.strip()
    instalment.updated_by = by
    instalment.full_clean(exclude=["assistance", "updated_by"])
    instalment.save()
    audit_update(actor=by, instance=instalment, operation=assistance.operation, before=before)
    open_left = assistance.instalments.exclude(status__in=[IStatus.PAID, IStatus.CANCELLED])
    if assistance.status == Status.APPROVED and not open_left.exists():
        any_paid = assistance.instalments.filter(status=IStatus.PAID).exists()
        record_before = snapshot(assistance)
        assistance.status = Status.COMPLETED if any_paid else Status.CANCELLED
        assistance.save(update_fields=["status", "updated_at"])
        audit_update(
            actor=by, instance=assistance, operation=assistance.operation, before=record_before
        )
    return instalment


# Instalments whose amount and due date can still change: nothing was paid (a failed payment paid
# nothing); a paid or cancelled instalment is locked.
EDITABLE = (IStatus.PLANNED, IStatus.APPROVED, IStatus.FAILED)
# How far back a due date may be moved (a typing slip of the year is caught).
PAST_DAYS = 366


@transaction.atomic
def instalment_edit(
    *, instalment: CashInstalment, by: User, due_on: datetime.date, amount: Decimal
) -> CashInstalment:
    """Change an unpaid instalment's due date and amount (audited, before and after). Paid or
    cancelled: locked. The instalments not cancelled may not add up to more than the record's
    amount, the one the approval covered (a second person approved it); less is allowed (the
    rest is simply not paid)."""
    assistance = (
        CashAssistance.objects.select_for_update()
        .select_related("operation")
        .get(pk=instalment.assistance_id)
    )
    if not access.can_edit_cash(by, assistance):
        raise PermissionDenied
    instalment = CashInstalment.objects.select_for_update().get(pk=instalment.pk)
    if instalment.status not in EDITABLE:
        raise ValidationError(
            _("A %(status)s instalment cannot be changed any more.")
            % {"status": instalment.get_status_display().lower()}
        )
    if assistance.status in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError(_("This cash record is closed."))
    amount = Decimal(amount).quantize(CENT)
    errors: dict[str, str] = {}
    if amount <= 0 or amount > MAX_AMOUNT:
        errors["amount"] = _("Every instalment must be positive.")
    if due_on < timezone.localdate() - datetime.timedelta(days=PAST_DAYS):
        errors["due_on"] = _("More than a year ago: check the date.")
    others = (
        assistance.instalments.exclude(pk=instalment.pk)
        .exclude(status=IStatus.CANCELLED)
        .values_list("amount", flat=True)
    )
    total = sum(others, Decimal(0)) + amount
    if "amount" not in errors and total > assistance.amount:
        errors["amount"] = _(
            "The instalments would add up to %(total)s, more than the %(amount)s approved."
        ) % {"total": total, "amount": assistance.amount}
    if errors:
        raise ValidationError(errors)
    before = snapshot(instalment)
    instalment.due_on = due_on
    instalment.amount = amount
    instalment.updated_by = by
    instalment.full_clean(exclude=["assistance", "updated_by"])
    instalment.save()
    audit_update(actor=by, instance=instalment, operation=assistance.operation, before=before)
    return instalment


@transaction.atomic
def monitoring_record(
    *,
    instalment: CashInstalment,
    by: User,
    interviewed_on: datetime.date,
    received_in_full: bool,
    on_time: bool,
    safety_problem: bool,
    satisfaction: int,
    uses: Iterable[str] = (),
    safety_note: str = "",
) -> DistributionMonitoring:
    """Post-distribution monitoring of a paid instalment (one interview per instalment)."""
    if not access.can_edit_cash(by, instalment.assistance):
        raise PermissionDenied
    if instalment.status != IStatus.PAID:
        raise ValidationError(_("Monitoring follows a paid instalment."))
    if DistributionMonitoring.objects.filter(instalment=instalment).exists():
        raise ValidationError(_("This instalment has already been monitored."))
    if interviewed_on > timezone.localdate():
        raise ValidationError({"interviewed_on": _("The interview cannot be in the future.")})
    if instalment.paid_on and interviewed_on < instalment.paid_on:
        raise ValidationError({"interviewed_on": _("The interview is before the payment.")})
    codes = list(dict.fromkeys(uses))
    unknown = [c for c in codes if c not in DistributionMonitoring.Use.values]
    if unknown:
        raise ValidationError({"uses": _("Unknown use: %s") % ", ".join(unknown)})
    item = DistributionMonitoring(
        instalment=instalment,
        interviewed_on=interviewed_on,
        received_in_full=received_in_full,
        on_time=on_time,
        safety_problem=safety_problem,
        safety_note=safety_note.strip() if safety_problem else "",
        uses=codes,
        satisfaction=satisfaction,
        by=by,
    )
    item.full_clean(exclude=["instalment", "by"])
    item.save()
    audit_create(actor=by, instance=item, operation=instalment.assistance.operation)
    return item
