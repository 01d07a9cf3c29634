"""Cash for protection, the duplicate check across organisations (`cash_duplicate_check`), run
before every approval. It compares keyed digests of ID numbers (tutela.cases.blind_index, the
digests the case search already stores), never decrypts anything, and looks only at
organisations that have an active data-sharing agreement for this purpose with the checker's
organisation, and only when both the checked person and the matching person have an active
consent to duplicate checks. GBV cases are never revealed to another organisation (that an
organisation known for GBV services assists someone says too much). The answer names the other
organisation and says "active cash record" — no case code, no name, no amount.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tutela.cases import access
from tutela.cases.models import (
    Case,
    CaseSearchToken,
    CashAssistance,
    Consent,
)
from tutela.cases.services.cash_reference import agreement_partners
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write

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
