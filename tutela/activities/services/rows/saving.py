"""Saving and deleting 5W rows: access, checks, the one transaction and its audit entry."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
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
from tutela.activities.services.rows.bulk import (
    ensure_submissions,
    insert_rows,
    lock_referenced,
    update_rows,
)
from tutela.activities.services.summaries import Slices, summaries_apply
from tutela.activities.validation import (
    VALUE_FIELDS,
    CheckedChunk,
    CleanRow,
    ReportContext,
    checked_chunks,
    clean_row,
    resolve_saved,
    saved_submissions,
    validate,
)
from tutela.core import sandbox
from tutela.core.disclosure_blocks import no_gc_pauses
from tutela.core.faults import fault_point
from tutela.core.imports.problems import ERROR, Problem
from tutela.core.models import (
    AuditEntry,
    Body,
    Operation,
    Organisation,
    User,
)
from tutela.core.planner_stats import analyze_after_commit
from tutela.core.services.audit import audit_write, snapshot

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


# Uploads of this many rows or more are checked in a child process, which hands the checked rows
# over in chunks while this process saves them (settings.TUTELA_5W_CHECK_CHILD_MIN_ROWS): on two
# cores, the checks and the INSERTs run at once.
CHECK_CHILD_MIN_ROWS = 10_000
# Rows per chunk handed over (a few hundred KB pickled).
CHECK_CHUNK_ROWS = 5000


def _check_in_child(rows: list[Any]) -> bool:
    minimum = int(getattr(settings, "TUTELA_5W_CHECK_CHILD_MIN_ROWS", CHECK_CHILD_MIN_ROWS))
    return hasattr(os, "fork") and len(rows) >= minimum


class _Rejected(Exception):
    """Raised inside the streamed save's transaction to roll back the rows already inserted
    when the checks found an error."""


def _save_streamed(
    *,
    by: User | None,
    operation: Operation,
    context: ReportContext,
    rows: list[Any],
    columns: Mapping[str, str] | None,
    result: SaveResult,
    source: str,
    record: ImportRecord | None,
) -> None:
    """Check `rows` in a child process (validation.checked_chunks, bounded like a file's parse:
    tutela.core.sandbox) while this one saves the chunks already checked
    (`report_chunks_save`)."""
    with sandbox.start_stream(
        checked_chunks, context, rows, columns=columns, chunk_rows=CHECK_CHUNK_ROWS
    ) as stream:
        report_chunks_save(
            by=by,
            operation=operation,
            context=context,
            chunks=stream,
            result=result,
            source=source,
            record=record,
        )


def report_chunks_save(
    *,
    by: User | None,
    operation: Operation,
    context: ReportContext,
    chunks: Iterable[CheckedChunk],
    result: SaveResult,
    source: str,
    record: ImportRecord | None,
) -> SaveResult:
    """Save rows checked elsewhere (a child process: validation.checked_chunks) chunk by chunk as
    they come, in one transaction: each chunk's new rows inserted at once, the changed ones kept
    for the end. Once the checks end, an error rolls everything back (rejected, every problem
    reported); otherwise the rest of the save is done as `_write` does it. A dry run (`result`'s)
    only counts. `context`: the one the rows were checked with (it gets the saved rows of their
    organisations and months). The iteration of `chunks` raising SandboxFailure (the checking
    child died or ran out of time) rejects the save. Fills and returns `result`."""
    dry_run = result.dry_run
    now = timezone.now()
    user_id = getattr(by, "pk", None)
    new: list[CleanRow] = []
    changed: list[CleanRow] = []

    # {(round, organisation): submission}, known so far (most chunks bring no new pair).
    submissions: dict[tuple[int, int], int] = {}

    def take() -> None:
        problems: list[Problem] = []
        for chunk in chunks:
            with no_gc_pauses():
                items = [clean_row(values) for values in chunk.rows]
            if any((r.round_id, r.organisation_id) not in submissions for r in items):
                if dry_run:
                    submissions.update(saved_submissions(items))
                else:
                    submissions.update(ensure_submissions(items, now=now))
            resolve_saved(context, items, submissions)
            fresh = []
            for item in items:
                if item.existing_id is None:
                    result.created += 1
                    fresh.append(item)
                elif item.changed:
                    result.updated += 1
                    changed.append(item)
                    if len(result.updated_rows) < LISTED_UPDATES:
                        result.updated_rows.append(item.row)
                else:
                    result.unchanged += 1
            # Once an error is found the upload is rejected: the rows are still checked (every
            # problem is reported), no longer saved.
            if not dry_run and not chunk.errors and fresh:
                lock_referenced(
                    fresh,
                    operation_id=operation.pk,
                    submission_ids={r.submission_id for r in fresh if r.submission_id},
                )
                insert_rows(fresh, operation_id=operation.pk, user_id=user_id, now=now)
                new.extend(fresh)
            if chunk.problems is not None:
                problems = chunk.problems
            if chunk.skipped is not None:
                result.skipped = chunk.skipped
        result.problems = problems

    try:
        if dry_run:
            take()
        else:
            with contextlib.suppress(_Rejected), transaction.atomic():
                take()
                if result.error_count:
                    raise _Rejected
                lock_referenced(
                    changed,
                    operation_id=operation.pk,
                    submission_ids={r.submission_id for r in changed if r.submission_id},
                )
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
    except sandbox.SandboxFailure as failure:
        logger.warning("5W rows check stopped: %s", failure)
        _refuse(result, CHECK_STOPPED)
        return result
    except (IntegrityError, DatabaseError) as exc:
        logger.warning("5W save refused by the database: %s", exc)
        _refuse(result, CONFLICT)
        return result
    if result.error_count:
        result.rejected = True
        result.created = result.updated = result.unchanged = 0
        result.updated_rows = []
    return result


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
