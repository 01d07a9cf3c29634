"""`validate`: checking a batch of rows (duplicates, saved rows, submissions), and who may enter
rows at all."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from tutela.activities.models import Submission
from tutela.activities.validation.context import ReportContext
from tutela.activities.validation.records import CleanRow
from tutela.activities.validation.rows import RowChecker
from tutela.core.imports.problems import Problem


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
    checker = RowChecker(context, columns)
    clean: list[CleanRow] = []
    first_row: dict[tuple[int, int, int, datetime.date, int, str], int] = {}
    for position, (number, row) in enumerate(_numbered(rows), start=1):
        result = checker.check(number, row)
        if progress is not None and total_rows and position % 5000 == 0:
            progress(position / total_rows)
        if result is None:
            continue
        key = result.key
        if key in first_row:
            checker.row = number
            checker.add(
                "",
                "duplicate_row",
                _(
                    "Row %(row)s repeats row %(other)s: same organisation, activity, location, "
                    "site, month and population group."
                ),
                other=first_row[key],
            )
            continue
        first_row[key] = number
        clean.append(result)
    context.load_existing({(r.organisation_id, r.month) for r in clean})
    submissions = _submissions(context, clean)
    for result in clean:
        result.submission_id = submissions.get((result.round_id, result.organisation_id))
        saved = context.existing.get(result.key)
        if saved is not None:
            result.existing_id = saved.id
            if result.submission_id is None:
                # The row exists, so its submission does; it keeps it.
                result.submission_id = saved.values[0]
            result.changed = result.values() != saved.values
    return clean, checker.problems


def _submissions(context: ReportContext, rows: list[CleanRow]) -> dict[tuple[int, int], int]:
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
