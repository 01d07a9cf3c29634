"""Disclosure control of the 5W figures: the safe-atom method of `tutela.core.disclosure_blocks`
(read its docstring), as protection monitoring applies it.

What is hidden. A user counts the 5W rows `visibility.visible_rows` gives them, and may list all
of them one by one except the rows of sensitive activities (case management, survivors) of other
organisations: cluster-wide roles see everything; partners, donors and viewers see those rows
only in aggregates. Those *hidden rows* are what small counts must not be recovered of, in one
table or by differencing two views (an area and its child areas, a period and a longer one,
every activity and all but one, every organisation and one...).

Atoms and blocks. The hidden rows of the period are grouped by every dimension a table can be
broken down by or filtered on: organisation (left empty where partner names are hidden from the
user), its type, cluster/AoR, activity, indicator (for tables by indicator), admin 1-3, the
row's area, population group, and for tables by month the month, the activity status and
whether the row is validated; one atom per people measure (girls ... older men, people not
broken down by sex and age, persons with disability) and for the quantity. Small atoms are pooled
across status, validation, area, admin 3, indicator, population group, organisation, activity,
admin 2, organisation type, cluster/AoR and admin 1, in that order, into blocks of at least the
operation's threshold; what remains is withheld. A view keeps the blocks lying wholly inside its
filters; a block pooled across a dimension of the table goes to a "Pooled small groups" line.

Counting rules. Monthly figures, and figures over a period under the "new people only" rule,
are sums over months: blocks are cut month by month, so a period is a set of whole months.
Under the other rules a figure over a period counts, for each partner, activity, place and
population group, one month's row (the largest or the latest), which depends on the period;
the blocks of such figures are made from the rows picked for the view's period (after its
status and validated-only filters, which change the picks) and brought down to a multiple of
the threshold (`BlockArrays.rounded_down`), so that two periods' figures differ by a multiple
of it too.

The table (rows the user may see, plus whole blocks) then goes through small-count suppression
(`pivots._suppress`). Used by the pivot table, and through it by coverage, maps, the gap list,
the pages, exports and the API.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Q, QuerySet

from tutela.activities.models import (
    ActivityReport,
    ActivitySettings,
    SummaryState,
)
from tutela.activities.models.fields import SEX_AGE
from tutela.activities.selectors.filters import Filters
from tutela.activities.selectors.hidden_records import (
    atom_dimensions,
    grouped_records,
    hidden_picks,
    period_rows,
    picked_records,
)
from tutela.activities.selectors.names import month_value
from tutela.activities.selectors.narrowing import narrowed, view_checks
from tutela.activities.selectors.pooled_atoms import (
    CACHE_SECONDS,
    MAX_CACHED_BLOCKS,
    UNSPECIFIED,
    PooledAtoms,
    folded_by_month,
    pooled_atoms,
    pooled_by_month,
    viewer_parts,
)
from tutela.core import access
from tutela.core.block_arrays import BlockArrays
from tutela.core.disclosure_blocks import (
    POOLED,
    PoolStep,
)
from tutela.core.models import Operation, User

# Table dimension -> atom dimension.
ATOM_DIMENSION = {
    "organisation": "organisation_id",
    "organisation_type": "org_type",
    "body": "body_id",
    "activity": "activity_id",
    "indicator": "indicator_id",
    "admin1": "admin1_id",
    "admin2": "admin2_id",
    "admin3": "admin3_id",
    "month": "month",
    "population_group": "population_group_id",
    "site": "site_key",
}
# Small groups of hidden rows are pooled across these, in this order (never the month or the
# measure). Status and validation only exist in monthly atoms (see the module docstring).
POOL_ORDER = (
    "site_key",
    "status",
    "validated",
    "area_id",
    "admin3_id",
    "indicator_id",
    "population_group_id",
    "organisation_id",
    "activity_id",
    "admin2_id",
    "org_type",
    "body_id",
    "admin1_id",
)


def hidden_rows_q(user: User, operation: Operation) -> Q | None:
    """The rows `user` counts but may not list one by one (sensitive activities of other
    organisations), as a Q on ActivityReport; None when there are none (cluster-wide roles)."""
    if access.is_cluster_wide(user, operation):
        return None
    hidden = Q(activity__is_sensitive=True)
    own = getattr(user, "organisation_id", None)
    if own:
        hidden &= ~Q(organisation_id=own)
    return hidden


def hidden_summary_q(user: User, operation: Operation) -> Q | None:
    """`hidden_rows_q` on summary rows (they carry the activity's sensitivity)."""
    if access.is_cluster_wide(user, operation):
        return None
    hidden = Q(sensitive=True)
    own = getattr(user, "organisation_id", None)
    if own:
        hidden &= ~Q(organisation_id=own)
    return hidden


@dataclass
class HiddenBlocks:
    """The blocks of hidden rows inside a view: (atom key over `names`, measure, count), or
    only their sums by the table's dimensions (`folded`, for `folded_by`: see `fold`)."""

    # The period holds hidden rows (whether or not any lies in the view): the table is then
    # disclosure-controlled, so that being controlled says nothing about the view.
    controlled: bool
    names: tuple[str, ...] = ()
    keyed: list[tuple[tuple[Any, ...], str, int]] = field(default_factory=list)
    # The small groups withheld from the period's blocks (None: not counted, `narrowing`).
    withheld_groups: int | None = 0
    rounded: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    folded: dict[tuple[Any, ...], dict[str, int]] | None = None
    folded_by: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    # The blocks as arrays (over `names` and the band), instead of `keyed`.
    arrays: BlockArrays | None = None

    @property
    def blocks(self) -> list[tuple[dict[str, Any], str, int]]:
        """The blocks with their keys as dicts (atom dimension: value)."""
        names = self.names
        keyed = self.keyed
        if self.arrays is not None:
            keyed = [(key[:-1], key[-1], n) for key, n in self.arrays.tuples()]
        return [(dict(zip(names, key, strict=True)), band, n) for key, band, n in keyed]


def hidden_blocks(
    *,
    user: User,
    operation: Operation,
    visible: QuerySet[ActivityReport],
    filters: Filters,
    rule: str,
    monthly: bool,
    by_indicator: bool,
    unnamed: Collection[int],
    threshold: int,
    fold_by: tuple[Sequence[str], Sequence[str]] | None = None,
    kept_if_any: Sequence[tuple[str, Collection[Any]]] = (),
) -> HiddenBlocks | None:
    """The blocks of the hidden rows of the view (`visible`: the rows the user counts, before
    any filter, i.e. `visibility.visible_rows`, which the summary tables' picks stand for when
    they answer), or None when the user may see every row they count.

    `monthly`: the figures are sums over months (tables by month, or the "new people only" rule);
    otherwise a figure over the period counts the rows `rule` picks in it. `fold_by`: the
    table's dimensions and measures, when the caller only folds the blocks (`fold`): monthly
    blocks are then folded month by month, each month's sums cached with its blocks.
    `kept_if_any`: (atom dimension, values) pairs of which the caller keeps only the blocks
    lying in one. The rows read are narrowed to the view's filters and to those
    (`narrowing.narrowed`: the same blocks, `withheld_groups` then not counted)."""
    hidden = hidden_rows_q(user, operation)
    if hidden is None:
        return None
    if filters.organisation is not None and filters.organisation.pk == getattr(
        user, "organisation_id", None
    ):
        # A view of the user's own organisation holds only rows they may see (as protection
        # monitoring applies the organisation filter, limited to one's own, before the atoms).
        return HiddenBlocks(controlled=False)
    additive = monthly or rule == ActivitySettings.CumulativeRule.NEW_ONLY
    dims = atom_dimensions(monthly=additive, by_indicator=by_indicator, unnamed=unnamed)
    names = tuple(dims)
    pool_order: tuple[PoolStep, ...] = tuple(d for d in POOL_ORDER if d in names)
    checks = view_checks(operation, filters, monthly=additive)
    narrow = narrowed(names, pool_order, all_of=checks, any_of=kept_if_any)
    hidden_rows = visible.filter(hidden)
    variant = None
    if narrow is not None:
        pool_order, variant = narrow.pool_order, narrow.key
        hidden_rows = hidden_rows.filter(narrow.q)
    key = (
        None
        if additive
        else _atoms_key(
            user,
            operation,
            filters,
            rule=rule,
            names=names,
            unnamed=unnamed,
            threshold=threshold,
            variant=variant,
        )
    )
    pooled = None
    if additive:
        # Month by month, each month (and its sums by the table, when the caller only folds
        # them) cached until a write touches its hidden rows.
        by_month: dict[str, Any] = dict(
            user=user,
            operation=operation,
            hidden_rows=hidden_rows,
            filters=filters,
            dims=dims,
            pool_order=pool_order,
            unnamed=unnamed,
            threshold=threshold,
            variant=variant,
        )
        if fold_by is not None:
            folded = _folded_by_month(checks, fold_by, **by_month)
            if folded is not None:
                if narrow is not None:
                    folded.withheld_groups = None
                    folded.controlled = folded.controlled or _any_hidden(
                        visible.filter(hidden), filters, monthly=True
                    )
                return folded
        else:
            pooled = pooled_by_month(**by_month)
    elif key is not None:
        pooled = cache.get(key)
    if not isinstance(pooled, PooledAtoms):
        picks = None if additive else hidden_picks(user, operation, filters, rule, by_indicator)
        if picks is not None:
            # The picks carry the atom dimensions under the same names (status and validation
            # are monthly atoms' only).
            records = picked_records(picks if narrow is None else picks.filter(narrow.q), dims)
        else:
            rows = period_rows(hidden_rows, filters, row_filters=not additive)
            records = grouped_records(rows, dims, rule=rule, additive=additive)
        pooled = pooled_atoms(records, names, threshold=threshold, pool_order=pool_order)
        if key is not None and len(pooled.blocks) <= MAX_CACHED_BLOCKS:
            cache.set(key, pooled, CACHE_SECONDS)
    inside = pooled.blocks.where(pooled.blocks.inside(checks))
    if not additive:
        inside = inside.rounded_down(threshold)
    return HiddenBlocks(
        names=names,
        arrays=inside,
        controlled=pooled.controlled
        or (narrow is not None and _any_hidden(visible.filter(hidden), filters, monthly=additive)),
        withheld_groups=None if narrow is not None else pooled.withheld_groups,
        rounded=not additive,
    )


def _any_hidden(hidden_rows: QuerySet[ActivityReport], filters: Filters, *, monthly: bool) -> bool:
    """Whether the period holds hidden rows (after the status and validated-only filters unless
    they are atom dimensions): read narrowed, the atoms cannot tell. One EXISTS."""
    return period_rows(hidden_rows, filters, row_filters=not monthly).exists()


def _folded_by_month(
    checks: list[tuple[str, Collection[Any]]],
    fold_by: tuple[Sequence[str], Sequence[str]],
    **by_month: Any,
) -> HiddenBlocks | None:
    """`hidden_blocks` of monthly atoms, folded month by month (`pooled_atoms.folded_by_month`;
    `by_month`: its arguments but the view and the fold)."""
    names = tuple(by_month["dims"])
    rows_by, measures = tuple(fold_by[0]), tuple(fold_by[1])

    def fold_month(pooled: PooledAtoms) -> dict[tuple[Any, ...], dict[str, int]]:
        # The blocks lying wholly inside the view, then added up.
        inside = pooled.blocks.where(pooled.blocks.inside(checks))
        return fold(HiddenBlocks(controlled=True, names=names, arrays=inside), rows_by, measures)

    view = ([(dim, sorted(values, key=repr)) for dim, values in checks], rows_by, measures)
    folded = folded_by_month(**by_month, view=view, fold=fold_month)
    if folded is None:
        return None
    return HiddenBlocks(
        controlled=folded.controlled,
        names=names,
        withheld_groups=folded.withheld_groups,
        folded=folded.sums,
        folded_by=(rows_by, measures),
    )


def _atoms_key(
    user: User,
    operation: Operation,
    filters: Filters,
    *,
    rule: str,
    names: Sequence[str],
    unnamed: Collection[int],
    threshold: int,
    variant: Any = None,
) -> str | None:
    """The cache key of a period's pooled atoms under a picking rule (monthly ones are cached
    month by month: `pooled_atoms`), or None when they must not be cached.

    Per the versions of the hidden rows (`data_version_key` with `hidden_rows`: moved on in the
    transaction of every write that can change them: rows of sensitive activities, submission
    statuses, the sensitivity of activities, the counting rule, the areas where names are
    hidden; services.summaries.summaries_apply). The atoms hold the hidden rows (the user's
    organisation) among the rows the user counts (roles, organisation, superuser flag) over the
    period, after the status and validated-only filters (which change the picks), by the atom
    dimensions (indicator or not, partner names left out in `unnamed` areas) and the threshold.
    The view's other filters only choose among the blocks afterwards: tables of the same period
    share them, unless the rows were read narrowed to them (`variant`: `narrowing`)."""
    return data_version_key(
        "activities:atoms2:",
        operation,
        user,
        hidden_rows=True,
        parts=(
            rule,
            list(names),
            sorted(unnamed),
            threshold,
            filters.month_from,
            filters.month_to,
            (filters.status, filters.validated_only),
            variant,
        ),
    )


def filters_key(filters: Any) -> list[tuple[str, Any]]:
    """A view's filters as a cache key holds them (a model instance by its id); shared by the
    pivot's result cache and the row list's count (selectors.row_counts)."""
    return [
        (field.name, _key_value(getattr(filters, field.name)))
        for field in dataclasses.fields(filters)
    ]


def _key_value(value: Any) -> Any:
    return ("pk", value.pk) if hasattr(value, "pk") else value


def data_version_key(
    prefix: str,
    operation: Operation,
    user: User,
    parts: tuple[Any, ...],
    *,
    hidden_rows: bool = False,
) -> str | None:
    """A cache key for what `user` sees of the operation's 5W (None before its first 5W write):
    the data version, what the user may count and see (roles, organisation, superuser flag) and
    `parts`, the question's own. Shared by the pivot's result cache, the hidden rows' atoms and
    the row list's count.

    `SummaryState.version` is bumped in the transaction of every write that can change a figure,
    whether the summary tables are fresh or not (`summaries_apply` bumps it on both of its paths,
    `summaries_invalidate` too): a result computed under a version is right for that version,
    from the summary tables or from the 5W rows. So keys hold while the tables are stale too —
    after a large import, until the chunked rebuild ends, is when reads cost most. The rebuild's
    flip (built version, sign) starts new keys: the old results would do, but it costs little."""
    state = SummaryState.objects.filter(operation=operation).first()
    if state is None:
        return None
    # `hidden_rows`: what is keyed depends only on the rows other organisations see in blocks
    # (their pooled atoms), which only the writes moving `hidden_rows_version` change.
    versions = state.hidden_rows_version if hidden_rows else (state.version, state.built_version)
    text = repr(
        (
            operation.pk,
            versions,
            # A database made again (tests, restores) can repeat ids and versions.
            state.created_at.isoformat() if state.created_at else None,
            state.built_at.isoformat() if state.built_at else None,
            state.rows_sign,
            *viewer_parts(user, operation),
            parts,
        )
    )
    return prefix + hashlib.sha256(text.encode()).hexdigest()


def fold(
    hidden: HiddenBlocks, rows_by: Sequence[str], measures: Sequence[str]
) -> dict[tuple[Any, ...], dict[str, int]]:
    """The blocks added up by the table's dimensions: {(value per dimension): {measure: n}},
    POOLED where a block spans the dimension; "total" is the people measures' sum."""
    if hidden.folded is not None:
        # Folded month by month already (hidden_blocks' `fold_by`).
        assert hidden.folded_by == (tuple(rows_by), tuple(measures)), hidden.folded_by
        return hidden.folded
    index = {name: i for i, name in enumerate(hidden.names)}
    positions = [index.get(ATOM_DIMENSION[d]) for d in rows_by]
    if hidden.arrays is not None:
        return _fold_arrays(hidden.arrays, positions, measures)
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for key, band, n in hidden.keyed:
        group = tuple(None if i is None else key[i] for i in positions)
        sums = out.get(group)
        if sums is None:
            sums = out[group] = dict.fromkeys(measures, 0)
        if band in sums:
            sums[band] += n
        if band in (*SEX_AGE, UNSPECIFIED) and "total" in sums:
            sums["total"] += n
    return out


def _fold_arrays(
    arrays: BlockArrays, positions: Sequence[int | None], measures: Sequence[str]
) -> dict[tuple[Any, ...], dict[str, int]]:
    """`fold` of blocks as arrays (the band their last dimension)."""
    keys, group = arrays.sums_by(positions)
    out = {key: dict.fromkeys(measures, 0) for key in keys}
    band_code = {band: code for code, band in enumerate(arrays.values[-1])}
    bands = arrays.codes[:, -1] if len(arrays) else np.zeros(0, dtype=np.int64)
    for measure in measures:
        if measure == "total":
            people = [band_code[b] for b in (*SEX_AGE, UNSPECIFIED) if b in band_code]
            chosen = np.isin(bands, people)
        elif measure in band_code:
            chosen = bands == band_code[measure]
        else:
            continue
        sums = np.bincount(group[chosen], weights=arrays.n[chosen], minlength=len(keys))
        for key, n in zip(keys, sums.tolist(), strict=True):
            out[key][measure] = int(n)
    return out


def group_key(value: Any, dim: str) -> Any:
    """A dimension value as blocks and table groups both key it (months as dates)."""
    if value is POOLED or value == POOLED:
        return POOLED
    return month_value(value) if dim == "month" else value


def merge(
    visible: list[dict[str, Any]],
    hidden: dict[tuple[Any, ...], dict[str, int]],
    rows_by: Sequence[str],
    measures: Sequence[str],
) -> list[dict[str, Any]]:
    """Groups of the rows the user may see (dicts with d0, d1... and measures) plus the folded
    blocks, as groups of the same shape."""
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    for group in visible:
        key = tuple(group_key(group[f"d{i}"], d) for i, d in enumerate(rows_by))
        merged = by_key.setdefault(
            key, {**{f"d{i}": v for i, v in enumerate(key)}, **dict.fromkeys(measures, 0)}
        )
        for m in measures:
            merged[m] += int(group.get(m) or 0)
    for key, sums in hidden.items():
        norm = tuple(group_key(v, d) for v, d in zip(key, rows_by, strict=True))
        merged = by_key.setdefault(
            norm, {**{f"d{i}": v for i, v in enumerate(norm)}, **dict.fromkeys(measures, 0)}
        )
        for m in measures:
            merged[m] += sums.get(m, 0)
    return list(by_key.values())
