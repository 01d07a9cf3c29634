"""Pooling on arrays (core.block_arrays) gives the blocks `Atoms` gives, on any atoms; a view's
filter and a table's sums over arrays are those over the blocks' tuples."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutela.activities.selectors.disclosure import HiddenBlocks, fold
from tutela.activities.selectors.pooled_atoms import BANDS, pooled_atoms, pooled_by_value
from tutela.core import block_arrays
from tutela.core.block_arrays import BlockArrays, factorized, pooled
from tutela.core.disclosure_blocks import POOLED, Atoms, block_predicate

DIMS = ("month", "organisation_id", "activity_id", "site_key", "validated")
KEYS = st.tuples(
    st.sampled_from([datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)]),
    st.sampled_from([1, 2, 3, None]),
    st.sampled_from([10, 11, 12]),
    st.sampled_from(["a", "b", None]),
    st.booleans(),
)


def _arrays(atoms: dict[tuple[Any, ...], int], dims: tuple[str, ...]) -> BlockArrays:
    keys = list(atoms)
    columns = list(zip(*keys, strict=True))
    coded = [factorized(column) for column in columns]
    return BlockArrays(
        dims=dims,
        values=[values for _codes, values in coded],
        codes=np.column_stack([codes for codes, _values in coded]),
        n=np.array(list(atoms.values()), dtype=np.int64),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    atoms=st.dictionaries(KEYS, st.integers(1, 12), min_size=1, max_size=80),
    order=st.permutations(DIMS[1:]),
    threshold=st.integers(2, 10),
)
def test_arrays_pool_as_atoms_do(
    atoms: dict[tuple[Any, ...], int], order: list[str], threshold: int
) -> None:
    rows = [(key, n, False) for key, n in atoms.items()]
    reference = Atoms(rows=rows, threshold=threshold, pool_order=tuple(order), dims=DIMS)
    expected = Counter(reference.tuples())
    blocks, withheld = pooled(_arrays(atoms, DIMS), threshold=threshold, pool_order=order)
    assert Counter(blocks.tuples()) == expected
    assert len(withheld) == reference.withheld_groups
    # Atoms known distinct: a column left with one value is set to POOLED without grouping.
    known, withheld = pooled(
        _arrays(atoms, DIMS), threshold=threshold, pool_order=order, distinct=True
    )
    assert Counter(known.tuples()) == expected
    assert len(withheld) == reference.withheld_groups
    # Dimensions too many or too large for one 64-bit key per row: rows compared whole.
    with patch.object(block_arrays, "_MAX_KEY", 1):
        whole_rows, withheld = pooled(_arrays(atoms, DIMS), threshold=threshold, pool_order=order)
    assert Counter(whole_rows.tuples()) == expected
    assert len(withheld) == reference.withheld_groups
    # A view's filter keeps the blocks the predicate keeps.
    checks = [("organisation_id", [1, None]), ("site_key", ["a"])]
    predicate = block_predicate(checks)
    assert predicate is not None
    kept = blocks.where(blocks.inside(checks))
    assert Counter(kept.tuples()) == Counter(
        (key, n) for key, n in expected.elements() if predicate(dict(zip(DIMS, key, strict=True)))
    )


def test_atoms_of_the_same_key_are_grouped_at_the_first_step() -> None:
    """Not known distinct, two atoms of the same key are one group at the first step, even
    where its column holds one value only."""
    atoms = _arrays({(1, "x"): 2, (2, "x"): 2}, ("organisation_id", "site_key"))
    atoms.codes[1, 0] = atoms.codes[0, 0]  # the same key twice
    blocks, withheld = pooled(atoms, threshold=4, pool_order=["site_key", "organisation_id"])
    assert blocks.tuples() == [((1, POOLED), 4)]
    assert len(withheld) == 0


def test_arrays_from_months_put_together() -> None:
    january = _arrays({(1, "x"): 5, (2, None): 7}, ("organisation_id", "site_key"))
    february = _arrays({(None, "y"): 3, (2, "x"): 9}, ("organisation_id", "site_key"))
    february.codes[0, 0] = len(february.values[0])  # pooled across organisations
    both = BlockArrays.concatenated([january, february], ("organisation_id", "site_key"))
    assert Counter(both.tuples()) == Counter(
        [((1, "x"), 5), ((2, None), 7), ((POOLED, "y"), 3), ((2, "x"), 9)]
    )
    assert BlockArrays.concatenated([], ("organisation_id",)).tuples() == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    atoms=st.dictionaries(
        st.tuples(
            st.sampled_from([1, 2, POOLED]),
            st.sampled_from([5, 6, POOLED]),
            st.sampled_from(list(BANDS)),
        ),
        st.integers(1, 30),
        min_size=1,
        max_size=40,
    ),
    rows_by=st.sampled_from([[], ["organisation"], ["activity", "organisation"], ["admin1"]]),
)
def test_tables_add_up_arrays_as_tuples(
    atoms: dict[tuple[Any, ...], int], rows_by: list[str]
) -> None:
    names = ("organisation_id", "activity_id")
    measures = ["girls", "women", "total", "with_disability", "quantity"]
    keyed = [(key[:-1], key[-1], n) for key, n in atoms.items()]
    as_tuples = fold(HiddenBlocks(controlled=True, names=names, keyed=keyed), rows_by, measures)
    arrays = _arrays(atoms, (*names, "band"))
    as_arrays = fold(HiddenBlocks(controlled=True, names=names, arrays=arrays), rows_by, measures)
    assert as_arrays == as_tuples


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(
        st.tuples(
            st.sampled_from(["2026-01-01", "2026-02-01"]),
            st.sampled_from([1, 2]),
            st.sampled_from([0, 1]),
            *([st.one_of(st.none(), st.integers(0, 6))] * 9),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_records_of_one_atom_are_summed_before_pooling(records: list[tuple[Any, ...]]) -> None:
    """The rows of one atom key (read one by one, not summed by the database) make the atoms
    their sums make: people not broken down by sex and age counted on the sums, as SQL's SUM
    then the difference gives them; the month and the flag made plain."""
    names = ("month", "organisation_id", "validated")
    summed: dict[tuple[Any, ...], list[int]] = {}
    for record in records:
        key = (datetime.date.fromisoformat(record[0]), record[1], bool(record[2]))
        sums = summed.setdefault(key, [0] * 9)
        for i, value in enumerate(record[3:]):
            sums[i] += value or 0
    expected = pooled_atoms(
        [(*key, *sums) for key, sums in summed.items()],
        names,
        threshold=5,
        pool_order=("validated", "organisation_id"),
    )
    got = pooled_atoms(records, names, threshold=5, pool_order=("validated", "organisation_id"))
    assert Counter(got.tuples) == Counter(expected.tuples)
    assert got.withheld_groups == expected.withheld_groups
    assert got.controlled == expected.controlled
    # Pooled together then parted by month: each month's blocks as if pooled alone.
    by_month = pooled_by_value(
        records, names, "month", threshold=5, pool_order=("validated", "organisation_id")
    )
    for month in {record[0] for record in records}:
        alone = pooled_atoms(
            [record for record in records if record[0] == month],
            names,
            threshold=5,
            pool_order=("validated", "organisation_id"),
        )
        part = by_month[datetime.date.fromisoformat(month)]
        assert Counter(part.tuples) == Counter(alone.tuples)
        assert part.withheld_groups == alone.withheld_groups
        assert part.controlled == alone.controlled
