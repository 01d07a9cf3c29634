"""Cash for protection, the cash record: eligibility, the amount from the MEB (another amount needs
a reason, kept encrypted and audited), its instalments, and the two-person approval: whoever
recorded or asked for the approval of a cash record cannot approve it (PermissionDenied), only a
supervisor of the case's team decides, and the duplicate check across organisations
(services.cash_duplicates) runs before every approval.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import (
    Case,
    CashAssistance,
    CashInstalment,
    CashRules,
    EligibilityCriterion,
    ExpenditureBasket,
    Intervention,
)
from tutela.cases.models.cash import MAX_HOUSEHOLD, MAX_INSTALMENTS
from tutela.cases.services.cash_duplicates import DuplicateCheck, cash_duplicate_check
from tutela.cases.services.cash_reference import CENT, basket_current, transfer_value
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

Status = CashAssistance.Status
IStatus = CashInstalment.Status


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
