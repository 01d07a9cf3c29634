"""Which 5W rows changed after their report was submitted: the sign in the grid and on the review
page, so that the information management officer sees what moved since the partner handed the
month over (and the partner sees what the officer corrected).

From what is stored already: each row's `updated_at` / `updated_by` (set by every save, grid or
file) and the audit log's entries of the submission (`submission_submit` writes one per
submission, with its status before and after). The reference is the FIRST time the report was
submitted, so that rows corrected after a return are still marked when the partner submits again;
a report submitted before the audit log kept its status falls back to `submitted_at`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from tutela.activities.models import ActivityReport, Submission
from tutela.core.models import AuditEntry, User


@dataclass(frozen=True)
class RowChange:
    at: datetime.datetime
    by: str


def submission_first_submitted_at(submission: Submission) -> datetime.datetime | None:
    """When the report was first handed over for review (None: never)."""
    first = (
        AuditEntry.objects.filter(
            entity_type="activities.submission",
            entity_id=str(submission.pk),
            after__status=Submission.Status.SUBMITTED,
        )
        .order_by("created_at", "pk")
        .values_list("created_at", flat=True)
        .first()
    )
    if first is None:
        return submission.submitted_at
    if submission.submitted_at is None:
        return first
    return min(first, submission.submitted_at)


def rows_changed_after_submission(
    submission: Submission | None, rows: Iterable[ActivityReport]
) -> dict[int, RowChange]:
    """Row id -> when and by whom it was last changed, for the rows changed (or added) after the
    report was first submitted. Two queries whatever the number of rows."""
    if submission is None:
        return {}
    since = submission_first_submitted_at(submission)
    if since is None:
        return {}
    changed = [row for row in rows if row.updated_at > since]
    if not changed:
        return {}
    names = dict(
        User.objects.filter(
            pk__in={r.updated_by_id for r in changed if r.updated_by_id}
        ).values_list("pk", "full_name")
    )
    return {
        row.pk: RowChange(
            at=row.updated_at,
            by=(names.get(row.updated_by_id, "") if row.updated_by_id else "") or "—",
        )
        for row in changed
    }
