"""Cash for protection, its reference data: eligibility criteria and the score rule, the minimum
expenditure baskets (MEB) with their transfer value per household size, and the data-sharing
agreements between organisations that the duplicate check relies on. Managed by the operation's
cash managers (tutela.cases.access.can_manage_cash_settings), audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    BasketAmount,
    CashRules,
    EligibilityCriterion,
    ExpenditureBasket,
    SharingAgreement,
)
from tutela.cases.models.cash import MAX_AMOUNT, MAX_HOUSEHOLD
from tutela.core.models import AuditEntry, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

CENT = Decimal("0.01")


def _require_manager(by: User, operation: Operation) -> None:
    if not access.can_manage_cash_settings(by, operation):
        raise PermissionDenied


# --- Reference data ---------------------------------------------------------------------------


@transaction.atomic
def criterion_save(
    *,
    operation: Operation,
    by: User,
    criterion: EligibilityCriterion | None = None,
    code: str,
    label: str,
    description: str = "",
    weight: int = 1,
    mandatory: bool = False,
    is_active: bool = True,
) -> EligibilityCriterion:
    _require_manager(by, operation)
    item = criterion or EligibilityCriterion(operation=operation)
    if item.operation_id != operation.pk:
        raise PermissionDenied
    before = snapshot(item) if item.pk else None
    item.code = code.strip()
    item.label = label.strip()
    item.description = description.strip()
    item.weight = weight
    item.mandatory = mandatory
    item.is_active = is_active
    taken = EligibilityCriterion.objects.filter(operation=operation, code=item.code)
    if taken.exclude(pk=item.pk).exists():
        raise ValidationError({"code": _("Another criterion has this code.")})
    item.full_clean(exclude=["operation"])
    item.save()
    if before is None:
        audit_create(actor=by, instance=item, operation=operation)
    else:
        audit_update(actor=by, instance=item, operation=operation, before=before)
    return item


@transaction.atomic
def rules_set(*, operation: Operation, by: User, min_score: int) -> CashRules:
    _require_manager(by, operation)
    rules, _created = CashRules.objects.get_or_create(operation=operation)
    before = snapshot(rules)
    rules.min_score = min_score
    rules.full_clean(exclude=["operation"])
    rules.save()
    audit_update(actor=by, instance=rules, operation=operation, before=before)
    return rules


def parse_amounts(text: str) -> dict[int, Decimal]:
    """'1: 45000' lines (household size: MEB) from a form, with a clear error per bad line."""
    amounts: dict[int, Decimal] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        size_text, sep, amount_text = line.partition(":")
        try:
            if not sep:
                raise ValueError
            size = int(size_text.strip())
            amount = Decimal(amount_text.strip().replace(" ", "").replace(",", "."))
            if not amount.is_finite():
                raise ValueError
        except (ValueError, ArithmeticError):
            raise ValidationError(
                {
                    "amounts": _(
                        "Line %(n)d: write the household size, a colon and the amount "
                        "(for example 3: 85000)."
                    )
                    % {"n": number}
                }
            ) from None
        amounts[size] = amount
    return amounts


def _check_amounts(amounts: Mapping[int, Decimal]) -> None:
    if not amounts:
        raise ValidationError({"amounts": _("Give the MEB for at least one household size.")})
    for size, amount in amounts.items():
        if not 1 <= size <= MAX_HOUSEHOLD:
            raise ValidationError(
                {"amounts": _("Household sizes go from 1 to %(n)d.") % {"n": MAX_HOUSEHOLD}}
            )
        if not Decimal("0") < amount <= MAX_AMOUNT:
            raise ValidationError({"amounts": _("An amount must be positive and realistic.")})


@transaction.atomic
def basket_save(
    *,
    operation: Operation,
    by: User,
    basket: ExpenditureBasket | None = None,
    name: str,
    currency: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    transfer_percent: int = 100,
    instalments: int = 1,
    interval_days: int = 30,
    amounts: Mapping[int, Decimal],
) -> ExpenditureBasket:
    _require_manager(by, operation)
    item = basket or ExpenditureBasket(operation=operation)
    if item.operation_id != operation.pk:
        raise PermissionDenied
    before = snapshot(item) if item.pk else None
    item.name = name.strip()
    item.currency = currency.strip().upper()
    item.valid_from = valid_from
    item.valid_until = valid_until
    item.transfer_percent = transfer_percent
    item.instalments = instalments
    item.interval_days = interval_days
    if len(item.currency) != 3 or not item.currency.isalpha():
        raise ValidationError({"currency": _("Use the three-letter currency code (ISO 4217).")})
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date is before the start date.")})
    _check_amounts(amounts)
    item.full_clean(exclude=["operation"])
    item.save()
    item.amounts.all().delete()
    BasketAmount.objects.bulk_create(
        BasketAmount(basket=item, household_size=size, amount=amount.quantize(CENT))
        for size, amount in sorted(amounts.items())
    )
    after = {"amounts": {str(k): str(v) for k, v in sorted(amounts.items())}}
    if before is None:
        audit_create(actor=by, instance=item, operation=operation)
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=item,
            operation=operation,
            after=after,
        )
    else:
        audit_update(actor=by, instance=item, operation=operation, before=before)
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=item,
            operation=operation,
            after=after,
        )
    return item


def basket_current(
    operation: Operation, on: datetime.date | None = None
) -> ExpenditureBasket | None:
    on = on or timezone.localdate()
    return (
        ExpenditureBasket.objects.filter(operation=operation, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from", "-id")
        .first()
    )


def transfer_value(basket: ExpenditureBasket, household_size: int) -> Decimal:
    """The grant: the basket's percentage of the MEB for the household's size (the largest size
    listed covers bigger households)."""
    line = (
        basket.amounts.filter(household_size__lte=household_size)
        .order_by("-household_size")
        .first()
    )
    if line is None:
        raise ValidationError(
            {"household_size": _("The MEB gives no amount for a household of this size.")}
        )
    value = line.amount * Decimal(basket.transfer_percent) / Decimal(100)
    return value.quantize(CENT)


@transaction.atomic
def agreement_create(
    *,
    operation: Operation,
    by: User,
    organisations: Sequence[Organisation],
    reference: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    purpose: str = SharingAgreement.Purpose.CASH_DEDUPLICATION,
) -> SharingAgreement:
    """Record a signed data-sharing agreement between two organisations of the operation."""
    _require_manager(by, operation)
    pair = sorted({o.pk for o in organisations})
    if len(pair) != 2:
        raise ValidationError({"organisations": _("An agreement is between two organisations.")})
    members = set(operation.organisations.values_list("pk", flat=True))
    if not set(pair) <= members:
        raise ValidationError(
            {"organisations": _("Both organisations must be members of the operation.")}
        )
    if not reference.strip():
        raise ValidationError({"reference": _("Give the reference of the signed agreement.")})
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date is before the start date.")})
    agreement = SharingAgreement(
        operation=operation,
        organisation_a_id=pair[0],
        organisation_b_id=pair[1],
        purpose=purpose,
        reference=reference.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=by,
    )
    agreement.full_clean(exclude=["operation", "organisation_a", "organisation_b", "created_by"])
    agreement.save()
    audit_create(actor=by, instance=agreement, operation=operation)
    return agreement


@transaction.atomic
def agreement_end(
    *, agreement: SharingAgreement, by: User, on: datetime.date | None = None
) -> SharingAgreement:
    _require_manager(by, agreement.operation)
    if agreement.ended_on is not None:
        raise ValidationError(_("This agreement has already ended."))
    before = snapshot(agreement)
    agreement.ended_on = on or timezone.localdate()
    agreement.save(update_fields=["ended_on", "updated_at"])
    audit_update(actor=by, instance=agreement, operation=agreement.operation, before=before)
    return agreement


def agreement_partners(
    operation: Operation, organisation_id: int, on: datetime.date | None = None
) -> set[int]:
    """Organisations with an agreement in force with this one for duplicate checks."""
    on = on or timezone.localdate()
    rows = (
        SharingAgreement.objects.filter(
            operation=operation,
            purpose=SharingAgreement.Purpose.CASH_DEDUPLICATION,
            valid_from__lte=on,
        )
        .filter(Q(organisation_a_id=organisation_id) | Q(organisation_b_id=organisation_id))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .values_list("organisation_a_id", "organisation_b_id")
    )
    partners = {a for a, _b in rows} | {b for _a, b in rows}
    partners.discard(organisation_id)
    return partners
