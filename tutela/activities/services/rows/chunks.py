"""Big 5W saves and every upload: the rows checked in a child process (validation.checked_chunks)
that hands them over in chunks, each saved as it comes while the child checks the next, in one
transaction (`report_chunks_save`)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from tutela.activities.models import ImportRecord
from tutela.activities.services.rows.bulk import (
    ensure_submissions,
    insert_rows,
    lock_referenced,
)
from tutela.activities.services.rows.writing import (
    CHECK_STOPPED,
    CONFLICT,
    LISTED_UPDATES,
    SaveResult,
    _refuse,
    _write_rest,
)
from tutela.activities.validation import (
    CheckedChunk,
    CleanRow,
    ReportContext,
    checked_chunks,
    clean_row,
    resolve_saved,
    saved_submissions,
)
from tutela.core import sandbox
from tutela.core.disclosure_blocks import no_gc_pauses
from tutela.core.imports.problems import Problem
from tutela.core.models import Operation, User

logger = logging.getLogger(__name__)


# A save (grid, API) of this many rows or more is checked in a child process, which hands the
# checked rows over in chunks while this process saves them (TUTELA_5W_CHECK_CHILD_MIN_ROWS;
# uploads always are, in the child that read the file): the checks and the INSERTs run at once.
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
