"""Saving and deleting 5W rows: access and checks (`report_rows_save`). The one transaction of a
save is in rows.writing; big saves, checked in a child and saved chunk by chunk, in rows.chunks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from tutela.activities.access import (
    can_enter_rows,
    can_report,
    can_write_rows_of,
    reports_for_whole_operation,
)
from tutela.activities.models import (
    ActivityReport,
    ImportRecord,
    ReportingRound,
    Submission,
)
from tutela.activities.services.rows.chunks import _check_in_child, _save_streamed
from tutela.activities.services.rows.writing import (
    CONFLICT,
    LISTED_UPDATES,
    SaveResult,
    _refuse,
    _write,
)
from tutela.activities.services.summaries import Slices, summaries_apply
from tutela.activities.validation import (
    ReportContext,
    validate,
)
from tutela.core.models import (
    AuditEntry,
    Body,
    Operation,
    Organisation,
    User,
)
from tutela.core.services.audit import audit_write, snapshot

logger = logging.getLogger(__name__)


def _report(progress: Callable[[int], Any] | None, percent: float) -> None:
    if progress is not None:
        progress(int(max(0, min(100, percent))))


def _check_access(by: User | None, operation: Operation, organisation: Organisation | None) -> None:
    if by is None:
        if (
            organisation is not None
            and not operation.organisations.filter(pk=organisation.pk).exists()
        ):
            raise PermissionDenied(_("This organisation is not part of the operation."))
        return
    if not can_enter_rows(by, operation):
        raise PermissionDenied(_("You may not enter 5W rows in this operation."))
    if organisation is not None:
        if not operation.organisations.filter(pk=organisation.pk).exists():
            raise PermissionDenied(_("This organisation is not part of the operation."))
        if not can_write_rows_of(by, operation, organisation):
            if reports_for_whole_operation(by, operation):
                raise PermissionDenied(
                    _(
                        "%(org)s reports its 5W through its own members and has not authorised "
                        "the operation's coordinators and information management officers to "
                        "report for it."
                    )
                    % {"org": organisation.acronym}
                )
            raise PermissionDenied(_("You may only report for your own organisation."))


def report_rows_save(
    *,
    by: User | None,
    operation: Operation,
    organisation: Organisation | None = None,
    rows: Iterable[Any],
    dry_run: bool = False,
    source: str = "web",
    progress: Callable[[int], Any] | None = None,
    columns: Mapping[str, str] | None = None,
    body: Body | None = None,
    record: ImportRecord | None = None,
    skipped: int = 0,
) -> SaveResult:
    """Check and save 5W rows.

    `rows`: (row number, {field: raw value}) pairs, or dicts with a "_row" key. `columns`:
    {field: column header} for the messages. `organisation`: the organisation the rows are for
    (rows may leave it blank); partners may only save their own organisation's rows. `body`:
    only activities of this cluster/AoR are accepted. `record`: the ImportRecord of an upload,
    given its counts and status in the same transaction. `progress(percent)` is called along the
    way (0-100), never inside the transaction.
    """
    _check_access(by, operation, organisation)
    if organisation is None and by is not None and not reports_for_whole_operation(by, operation):
        organisation = by.organisation
    rows = list(rows)
    result = SaveResult(rows_read=len(rows) + skipped, skipped=skipped, dry_run=dry_run)
    _report(progress, 0)
    context = ReportContext.build(operation=operation, organisation=organisation, by=by, body=body)
    if _check_in_child(rows):
        _save_streamed(
            by=by,
            operation=operation,
            context=context,
            rows=rows,
            columns=columns,
            result=result,
            source=source,
            record=record,
        )
        _report(progress, 100)
        return result
    clean, problems = validate(
        context,
        rows,
        columns=columns,
        progress=lambda share: _report(progress, 60 * share),
        total_rows=len(rows),
    )
    result.problems = problems
    _report(progress, 60)
    for item in clean:
        if item.existing_id is None:
            result.created += 1
        elif item.changed:
            result.updated += 1
            if len(result.updated_rows) < LISTED_UPDATES:
                result.updated_rows.append(item.row)
        else:
            result.unchanged += 1
    if result.error_count:
        result.rejected = True
        result.created = result.updated = result.unchanged = 0
        result.updated_rows = []
        return result
    if dry_run:
        _report(progress, 100)
        return result
    try:
        _write(
            by=by,
            operation=operation,
            clean=clean,
            result=result,
            source=source,
            record=record,
        )
    except (IntegrityError, DatabaseError) as exc:
        # Another save changed the same rows between the check and the write, or a value broke a
        # database constraint the checks missed: nothing was written.
        logger.warning("5W save refused by the database: %s", exc)
        _refuse(result, CONFLICT)
        return result
    _report(progress, 100)
    return result


@transaction.atomic
def report_row_delete(*, by: User, row: ActivityReport, request: Any = None) -> None:
    """Delete one 5W row (from the grid). The row's round must accept changes from the user; a
    validated submission goes back to review."""
    round = ReportingRound.objects.get(pk=row.submission.round_id)
    if not can_report(by, round, row.organisation):
        raise PermissionDenied(_("This round does not accept changes from you."))
    submission = Submission.objects.select_for_update().get(pk=row.submission_id)
    before = snapshot(row)
    entity_id = str(row.pk)
    summary = str(row)
    slices = Slices()
    slices.add(row.month, row.organisation_id, row.admin1_id, row.activity_id)
    row.delete()
    if submission.status == Submission.Status.VALIDATED:
        submission.status = Submission.Status.SUBMITTED
        submission.save(update_fields=["status", "updated_at"])
        slices.add_rows(submission.rows.all())
    summaries_apply(operation=row.operation_id, slices=slices)
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=row.operation,
        entity_type="activities.activityreport",
        entity_id=entity_id,
        summary=summary,
        before=before,
        request=request,
    )
