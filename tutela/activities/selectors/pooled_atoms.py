"""The hidden rows' atoms pooled into blocks (`selectors.disclosure` explains the method), and
their cache.

The atoms are those of the hidden rows only (other organisations' rows of sensitive
activities): a write that touches none of them (rows of other activities) changes no block.
`SummaryState.hidden_version` and `month_versions` are moved on, in the write's transaction, by
`services.summaries.summaries_apply` only for writes whose slices hold rows of a sensitive
activity or that change an activity's sensitivity; `whole_version` by changes of what counts
everywhere (the counting rule, the areas where names are hidden, an invalidation).

Atoms over a period (the counting rule's picks) are cached per (whole_version, hidden_version)
(`disclosure._atoms_key`). Monthly atoms (tables by month, the "new people only" rule) are cached
month by month: a month's blocks never span another month (the month is never pooled), so a
period's blocks are its months' blocks put together, and a month's blocks are kept until a write
touches that month's hidden rows. So the first table after an organisation's monthly upload
pools that month's atoms again, not the year's, and after a write of other activities' rows
none. The missing months are read in one query and pooled together (no step mixes two months),
then parted by month.

Atoms and blocks are numpy arrays (`core.block_arrays`: each dimension's values coded as
integers): at 1,000,000 5W rows a partner's year holds ~800,000 hidden atoms, which pooling as
Python tuples took seconds to cut.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import QuerySet

from tutela.activities.models import ActivityReport, SummaryState
from tutela.activities.models.fields import SEX_AGE
from tutela.activities.selectors.filters import Filters
from tutela.activities.selectors.hidden_records import grouped_records, plain_value
from tutela.core import access
from tutela.core.block_arrays import BlockArrays, factorized, groups, pooled
from tutela.core.disclosure_blocks import PoolStep
from tutela.core.models import Operation, User

# The measures blocks are cut for: people by sex and age, people not broken down by sex and age,
# persons with disability, and the quantity.
UNSPECIFIED = "unspecified"
BANDS: tuple[str, ...] = (*SEX_AGE, UNSPECIFIED, "with_disability", "quantity")

# Pooled atoms are cached this long at most, and only up to this many blocks per entry (a large
# operation's atoms would fill the cache).
CACHE_SECONDS = 300
MAX_CACHED_BLOCKS = 200_000
# A period of more months than this is not cached month by month (one key per month).
MAX_CACHED_MONTHS = 240


@dataclass
class PooledAtoms:
    """The hidden rows' atoms of a period, pooled into blocks before any view filter (over the
    atom dimensions and the band): what every table of the period cuts its blocks from."""

    blocks: BlockArrays
    withheld_groups: int
    # The period holds hidden rows.
    controlled: bool

    @property
    def tuples(self) -> list[tuple[tuple[Any, ...], int]]:
        """The blocks as (key tuple, count), as `Atoms.tuples()` gives them."""
        return self.blocks.tuples()


def pooled_atoms(
    records: list[tuple[Any, ...]],
    names: tuple[str, ...],
    *,
    threshold: int,
    pool_order: Sequence[PoolStep],
) -> PooledAtoms:
    """The atoms of the hidden rows (`records`: the values of `names` then the `STORED`
    measures, as `grouped_records` gives them; records of the same atom key are summed first),
    one atom per atom key and non-zero band, pooled into blocks (`core.block_arrays`: as
    `core.disclosure_blocks.Atoms` pools them)."""
    atoms = _atoms(records, names)
    blocks, withheld = pooled(
        atoms, threshold=threshold, pool_order=_steps(pool_order), distinct=True
    )
    return PooledAtoms(blocks=blocks, withheld_groups=len(withheld), controlled=bool(len(atoms)))


def pooled_by_value(
    records: list[tuple[Any, ...]],
    names: tuple[str, ...],
    split: str,
    *,
    threshold: int,
    pool_order: Sequence[PoolStep],
) -> dict[Any, PooledAtoms]:
    """`pooled_atoms` of each value of `split`, a dimension never pooled (the month): pooled
    together, since no step mixes two of its values, then the blocks parted by it."""
    steps = _steps(pool_order)
    assert split not in steps, "a dimension pooled across cannot part the blocks"
    atoms = _atoms(records, names)
    blocks, withheld = pooled(atoms, threshold=threshold, pool_order=steps, distinct=True)
    at = names.index(split)
    values = atoms.values[at]
    withheld_of = np.bincount(withheld[:, at], minlength=len(values))
    atoms_of = np.bincount(atoms.codes[:, at], minlength=len(values))
    return {
        value: PooledAtoms(
            blocks=part,
            withheld_groups=int(withheld_of[code]),
            controlled=bool(atoms_of[code]),
        )
        for code, (value, part) in enumerate(zip(values, blocks.parted(at), strict=True))
    }


def _steps(pool_order: Sequence[PoolStep]) -> list[str]:
    steps = [step for step in pool_order if isinstance(step, str)]
    assert len(steps) == len(pool_order), "5W atoms are pooled one dimension at a time"
    return steps


def _atoms(records: list[tuple[Any, ...]], names: tuple[str, ...]) -> BlockArrays:
    """The records' atoms: one per atom key (over `names` and the band) and non-zero band (no
    two with the same codes: `pooled(distinct=True)`)."""
    dims = (*names, "band")
    if not records:
        return BlockArrays.empty(dims)
    at = len(names)
    columns = list(zip(*records, strict=True))
    values: list[list[Any]] = []
    codes = []
    for name, column in zip(names, columns[:at], strict=True):
        coded, seen = factorized(column)
        codes.append(coded)
        values.append([plain_value(name, value) for value in seen])
    keys = np.column_stack(codes)
    # The stored measures (None: 0), one row per measure.
    measures = np.nan_to_num(np.array(columns[at : at + len(SEX_AGE) + 3], dtype=np.float64))
    first, group = groups(keys, [len(seen) + 1 for seen in values])
    if len(first) < len(records):
        # Records of the same atom key (5W rows of the same place, month... of several
        # indicators) summed, before the people not broken down are counted.
        keys = keys[first]
        measures = np.vstack(
            [np.bincount(group, weights=row, minlength=len(first)) for row in measures]
        )
    stored = measures.astype(np.int64)
    sex_age = stored[: len(SEX_AGE)]
    total, with_disability, quantity = stored[len(SEX_AGE) :]
    unspecified = np.maximum(total - sex_age.sum(axis=0), 0)
    # One column per band of BANDS.
    bands = np.vstack([sex_age, unspecified, with_disability, quantity]).T
    record_at, band_at = np.nonzero(bands)
    codes_of = np.empty((len(record_at), at + 1), dtype=np.int32)
    codes_of[:, :at] = keys[record_at]
    codes_of[:, at] = band_at
    return BlockArrays(
        dims=dims, values=[*values, list(BANDS)], codes=codes_of, n=bands[record_at, band_at]
    )


def viewer_parts(user: User, operation: Operation) -> tuple[Any, ...]:
    """What a user may count and see of an operation's 5W, as cache keys hold it: roles,
    cluster-wide or not, superuser flag, organisation."""
    return (
        sorted(access.roles_in(user, operation)),
        access.is_cluster_wide(user, operation),
        bool(getattr(user, "is_superuser", False)),
        getattr(user, "organisation_id", None),
    )


def pooled_by_month(
    *,
    user: User,
    operation: Operation,
    hidden_rows: QuerySet[ActivityReport],
    filters: Filters,
    dims: dict[str, Any],
    pool_order: Sequence[PoolStep],
    unnamed: Collection[int],
    threshold: int,
    variant: Any = None,
) -> PooledAtoms | None:
    """The monthly atoms of `hidden_rows` (the user's hidden rows, before any filter) over the
    view's period, pooled month by month, each month read from the cache or computed (all the
    missing months in one query) and cached; None when they cannot be cached by month (no 5W
    write yet, or a period of too many months). `variant`: how `hidden_rows` were narrowed
    (`narrowing`; the pooled atoms are then only the view's, keyed apart)."""
    months = _MonthAtoms.of(
        user, operation, hidden_rows, filters, dims, (sorted(unnamed), threshold, variant)
    )
    if months is None:
        return None
    parts, _safe = months.atoms(months.months, pool_order)
    return PooledAtoms(
        blocks=BlockArrays.concatenated(
            [parts[month].blocks for month in months.months], (*dims, "band")
        ),
        withheld_groups=sum(part.withheld_groups for part in parts.values()),
        controlled=any(part.controlled for part in parts.values()),
    )


@dataclass
class FoldedAtoms:
    """The blocks of a view added up by its table's dimensions (`disclosure.fold`)."""

    sums: dict[tuple[Any, ...], dict[str, int]]
    withheld_groups: int
    controlled: bool


def folded_by_month(
    *,
    user: User,
    operation: Operation,
    hidden_rows: QuerySet[ActivityReport],
    filters: Filters,
    dims: dict[str, Any],
    pool_order: Sequence[PoolStep],
    unnamed: Collection[int],
    threshold: int,
    view: Any,
    variant: Any = None,
    fold: Callable[[PooledAtoms], dict[tuple[Any, ...], dict[str, int]]],
) -> FoldedAtoms | None:
    """`pooled_by_month`'s blocks kept by a view and added up by its table (`fold`, which
    `view` keys: the view's filters on blocks, the table's dimensions and measures), month by
    month: a month's sums are cached as its blocks are, so that a table after a write adds up
    the blocks of the months the write touched only. None as for `pooled_by_month`."""
    months = _MonthAtoms.of(
        user, operation, hidden_rows, filters, dims, (sorted(unnamed), threshold, variant)
    )
    if months is None:
        return None
    keys = {month: months.key(month, ("folded", view)) for month in months.months}
    found = cache.get_many(list(keys.values())) if keys else {}
    parts: dict[datetime.date, FoldedAtoms] = {}
    for month in months.months:
        cached = found.get(keys[month])
        if isinstance(cached, FoldedAtoms):
            parts[month] = cached
    missing = [month for month in months.months if month not in parts]
    if missing:
        atoms, safe = months.atoms(missing, pool_order)
        computed = {
            month: FoldedAtoms(
                sums=fold(atoms[month]),
                withheld_groups=atoms[month].withheld_groups,
                controlled=atoms[month].controlled,
            )
            for month in missing
        }
        if safe:
            cache.set_many({keys[month]: part for month, part in computed.items()}, CACHE_SECONDS)
        parts.update(computed)
    sums: dict[tuple[Any, ...], dict[str, int]] = {}
    for part in parts.values():
        for group, values in part.sums.items():
            into = sums.get(group)
            if into is None:
                sums[group] = dict(values)
            else:
                for measure, n in values.items():
                    into[measure] = into.get(measure, 0) + n
    return FoldedAtoms(
        sums=sums,
        withheld_groups=sum(part.withheld_groups for part in parts.values()),
        controlled=any(part.controlled for part in parts.values()),
    )


@dataclass
class _MonthAtoms:
    """The months of a view's period and the keys of their pooled atoms for a viewer."""

    state: SummaryState
    months: list[datetime.date]
    viewer: tuple[Any, ...]
    shape: tuple[Any, ...]
    hidden_rows: QuerySet[ActivityReport]
    dims: dict[str, Any]
    threshold: int

    @classmethod
    def of(
        cls,
        user: User,
        operation: Operation,
        hidden_rows: QuerySet[ActivityReport],
        filters: Filters,
        dims: dict[str, Any],
        shape: tuple[Any, ...],
    ) -> _MonthAtoms | None:
        state = SummaryState.objects.filter(operation=operation).first()
        months = _months(operation, filters)
        if state is None or months is None:
            return None
        return cls(
            state=state,
            months=months,
            viewer=viewer_parts(user, operation),
            # (atom dimensions, unnamed areas, threshold, narrowing): what the atoms depend on
            # besides the viewer and the month's versions.
            shape=(tuple(dims), *shape),
            hidden_rows=hidden_rows,
            dims=dims,
            threshold=shape[1],
        )

    def key(self, month: datetime.date, extra: Any = None) -> str:
        return _month_key(self.state, month, self.viewer, (self.shape, extra))

    def atoms(
        self, months: list[datetime.date], pool_order: Sequence[PoolStep]
    ) -> tuple[dict[datetime.date, PooledAtoms], bool]:
        """The pooled atoms of `months`, from the cache or computed (the missing months in one
        query) and cached; and whether what was computed may be cached under the versions the
        keys hold (always, when nothing was computed)."""
        keys = {month: self.key(month) for month in months}
        found = cache.get_many(list(keys.values())) if keys else {}
        out: dict[datetime.date, PooledAtoms] = {}
        for month in months:
            cached = found.get(keys[month])
            if isinstance(cached, PooledAtoms):
                out[month] = cached
        missing = [month for month in months if month not in out]
        if not missing:
            return out, True
        names = tuple(self.dims)
        records = grouped_records(
            self.hidden_rows.filter(month__in=missing), self.dims, rule="", additive=True
        )
        by_month = pooled_by_value(
            records, names, "month", threshold=self.threshold, pool_order=pool_order
        )
        for month in missing:
            out[month] = by_month.get(month) or pooled_atoms(
                [], names, threshold=self.threshold, pool_order=pool_order
            )
        safe = _unchanged(self.state, missing)
        if safe:
            cache.set_many(
                {
                    keys[month]: out[month]
                    for month in missing
                    if len(out[month].blocks) <= MAX_CACHED_BLOCKS
                },
                CACHE_SECONDS,
            )
        return out, safe


def _months(operation: Operation, filters: Filters) -> list[datetime.date] | None:
    """The months of the view's period (bounded by the operation's first and last months with
    5W rows where the filters leave it open: two lookups of the (operation, month) index);
    None when there are too many to key one by one."""
    rows = ActivityReport.objects.filter(operation=operation).order_by()
    first = filters.month_from or rows.order_by("month").values_list("month", flat=True).first()
    last = filters.month_to or rows.order_by("-month").values_list("month", flat=True).first()
    if first is None or last is None or first > last:
        return []
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        if len(months) > MAX_CACHED_MONTHS:
            return None
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_key(
    state: SummaryState, month: datetime.date, viewer: tuple[Any, ...], parts: tuple[Any, ...]
) -> str:
    """A month's pooled atoms for a viewer: the month's data versions (`month_version`), the
    state's creation (a database made again can repeat ids and versions) and the atoms' shape."""
    text = repr(
        (
            state.operation_id,
            state.created_at.isoformat() if state.created_at else None,
            state.month_version(month),
            month.isoformat(),
            viewer,
            parts,
        )
    )
    return "activities:month-atoms2:" + hashlib.sha256(text.encode()).hexdigest()


def _unchanged(state: SummaryState, months: list[datetime.date]) -> bool:
    """No write touched `months` since `state` was read (their atoms were read after it): what
    was computed is then that of the versions the keys hold, and may be cached under them."""
    now = SummaryState.objects.filter(pk=state.pk).first()
    return now is not None and all(
        now.month_version(month) == state.month_version(month) for month in months
    )
