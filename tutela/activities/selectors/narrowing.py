"""Reading only the hidden rows a view can keep blocks of (`selectors.disclosure`).

Pooling (`core.disclosure_blocks.Atoms`) never mixes atoms that differ in a dimension before the
step that pools across it: up to that step, the atoms of each value of the dimension are pooled
on their own, as if the others were not there. A view that keeps only the blocks whose value of
a dimension lies in a set (a filter on an activity, an area, an organisation..., or a caller
keeping the blocks of some activities only, as the plan's monitoring framework does) keeps no
block made at or after that dimension's step (the dimension is pooled away in it). So its blocks
are exactly those made, before that step, from the atoms of the kept values alone: the rows
read can be narrowed to those values and the steps from that one on skipped, with the same
blocks as the view would keep from the pooling of every hidden row.

At 1,000,000 5W rows a partner's table of one activity by month read and pooled some 800,000
atoms of every sensitive activity (about 5 s); narrowed, only that activity's (none when it is
not sensitive).

What narrowing cannot give is what depends on every atom: whether the period holds any hidden
row (`controlled`, read with one EXISTS instead) and the number of small groups left withheld
(not counted).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import Q

from tutela.activities.selectors.filters import Filters, body_ids_within, site_keys
from tutela.core.disclosure_blocks import PoolStep
from tutela.core.models import Operation

# Atom dimensions that are plain fields of both the 5W rows and the summary tables' picks, so
# that a filter on the rows selects every atom of a value (the organisation too: where partner
# names are hidden its atoms carry none, and a filter on the field only reads more).
ROW_FIELDS = frozenset(
    {
        "organisation_id",
        "body_id",
        "activity_id",
        "indicator_id",
        "admin1_id",
        "admin2_id",
        "admin3_id",
        "area_id",
        "population_group_id",
    }
)


@dataclass(frozen=True)
class Narrowed:
    """The rows to read (`q`, on 5W rows and picks alike) and the pooling steps to run."""

    q: Q
    pool_order: tuple[PoolStep, ...]
    # (atom dimension, values): rows in every one of `every` and in one of `some` are read.
    every: list[tuple[str, list[Any]]]
    some: list[tuple[str, list[Any]]]

    @property
    def key(self) -> tuple[Any, ...]:
        """What the cache keys of narrowed atoms hold."""
        return ("narrowed", self.every, self.some)

    def reads(self, atom: dict[str, Any]) -> bool:
        """Whether an atom (dimension: value) is among those read (`q` on one atom)."""
        return all(atom.get(dim) in values for dim, values in self.every) and (
            not self.some or any(atom.get(dim) in values for dim, values in self.some)
        )


def narrowed(
    names: Sequence[str],
    pool_order: Sequence[PoolStep],
    *,
    all_of: Sequence[tuple[str, Collection[Any]]] = (),
    any_of: Sequence[tuple[str, Collection[Any]]] = (),
) -> Narrowed | None:
    """How a view's blocks can be read narrowed, or None when they cannot (nothing to narrow
    by, or a pooling step between two dimensions).

    `all_of`: the view keeps the blocks whose values lie in every one of these (its filters,
    as `view_checks` gives them); `any_of`: the caller keeps afterwards only the
    blocks whose value of one of these dimensions lies in its set (dimensions it does not name
    then do not narrow the rows read). A kept block keeps the dimension it is kept by, so it is
    made before that dimension's step, from atoms that all share its values: the rows read are
    those in every `all_of` set and in one `any_of` set, and pooling stops before the first
    `all_of` step or the last `any_of` one, whichever comes first."""
    if any(not isinstance(step, str) for step in pool_order):
        return None
    steps = {step: i for i, step in enumerate(pool_order) if isinstance(step, str)}

    def usable(dim: str) -> bool:
        return dim in ROW_FIELDS and dim in names and dim in steps

    every = [(dim, sorted(values, key=repr)) for dim, values in all_of if usable(dim)]
    some = [(dim, sorted(values, key=repr)) for dim, values in any_of]
    if some and not all(usable(dim) for dim, _values in some):
        some = []
    if not every and not some:
        return None
    cut = len(pool_order)
    if every:
        cut = min(cut, *(steps[dim] for dim, _values in every))
    if some:
        cut = min(cut, max(steps[dim] for dim, _values in some))
    q = Q()
    if every:
        q &= reduce(and_, (Q(**{f"{dim}__in": values}) for dim, values in every))
    if some:
        q &= reduce(or_, (Q(**{f"{dim}__in": values}) for dim, values in some))
    return Narrowed(q=q, pool_order=tuple(pool_order[:cut]), every=every, some=some)


def view_checks(operation: Operation, filters: Filters, *, monthly: bool) -> list[Any]:
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
    if filters.site:
        checks.append(("site_key", site_keys(filters.site)))
    if monthly:
        if filters.status:
            checks.append(("status", [filters.status]))
        if filters.validated_only:
            checks.append(("validated", [True]))
    return checks
