"""The one transaction of a 5W save (new rows inserted, changed rows updated, the reports they
reopen, the summary tables, the upload's record, one audit entry) and what a save returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.activities.models import (
    ActivityReport,
    ImportRecord,
    Submission,
)
from tutela.activities.services.rows.bulk import (
    ensure_submissions,
    insert_rows,
    lock_referenced,
    update_rows,
)
from tutela.activities.services.summaries import Slices, summaries_apply
from tutela.activities.validation import (
    VALUE_FIELDS,
    CleanRow,
)
from tutela.core.faults import fault_point
from tutela.core.imports.problems import ERROR, Problem
from tutela.core.models import (
    AuditEntry,
    Operation,
    User,
)
from tutela.core.planner_stats import analyze_after_commit
from tutela.core.services.audit import audit_write

logger = logging.getLogger(__name__)


# Changes listed in the audit entry of a save (the rest are counted).
AUDIT_CHANGES = 200
# Row numbers of updated rows kept in the result, for the page.
LISTED_UPDATES = 500


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejected: bool = False
    rows_read: int = 0
    # Rows left out on purpose (a value mapping said to skip them).
    skipped: int = 0
    dry_run: bool = False
    # Spreadsheet row numbers of the rows that update saved rows ("will update").
    updated_rows: list[int] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def warning_count(self) -> int:
        return len(self.problems) - self.error_count

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rows_read": self.rows_read,
            "skipped": self.skipped,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "dry_run": self.dry_run,
        }


# Why a save was refused as a whole (`_refuse`).
CONFLICT = "conflict"
CHECK_STOPPED = "check_stopped"


def _refuse(result: SaveResult, code: str) -> None:
    """Nothing was saved: the rows changed meanwhile or broke a rule of the database
    (CONFLICT), or the child checking them died or ran out of time (CHECK_STOPPED)."""
    result.rejected = True
    result.created = result.updated = result.unchanged = 0
    result.updated_rows = []
    if code == CONFLICT:
        message = _(
            "The rows could not be saved because they changed in the meantime or break "
            "a rule of the database; nothing was saved. Please try again."
        )
    else:
        message = _(
            "Checking the rows stopped before the end (out of memory or time); nothing was "
            "saved. Please try again, or split the file."
        )
    result.problems.append(Problem(row=None, column="", field="", code=code, message=message))


@transaction.atomic
def _write(
    *,
    by: User | None,
    operation: Operation,
    clean: list[CleanRow],
    result: SaveResult,
    source: str,
    record: ImportRecord | None,
) -> None:
    now = timezone.now()
    user_id = getattr(by, "pk", None)
    submissions = ensure_submissions(clean, now=now)
    new = [r for r in clean if r.existing_id is None]
    changed = [r for r in clean if r.existing_id is not None and r.changed]
    for item in new:
        item.submission_id = submissions[(item.round_id, item.organisation_id)]
    lock_referenced(new + changed, operation_id=operation.pk, submission_ids=submissions.values())
    insert_rows(new, operation_id=operation.pk, user_id=user_id, now=now)
    _write_rest(
        by=by,
        operation=operation,
        new=new,
        changed=changed,
        result=result,
        source=source,
        record=record,
        now=now,
    )


def _write_rest(
    *,
    by: User | None,
    operation: Operation,
    new: list[CleanRow],
    changed: list[CleanRow],
    result: SaveResult,
    source: str,
    record: ImportRecord | None,
    now: Any,
) -> None:
    """After the new rows are inserted, in their transaction: the changed rows updated, the
    reports they reopen, the summary tables, the upload's record and the audit entry."""
    user_id = getattr(by, "pk", None)
    audit_changes = _changes(changed[:AUDIT_CHANGES])
    update_rows(changed, user_id=user_id, now=now)
    # The rows are written, not committed: where a fault test kills the process (issue 11.4).
    fault_point("5w-rows-written")
    # A validated report that changes goes back to review.
    touched = {r.submission_id for r in new + changed}
    reopened = list(
        Submission.objects.filter(pk__in=touched, status=Submission.Status.VALIDATED).values_list(
            "pk", flat=True
        )
    )
    if reopened:
        Submission.objects.filter(pk__in=reopened).update(
            status=Submission.Status.SUBMITTED, updated_at=now
        )
    if new or changed:
        # The analysis summary tables follow the rows in this transaction (a changed row keeps
        # its natural key, hence its slice; the rows of reopened reports count differently).
        slices = Slices()
        for item in new + changed:
            slices.add(item.month, item.organisation_id, item.admin1_id, item.activity_id)
        slices.add_rows(ActivityReport.objects.filter(submission_id__in=reopened))
        summaries_apply(operation=operation, slices=slices)
        # Many new or changed rows: fresh planner statistics once committed (PostgreSQL).
        analyze_after_commit(ActivityReport, rows=len(new) + len(changed))
    if record is not None:
        record.status = ImportRecord.Status.IMPORTED
        record.rows_read = result.rows_read
        record.created_count = result.created
        record.updated_count = result.updated
        record.unchanged_count = result.unchanged
        record.error_count = result.error_count
        record.warning_count = result.warning_count
        record.save()
    counts = {
        "source": source,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rows_read": result.rows_read,
        "warnings": result.warning_count,
        "organisations": sorted({r.organisation_id for r in new + changed}),
        "months": sorted({r.month.isoformat() for r in new + changed}),
        "submissions_back_to_review": reopened,
        "changes": audit_changes,
    }
    # The audit log is data, kept in English like the other entries.
    summary = (
        "5W rows saved ({source}): {created} created, {updated} updated, {unchanged} unchanged"
    ).format(**counts)
    if record is not None:
        summary += f" — {record.file_name}"
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE if result.updated else AuditEntry.Action.CREATE,
        operation=operation,
        entity_type=(
            "activities.importrecord" if record is not None else "activities.activityreport"
        ),
        entity_id=str(record.pk) if record is not None else "",
        summary=summary,
        after=counts,
    )


def _changes(changed: list[CleanRow]) -> dict[str, dict[str, list[Any]]]:
    """{row id: {field: [before, after]}} for the audit entry."""
    if not changed:
        return {}
    before = {
        values[0]: values[1:]
        for values in ActivityReport.objects.filter(
            pk__in=[r.existing_id for r in changed]
        ).values_list("id", *VALUE_FIELDS)
    }
    out: dict[str, dict[str, list[Any]]] = {}
    for item in changed:
        old = before.get(item.existing_id)
        if old is None:
            continue
        diff = {
            name: [_plain(a), _plain(b)]
            for name, a, b in zip(VALUE_FIELDS, old, item.values(), strict=True)
            if a != b
        }
        out[str(item.existing_id)] = diff
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
