"""The counted incident atoms a user's aggregates are built from (read only).

The atoms (`models.summaries.IncidentAtom`) are the incident summary with the operation's counting
rules applied: GBV rows only of the organisations sharing GBV aggregates, the verification status
reduced to "counts as verified". `IncidentAtomBasis` records the rules they were built under.

A read never writes. When the rules recorded with the atoms are the rules as they are now, the
atoms are read; when they differ (a sharing agreement withdrawn in the admin, the shell or by a
direct UPDATE, which the settings services did not see) or the atoms were never built, the same
rows are computed from the summary with the current rules (one GROUP BY: slower, exactly the
same counts). A consent withdrawn by any path therefore holds from the next read; the atoms are
brought back in step by `services.atoms.atoms_refresh`, which the settings services call in their
transaction and the nightly job (`schedules.py`) and `tutela rebuild_monitoring_summaries` run.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, Q, QuerySet, Sum
from django.db.models.functions import Cast

from tutela.core.disclosure_blocks import PoolStep
from tutela.monitoring.models import (
    IncidentAtom,
    IncidentAtomBasis,
    IncidentDataVersion,
    IncidentSummary,
)
from tutela.monitoring.selectors.base import (
    AnalysisFilters,
    Atoms,
    Viewer,
    counted_incidents,
    no_gc_pauses,
    verified_expression,
    verified_status_ids,
    visible_expression,
)
from tutela.monitoring.selectors.periods import (
    held_period,
    quarter_of,
    view_predicate,
    whole_quarters,
)
from tutela.monitoring.selectors.quarter_atoms import pooled_by_quarter

INCIDENT_DIMS = (
    "quarter",
    "month",
    "admin1_id",
    "admin2_id",
    "primary_risk_id",
    "verified",
    "visible",
)

# Small groups of hidden incidents are pooled across these, in this order: verification status,
# admin 2, the months of their quarter, then shared out between keeping their main risk (pooled
# across admin 1) and keeping their admin 1 (pooled across risks) so that neither the tables by
# risk nor those by area lose most of them (issue 14), and what is left across admin 1. Blocks
# never span two quarters (`quarter` is never pooled): a view reads the atoms of its period
# widened to whole quarters (`base.whole_quarters`) and keeps the blocks wholly inside its
# period (`base.view_predicate`).
INCIDENT_POOL: tuple[PoolStep, ...] = (
    "verified",
    "admin2_id",
    "month",
    ("primary_risk_id", "admin1_id"),
    "admin1_id",
)

Basis = tuple[frozenset[int], frozenset[int]]
# month (text), admin1, admin2, primary risk, verified, is_gbv, incidents
AtomRow = tuple[str, int, int | None, int, bool, bool, int]


def ids_of(text: str) -> frozenset[int]:
    return frozenset(int(i) for i in text.split(",") if i)


def atoms_basis(operation_id: int) -> Basis | None:
    """(organisations sharing GBV aggregates, statuses counting as verified) the operation's atoms
    were built under; None when they were never built."""
    found = IncidentAtomBasis.objects.filter(operation_id=operation_id).first()
    if found is None:
        return None
    return ids_of(found.sharing), ids_of(found.verified)


def incident_atoms(viewer: Viewer, filters: AnalysisFilters) -> Atoms:
    with no_gc_pauses():
        return _incident_atoms(viewer, filters)


def _incident_atoms(viewer: Viewer, filters: AnalysisFilters) -> Atoms:
    """The view's blocks of counted incidents (quarter × month × admin1 × admin2 × main risk ×
    verified, pooled by INCIDENT_POOL), with the period, area, risk and verification filters
    applied to the blocks.

    Read from the counted incident atoms under the current rules (`counted_atom_rows`); the
    user's own organisation's records (visible to them) are read from the incidents and moved
    from the hidden to the visible part (their GBV records are counted for them even without a
    sharing agreement). The atoms are exactly those of one GROUP BY over the incidents
    (`incident_atoms_from_records`, used when the view is limited to one organisation)."""
    if filters.organisation is not None:
        return incident_atoms_from_records(viewer, filters)
    verified_ids = verified_status_ids(viewer.operation)
    # Blocks may span the months of a quarter: the atoms of whole quarters are pooled, then the
    # view keeps the blocks lying wholly inside its period.
    fetched = whole_quarters(filters)
    # None before the operation's first counted write: nothing to key a cache on.
    version = IncidentDataVersion.objects.filter(operation_id=viewer.operation.pk).first()
    by_quarter = None
    if version is not None:
        by_quarter = pooled_by_quarter(
            viewer,
            fetched,
            verified_ids,
            version=version,
            pool=lambda span, quarters: _pooled_by_quarter(viewer, span, verified_ids, quarters),
        )
    if by_quarter is not None:
        # Quarter by quarter, each cached until a write touches it (selectors.quarter_atoms).
        tuples, withheld, has_hidden = by_quarter
    else:
        key = None if version is None else _cache_key(viewer, fetched, verified_ids, version)
        cached = cache.get(key) if key is not None else None
        if cached is not None:
            tuples, withheld, has_hidden = cached
        else:
            atoms = _pooled(viewer, fetched, verified_ids)
            tuples, withheld, has_hidden = (
                atoms.tuples(),
                atoms.withheld_groups,
                atoms.has_hidden,
            )
            if key is not None and len(tuples) <= MAX_CACHED_BLOCKS:
                cache.set(key, (tuples, withheld, has_hidden), CACHE_SECONDS)
    atoms = Atoms.of_blocks(
        tuples,
        threshold=viewer.threshold,
        pool_order=INCIDENT_POOL,
        dims=INCIDENT_DIMS[:-1],
        withheld_groups=withheld,
        has_hidden=has_hidden,
    )
    return atoms.inside(view_predicate(held_period(viewer.operation.pk, filters)))


def _pooled_by_quarter(
    viewer: Viewer,
    span: AnalysisFilters,
    verified_ids: Sequence[int],
    quarters: Collection[datetime.date],
) -> dict[datetime.date, Atoms]:
    """The pooled atoms of each of `quarters`, read in one go over the period of `span` (whole
    quarters, holding them all): blocks never span two quarters, so each quarter's atoms are
    pooled on their own."""
    shown, hidden = _atoms_of(viewer, span, verified_ids)
    parts: dict[datetime.date, tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]]
    parts = {quarter: ({}, {}) for quarter in quarters}
    for side, atoms_of_side in ((0, shown), (1, hidden)):
        for key, n in atoms_of_side.items():
            part = parts.get(key[0])
            if part is not None:
                part[side][key] = n
    out = {}
    for quarter, (quarter_shown, quarter_hidden) in parts.items():
        atoms = Atoms(
            rows=[],
            shown=quarter_shown,
            hidden=quarter_hidden,
            threshold=viewer.threshold,
            pool_order=INCIDENT_POOL,
            dims=INCIDENT_DIMS[:-1],
        )
        atoms.tuples()
        out[quarter] = atoms
    return out


def _atoms_of(
    viewer: Viewer, fetched: AnalysisFilters, verified_ids: Sequence[int]
) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """The atoms of the period of `fetched` (whole quarters), apart for the records the viewer
    may see (shown) and those they may not (hidden)."""
    rows = counted_atom_rows(
        viewer.operation.pk,
        sharing=viewer.sharing_organisations,
        verified=verified_ids,
        month_from=fetched.month_from,
        month_to=fetched.month_to,
    )
    shown, hidden = _split_by_visibility(viewer, rows)
    own = viewer.own_organisation_id
    if own is not None and not viewer.sees_everything:
        _show_own_records(viewer, own, fetched, verified_ids, shown, hidden)
    return shown, hidden


def _pooled(viewer: Viewer, fetched: AnalysisFilters, verified_ids: Sequence[int]) -> Atoms:
    """The pooled atoms of the period of `fetched` (whole quarters), computed."""
    shown, hidden = _atoms_of(viewer, fetched, verified_ids)
    atoms = Atoms(
        rows=[],
        shown=shown,
        hidden=hidden,
        threshold=viewer.threshold,
        pool_order=INCIDENT_POOL,
        dims=INCIDENT_DIMS[:-1],
    )
    atoms.tuples()
    return atoms


# The pooled atoms of a reader and period are kept per incident data version (every write that
# changes a count bumps it in its transaction: `services.data_version`), at most this long, and
# not when they are very many (memory of the web processes' local cache).
CACHE_SECONDS = 300
MAX_CACHED_BLOCKS = 200_000


def _cache_key(
    viewer: Viewer,
    filters: AnalysisFilters,
    verified_ids: Sequence[int],
    version: IncidentDataVersion,
) -> str:
    """What the pooled atoms of `viewer` over the period of `filters` depend on: the data
    version, the counting rules as they are now (GBV sharing, statuses counting as verified),
    what the viewer may see and the threshold."""
    text = repr(
        (
            viewer.operation.pk,
            # A database made again (tests, restores) can repeat ids and versions.
            viewer.operation.created_at.isoformat() if viewer.operation.created_at else None,
            version.version,
            version.token,
            sorted(viewer.sharing_organisations),
            sorted(verified_ids),
            viewer.own_organisation_id,
            viewer.is_analyst,
            viewer.sees_everything,
            viewer.threshold,
            filters.month_from.isoformat() if filters.month_from else None,
            filters.month_to.isoformat() if filters.month_to else None,
        )
    )
    return "monitoring-atoms:" + hashlib.sha256(text.encode()).hexdigest()


def counted_atom_rows(
    operation_id: int,
    *,
    sharing: Collection[int],
    verified: Collection[int],
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
) -> list[AtomRow]:
    """The atoms under the rules (`sharing`, `verified`) as they are now: from IncidentAtom when
    it was built under them, otherwise computed from the summary (nothing is written)."""
    q = Q(operation_id=operation_id)
    if month_from:
        q &= Q(month__gte=month_from)
    if month_to:
        q &= Q(month__lte=month_to)
    fields = ("month_text", "admin1_id", "admin2_id", "primary_risk_id", "verified", "is_gbv")
    query: QuerySet[Any, Any]
    if atoms_basis(operation_id) == (frozenset(sharing), frozenset(verified)):
        # One row per atom and GBV flag, no GROUP BY.
        query = (
            IncidentAtom.objects.filter(q)
            .annotate(month_text=Cast("month", CharField()))
            .values_list(*fields, "incidents")
            .order_by()
        )
    else:
        counted = Q(is_gbv=False)
        if sharing:
            counted |= Q(organisation_id__in=sorted(sharing))
        query = (
            IncidentSummary.objects.filter(q & counted)
            .annotate(
                month_text=Cast("month", CharField()),
                verified=verified_expression(sorted(verified)),
            )
            .values_list(*fields)
            .annotate(total=Sum("incidents"))
            .order_by()
        )
    # Read without the ORM's per-value converters, the month as text (one date per distinct
    # month): this query is most of a trend's time.
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _split_by_visibility(
    viewer: Viewer, rows: Iterable[AtomRow]
) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """Atom -> count, apart for the records the user may see (shown) and those they may not."""
    visible_gbv = viewer.sees_everything
    visible_other = viewer.sees_everything or viewer.is_analyst
    # Month text -> (quarter, month), once per distinct month.
    months: dict[str, tuple[datetime.date, datetime.date]] = {}
    shown: dict[tuple[Any, ...], int] = {}
    hidden: dict[tuple[Any, ...], int] = {}
    for month, admin1, admin2, risk, verified, gbv, n in rows:
        period = months.get(month)
        if period is None:
            day = datetime.date.fromisoformat(str(month)[:10])
            period = months[month] = (quarter_of(day), day)
        atom = (*period, admin1, admin2, risk, bool(verified))
        side = shown if (visible_gbv if gbv else visible_other) else hidden
        side[atom] = side.get(atom, 0) + n
    return shown, hidden


def _show_own_records(
    viewer: Viewer,
    own: int,
    filters: AnalysisFilters,
    verified_ids: Sequence[int],
    shown: dict[tuple[Any, ...], int],
    hidden: dict[tuple[Any, ...], int],
) -> None:
    """The user's own organisation's records are visible to them: moved from hidden to shown
    (GBV ones of an organisation without a sharing agreement are not in the atoms)."""
    visible_gbv = viewer.sees_everything
    visible_other = viewer.sees_everything or viewer.is_analyst
    own_gbv_in_atoms = own in viewer.sharing_organisations
    for month, admin1, admin2, risk, verified, gbv, n in (
        counted_incidents(viewer, filters)
        .filter(organisation_id=own)
        .annotate(verified=verified_expression(verified_ids))
        .values_list("month", "admin1_id", "admin2_id", "primary_risk_id", "verified", "is_gbv")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if visible_gbv if gbv else visible_other:
            continue
        atom = (quarter_of(month), month, admin1, admin2, risk, bool(verified))
        if not gbv or own_gbv_in_atoms:
            hidden[atom] = hidden.get(atom, 0) - n
        shown[atom] = shown.get(atom, 0) + n


def incident_atoms_from_records(viewer: Viewer, filters: AnalysisFilters) -> Atoms:
    """`incident_atoms` by one GROUP BY over the incidents themselves."""
    rows = (
        counted_incidents(viewer, whole_quarters(filters))
        .annotate(
            verified=verified_expression(verified_status_ids(viewer.operation)),
            visible=visible_expression(viewer),
        )
        .values_list(*INCIDENT_DIMS[1:])
        .annotate(n=Count("id"))
        .order_by()
    )
    atoms = Atoms(
        rows=[
            # The same types as the summary's (SQLite gives the CASE as 0/1).
            ((quarter_of(month), month, admin1, admin2, risk, bool(verified)), n, bool(visible))
            for month, admin1, admin2, risk, verified, visible, n in rows
            if n > 0
        ],
        threshold=viewer.threshold,
        pool_order=INCIDENT_POOL,
        dims=INCIDENT_DIMS[:-1],
    )
    return atoms.inside(view_predicate(held_period(viewer.operation.pk, filters)))
