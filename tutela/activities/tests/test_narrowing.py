"""Narrowed reads of the hidden rows (selectors.narrowing): a view's blocks read from only the
rows it can keep blocks of are exactly the blocks it keeps from the pooling of every hidden row,
for the pivot's filters, the planning framework's activities and any pooling of atoms."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutela.activities.models import Activity
from tutela.activities.selectors import disclosure
from tutela.activities.selectors.disclosure import fold, hidden_blocks
from tutela.activities.selectors.filters import Filters
from tutela.activities.selectors.narrowing import narrowed
from tutela.activities.selectors.visibility import visible_rows
from tutela.activities.services.summaries import summaries_rebuild
from tutela.activities.tests.test_summaries import (  # noqa: F401 (the fixture)
    MONTHS,
    Data,
    _filter_sets,
    _fresh,
    data_fixture,
)
from tutela.core.disclosure_blocks import Atoms
from tutela.planning.selectors.fivew.reached import reached_by_link

DIMS = ("population_group_id", "organisation_id", "activity_id", "admin1_id")
VALUES = st.sampled_from([1, 2, 3])


def _kept(
    blocks: list[tuple[tuple[Any, ...], int]],
    every: list[tuple[str, set[int]]],
    some: list[tuple[str, set[int]]],
) -> Counter[tuple[Any, ...]]:
    """The blocks a view keeps: in every `every` set, and in one `some` set (when any)."""
    out: Counter[tuple[Any, ...]] = Counter()
    for key, n in blocks:
        values = dict(zip(DIMS, key, strict=True))
        if all(values[d] in v for d, v in every) and (
            not some or any(values[d] in v for d, v in some)
        ):
            out[key] += n
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    atoms=st.dictionaries(
        st.tuples(VALUES, VALUES, VALUES, VALUES), st.integers(1, 9), min_size=1, max_size=60
    ),
    every=st.lists(st.tuples(st.sampled_from(DIMS), st.sets(VALUES, min_size=1)), max_size=2),
    some=st.lists(st.tuples(st.sampled_from(DIMS), st.sets(VALUES, min_size=1)), max_size=2),
    order=st.permutations(DIMS),
)
def test_narrowed_pooling_keeps_the_same_blocks(
    atoms: dict[tuple[int, ...], int],
    every: list[tuple[str, set[int]]],
    some: list[tuple[str, set[int]]],
    order: list[str],
) -> None:
    """Any atoms, any pooling order, any view: pooling only the atoms read narrowed, through the
    steps kept, gives the blocks the view keeps of the pooling of every atom."""
    rows = [(key, n, False) for key, n in atoms.items()]
    whole = Atoms(rows=rows, threshold=5, pool_order=tuple(order), dims=DIMS).tuples()
    narrow = narrowed(DIMS, order, all_of=every, any_of=some)
    assert narrow is not None or (not every and not some)
    if narrow is None:
        return
    read = [row for row in rows if narrow.reads(dict(zip(DIMS, row[0], strict=True)))]
    part = Atoms(rows=read, threshold=5, pool_order=narrow.pool_order, dims=DIMS).tuples()
    assert _kept(part, every, some) == _kept(whole, every, some)


def test_nothing_to_narrow_by() -> None:
    assert narrowed(DIMS, DIMS) is None
    # Dimensions that are no plain field of the rows (the site's key) do not narrow.
    assert narrowed((*DIMS, "site_key"), ("site_key", *DIMS), all_of=[("site_key", ["a"])]) is None
    # A caller keeping blocks by a dimension that cannot narrow keeps every row read.
    mixed = narrowed(
        (*DIMS, "site_key"),
        ("site_key", *DIMS),
        all_of=[("admin1_id", [1])],
        any_of=[("site_key", ["a"]), ("activity_id", [2])],
    )
    assert mixed is not None
    assert mixed.some == []
    assert mixed.pool_order == ("site_key", *DIMS[:3])


def _whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every hidden row read and pooled, as before narrowing."""
    monkeypatch.setattr(disclosure, "narrowed", lambda *args, **kwargs: None)


@pytest.mark.parametrize("persona", ["partner", "other_partner", "viewer"])
@pytest.mark.parametrize("monthly", [True, False])
def test_views_narrowed_show_what_the_whole_pooling_shows(
    data: Data, persona: str, monthly: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = data.world
    summaries_rebuild(operation=w.operation)
    user = _fresh(getattr(w, persona))
    counted = visible_rows(user, w.operation)
    measures = ["girls", "women", "total", "with_disability", "quantity"]
    rows_by = ["month", "admin1"] if monthly else ["admin1", "activity"]
    narrowed_views = 0

    def shown(filters: dict[str, Any], fold_by: Any) -> tuple[Any, bool, bool]:
        blocks = hidden_blocks(
            user=user,
            operation=w.operation,
            visible=counted,
            filters=Filters.of(filters),
            rule="max_month",
            monthly=monthly,
            by_indicator=False,
            unnamed=(),
            threshold=5,
            fold_by=fold_by,
        )
        assert blocks is not None
        return fold(blocks, rows_by, measures), blocks.controlled, blocks.withheld_groups is None

    for filters, fold_by in itertools.product(_filter_sets(data), (None, (rows_by, measures))):
        cache.clear()
        narrow = shown(filters, fold_by)
        with monkeypatch.context() as patch:
            _whole(patch)
            cache.clear()
            whole = shown(filters, fold_by)
        assert narrow[:2] == whole[:2], filters
        narrowed_views += narrow[2]
    # The filters on activities, areas, population groups, clusters and organisations narrowed.
    assert narrowed_views >= 2 * 8


@pytest.mark.parametrize("dims", [(), ("admin1",), ("month",), ("population_group",)])
@pytest.mark.parametrize("persona", ["partner", "viewer"])
def test_the_framework_narrowed_to_its_activities_shows_the_same(
    data: Data, dims: tuple[str, ...], persona: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's figures of some activities (those of the indicators asked for): read narrowed
    to them, the same figures as from the blocks of every hidden row."""
    w = data.world
    summaries_rebuild(operation=w.operation)
    user = _fresh(getattr(w, persona))
    activities = Activity.objects.filter(operation=w.operation)
    sensitive = list(activities.filter(is_sensitive=True).values_list("pk", flat=True))
    other = list(activities.filter(is_sensitive=False).values_list("pk", flat=True))
    assert sensitive
    assert other
    for activity_ids in ([sensitive[0]], [other[0]], sensitive + other[:1]):

        def reached(ids: list[int] = activity_ids) -> list[dict[str, Any]]:
            cache.clear()
            result = reached_by_link(
                user=user,
                operation=w.operation,
                year=MONTHS[0].year,
                activity_ids=ids,
                indicator_ids=[],
                dims=dims,
            )
            assert result.controlled
            return sorted(result.groups, key=repr)

        narrow = reached()
        with monkeypatch.context() as patch:
            _whole(patch)
            assert reached() == narrow, activity_ids
