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

# The one import of the cash services for the pages, the API, the forms and the demo data (they use
# `services.cash` as one namespace); the code is in cash_reference, cash_records, cash_duplicates
# and cash_disbursement.
from tutela.cases.services.cash_disbursement import (
    EDITABLE,
    PAST_DAYS,
    TRANSITIONS,
    instalment_edit,
    instalment_status_set,
    monitoring_record,
)
from tutela.cases.services.cash_duplicates import (
    DuplicateCheck,
    cash_duplicate_check,
    duplicate_organisations,
)
from tutela.cases.services.cash_records import (
    Eligibility,
    ProbableCashDuplicate,
    cash_cancel,
    cash_decide,
    cash_record,
    cash_request,
    eligibility_evaluate,
    instalments_set,
)
from tutela.cases.services.cash_reference import (
    agreement_create,
    agreement_end,
    agreement_partners,
    basket_current,
    basket_save,
    criterion_save,
    parse_amounts,
    rules_set,
    transfer_value,
)

__all__ = [
    "DuplicateCheck",
    "EDITABLE",
    "Eligibility",
    "PAST_DAYS",
    "ProbableCashDuplicate",
    "TRANSITIONS",
    "agreement_create",
    "agreement_end",
    "agreement_partners",
    "basket_current",
    "basket_save",
    "cash_cancel",
    "cash_decide",
    "cash_duplicate_check",
    "cash_record",
    "cash_request",
    "criterion_save",
    "duplicate_organisations",
    "eligibility_evaluate",
    "instalment_edit",
    "instalment_status_set",
    "instalments_set",
    "monitoring_record",
    "parse_amounts",
    "rules_set",
    "transfer_value",
]
