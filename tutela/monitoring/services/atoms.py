"""Keeping the counted incident atoms (`models.summaries.IncidentAtom`) in step with the incident
summary and with the operation's counting rules.

The atoms are the summary's rows with the rules applied: GBV rows only of the organisations
sharing GBV aggregates, the verification status reduced to "counts as verified", grouped without
organisation and status. `IncidentAtomBasis` records the rules they were built under.

- `atoms_apply` (called by `SummaryDelta.apply`, under the same lock of the operation row) maps
  the summary's changes to atom changes under the recorded basis (and builds the atoms the first
  time an operation's summary changes).
- `atoms_refresh` compares the basis with the rules as they are and rebuilds the atoms when they
  differ (or were never built): the sharing-agreement and reference-list services call it in
  their transaction, and the nightly job (`schedules.py`) for every operation. Reads never write:
  until the refresh, a read whose rules differ from the basis computes the same rows from the
  summary under the current rules (`selectors.atoms`), so a rule changed by any other path
  (admin, shell, data migration) is honoured on the next read all the same.
- `atom_differences` compares the atoms with the summary (tests, `rebuild_monitoring_summaries
  --check`).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from typing import Any

from django.db import connection, transaction

from tutela.core.models import Operation
from tutela.monitoring.models import (
    SUMMARY_KEY_FIELDS,
    IncidentAtom,
    IncidentAtomBasis,
    IncidentSummary,
    SharingAgreement,
    VerificationStatus,
)
from tutela.monitoring.selectors.atoms import atoms_basis
from tutela.monitoring.services.counted_rows import (
    MonthRange,
    counts_apply,
    month_filter,
    month_where,
)
from tutela.monitoring.services.data_version import data_version_bump

# month, admin1, admin2, primary risk, verified, is_gbv
AtomKey = tuple[datetime.date, int, int | None, int, bool, bool]
ATOM_FIELDS = ("month", "admin1_id", "admin2_id", "primary_risk_id", "verified", "is_gbv")


def _ids_text(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def current_basis(operation_id: int) -> tuple[frozenset[int], frozenset[int]]:
    """(organisations sharing GBV aggregates, statuses counting as verified) as they are now."""
    sharing = SharingAgreement.objects.filter(
        operation_id=operation_id, shares_gbv_aggregates=True
    ).values_list("organisation_id", flat=True)
    verified = VerificationStatus.objects.filter(
        operation_id=operation_id, is_verified=True
    ).values_list("pk", flat=True)
    return frozenset(sharing), frozenset(verified)


def atom_key(
    summary_key: tuple[Any, ...], sharing: Collection[int], verified: Collection[int]
) -> AtomKey | None:
    """The atom a summary row (`services.summaries.SummaryKey`) is counted in; None when its
    GBV incidents are not counted (organisation without a sharing agreement)."""
    month, admin1, admin2, risk, verification, gbv, organisation = summary_key
    if gbv and organisation not in sharing:
        return None
    return (month, admin1, admin2, risk, verification in verified, bool(gbv))


def atoms_apply(operation_id: int, changes: dict[tuple[Any, ...], list[int]]) -> None:
    """Apply the summary's changes ({summary key: [incidents, people]}) to the atoms, under the
    recorded basis. The caller holds the lock of the operation row, and has applied the changes
    to the summary: atoms never built are built from it, under the current rules."""
    basis = atoms_basis(operation_id)
    if basis is None:
        atoms_rebuild(operation_id, *current_basis(operation_id))
        return
    sharing, verified = basis
    deltas: dict[AtomKey, int] = {}
    for summary_key, (incidents, _people) in changes.items():
        key = atom_key(summary_key, sharing, verified)
        if key is not None and incidents:
            deltas[key] = deltas.get(key, 0) + incidents
    counts_apply(
        IncidentAtom,
        operation_id=operation_id,
        key_fields=ATOM_FIELDS,
        count_fields=("incidents",),
        deltas={k: (n,) for k, n in deltas.items() if n},
    )


def atoms_refresh(
    operation_id: int,
    *,
    sharing: Collection[int] | None = None,
    verified: Collection[int] | None = None,
) -> bool:
    """Rebuild the operation's atoms when the basis they were built under is not the current
    one (`sharing`, `verified`: the current rules when the caller has just read them). Returns
    whether they were rebuilt."""
    if sharing is None or verified is None:
        sharing, verified = current_basis(operation_id)
    wanted = (frozenset(sharing), frozenset(verified))
    if atoms_basis(operation_id) == wanted:
        return False
    with transaction.atomic():
        # The lock every summary write takes: no delta is applied meanwhile.
        Operation.objects.select_for_update().filter(pk=operation_id).first()
        wanted = current_basis(operation_id)
        if atoms_basis(operation_id) == wanted:
            return False
        atoms_rebuild(operation_id, *wanted)
    return True


def atoms_rebuild(operation_id: int, sharing: Collection[int], verified: Collection[int]) -> None:
    """Recompute the atoms from the summary (INSERT … SELECT … GROUP BY) and record the basis.
    The caller holds the lock of the operation row."""
    atoms_rebuild_months(operation_id, sharing, verified, months=(None, None))
    IncidentAtomBasis.objects.update_or_create(
        operation_id=operation_id,
        defaults={"sharing": _ids_text(sharing), "verified": _ids_text(verified)},
    )


def atoms_rebuild_months(
    operation_id: int,
    sharing: Collection[int],
    verified: Collection[int],
    *,
    months: MonthRange,
) -> None:
    """Recompute the atoms of `months` from the summary under the rules `sharing`, `verified`
    (the basis is not recorded: the caller's business). The caller holds the lock of the
    operation row."""
    IncidentAtom.objects.filter(operation_id=operation_id, **month_filter(months)).delete()
    data_version_bump(operation_id)
    quote = connection.ops.quote_name
    atom, summary = quote(IncidentAtom._meta.db_table), quote(IncidentSummary._meta.db_table)
    params: list[Any] = []
    verified_sql = "FALSE"
    if verified:
        verified_sql = f"verification_id IN ({', '.join(['%s'] * len(verified))})"
        params += sorted(verified)
    counted_sql = "NOT is_gbv"
    if sharing:
        counted_sql += f" OR organisation_id IN ({', '.join(['%s'] * len(sharing))})"
        params += sorted(sharing)
    month_sql, month_params = month_where(months)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {atom} (operation_id, month, admin1_id, admin2_id, "  # noqa: S608
            "primary_risk_id, verified, is_gbv, incidents) "
            f"SELECT operation_id, month, admin1_id, admin2_id, primary_risk_id, {verified_sql}, "
            f"is_gbv, SUM(incidents) FROM {summary} WHERE ({counted_sql}) AND operation_id = %s"
            f"{month_sql} GROUP BY 1, 2, 3, 4, 5, 6, 7",
            [*params, operation_id, *month_params],
        )


def atom_differences(operation: Operation) -> dict[AtomKey, tuple[int, int]]:
    """{atom: (incidents in the atoms, incidents from the summary)} where they differ, under the
    rules the atoms were built under (a change of rules is caught by `atoms_refresh`); empty
    when the atoms are exact or were never built."""
    basis = atoms_basis(operation.pk)
    if basis is None:
        return {}
    sharing, verified = basis
    fresh: dict[AtomKey, int] = {}
    for row in IncidentSummary.objects.filter(operation=operation).values_list(
        *SUMMARY_KEY_FIELDS, "incidents"
    ):
        key = atom_key(row[:-1], sharing, verified)
        if key is not None:
            fresh[key] = fresh.get(key, 0) + row[-1]
    stored: dict[AtomKey, int] = {}
    for row in IncidentAtom.objects.filter(operation=operation).values_list(
        *ATOM_FIELDS, "incidents"
    ):
        key = row[:-1]
        # A duplicated atom row is a difference in itself.
        stored[key] = stored.get(key, 0) + row[-1] + (10**9 if key in stored else 0)
    return {
        key: (stored.get(key, 0), fresh.get(key, 0))
        for key in set(fresh) | set(stored)
        if stored.get(key, 0) != fresh.get(key, 0)
    }
