"""The safe-atom method: disclosure control of every figure a user may ask for, whatever the
filters (core.disclosure's `suppress_table` protects one table on its own).

The threat
----------
Filters (period, area, risk or activity, organisation, verified or validated only...) let a user
ask for many overlapping views. Suppressing the small cells of each table on its own is not
enough: two views that differ by a few records (all risks vs all but one; January-March vs
January-April; an area vs its child areas) give a small count by subtraction, even when both
tables show only large numbers.

The method
----------
Every figure is built from *atoms*: the counted records grouped by every dimension a view can
filter or group on, and by whether the user may see the records one by one.

1. *Blocks.* Records the user may not see are cut into blocks of at least `threshold`, the same
   way whatever the view's filters: an atom of threshold or more is a block; smaller atoms are
   pooled across one dimension after another (`Atoms.pool_order`), a pooled group that reaches
   the threshold becoming a block (with that dimension set to POOLED); what remains after
   pooling across everything is *withheld* from every figure. A step may also share small atoms
   out between two dimensions (`Atoms._pool_between`: some keep the first, the others the
   second), so that tables by either keep most of them. Blocks never span the period unit a
   caller keeps as a dimension that is never pooled (the incidents' quarter: a quarter's months
   may be pooled, never two quarters), so the blocks of a period made of whole units are the
   same whatever other periods are read.
2. *Whole blocks only.* A view keeps the blocks lying wholly inside its filters (`Atoms.inside`
   with a predicate such as `block_predicate`): a block pooled across a filtered dimension (or
   across months some of which the view's period leaves out) is left out of it as a whole. A
   block pooled across a dimension the table is broken down by goes to a "pooled small groups"
   row or column, so that tables stay additive. So every figure is a
   sum of whole blocks plus records the user may see, and so is every difference between the
   figures of two views of which one contains the other: no such difference counts between 1 and
   threshold - 1 records the user may not see.
3. The table then goes through `core.disclosure.suppress_table` (primary and complementary
   suppression), which hides the remaining small cells (the user's own small counts mixed with
   others').

Where a figure is not a sum over months (a count of people over a period by a counting rule that
picks one month per place and partner), the blocks of two periods are made of different records:
`block_arrays.BlockArrays.rounded_down` then brings each block of records the user may not see
down to a multiple of the threshold, so that two such figures differ by a multiple of it.

Used by protection monitoring (tutela.monitoring.selectors.base) and the 5W
(tutela.activities.selectors.disclosure, which pools with the same steps on numpy arrays:
`core.block_arrays`, tested equal to `Atoms`); each says which records a user may see, its
dimensions and the order in which small groups are pooled.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Tens of thousands of small tuples and dicts are made while folding atoms: the cyclic
    garbage collector would run several full passes over them (none of them is a cycle)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# A dimension pooled away in a block (the block spans every value of it).
POOLED = "*"

# A step of `Atoms.pool_order`: a dimension, or two between which small atoms are shared out
# (`Atoms._pool_between`).
PoolStep = str | tuple[str, str]


@dataclass
class Atoms:
    """Grouped counts: `rows` are (key tuple over `dims`, count, visible); `pool_order` the
    dimensions small groups of hidden records are pooled across, in order (never `month`).
    Keys are tuples while pooling (fast); blocks come out as dicts {dimension: value}."""

    rows: list[tuple[tuple[Any, ...], int, bool]]
    threshold: int
    pool_order: tuple[PoolStep, ...] = ()
    dims: tuple[str, ...] = ()
    controlled: bool = False
    withheld_groups: int = 0
    _blocks: list[tuple[dict[str, Any], int]] | None = None
    # The same blocks with tuple keys over `dims` (made first; dicts only when asked for).
    _tuples: list[tuple[tuple[Any, ...], int]] | None = None
    # Alternatively to `rows`, for large views: atom -> count of records the user may see
    # (`shown`) and may not see (`hidden`); zero counts are ignored.
    shown: dict[tuple[Any, ...], int] | None = None
    hidden: dict[tuple[Any, ...], int] | None = None
    # Whether any record fetched was hidden, for atoms made of cached blocks (`of_blocks`).
    known_hidden: bool | None = None

    @classmethod
    def from_values(
        cls,
        values: Iterable[dict[str, Any]],
        *,
        threshold: int,
        pool_order: Sequence[PoolStep] = (),
        measure: str = "n",
    ) -> Atoms:
        rows = []
        dims: tuple[str, ...] | None = None
        for row in values:
            visible = bool(row.pop("visible"))
            n = int(row.pop(measure) or 0)
            if dims is None:
                dims = tuple(row)
            if n > 0:
                rows.append((tuple(row[d] for d in dims), n, visible))
        return cls(rows=rows, threshold=threshold, pool_order=tuple(pool_order), dims=dims or ())

    @classmethod
    def of_blocks(
        cls,
        tuples: list[tuple[tuple[Any, ...], int]],
        *,
        threshold: int,
        pool_order: Sequence[PoolStep] = (),
        dims: tuple[str, ...] = (),
        withheld_groups: int = 0,
        has_hidden: bool | None = None,
    ) -> Atoms:
        """Atoms already pooled (`tuples()` of an earlier Atoms, e.g. kept in a cache, with its
        `has_hidden`)."""
        atoms = cls(rows=[], threshold=threshold, pool_order=tuple(pool_order), dims=dims)
        atoms._tuples = tuples
        atoms.withheld_groups = withheld_groups
        atoms.known_hidden = has_hidden
        return atoms

    @property
    def has_hidden(self) -> bool:
        if self.known_hidden is not None:
            return self.known_hidden
        if self.hidden and any(self.hidden.values()):
            return True
        return any(not visible for _k, _n, visible in self.rows)

    def blocks(self) -> list[tuple[dict[str, Any], int]]:
        """Visible atoms as they are; hidden records as blocks of at least `threshold`.

        Per month, hidden atoms of threshold or more are blocks; the smaller ones are pooled
        across the first dimension of `pool_order` (regrouped with that dimension set to POOLED),
        groups that reach the threshold become blocks, the rest are pooled across the next
        dimension, and so on; what is left at the end is withheld."""
        if self._blocks is None:
            dims = self.dims
            self._blocks = [(dict(zip(dims, key, strict=True)), n) for key, n in self.tuples()]
        return self._blocks

    def tuples(self) -> list[tuple[tuple[Any, ...], int]]:
        """`blocks()` with tuple keys over `dims` (much cheaper for large views)."""
        if self._tuples is None:
            if self._blocks is not None:
                dims = self.dims
                self._tuples = [(tuple(k[d] for d in dims), n) for k, n in self._blocks]
            else:
                with no_gc_pauses():
                    self._tuples = self._make_blocks()
        return self._tuples

    def _make_blocks(self) -> list[tuple[tuple[Any, ...], int]]:
        threshold = self.threshold
        out = [(key, n) for key, n, visible in self.rows if visible]
        small: list[tuple[tuple[Any, ...], int]] = []
        for key, n, visible in self.rows:
            if visible:
                continue
            if n >= threshold:
                out.append((key, n))
            else:
                small.append((key, n))
        if self.shown:
            out.extend((key, n) for key, n in self.shown.items() if n)
        if self.hidden:
            for key, n in self.hidden.items():
                if n >= threshold:
                    out.append((key, n))
                elif n:
                    small.append((key, n))
        for step in self.pool_order:
            if not small:
                break
            if isinstance(step, tuple):
                if all(d in self.dims for d in step):
                    small = self._pool_between(small, *step, out)
                continue
            if step not in self.dims:
                continue
            small = _pooled_across(small, self.dims.index(step), threshold, out)
        self.withheld_groups = len(small)
        return out

    def _pool_between(
        self,
        small: list[tuple[tuple[Any, ...], int]],
        first: str,
        second: str,
        out: list[tuple[tuple[Any, ...], int]],
    ) -> list[tuple[tuple[Any, ...], int]]:
        """A step `(first, second)` of `pool_order`: each small atom is pooled across one of the
        two dimensions, keeping the other, so that neither a table by `first` nor one by
        `second` loses most of them. Per context (the other dimensions' values), the groups
        keeping `first` (pooled across `second`) that reach the threshold are taken largest
        first, as many as makes the larger of the two losses smallest (the incidents a table by
        `first`, resp. `second`, sees only as pooled); the other atoms are pooled across `first`
        (keeping `second`). Groups that reach the threshold become blocks; the rest is returned
        for the next step. Decided on the atoms alone (no view's filters), like every step."""
        threshold = self.threshold
        i, j = self.dims.index(first), self.dims.index(second)
        contexts: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], int]]] = {}
        for key, n in small:
            context = (*key[:i], POOLED, *key[i + 1 :])
            context = (*context[:j], POOLED, *context[j + 1 :])
            contexts.setdefault(context, []).append((key, n))
        rest: list[tuple[tuple[Any, ...], int]] = []
        for atoms in contexts.values():
            keeping_first: dict[Any, int] = {}
            for key, n in atoms:
                keeping_first[key[i]] = keeping_first.get(key[i], 0) + n
            candidates = sorted(
                (v for v, n in keeping_first.items() if n >= threshold),
                key=lambda v: (-keeping_first[v], repr(v)),
            )
            best: tuple[int, int] | None = None
            for k in range(len(candidates) + 1):
                loss = _between_losses(atoms, set(candidates[:k]), i, j, threshold)
                if best is None or loss < best[0]:
                    best = (loss, k)
            chosen = set(candidates[: best[1] if best else 0])
            left = []
            for key, n in atoms:
                if key[i] in chosen:
                    continue
                left.append((key, n))
            for value in chosen:
                block = next(key for key, _n in atoms if key[i] == value)
                out.append(((*block[:j], POOLED, *block[j + 1 :]), keeping_first[value]))
            rest.extend(_pooled_across(left, i, threshold, out))
        return rest

    def inside(self, predicate: Callable[[dict[str, Any]], bool] | None) -> Atoms:
        """The atoms of a view: pooling is done first (on the filter-free atoms), then the view
        keeps the blocks lying wholly inside its filters (all of them when `predicate` is
        None)."""
        kept = Atoms(rows=[], threshold=self.threshold, pool_order=self.pool_order, dims=self.dims)
        if predicate is None:
            kept._tuples = self.tuples()
        else:
            kept._blocks = [(k, n) for k, n in self.blocks() if predicate(k)]
        # Controlled when any record fetched (the period's, before the area, risk and
        # verification filters) is hidden from the user: deciding on the filtered view would
        # tell whether a few hidden records lie in it.
        kept.controlled = self.has_hidden
        kept.withheld_groups = self.withheld_groups
        return kept


def _pooled_across(
    small: list[tuple[tuple[Any, ...], int]],
    i: int,
    threshold: int,
    out: list[tuple[tuple[Any, ...], int]],
) -> list[tuple[tuple[Any, ...], int]]:
    """Small atoms regrouped with dimension `i` set to POOLED: groups reaching the threshold go
    to `out` as blocks, the others are returned."""
    grouped: dict[tuple[Any, ...], int] = {}
    for key, n in small:
        pooled = (*key[:i], POOLED, *key[i + 1 :])
        grouped[pooled] = grouped.get(pooled, 0) + n
    left = []
    for key, n in grouped.items():
        if n >= threshold:
            out.append((key, n))
        else:
            left.append((key, n))
    return left


def _between_losses(
    atoms: list[tuple[tuple[Any, ...], int]], chosen: set[Any], i: int, j: int, threshold: int
) -> int:
    """The larger of the two losses (records seen only as pooled by a table by dimension i,
    resp. j) when the atoms whose value of `i` is in `chosen` keep it and the others keep j."""
    kept_j: dict[Any, int] = {}
    to_i = 0
    for key, n in atoms:
        if key[i] in chosen:
            to_i += n
        else:
            kept_j[key[j]] = kept_j.get(key[j], 0) + n
    lost_both = sum(n for n in kept_j.values() if n < threshold)
    kept_j_total = sum(kept_j.values()) - lost_both
    # A table by i loses what kept j (or nothing); one by j loses what kept i.
    return max(kept_j_total + lost_both, to_i + lost_both)


def block_predicate(
    checks: Sequence[tuple[str, Collection[Any]]],
) -> Callable[[dict[str, Any]], bool] | None:
    """Is a block wholly inside a view? `checks`: (dimension, the values the view allows) pairs;
    a block pooled across a checked dimension is not inside (it is left out as a whole). None when
    there is nothing to check (every block is inside)."""
    if not checks:
        return None
    allowed = [(dim, frozenset(values)) for dim, values in checks]

    def predicate(key: dict[str, Any]) -> bool:
        return all(key.get(dim) in values for dim, values in allowed)

    return predicate
