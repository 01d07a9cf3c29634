"""Retention: closed cases are anonymised once the operation's retention period has passed since
closure. What identifies the person (names, date of birth, phone, ID numbers, address, free text,
documents, blind-index tokens) is removed; what the statistics count (sex, age band, area, needs,
concerns, services, referral dates) stays. Each run leaves a report of what it removed, per case.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tutela.cases import files
from tutela.cases.models import (
    Approval,
    Assessment,
    Case,
    CaseDocument,
    CasePerson,
    CaseSearchToken,
    CaseSettings,
    Consent,
    ConsentOverride,
    FollowUp,
    Intervention,
    Referral,
    RetentionRun,
    ServiceDelivery,
    Transfer,
)
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.services.audit import audit_write

# model -> encrypted text fields emptied on anonymisation
TEXT_FIELDS: list[tuple[Any, str, tuple[str, ...]]] = [
    (
        CasePerson,
        "case",
        ("given_name", "family_name", "other_names", "date_of_birth", "phone", "id_number"),
    ),
    (Consent, "case", ("caregiver_name", "withdrawal_note")),
    (ConsentOverride, "case", ("reason",)),
    (Assessment, "case", ("summary", "needs")),
    (Intervention, "plan__case", ("goal", "action")),
    (ServiceDelivery, "case", ("note",)),
    (FollowUp, "case", ("note",)),
    (Approval, "case", ("comment", "closure_note")),
    (
        Referral,
        "case",
        ("reason", "shared_data", "decline_reason", "feedback", "withdrawal_reason"),
    ),
    (Transfer, "case", ("reason", "decline_reason")),
]


def retention_months(operation: Operation) -> int:
    settings = CaseSettings.objects.filter(operation=operation).first()
    return (
        settings.retention_months
        if settings
        else CaseSettings._meta.get_field("retention_months").default
    )


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def closed_before(operation: Operation, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return months_before(today, retention_months(operation))


def due_for_anonymisation(operation: Operation, today: datetime.date | None = None) -> Any:
    return Case.objects.filter(
        operation=operation,
        stage=Case.Stage.CLOSED,
        closed_on__lt=closed_before(operation, today),
        anonymised_at__isnull=True,
    ).order_by("closed_on", "pk")


def _anonymise(case: Case) -> dict[str, int]:
    removed: dict[str, int] = {}
    for model, path, names in TEXT_FIELDS:
        rows = model.objects.filter(**{path: case})
        count = 0
        for row in rows:
            filled = [name for name in names if getattr(row, name)]
            if filled:
                for name in filled:
                    setattr(row, name, "")
                row.save(update_fields=filled)
                count += len(filled)
        if count:
            removed[f"{model._meta.model_name}_fields"] = count
    people = CasePerson.objects.filter(case=case).exclude(id_type="").update(id_type="")
    if people:
        removed["id_types"] = people
    case_fields = [name for name in ("address", "summary", "closure_note") if getattr(case, name)]
    for name in case_fields:
        setattr(case, name, "")
    if case_fields:
        removed["case_fields"] = len(case_fields)
    documents = list(CaseDocument.objects.filter(case=case))
    stored = [document.storage_name.name for document in documents]

    def remove_files() -> None:
        for storage_name in stored:
            files.document_remove(storage_name)

    # Files go once the anonymisation is committed (a rollback keeps them with their rows).
    transaction.on_commit(remove_files)
    if documents:
        CaseDocument.objects.filter(case=case).delete()
        removed["documents"] = len(documents)
    tokens = CaseSearchToken.objects.filter(case=case).delete()[0]
    if tokens:
        removed["search_tokens"] = tokens
    case.anonymised_at = timezone.now()
    case.save(update_fields=[*case_fields, "anonymised_at", "updated_at"])
    return removed


@transaction.atomic
def retention_apply(
    *,
    operation: Operation,
    by: User | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> RetentionRun:
    """Anonymise the operation's closed cases past the retention period (`dry_run`: only report
    which ones would be)."""
    limit = closed_before(operation, today)
    report = []
    for case in due_for_anonymisation(operation, today):
        entry: dict[str, Any] = {
            "code": case.code,
            "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        }
        if not dry_run:
            entry["removed"] = _anonymise(case)
            audit_write(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                instance=case,
                operation=operation,
                summary=f"{case.code} anonymised (retention)",
                after={"anonymised": entry["removed"]},
            )
        report.append(entry)
    run = RetentionRun.objects.create(
        operation=operation,
        by=by,
        dry_run=dry_run,
        closed_before=limit,
        cases_anonymised=0 if dry_run else len(report),
        report=report,
    )
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=run,
        operation=operation,
        summary=f"retention run: {len(report)} closed case(s) "
        + ("would be anonymised" if dry_run else "anonymised")
        + f" (closed before {limit.isoformat()})",
        after={"cases": [e["code"] for e in report]},
    )
    return run


def retention_apply_all(*, today: datetime.date | None = None) -> list[RetentionRun]:
    """The nightly job: every active operation that has cases."""
    runs = []
    for operation in Operation.objects.filter(is_active=True):
        if Case.objects.filter(operation=operation, stage=Case.Stage.CLOSED).exists():
            runs.append(retention_apply(operation=operation, today=today))
    return runs


# Cash for protection: its free text goes with the case's (amounts, dates and statuses stay for
# the reconciliation).
from tutela.cases.models import CashAssistance, CashInstalment, DistributionMonitoring  # noqa: E402

TEXT_FIELDS += [
    (CashAssistance, "case", ("override_reason", "decision_note")),
    (CashInstalment, "assistance__case", ("note",)),
    (DistributionMonitoring, "instalment__assistance__case", ("safety_note",)),
]
