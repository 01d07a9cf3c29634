"""The safe-atom method's pooling (core.disclosure_blocks.Atoms) with the incident atoms' steps:
small groups pooled across the months of a quarter, then shared out between keeping their risk
and keeping their area (`Atoms._pool_between`), and views that keep the blocks lying wholly
inside their period, area and risk (`monitoring.selectors.base.view_predicate`)."""

from __future__ import annotations

import datetime
import itertools
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tutela.core.disclosure_blocks import POOLED, Atoms
from tutela.core.models import AdminArea, ProtectionRisk
from tutela.monitoring.selectors.atoms import INCIDENT_DIMS, INCIDENT_POOL
from tutela.monitoring.selectors.base import AnalysisFilters
from tutela.monitoring.selectors.periods import quarter_of, view_predicate, whole_quarters

DIMS = INCIDENT_DIMS[:-1]  # quarter, month, admin1, admin2, risk, verified
MONTHS = [datetime.date(2026, m, 1) for m in range(1, 7)]
THRESHOLD = 5

atom_keys = st.tuples(
    st.sampled_from(MONTHS),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([None, 10, 11, 20, 30]),
    st.sampled_from([101, 102, 103, 104]),
    st.booleans(),
)
hidden_atoms = st.dictionaries(atom_keys, st.integers(1, 7), min_size=1, max_size=60)


def _atoms(hidden: dict[tuple[Any, ...], int], pool_order: Any = INCIDENT_POOL) -> Atoms:
    keyed = {
        (quarter_of(month), month, admin1, admin2, risk, verified): n
        for (month, admin1, admin2, risk, verified), n in hidden.items()
    }
    return Atoms(
        rows=[], shown={}, hidden=keyed, threshold=THRESHOLD, pool_order=pool_order, dims=DIMS
    )


def _covered(block: tuple[Any, ...], atom: tuple[Any, ...]) -> bool:
    return all(b in (POOLED, a) for b, a in zip(block, atom, strict=True))


@settings(max_examples=150, deadline=None)
@given(hidden_atoms)
def test_blocks_reach_the_threshold_and_never_count_a_record_twice(hidden: Any) -> None:
    atoms = _atoms(hidden)
    blocks = atoms.tuples()
    keyed = atoms.hidden or {}
    assert all(n >= THRESHOLD for _key, n in blocks)
    # A block never spans two quarters, and holds no more than the atoms it covers.
    for key, n in blocks:
        assert key[0] != POOLED
        assert n <= sum(m for atom, m in keyed.items() if _covered(key, atom))
    # Every record is in one block or withheld: the blocks sum to at most the records, and
    # what is withheld is a few groups each under the threshold.
    total = sum(keyed.values())
    in_blocks = sum(n for _key, n in blocks)
    assert in_blocks <= total
    assert total - in_blocks < THRESHOLD * max(atoms.withheld_groups, 1)
    assert (in_blocks == total) == (atoms.withheld_groups == 0)
    # The order of the atoms does not change the blocks.
    items = list(hidden.items())
    random.Random(len(items)).shuffle(items)
    assert sorted(map(repr, _atoms(dict(items)).tuples())) == sorted(map(repr, blocks))


def _losses(blocks: list[tuple[tuple[Any, ...], int]], total: int) -> tuple[int, int]:
    """Records a table by risk, resp. by admin 1, sees only as pooled (or not at all)."""
    risk, admin1 = DIMS.index("primary_risk_id"), DIMS.index("admin1_id")
    shown_by_risk = sum(n for key, n in blocks if key[risk] != POOLED)
    shown_by_area = sum(n for key, n in blocks if key[admin1] != POOLED)
    return total - shown_by_risk, total - shown_by_area


@settings(max_examples=150, deadline=None)
@given(hidden_atoms)
def test_sharing_out_between_risk_and_area_beats_either_order(hidden: Any) -> None:
    """The step ("primary_risk_id", "admin1_id") loses no more, for the worse of the two tables
    (by risk, by admin 1), than pooling across either dimension first."""
    total = sum(hidden.values())
    before = INCIDENT_POOL[: INCIDENT_POOL.index(("primary_risk_id", "admin1_id"))]
    shared = max(_losses(_atoms(hidden).tuples(), total))
    risk_first = (*before, "primary_risk_id", "admin1_id")
    area_first = (*before, "admin1_id", "primary_risk_id")
    for order in (risk_first, area_first):
        assert shared <= max(_losses(_atoms(hidden, order).tuples(), total))


def test_sharing_out_keeps_both_tables_meaningful() -> None:
    """Records spread thin over risks and areas (each risk and each area holds enough in the
    quarter, no risk × area does): pooled across risks first, the table by risk would lose all
    of them; shared out, neither table loses more than half."""
    hidden = {}
    for admin1, risk in itertools.product([1, 2, 3, 4], [101, 102, 103, 104]):
        hidden[(MONTHS[(admin1 + risk) % 3], admin1, None, risk, True)] = 3
    atoms = _atoms(hidden)
    total = sum(hidden.values())
    risk_first = ("verified", "admin2_id", "month", "primary_risk_id", "admin1_id")
    assert _losses(_atoms(hidden, risk_first).tuples(), total)[0] == total
    by_risk, by_area = _losses(atoms.tuples(), total)
    assert by_risk <= total / 2
    assert by_area <= total / 2


def _filters(first: Any, last: Any, admin1: int | None, risk: int | None) -> AnalysisFilters:
    return AnalysisFilters(
        month_from=first,
        month_to=last,
        area=AdminArea(pk=admin1, level=1) if admin1 else None,
        risk=ProtectionRisk(pk=risk) if risk else None,
    )


def _figure(hidden: dict[tuple[Any, ...], int], filters: AnalysisFilters) -> int:
    """A view's figure as `selectors.atoms.incident_atoms` makes it: the atoms of the view's
    period widened to whole quarters pooled, then the blocks wholly inside the view kept."""
    fetched = whole_quarters(filters)
    atoms = _atoms(
        {
            key: n
            for key, n in hidden.items()
            if fetched.month_from <= key[0] <= fetched.month_to  # type: ignore[operator]
        }
    )
    return sum(n for _key, n in atoms.inside(view_predicate(filters)).tuples())


VIEWS = [
    (first, last, admin1, risk)
    for first, last in itertools.combinations_with_replacement(MONTHS, 2)
    for admin1 in (None, 1, 2)
    for risk in (None, 101, 102)
]


def _contains(big: tuple[Any, ...], small: tuple[Any, ...]) -> bool:
    (f1, l1, a1, r1), (f2, l2, a2, r2) = big, small
    return f1 <= f2 and l2 <= l1 and a1 in (None, a2) and r1 in (None, r2)


@settings(max_examples=40, deadline=None)
@given(hidden_atoms)
def test_no_two_nested_views_differ_by_a_small_count(hidden: Any) -> None:
    """Periods that cut a quarter, areas, risks: the figure of a view and of any view inside it
    differ by 0 or by the threshold or more (a block pooled across a quarter's months is in a view
    only when the whole quarter is)."""
    figures = {view: _figure(hidden, _filters(*view)) for view in VIEWS}
    for big, small in itertools.permutations(VIEWS, 2):
        if _contains(big, small):
            difference = figures[big] - figures[small]
            assert difference == 0 or difference >= THRESHOLD, (big, small, figures[big])


def test_a_quarter_block_is_inside_only_the_views_holding_the_whole_quarter() -> None:
    hidden = {(MONTHS[0], 1, None, 101, True): 2, (MONTHS[2], 1, None, 101, True): 3}
    atoms = _atoms(hidden)
    assert [key[1] for key, _n in atoms.tuples()] == [POOLED]
    assert _figure(hidden, _filters(MONTHS[0], MONTHS[2], None, None)) == 5
    assert _figure(hidden, _filters(MONTHS[0], MONTHS[5], None, None)) == 5
    assert _figure(hidden, _filters(MONTHS[0], MONTHS[1], None, None)) == 0
    assert _figure(hidden, _filters(MONTHS[1], MONTHS[5], None, None)) == 0
