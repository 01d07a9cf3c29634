"""`validate`: checking a batch of rows (duplicates, saved rows, submissions), and who may enter
rows at all."""

from __future__ import annotations

import dataclasses
import datetime
import gc
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tutela.activities.models import Submission
from tutela.activities.validation.context import ReportContext
from tutela.activities.validation.records import CleanRow
from tutela.activities.validation.rows import RowChecker
from tutela.core.imports.problems import ERROR, Problem


def _numbered(rows: Iterable[Any]) -> Iterable[tuple[int, Mapping[str, Any]]]:
    for position, item in enumerate(rows, start=1):
        if isinstance(item, tuple):
            yield int(item[0]), item[1]
        else:
            yield int(item.get("_row") or position), item


def validate(
    context: ReportContext,
    rows: Iterable[Any],
    *,
    columns: Mapping[str, str] | None = None,
    progress: Any = None,
    total_rows: int | None = None,
) -> tuple[list[CleanRow], list[Problem]]:
    """Check `rows`; return the rows without errors (with `existing_id`, `changed` and
    `submission_id` filled from the saved rows) and every problem found.

    The upload is rejected when any problem is an error; the clean rows are then only informative.
    `progress(fraction)` is called from time to time with the share of rows checked.
    """
    checking = RowsCheck(context, columns)
    clean: list[CleanRow] = []
    for position, (number, row) in enumerate(_numbered(rows), start=1):
        result = checking.check(number, row)
        if progress is not None and total_rows and position % 5000 == 0:
            progress(position / total_rows)
        if result is not None:
            clean.append(result)
    resolve_saved(context, clean)
    return clean, checking.problems


def resolve_saved(
    context: ReportContext,
    clean: list[CleanRow],
    submissions: Mapping[tuple[int, int], int] | None = None,
) -> None:
    """Fill `existing_id`, `changed` and `submission_id` of checked rows from the saved rows
    (loaded for the rows' organisations and months, once per pair). `submissions`:
    {(round, organisation): submission} when known (just created), else looked up."""
    context.load_existing({(r.organisation_id, r.month) for r in clean})
    if submissions is None:
        submissions = saved_submissions(clean)
    existing = context.existing
    for result in clean:
        result.submission_id = submissions.get((result.round_id, result.organisation_id))
        saved = existing.get(result.key)
        if saved is not None:
            result.existing_id = saved.id
            if result.submission_id is None:
                # The row exists, so its submission does; it keeps it.
                result.submission_id = saved.values[0]
            result.changed = result.values() != saved.values


class RowsCheck:
    """The rows of one save checked one after the other: each row on its own (RowChecker) and
    against the rows before it (a row repeating another's natural key is an error)."""

    def __init__(self, context: ReportContext, columns: Mapping[str, str] | None) -> None:
        self.checker = RowChecker(context, columns)
        self.first_row: dict[tuple[int, int, int, datetime.date, int, str], int] = {}

    @property
    def problems(self) -> list[Problem]:
        return self.checker.problems

    def check(self, number: int, row: Mapping[str, Any]) -> CleanRow | None:
        """The row checked, or None when it has an error (recorded in `problems`)."""
        checker = self.checker
        result = checker.check(number, row)
        if result is None:
            return None
        key = result.key
        first = self.first_row.get(key)
        if first is not None:
            checker.row = number
            checker.add(
                "",
                "duplicate_row",
                _(
                    "Row %(row)s repeats row %(other)s: same organisation, activity, location, "
                    "site, month and population group."
                ),
                other=first,
            )
            return None
        self.first_row[key] = number
        return result


# The fields of a CleanRow in order: a checked row travels from the checking child to the
# saving parent as a plain tuple of them (`checked_chunks`), far cheaper to pickle.
CLEAN_FIELDS = tuple(f.name for f in dataclasses.fields(CleanRow))
_clean_tuple = operator.attrgetter(*CLEAN_FIELDS)


def clean_row(values: tuple[Any, ...]) -> CleanRow:
    """A CleanRow back from its tuple (`checked_chunks`)."""
    return CleanRow(*values)


@dataclass
class CheckedChunk:
    """What the checking child sends: the next rows without errors (tuples of CLEAN_FIELDS), the
    number of error problems so far, and, in the last chunk only, every problem found."""

    rows: list[tuple[Any, ...]]
    errors: int
    problems: list[Problem] | None = None
    # In the last chunk, when the sender counts them: the rows left out on purpose (value
    # mappings that skip rows).
    skipped: int | None = None


def checked_chunks(
    context: ReportContext,
    rows: Iterable[Any],
    *,
    columns: Mapping[str, str] | None = None,
    chunk_rows: int = 5000,
) -> Iterator[CheckedChunk]:
    """`rows` checked as `validate` checks them, `chunk_rows` at a time, for a child process
    (tutela.core.sandbox.start_stream) that checks an upload while its parent saves the rows
    already checked (services.rows). Reads nothing from the database: `context` holds what the
    checks need; the saved rows (existing ids, submissions) are the parent's to look up."""
    # A short-lived child making hundreds of thousands of small objects, none of them a cycle.
    gc.disable()
    checking = RowsCheck(context, columns)
    problems = checking.problems
    chunk: list[tuple[Any, ...]] = []
    errors = counted = 0
    # The first chunk small: the parent starts saving sooner.
    size = max(1, chunk_rows // 5)
    for number, row in _numbered(rows):
        result = checking.check(number, row)
        if result is None:
            continue
        chunk.append(_clean_tuple(result))
        if len(chunk) >= size:
            errors += sum(1 for p in problems[counted:] if p.severity == ERROR)
            counted = len(problems)
            size = chunk_rows
            yield CheckedChunk(rows=chunk, errors=errors)
            chunk = []
    errors += sum(1 for p in problems[counted:] if p.severity == ERROR)
    yield CheckedChunk(rows=chunk, errors=errors, problems=problems)


def saved_submissions(rows: list[CleanRow]) -> dict[tuple[int, int], int]:
    """{(round, organisation): submission} of the rows' pairs that have one."""
    pairs = {(r.round_id, r.organisation_id) for r in rows}
    if not pairs:
        return {}
    rounds = {p[0] for p in pairs}
    orgs = {p[1] for p in pairs}
    return {
        (round_id, org_id): pk
        for pk, round_id, org_id in Submission.objects.filter(
            round_id__in=rounds, organisation_id__in=orgs
        ).values_list("id", "round_id", "organisation_id")
        if (round_id, org_id) in pairs
    }
