"""Cash for protection: reference data (criteria, MEB, agreements), the cash record with its
eligibility, amount and instalments, the two-person approval, disbursement, PDM.

Every function checks what the caller may do (tutela.cases.access), validates, saves and writes
its audit entry. The rules a client could try to bypass live here, not in the pages or the API:
- **two people**: whoever recorded or asked for the approval of a cash record cannot approve it
  (PermissionDenied), and only a supervisor of the case's team decides;
- **the amount** comes from the MEB for the household's size and the basket's transfer value
  rule; another amount needs a reason, kept encrypted and audited;
- **the duplicate check** across organisations (`cash_duplicate_check`) runs before every
  approval. It compares keyed digests of ID numbers (tutela.cases.blind_index, the digests the
  case search already stores), never decrypts anything, and looks only at organisations that have
  an active data-sharing agreement for this purpose with the checker's organisation, and only
  when both the checked person and the matching person have an active consent to duplicate
  checks. GBV cases are never revealed to another organisation (that an organisation known for
  GBV services assists someone says too much). The answer names the other organisation and says
  "active cash record" — no case code, no name, no amount.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    BasketAmount,
    Case,
    CaseSearchToken,
    CashAssistance,
    CashInstalment,
    CashRules,
    Consent,
    DistributionMonitoring,
    EligibilityCriterion,
    ExpenditureBasket,
    Intervention,
    SharingAgreement,
)
from tutela.cases.models.cash import MAX_AMOUNT, MAX_HOUSEHOLD, MAX_INSTALMENTS
from tutela.core.models import AuditEntry, Operation, Organisation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

CENT = Decimal("0.01")
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


# --- Eligibility and the cash record ----------------------------------------------------------


@dataclass
class Eligibility:
    met: list[str]
    score: int
    eligible: bool
    missing_mandatory: list[str] = field(default_factory=list)


def eligibility_evaluate(operation: Operation, met: Iterable[str]) -> Eligibility:
    """Score the criteria met against the operation's active criteria and threshold."""
    criteria = {c.code: c for c in EligibilityCriterion.objects.filter(operation=operation)}
    codes = list(dict.fromkeys(met))
    unknown = [code for code in codes if code not in criteria or not criteria[code].is_active]
    if unknown:
        raise ValidationError(
            {"criteria_met": _("Unknown criteria: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    if not any(c.is_active for c in criteria.values()):
        raise ValidationError({"criteria_met": _("The operation has no eligibility criteria yet.")})
    score = sum(criteria[code].weight for code in codes)
    missing = [
        c.code for c in criteria.values() if c.is_active and c.mandatory and c.code not in codes
    ]
    rules = CashRules.objects.filter(operation=operation).first()
    threshold = rules.min_score if rules else 0
    return Eligibility(
        met=codes,
        score=score,
        eligible=not missing and score >= threshold and bool(codes),
        missing_mandatory=missing,
    )


def _schedule(amount: Decimal, count: int, first: datetime.date, days: int) -> list[tuple]:
    """Equal instalments, the cents left over on the last one."""
    share = (amount / count).quantize(CENT, rounding=ROUND_DOWN)
    rows = []
    for number in range(1, count + 1):
        value = share if number < count else amount - share * (count - 1)
        rows.append((number, first + datetime.timedelta(days=days * (number - 1)), value))
    return rows


def _next_code(case: Case) -> str:
    count = CashAssistance.objects.filter(case=case).count()
    while True:
        count += 1
        code = f"{case.code}-C{count}"
        if not CashAssistance.objects.filter(operation_id=case.operation_id, code=code).exists():
            return code


def _check_intervention(case: Case, intervention: Intervention | None) -> None:
    if intervention is not None and intervention.plan.case_id != case.pk:
        raise ValidationError(
            {"intervention": _("The intervention is not part of this case's plan.")}
        )


@transaction.atomic
def cash_record(
    *,
    case: Case,
    by: User,
    household_size: int,
    criteria_met: Iterable[str],
    mechanism: str,
    basket: ExpenditureBasket | None = None,
    intervention: Intervention | None = None,
    amount: Decimal | None = None,
    override_reason: str = "",
    first_due_on: datetime.date | None = None,
    is_demo: bool = False,
) -> CashAssistance:
    """Record the eligibility assessment and the planned grant of a case (a draft)."""
    access.require_edit(by, case)
    operation = case.operation
    basket = basket or basket_current(operation)
    if basket is None:
        raise ValidationError(
            {"basket": _("The operation has no minimum expenditure basket in force.")}
        )
    if basket.operation_id != operation.pk:
        raise ValidationError({"basket": _("This basket belongs to another operation.")})
    if not 1 <= household_size <= MAX_HOUSEHOLD:
        raise ValidationError(
            {"household_size": _("A household has 1 to %(n)d people.") % {"n": MAX_HOUSEHOLD}}
        )
    if mechanism not in CashAssistance.Mechanism.values:
        raise ValidationError({"mechanism": _("Choose a delivery mechanism.")})
    _check_intervention(case, intervention)
    verdict = eligibility_evaluate(operation, criteria_met)
    computed = transfer_value(basket, household_size)
    final = computed if amount is None else Decimal(amount).quantize(CENT)
    if final != computed and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": _(
                    "The amount differs from the MEB's (%(amount)s %(currency)s): give the reason."
                )
                % {"amount": computed, "currency": basket.currency}
            }
        )
    item = CashAssistance(
        operation=operation,
        case=case,
        organisation_id=case.organisation_id,
        code=_next_code(case),
        intervention=intervention,
        basket=basket,
        household_size=household_size,
        criteria_met=verdict.met,
        score=verdict.score,
        eligible=verdict.eligible,
        computed_amount=computed,
        amount=final,
        currency=basket.currency,
        override_reason=override_reason.strip() if final != computed else "",
        mechanism=mechanism,
        created_by=by,
        is_demo=is_demo,
    )
    item.full_clean(
        exclude=["operation", "case", "organisation", "basket", "intervention", "created_by"]
    )
    item.save()
    first = first_due_on or timezone.localdate()
    CashInstalment.objects.bulk_create(
        CashInstalment(assistance=item, number=number, due_on=due_on, amount=value)
        for number, due_on, value in _schedule(
            final, basket.instalments, first, basket.interval_days
        )
    )
    audit_create(actor=by, instance=item, operation=operation)
    return item


@transaction.atomic
def instalments_set(
    *, assistance: CashAssistance, by: User, schedule: Sequence[tuple[datetime.date, Decimal]]
) -> list[CashInstalment]:
    """Replace the instalments of a draft (due date, amount): they must add up to the amount."""
    if not access.can_edit_cash(by, assistance):
        raise PermissionDenied
    if assistance.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError(_("Only a draft's instalments can be changed."))
    if not 1 <= len(schedule) <= MAX_INSTALMENTS:
        raise ValidationError(
            {"instalments": _("Between 1 and %(n)d instalments.") % {"n": MAX_INSTALMENTS}}
        )
    total = sum((Decimal(amount).quantize(CENT) for _due, amount in schedule), Decimal(0))
    if any(Decimal(amount) <= 0 for _due, amount in schedule):
        raise ValidationError({"instalments": _("Every instalment must be positive.")})
    if total != assistance.amount:
        raise ValidationError(
            {
                "instalments": _("The instalments add up to %(total)s, not %(amount)s.")
                % {"total": total, "amount": assistance.amount}
            }
        )
    assistance.instalments.all().delete()
    rows = CashInstalment.objects.bulk_create(
        CashInstalment(assistance=assistance, number=number, due_on=due_on, amount=Decimal(value))
        for number, (due_on, value) in enumerate(sorted(schedule), start=1)
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=assistance,
        operation=assistance.operation,
        after={"instalments": [[str(d), str(a)] for d, a in sorted(schedule)]},
    )
    return rows


@transaction.atomic
def cash_request(*, assistance: CashAssistance, by: User) -> CashAssistance:
    """Ask a supervisor to approve the grant (someone else will have to decide)."""
    if not access.can_edit_cash(by, assistance):
        raise PermissionDenied
    if assistance.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError(_("Only a draft can be sent for approval."))
    if not assistance.eligible:
        raise ValidationError(
            _("The eligibility assessment does not meet the operation's criteria.")
        )
    before = snapshot(assistance)
    assistance.status = Status.PENDING
    assistance.requested_by = by
    assistance.requested_at = timezone.now()
    assistance.save(update_fields=["status", "requested_by", "requested_at", "updated_at"])
    audit_update(actor=by, instance=assistance, operation=assistance.operation, before=before)
    return assistance


# --- Duplicate check across organisations -----------------------------------------------------


@dataclass
class DuplicateCheck:
    """What the checker learns: whether the check could run, and which organisations have an
    active cash record for a person with the same ID number (nothing else)."""

    # "checked", "no_consent" (the person did not agree), "no_agreement" (no organisation has
    # an agreement in force with the checker's), "no_id" (no ID number to compare).
    outcome: str
    organisations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "organisations": self.organisations}


def _consenting(case_ids: Iterable[int], on: datetime.date) -> set[int]:
    return set(
        Consent.objects.filter(
            case_id__in=list(case_ids),
            purpose=Consent.Purpose.DEDUPLICATION,
            given_on__lte=on,
        )
        .filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on),
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
        )
        .values_list("case_id", flat=True)
    )


def duplicate_organisations(assistance: CashAssistance, on: datetime.date) -> DuplicateCheck:
    """The check itself, read-only. Only digests, ids and codes are read: no encrypted column
    (the test runs it with decryption disabled)."""
    case_id = assistance.case_id
    if case_id not in _consenting([case_id], on):
        return DuplicateCheck("no_consent")
    partners = agreement_partners(assistance.operation, assistance.organisation_id, on)
    if not partners:
        return DuplicateCheck("no_agreement")
    digests = list(
        CaseSearchToken.objects.filter(case_id=case_id, kind=CaseSearchToken.Kind.ID)
        .order_by()
        .values_list("digest", flat=True)
    )
    if not digests:
        return DuplicateCheck("no_id")
    matches = set(
        CaseSearchToken.objects.filter(
            operation_id=assistance.operation_id,
            kind=CaseSearchToken.Kind.ID,
            digest__in=digests,
            organisation_id__in=partners,
        )
        .exclude(case_id=case_id)
        .order_by()
        .values_list("case_id", flat=True)
    )
    matches &= _consenting(matches, on)
    holders = (
        CashAssistance.objects.filter(
            case_id__in=matches,
            status__in=CashAssistance.ACTIVE,
            organisation_id__in=partners,
        )
        .exclude(case__case_type=Case.Type.GBV)
        .order_by()
        .values_list("organisation__acronym", flat=True)
        .distinct()
    )
    return DuplicateCheck("checked", sorted(set(holders)))


@transaction.atomic
def cash_duplicate_check(*, assistance: CashAssistance, by: User) -> DuplicateCheck:
    """Run the cross-organisation check for a cash record the caller may see; audited, and the
    answer kept on the record (organisation acronyms only)."""
    if not access.cash_for_user(by, assistance.operation).filter(pk=assistance.pk).exists():
        raise PermissionDenied
    result = duplicate_organisations(assistance, timezone.localdate())
    assistance.checked_at = timezone.now()
    assistance.check_result = result.as_dict()
    assistance.save(update_fields=["checked_at", "check_result", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=assistance,
        operation=assistance.operation,
        summary=f"{assistance} duplicate check: {result.outcome}",
        after=result.as_dict(),
    )
    return result


class ProbableCashDuplicate(ValidationError):
    """Raised by cash_decide when another organisation has an active cash record for the same
    ID number and the supervisor did not confirm going ahead."""

    def __init__(self, result: DuplicateCheck) -> None:
        super().__init__(
            _(
                "Probable duplicate: %(orgs)s has an active cash record for a person with the "
                "same ID number. Check with them, then confirm to approve."
            )
            % {"orgs": ", ".join(result.organisations)},
            code="probable_duplicate",
        )
        self.result = result


@transaction.atomic
def cash_decide(
    *,
    assistance: CashAssistance,
    by: User,
    approve: bool,
    comment: str = "",
    confirm_duplicates: bool = False,
) -> CashAssistance:
    """The second person's decision. The requester and the author are refused whatever the
    client sends; an approval runs the duplicate check first."""
    if assistance.status != Status.PENDING:
        raise ValidationError(_("This cash record is not awaiting approval."))
    if by.pk in {assistance.requested_by_id, assistance.created_by_id}:
        raise PermissionDenied(
            _("Two people: whoever recorded or asked for the approval cannot approve it.")
        )
    if not access.can_decide_cash(by, assistance):
        raise PermissionDenied(_("Only a supervisor of the case's team may decide."))
    if approve:
        result = cash_duplicate_check(assistance=assistance, by=by)
        if result.organisations and not confirm_duplicates:
            raise ProbableCashDuplicate(result)
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the cash is not approved.")})
    before = snapshot(assistance)
    assistance.status = Status.APPROVED if approve else Status.REJECTED
    assistance.decided_by = by
    assistance.decided_at = timezone.now()
    assistance.decision_note = comment.strip()
    assistance.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    if approve:
        assistance.instalments.filter(status=IStatus.PLANNED).update(
            status=IStatus.APPROVED, updated_by=by, updated_at=timezone.now()
        )
    audit_update(actor=by, instance=assistance, operation=assistance.operation, before=before)
    return assistance


@transaction.atomic
def cash_cancel(*, assistance: CashAssistance, by: User, reason: str) -> CashAssistance:
    if not access.can_edit_cash(by, assistance):
        raise PermissionDenied
    if assistance.status in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError(_("This cash record is already closed."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the cash is cancelled.")})
    before = snapshot(assistance)
    assistance.status = Status.CANCELLED
    assistance.decision_note = reason.strip()
    assistance.save(update_fields=["status", "decision_note", "updated_at"])
    assistance.instalments.filter(
        status__in=[IStatus.PLANNED, IStatus.APPROVED, IStatus.FAILED]
    ).update(status=IStatus.CANCELLED, updated_by=by, updated_at=timezone.now())
    audit_update(actor=by, instance=assistance, operation=assistance.operation, before=before)
    return assistance


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
