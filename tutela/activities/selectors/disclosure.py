"""Disclosure control of the 5W figures: the safe-atom method of `tutela.core.disclosure_blocks`
(read its docstring), as protection monitoring applies it.

What is hidden. A user counts the 5W rows `visibility.visible_rows` gives them, and may list all
of them one by one except the rows of sensitive activities (case management, survivors) of other
organisations: cluster-wide roles see everything; partners, donors and viewers see those rows
only in aggregates. Those *hidden rows* are what small counts must not be recovered of, in one
table or by differencing two views (an area and its child areas, a period and a longer one,
every activity and all but one, every organisation and one...).

Atoms and blocks. The atoms are the hidden rows' counts, one per row and measure (girls ...
older men, people not broken down by sex and age, persons with disability, the quantity).
- A count of at least the operation's threshold is a block on its own: such counts are added up
  in SQL by the table's dimensions, with the view's filters, like the rows the user may see.
- Small counts (1 to threshold - 1) are added up in SQL by month (for sums over months),
  cluster/AoR, activity, admin 1 and admin 2, so pooled from the start across organisation, its
  type, population group, admin 3, indicator, status and validation; those small groups are then
  pooled across activity, admin 2, cluster/AoR and admin 1 into blocks of at least the
  threshold, and what remains is withheld. A view keeps the blocks lying wholly inside its
  filters; a block pooled across a dimension of the table goes to a "Pooled small groups" line.
  Blocks are cut the same way whatever the view's filters, so two views of which one contains
  the other differ by whole blocks plus rows the user may list.

Counting rules. Monthly figures, and figures over a period under the "new people only" rule,
are sums over months: blocks are cut month by month, so a period is a set of whole months.
Under the other rules a figure over a period counts, for each partner, activity, place and
population group, one month's row (the largest or the latest), which depends on the period;
the blocks of such figures are made from the rows picked for the view's period (after its
status and validated-only filters, which change the picks) and brought down to a multiple of
the threshold (`rounded_down`), so that two periods' figures differ by a multiple of it too.

The table (rows the user may see, plus whole blocks) then goes through small-count suppression
(`pivots._suppress`). Used by the pivot table, and through it by coverage, maps, the gap list,
the pages, exports and the API.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Mod
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from tutela.activities.fields import SEX_AGE
from tutela.activities.models import ActivityReport, ActivitySettings, Submission
from tutela.activities.selectors.aggregates import aggregate, sum_groups
from tutela.activities.selectors.filters import Filters, apply_filters, body_ids_within
from tutela.activities.selectors.names import month_value
from tutela.core import access
from tutela.core.disclosure_blocks import POOLED, Atoms, no_gc_pauses, rounded_down
from tutela.core.models import Operation

# The measures blocks are cut for: people by sex and age, people not broken down by sex and age,
# persons with disability, and the quantity.
UNSPECIFIED = "unspecified"
BANDS: tuple[str, ...] = (*SEX_AGE, UNSPECIFIED, "with_disability", "quantity")

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
}
# Small counts (1 to threshold - 1) of hidden rows are added up in SQL across every dimension but
# these (pooled across the others from the start: organisation and its type, status, validation,
# admin 3, indicator and population group), then pooled across these, in this order.
SMALL_GRAIN = ("body_id", "activity_id", "admin1_id", "admin2_id")
POOL_ORDER = ("activity_id", "admin2_id", "body_id", "admin1_id")
# Dimensions small counts are always pooled across.
POOLED_FROM_START = (
    "organisation_id",
    "org_type",
    "status",
    "validated",
    "admin3_id",
    "indicator_id",
    "population_group_id",
)


def hidden_rows_q(user: Any, operation: Operation) -> Q | None:
    """The rows `user` counts but may not list one by one (sensitive activities of other
    organisations), as a Q on ActivityReport; None when there are none (cluster-wide roles)."""
    if access.is_cluster_wide(user, operation):
        return None
    hidden = Q(activity__is_sensitive=True)
    own = getattr(user, "organisation_id", None)
    if own:
        hidden &= ~Q(organisation_id=own)
    return hidden


def hidden_summary_q(user: Any, operation: Operation) -> Q | None:
    """`hidden_rows_q` on summary rows (they carry the activity's sensitivity)."""
    if access.is_cluster_wide(user, operation):
        return None
    hidden = Q(sensitive=True)
    own = getattr(user, "organisation_id", None)
    if own:
        hidden &= ~Q(organisation_id=own)
    return hidden


@dataclass
class HiddenPart:
    """What the rows the user may not see add to a view, grouped like the table: {(value per
    dimension, POOLED where a block spans it): {measure: n}}."""

    groups: dict[tuple[Any, ...], dict[str, int]]
    # The period holds hidden rows (whether or not any lies in the view): the table is then
    # disclosure-controlled, so that being controlled says nothing about the view.
    controlled: bool
    rounded: bool = False
    pooled: bool = False
    withheld_groups: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _period_rows(
    rows: QuerySet[ActivityReport], filters: Filters, *, row_filters: bool
) -> QuerySet[ActivityReport]:
    if filters.month_from:
        rows = rows.filter(month__gte=filters.month_from)
    if filters.month_to:
        rows = rows.filter(month__lte=filters.month_to)
    if row_filters:
        if filters.status:
            rows = rows.filter(status=filters.status)
        if filters.validated_only:
            rows = rows.filter(submission__status=Submission.Status.VALIDATED)
    return rows


def _view_checks(operation: Operation, filters: Filters, *, monthly: bool) -> list[Any]:
    """(atom dimension, allowed values) for the view's filters applied to blocks."""
    checks: list[tuple[str, Collection[Any]]] = []
    if filters.organisation is not None:
        checks.append(("organisation_id", [filters.organisation.pk]))
    if filters.body is not None:
        checks.append(("body_id", body_ids_within(operation, filters.body)))
    if filters.activity is not None:
        checks.append(("activity_id", [filters.activity.pk]))
    if filters.area is not None:
        level = filters.area.level
        name = f"admin{level}_id" if 1 <= level <= 3 else "area_id"
        checks.append((name, [filters.area.pk]))
    if filters.population_group is not None:
        checks.append(("population_group_id", [filters.population_group.pk]))
    if monthly:
        if filters.status:
            checks.append(("status", [filters.status]))
        if filters.validated_only:
            checks.append(("validated", [True]))
    return checks


def _value(band: str) -> Any:
    """A row's count of one measure, as an SQL expression."""
    if band == UNSPECIFIED:
        return F("total") - sum((F(m) for m in SEX_AGE[1:]), F(SEX_AGE[0]))
    if band == "quantity":
        return Coalesce(F("quantity"), Value(0))
    return F(band)


def _large(threshold: int, *, rounded: bool) -> dict[str, Any]:
    """Per measure, the row's count where it is a block on its own (at least the threshold,
    brought down to a multiple of it when `rounded`), else 0."""
    out = {}
    for band in BANDS:
        value = _value(band)
        kept = value - Mod(value, Value(threshold)) if rounded else value
        out[f"h_{band}"] = Case(
            When(GreaterThanOrEqual(value, threshold), then=kept),
            default=Value(0),
            output_field=IntegerField(),
        )
    return out


def _small(threshold: int) -> dict[str, Any]:
    """Per measure, the row's count where it is a small group (1 to threshold - 1), else 0."""
    out = {}
    for band in BANDS:
        value = _value(band)
        out[f"s_{band}"] = Case(
            When(Q(GreaterThanOrEqual(value, 1)) & Q(LessThan(value, threshold)), then=value),
            default=Value(0),
            output_field=IntegerField(),
        )
    return out


def hidden_part(
    *,
    user: Any,
    operation: Operation,
    visible: QuerySet[ActivityReport],
    filters: Filters,
    rule: str,
    rows_by: Sequence[str],
    exprs: dict[str, Any],
    monthly: bool,
    threshold: int,
) -> HiddenPart | None:
    """What the hidden rows add to the view (`visible`: the rows the user counts, before any
    filter; `exprs`: the table's dimensions as the pivot groups the rows the user may see), or
    None when the user may see every row they count.

    `monthly`: the figures are sums over months (tables by month, or the "new people only" rule);
    otherwise a figure over the period counts the rows `rule` picks in it.

    Every (row, measure) of at least the threshold is a block on its own: those are added up in
    SQL by the table's dimensions, filtered as the view is. The small ones (1 to threshold - 1)
    are pooled in Python across the dimensions (`POOL_ORDER`) into blocks cut the same way
    whatever the view's filters, of which the view keeps those lying wholly inside it."""
    hidden = hidden_rows_q(user, operation)
    if hidden is None:
        return None
    own = getattr(user, "organisation_id", None)
    if filters.organisation is not None and filters.organisation.pk == own:
        # A view of the user's own organisation holds only rows they may see (as protection
        # monitoring applies the organisation filter, limited to one's own, before the atoms).
        return HiddenPart(groups={}, controlled=False)
    additive = monthly or rule == ActivitySettings.CumulativeRule.NEW_ONLY
    period = _period_rows(visible.filter(hidden), filters, row_filters=not additive)
    rounded = not additive
    measures = [f"h_{band}" for band in BANDS]
    # Rows in the view: each (row, measure) of threshold or more is a block.
    in_view = apply_filters(visible.filter(hidden), operation, filters, user=user)
    large_rows = _sums(in_view, exprs, rule, additive, _large(threshold, rounded=rounded), measures)
    groups: dict[tuple[Any, ...], dict[str, int]] = {}
    for record in large_rows:
        key = tuple(group_key(record[f"d{i}"], d) for i, d in enumerate(rows_by))
        _add(groups, key, {band: int(record[f"h_{band}"] or 0) for band in BANDS})
    small = _small_blocks(
        period,
        operation,
        filters,
        rule=rule,
        additive=additive,
        by_indicator="indicator" in rows_by,
        threshold=threshold,
    )
    pooled = False
    at = [small.dims.index(ATOM_DIMENSION[d]) for d in rows_by]
    for key, band, n in small.blocks:
        group = tuple(group_key(key[i], d) for i, d in zip(at, rows_by, strict=True))
        pooled = pooled or POOLED in group
        _add(groups, group, {band: n})
    return HiddenPart(
        groups=groups,
        controlled=small.period_has_rows,
        rounded=rounded,
        pooled=pooled,
        withheld_groups=small.withheld_groups,
    )


def _add(groups: dict[tuple[Any, ...], dict[str, int]], key: Any, counts: dict[str, int]) -> None:
    sums = groups.get(key)
    if sums is None:
        sums = groups[key] = dict.fromkeys((*BANDS, "total"), 0)
    for band, n in counts.items():
        if n:
            sums[band] += n
            if band in PEOPLE_BANDS:
                sums["total"] += n


PEOPLE_BANDS = frozenset({*SEX_AGE, UNSPECIFIED})


def _sums(
    rows: QuerySet[ActivityReport],
    exprs: dict[str, Any],
    rule: str,
    additive: bool,
    annotations: dict[str, Any],
    measures: list[str],
) -> list[dict[str, Any]]:
    if additive:
        return sum_groups(rows, dims=exprs, measures=measures, annotations=annotations)
    return aggregate(rows, dims=exprs, rule=rule, measures=measures, annotations=annotations)


@dataclass
class SmallBlocks:
    dims: tuple[str, ...]
    blocks: list[tuple[tuple[Any, ...], str, int]]
    # The period holds hidden rows (one group at least, small counts or not).
    period_has_rows: bool = False
    withheld_groups: int = 0


def _small_blocks(
    period: QuerySet[ActivityReport],
    operation: Operation,
    filters: Filters,
    *,
    rule: str,
    additive: bool,
    by_indicator: bool,
    threshold: int,
) -> SmallBlocks:
    """The small (row, measure) counts of the period's hidden rows pooled into blocks, and the
    blocks lying wholly inside the view.

    Small counts are added up in SQL by month (for sums over months), cluster/AoR, activity,
    admin 1 and admin 2 (pooled from the start across the other dimensions, `POOLED_FROM_START`:
    they can never be told apart by organisation, population group, admin 3, indicator, status
    or validation), then pooled across `POOL_ORDER`. Cutting them this coarsely costs views
    filtered on those dimensions only small counts, and keeps the work small on large
    operations."""
    grain = ("month", *SMALL_GRAIN) if additive else SMALL_GRAIN
    names = (*grain, *POOLED_FROM_START)
    aliased = {f"k_{name}": name for name in grain}
    measures = [f"s_{band}" for band in BANDS]
    small = _small(threshold)
    records: list[tuple[Any, ...]]
    if additive:
        records = [
            tuple(g[a] for a in aliased) + tuple(g[m] for m in measures)
            for g in sum_groups(
                period,
                dims=aliased,
                measures=measures,
                annotations=small,
            )
        ]
    else:
        # The same picks as the table's (per partner, activity, place and population group, and
        # indicator for tables by indicator), then added up by the grain.
        picking: dict[str, Any] = dict(aliased)
        if by_indicator:
            picking["k_indicator_id"] = "indicator_id"
        by_grain: dict[tuple[Any, ...], list[int]] = {}
        for g in aggregate(period, dims=picking, rule=rule, measures=measures, annotations=small):
            grain_key = tuple(g[a] for a in aliased)
            sums = by_grain.setdefault(grain_key, [0] * len(measures))
            for i, m in enumerate(measures):
                sums[i] += int(g[m] or 0)
        records = [(*grain_key, *sums) for grain_key, sums in by_grain.items()]
    width = len(grain)
    pooled_tail = (POOLED,) * len(POOLED_FROM_START)
    atoms: dict[tuple[Any, ...], int] = {}
    months: dict[Any, Any] = {}
    with no_gc_pauses():
        for record in records:
            values = list(record[:width])
            if additive:
                raw = values[0]
                month = months.get(raw)
                if month is None:
                    month = months[raw] = month_value(raw)
                values[0] = month
            for band, n in zip(BANDS, record[width:], strict=True):
                if n:
                    atom = (*values, *pooled_tail, band)
                    atoms[atom] = atoms.get(atom, 0) + int(n)
        pool = Atoms(
            rows=[], hidden=atoms, threshold=threshold, pool_order=POOL_ORDER, dims=(*names, "band")
        )
        blocks = pool.tuples()
    checks = [
        (names.index(dim) if dim in names else -1, frozenset(values))
        for dim, values in _view_checks(operation, filters, monthly=additive)
    ]
    kept = [
        (key, n) for key, n in blocks if all(at >= 0 and key[at] in values for at, values in checks)
    ]
    if not additive:
        kept = rounded_down(kept, threshold)
    return SmallBlocks(
        dims=names,
        blocks=[(key[: len(names)], key[len(names)], n) for key, n in kept],
        period_has_rows=bool(records),
        withheld_groups=pool.withheld_groups,
    )


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
