"""Disclosure control of the monitoring aggregates: no count of records a user may not see
between 1 and threshold - 1 is visible, in a table or by differencing views."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tutela.core.models import ProtectionRisk
from tutela.monitoring.selectors import (
    AnalysisFilters,
    affected_groups,
    community_risk_shares,
    hotspots,
    incident_trend,
    top_risks,
)
from tutela.monitoring.tests.analysis_fixtures import (
    APR,
    FEB,
    JAN,
    MAR,
    make_analyst,
    make_incident,
    make_report,
    many,
    seeded_fixture,  # noqa: F401
    share_gbv,
)

pytestmark = pytest.mark.django_db


def _risk(operation: Any, code: str) -> ProtectionRisk:
    return ProtectionRisk.objects.get(operation=operation, code=code)


def _values(table: Any) -> list[int | None]:
    return [
        *(v for row in table.cells for v in row),
        *table.row_totals,
        *table.col_totals,
        table.grand_total,
    ]


MONTHS = [JAN, FEB, MAR, APR]


def _figures(table: Any) -> dict[tuple[Any, Any], int | None]:
    out: dict[tuple[Any, Any], int | None] = {}
    for r, key in enumerate(table.row_keys):
        for c, col in enumerate(table.col_keys):
            out[(key, col)] = table.cells[r][c]
        out[(key, "total")] = table.row_totals[r]
    for c, col in enumerate(table.col_keys):
        out[("total", col)] = table.col_totals[c]
    out[("total", "total")] = table.grand_total
    return out


def _view_grid(user: Any, operation: Any, data: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every figure of many filtered views (period ranges, areas, risks, verified only), keyed by
    the filters: (first, last, risk, area, verified)."""
    ranges = [(JAN, JAN), (JAN, MAR), (JAN, APR), (FEB, APR), (APR, APR)]
    risks = [None, *(_risk(operation, c) for c in ("R10", "R11"))]
    area_choices = [None, data.mopti, data.bandiagara]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for (first, last), risk, area, verified in itertools.product(
        ranges, risks, area_choices, [False, True]
    ):
        f = AnalysisFilters(
            month_from=first, month_to=last, risk=risk, area=area, verified_only=verified
        )
        figures: dict[str, Any] = {}
        for kind, table in (
            ("trend", incident_trend(user=user, operation=operation, filters=f)),
            (
                "trend-area",
                incident_trend(user=user, operation=operation, filters=f, by="area", level=2),
            ),
            ("top", top_risks(user=user, operation=operation, filters=f)),
            ("hot", hotspots(user=user, operation=operation, filters=f, level=2).table),
        ):
            for key, value in _figures(table).items():
                figures[f"{kind} {key}"] = value
        out[(first, last, risk, area, verified)] = figures
    return out


def _views(user: Any, operation: Any, data: Any) -> dict[str, list[int | None]]:
    return {str(k): list(v.values()) for k, v in _view_grid(user, operation, data).items()}


def _contains(big: tuple[Any, ...], small: tuple[Any, ...], data: Any) -> bool:
    """The view `small` is a restriction of the view `big`."""
    (f1, l1, r1, a1, v1), (f2, l2, r2, a2, v2) = big, small
    if not (f1 <= f2 and l2 <= l1):
        return False
    if r1 is not None and r1 != r2:
        return False
    parents = {None: None, data.mopti: None, data.bandiagara: data.mopti, data.djenne: data.mopti}
    area_ok = a1 is None or a1 == a2 or (a2 is not None and parents[a2] == a1)
    return area_ok and (not v1 or v2)


def _assert_no_small(views: dict[str, list[int | None]], threshold: int = 5) -> None:
    for name, values in views.items():
        for v in values:
            assert v is None or v == 0 or v >= threshold, (name, values)


@pytest.fixture
def mixed(seeded: Any) -> Any:
    """DRC: plenty of incidents; AMSS: small groups (2 R11 in Bandiagara in April, 3 unverified R10
    in Djenné in February); OTHER: a non-shared GBV incident."""
    w = seeded.world
    op = w.operation
    for month in (JAN, FEB, MAR, APR):
        many(8, op, w.drc, seeded.bandiagara, month, "R02")
        many(6, op, w.drc, seeded.djenne, month, "R10", extra_risks=("R02",))
        many(5, op, w.drc, seeded.segou, month, "R02", verified=False)
    many(2, op, w.amss, seeded.bandiagara, APR, "R11")
    many(3, op, w.amss, seeded.djenne, FEB, "R10", verified=False)
    make_incident(op, w.other_org, seeded.bandiagara, MAR, "R08")
    return seeded


def test_coordinator_sees_no_small_count_in_any_view(mixed: Any) -> None:
    w = mixed.world
    _assert_no_small(_views(w.coordinator, w.operation, mixed))


def test_no_small_count_by_differencing_nested_views(mixed: Any) -> None:
    """For every pair of views where one is a restriction of the other (shorter period, one risk,
    a smaller area, verified only, or several of these at once), every figure they share differs
    by 0 or by at least the threshold: no difference of views reveals a small count."""
    w = mixed.world
    grid = _view_grid(w.coordinator, w.operation, mixed)
    pairs = 0
    for big, small in itertools.permutations(grid, 2):
        if not _contains(big, small, mixed):
            continue
        pairs += 1
        for name, value in grid[small].items():
            other = grid[big].get(name)
            if value is None or other is None:
                continue
            difference = other - value
            assert difference == 0 or difference >= 5, (big, small, name, other, value)
    assert pairs > 300


def test_period_a_vs_a_plus_one_month_hides_the_small_month(mixed: Any) -> None:
    w = mixed.world
    q1 = AnalysisFilters(month_from=JAN, month_to=MAR, area=mixed.bandiagara)
    q1_apr = AnalysisFilters(month_from=JAN, month_to=APR, area=mixed.bandiagara)
    a = hotspots(user=w.coordinator, operation=w.operation, filters=q1, level=2)
    b = hotspots(user=w.coordinator, operation=w.operation, filters=q1_apr, level=2)
    by_pcode_a = {x.pcode: x.incidents for x in a.areas}
    by_pcode_b = {x.pcode: x.incidents for x in b.areas}
    # 24 DRC + 8 DRC in April; the 2 AMSS R11 incidents of April are pooled away from
    # Bandiagara (with other small groups) or withheld.
    assert by_pcode_a["ML0501"] == 24
    assert by_pcode_b["ML0501"] == 32
    assert by_pcode_b["ML0501"] - by_pcode_a["ML0501"] == 8


def test_all_risks_vs_all_but_one(mixed: Any) -> None:
    w = mixed.world
    f = AnalysisFilters(month_from=FEB, month_to=FEB, area=mixed.djenne)
    everything = incident_trend(user=w.coordinator, operation=w.operation, filters=f)
    r10 = incident_trend(
        user=w.coordinator,
        operation=w.operation,
        filters=AnalysisFilters(
            month_from=FEB, month_to=FEB, area=mixed.djenne, risk=_risk(w.operation, "R10")
        ),
    )
    # Feb Djenné: 6 DRC R10 (+3 AMSS R10 unverified withheld).
    assert everything.grand_total == 6
    assert r10.grand_total == 6
    assert (
        everything.grand_total
        - sum(
            v or 0
            for v, r in zip(everything.cells[0], everything.col_keys, strict=True)
            if r != _risk(w.operation, "R10").pk
        )
        == 6
    )


def test_verified_only_vs_all(mixed: Any) -> None:
    w = mixed.world
    f_all = AnalysisFilters(month_from=FEB, month_to=FEB, area=mixed.djenne)
    f_ver = AnalysisFilters(month_from=FEB, month_to=FEB, area=mixed.djenne, verified_only=True)
    a = incident_trend(user=w.coordinator, operation=w.operation, filters=f_all)
    b = incident_trend(user=w.coordinator, operation=w.operation, filters=f_ver)
    assert a.grand_total == b.grand_total == 6


def test_own_organisation_sees_its_small_counts(mixed: Any) -> None:
    w = mixed.world
    f = AnalysisFilters(month_from=APR, month_to=APR, organisation=w.amss)
    table = incident_trend(user=w.partner, operation=w.operation, filters=f)
    assert not table.controlled
    assert table.grand_total == 2


def test_own_small_counts_mixed_with_others_are_suppressed(mixed: Any) -> None:
    w = mixed.world
    f = AnalysisFilters(month_from=APR, month_to=APR, area=mixed.bandiagara)
    table = incident_trend(user=w.partner, operation=w.operation, filters=f)
    assert table.controlled
    # 8 DRC + 2 AMSS (the partner's own, so not withheld) = 10.
    assert table.grand_total == 10
    _assert_no_small({"t": _values(table)})


def test_organisation_filter_limited_to_own(mixed: Any) -> None:
    from django.core.exceptions import PermissionDenied

    w = mixed.world
    with pytest.raises(PermissionDenied):
        incident_trend(
            user=w.coordinator,
            operation=w.operation,
            filters=AnalysisFilters(organisation=w.drc),
        )


def test_gbv_counted_only_for_sharing_organisations(seeded: Any) -> None:
    w = seeded.world
    op = w.operation
    many(6, op, w.drc, seeded.bandiagara, JAN, "R08")
    many(7, op, w.other_org, seeded.bandiagara, JAN, "R08")
    r08 = AnalysisFilters(risk=_risk(op, "R08"))

    def total(user: Any) -> int | None:
        return incident_trend(user=user, operation=op, filters=r08).grand_total

    assert total(w.coordinator) == 0
    share_gbv(op, w.drc)
    assert total(w.coordinator) == 6
    # OTHER's own partner counts its own GBV incidents too.
    assert total(w.other_partner) == 13


def test_merged_duplicates_are_not_counted(seeded: Any) -> None:
    w = seeded.world
    op = w.operation
    keep = many(6, op, w.drc, seeded.bandiagara, JAN, "R02")
    make_incident(op, w.drc, seeded.bandiagara, JAN, "R02", merged_into=keep[0])
    table = incident_trend(user=w.coordinator, operation=op, filters=AnalysisFilters())
    assert table.grand_total == 6


def test_analyst_sees_non_gbv_figures_unsuppressed(seeded: Any) -> None:
    w = seeded.world
    op = w.operation
    many(2, op, w.drc, seeded.bandiagara, JAN, "R02")
    make_analyst(op, w.imo)
    mine = incident_trend(user=w.imo, operation=op, filters=AnalysisFilters())
    theirs = incident_trend(user=w.coordinator, operation=op, filters=AnalysisFilters())
    assert not mine.controlled
    assert mine.grand_total == 2
    assert theirs.controlled
    assert theirs.grand_total == 0


def test_affected_groups_and_community_have_no_small_counts(mixed: Any) -> None:
    w = mixed.world
    op = w.operation
    groups = affected_groups(user=w.coordinator, operation=op, filters=AnalysisFilters())
    for table in (groups.by_sex_age, groups.by_population_group, groups.by_disability):
        _assert_no_small({table.title: _values(table)})
    for i in range(7):
        make_report(op, w.drc, mixed.bandiagara, JAN, f"village {i}", risks=("R02",))
    make_report(op, w.amss, mixed.djenne, JAN, "hameau", risks=("R10",))
    shares = community_risk_shares(user=w.coordinator, operation=op, filters=AnalysisFilters())
    _assert_no_small({"counts": _values(shares.counts), "reports": _values(shares.reports)})
    row = shares.counts.row_keys.index(mixed.mopti.pk)
    col = shares.counts.col_keys.index(_risk(op, "R02").pk)
    assert shares.counts.cells[row][col] == 7
    assert shares.shares[row][col] == 100.0
