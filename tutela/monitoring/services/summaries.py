"""Keeping the incident summary (`models.summaries.IncidentSummary`) exactly in step with the
incidents.

Every service that changes what is counted (incident_record/update/delete, incidents_save_many,
duplicate_merge) collects the change as a `SummaryDelta` (−1 for the record as it was, +1 for the
record as it is) and applies it before its transaction ends: the summary is never out of step
with the incidents a reader sees. Writes to an operation's summary are serialised by locking the
operation row (PostgreSQL; SQLite writes one at a time), so that two transactions never create
the same summary row.

`summaries_rebuild` recomputes an operation's summary (and its counted atoms) from the incidents
(INSERT … SELECT … GROUP BY), in chunks of consecutive months, each its own short transaction
under the lock of the operation row: SQLite's single write lock is released between chunks, so
the task worker, the scheduler and page views that write are not held up for the whole rebuild
(one transaction held it for seconds per million incidents; issue 11); the lock is left free a
moment between chunks (`db_locks.WriterGaps`) so that a waiting writer does get it. Each
chunk replaces the rows of its months with what the incidents give at that moment, and every
write applies its delta under the same lock, so the rows of a month are exact from the moment
its chunk commits, whatever was written before or after it: the result is that of a rebuild in
one go. A month is the smallest chunk. The atoms are rebuilt with the summary, month by month,
under the rules they were built under; when those rules changed, `atoms_refresh` rebuilds them
whole after the chunks (from the summary, about half its rows: one short transaction).
`summary_differences` compares the two (tests, `rebuild_monitoring_summaries --check`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum

from tutela.core.db_locks import WriterGaps
from tutela.core.models import Operation
from tutela.monitoring.models import SUMMARY_KEY_FIELDS, Incident, IncidentSummary
from tutela.monitoring.selectors.atoms import atoms_basis
from tutela.monitoring.services.atoms import (
    atoms_apply,
    atoms_rebuild_months,
    atoms_refresh,
)
from tutela.monitoring.services.counted_rows import (
    MonthRange,
    counts_apply,
    month_filter,
    month_where,
)
from tutela.monitoring.services.data_version import data_version_bump

# month, admin1, admin2, primary risk, verification, is_gbv, organisation (GBV rows only)
SummaryKey = tuple[datetime.date, int, int | None, int, int, bool, int | None]
# The incident columns a key is made of (and whether it is counted).
INCIDENT_FIELDS = (
    "month",
    "admin1_id",
    "admin2_id",
    "primary_risk_id",
    "verification_id",
    "is_gbv",
    "organisation_id",
    "people_affected",
    "merged_into_id",
)


def key_of(values: dict[str, Any]) -> SummaryKey | None:
    """The summary row an incident (its INCIDENT_FIELDS) is counted in; None when not counted."""
    if values["merged_into_id"] is not None:
        return None
    gbv = bool(values["is_gbv"])
    return (
        values["month"],
        values["admin1_id"],
        values["admin2_id"],
        values["primary_risk_id"],
        values["verification_id"],
        gbv,
        values["organisation_id"] if gbv else None,
    )


def stored_state(pks: list[int]) -> dict[int, dict[str, Any]]:
    """The summary-relevant columns of incidents as stored now (before a change)."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(pks), 500):
        for row in Incident.objects.filter(pk__in=pks[start : start + 500]).values(
            "pk", *INCIDENT_FIELDS
        ):
            out[row.pop("pk")] = row
    return out


def state_of(incident: Incident) -> dict[str, Any]:
    return {name: getattr(incident, name) for name in INCIDENT_FIELDS}


@dataclass
class SummaryDelta:
    """Changes to an operation's summary, applied at once by `apply()`."""

    operation_id: int
    changes: dict[SummaryKey, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    # Incidents counted per (month, organisation): a change that leaves the summary as it was
    # can still move a count from one organisation to another (the survivor of a merge deleted,
    # its merged record counted again), and a reader's pooled atoms set their own
    # organisation's records apart (`selectors.atoms`): that quarter's version is bumped too.
    by_organisation: dict[tuple[datetime.date, int], int] = field(
        default_factory=lambda: defaultdict(int)
    )

    def add(self, state: dict[str, Any] | None, sign: int = 1) -> None:
        """Count (sign +1) or uncount (−1) an incident in the state `state` (INCIDENT_FIELDS)."""
        if state is None:
            return
        key = key_of(state)
        if key is None:
            return
        change = self.changes[key]
        change[0] += sign
        change[1] += sign * int(state["people_affected"] or 0)
        self.by_organisation[key[0], state["organisation_id"]] += sign

    def remove(self, state: dict[str, Any] | None) -> None:
        self.add(state, -1)

    def apply(self) -> None:
        changes = {k: v for k, v in self.changes.items() if v[0] or v[1]}
        moved = {month for (month, _), n in self.by_organisation.items() if n}
        self.changes.clear()
        self.by_organisation.clear()
        if not changes and not moved:
            return
        with transaction.atomic():
            Operation.objects.select_for_update().filter(pk=self.operation_id).first()
            if changes:
                counts_apply(
                    IncidentSummary,
                    operation_id=self.operation_id,
                    key_fields=SUMMARY_KEY_FIELDS,
                    count_fields=("incidents", "people"),
                    deltas=changes,
                )
                atoms_apply(self.operation_id, changes)
            data_version_bump(self.operation_id, months={key[0] for key in changes} | moved)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# About this many incidents are summed per chunk (one transaction) of a rebuild (a month with
# more is a chunk of its own).
DEFAULT_CHUNK_INCIDENTS = 50_000


def chunk_incidents() -> int:
    return int(getattr(settings, "MONITORING_SUMMARY_CHUNK_INCIDENTS", DEFAULT_CHUNK_INCIDENTS))


def month_ranges(counts: list[tuple[datetime.date, int]], size: int) -> list[MonthRange]:
    """Consecutive months (sorted (month, incidents)) grouped into chunks of about `size`
    incidents, as ranges covering every month, before the first and after the last included."""
    ends: list[datetime.date] = []
    total = 0
    for index, (month, count) in enumerate(counts):
        total += count
        if total >= size and index < len(counts) - 1:
            ends.append(month)
            total = 0
    starts: list[datetime.date | None] = [None, *ends]
    return list(zip(starts, [*ends, None], strict=True))


def _months_of(operation_id: int) -> list[tuple[datetime.date, int]]:
    """(month, incidents) of the operation's incidents and summary rows, sorted by month (the
    summary's months too: a month whose incidents are gone is emptied by its chunk)."""
    counts: dict[datetime.date, int] = {}
    for month, n in (
        Incident.objects.filter(operation_id=operation_id, merged_into__isnull=True)
        .order_by()
        .values_list("month")
        .annotate(n=Count("id"))
    ):
        counts[month] = n
    for month in (
        IncidentSummary.objects.filter(operation_id=operation_id)
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    ):
        counts.setdefault(month, 0)
    return sorted(counts.items())


def summaries_rebuild(*, operation: Operation, chunk: int | None = None) -> int:
    """Recompute the operation's summary and counted atoms from its incidents, in chunks of
    about `chunk` incidents (default `MONITORING_SUMMARY_CHUNK_INCIDENTS`, 50,000), each its own
    transaction (see the module's docstring); then rebuild the atoms whole if the counting rules
    changed since they were built. Returns the number of summary rows."""
    ranges = month_ranges(_months_of(operation.pk), chunk or chunk_incidents())
    gaps = WriterGaps()
    for months in ranges:
        gaps.between()
        with transaction.atomic():
            Operation.objects.select_for_update().filter(pk=operation.pk).first()
            summary_rebuild_months(operation.pk, months)
    atoms_refresh(operation.pk)
    return IncidentSummary.objects.filter(operation=operation).count()


def summary_rebuild_months(operation_id: int, months: MonthRange) -> None:
    """Replace the summary rows and the counted atoms of the months in `months` with what the
    incidents give. The caller holds the lock of the operation row, in a transaction."""
    IncidentSummary.objects.filter(operation_id=operation_id, **month_filter(months)).delete()
    rebuild_sql(connection, operation_id, months)
    data_version_bump(operation_id)
    basis = atoms_basis(operation_id)
    if basis is not None:
        # Under the rules the atoms were built under, as every delta is (`atoms_refresh`, after
        # the chunks, rebuilds them whole if the rules changed since).
        atoms_rebuild_months(operation_id, *basis, months=months)


def rebuild_sql(conn: Any, operation_id: int, months: MonthRange = (None, None)) -> None:
    """INSERT … SELECT … GROUP BY of the incidents of `months` (every month by default; also run
    by the migration that created the table)."""
    summary = conn.ops.quote_name("monitoring_incidentsummary")
    incident = conn.ops.quote_name("monitoring_incident")
    gbv_org = "CASE WHEN is_gbv THEN organisation_id ELSE NULL END"
    where, params = month_where(months)
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {summary} (operation_id, month, admin1_id, admin2_id, "  # noqa: S608
            "primary_risk_id, verification_id, is_gbv, organisation_id, incidents, people) "
            "SELECT operation_id, month, admin1_id, admin2_id, primary_risk_id, "
            f"verification_id, is_gbv, {gbv_org}, COUNT(*), COALESCE(SUM(people_affected), 0) "
            f"FROM {incident} WHERE operation_id = %s AND merged_into_id IS NULL{where} "
            "GROUP BY operation_id, month, admin1_id, admin2_id, primary_risk_id, "
            f"verification_id, is_gbv, {gbv_org}",
            [operation_id, *params],
        )


def summary_differences(
    operation: Operation,
) -> dict[SummaryKey, tuple[tuple[int, int], tuple[int, int]]]:
    """{key: ((incidents, people) in the summary, (incidents, people) from the incidents)} where
    they differ; empty when the summary is exact."""
    fresh: dict[SummaryKey, tuple[int, int]] = {}
    grouped = (
        Incident.objects.filter(operation=operation, merged_into__isnull=True)
        .values(*SUMMARY_KEY_FIELDS[:-1], "organisation_id")
        .annotate(n=Count("id"), p=Sum("people_affected"))
        .order_by()
    )
    for row in grouped:
        row["merged_into_id"] = None
        key = key_of(row)
        assert key is not None
        n, p = fresh.get(key, (0, 0))
        fresh[key] = (n + row["n"], p + int(row["p"] or 0))
    stored: dict[SummaryKey, tuple[int, int]] = {}
    for row in IncidentSummary.objects.filter(operation=operation).values(
        *SUMMARY_KEY_FIELDS, "incidents", "people"
    ):
        key = tuple(row[name] for name in SUMMARY_KEY_FIELDS)
        if key in stored:
            # A duplicated summary row is a difference in itself.
            n, p = stored[key]
            stored[key] = (n + row["incidents"] + 10**9, p + row["people"])
        else:
            stored[key] = (row["incidents"], row["people"])
    out = {}
    for key in set(fresh) | set(stored):
        a, b = stored.get(key, (0, 0)), fresh.get(key, (0, 0))
        if a != b:
            out[key] = (a, b)
    return out
