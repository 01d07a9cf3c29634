"""Monitoring selectors: what they count (for a user who may see every record) and the charts."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.core.models import ProtectionRisk
from tutela.monitoring.analysis import charts
from tutela.monitoring.selectors import (
    AnalysisFilters,
    affected_groups,
    community_risk_shares,
    hotspots,
    incident_trend,
    top_risks,
)
from tutela.monitoring.selectors.base import POOLED, Atoms
from tutela.monitoring.tests.analysis_fixtures import (
    FEB,
    JAN,
    MAR,
    make_incident,
    make_report,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(seeded: Any) -> Any:
    """AMSS's own incidents: the AMSS partner may see every one of them."""
    w = seeded.world
    op = w.operation
    make_incident(op, w.amss, seeded.bandiagara, JAN, "R02", people=(("F", "0-4", 2),))
    make_incident(op, w.amss, seeded.bandiagara, FEB, "R02", extra_risks=("R10",))
    make_incident(op, w.amss, seeded.segou, FEB, "R12", verified=False)
    make_incident(
        op, w.amss, seeded.djenne, MAR, "R10", people=(("M", "12-17", 3), ("F", "60+", 1))
    )
    return seeded


def _risk(op: Any, code: str) -> ProtectionRisk:
    return ProtectionRisk.objects.get(operation=op, code=code)


def _only_own(w: Any) -> AnalysisFilters:
    return AnalysisFilters(organisation=w.amss)


def test_trend_by_risk(own: Any) -> None:
    w = own.world
    table = incident_trend(user=w.partner, operation=w.operation, filters=_only_own(w))
    assert not table.controlled
    assert table.row_labels == ["2026-01", "2026-02", "2026-03"]
    r02 = table.col_keys.index(_risk(w.operation, "R02").pk)
    assert [row[r02] for row in table.cells] == [1, 1, 0]
    assert table.row_totals == [1, 2, 1]
    assert table.grand_total == 4


def test_trend_by_area_and_filters(own: Any) -> None:
    w = own.world
    table = incident_trend(
        user=w.partner,
        operation=w.operation,
        filters=AnalysisFilters(organisation=w.amss, area=own.mopti, verified_only=True),
        by="area",
        level=2,
    )
    assert table.col_labels == ["Bandiagara", "Djenné"]
    assert table.col_totals == [2, 1]
    table = incident_trend(
        user=w.partner,
        operation=w.operation,
        filters=AnalysisFilters(organisation=w.amss, month_from=FEB, month_to=FEB),
    )
    assert table.grand_total == 2


def test_top_risks_most_frequent_first(own: Any) -> None:
    w = own.world
    table = top_risks(user=w.partner, operation=w.operation, filters=_only_own(w))
    codes = ProtectionRisk.objects.in_bulk(table.row_keys[:3])
    assert [codes[k].code for k in table.row_keys[:3]] == ["R02", "R10", "R12"]
    assert [row[0] for row in table.cells[:3]] == [2, 1, 1]


def test_affected_groups(own: Any) -> None:
    w = own.world
    groups = affected_groups(user=w.partner, operation=w.operation, filters=_only_own(w))
    table = groups.by_sex_age
    assert table.row_keys == ["F", "M"]
    assert table.row_totals == [2 + 1 + 1 + 1, 3]
    assert groups.by_disability.row_totals == [0, 8]
    assert groups.by_population_group.grand_total == 8


def test_hotspots_with_population(own: Any) -> None:
    from tutela.monitoring.models import AreaPopulation

    w = own.world
    AreaPopulation.objects.create(operation=w.operation, area=own.mopti, year=2025, population=6000)
    result = hotspots(user=w.partner, operation=w.operation, filters=_only_own(w))
    mopti = next(a for a in result.areas if a.pcode == "ML05")
    segou = next(a for a in result.areas if a.pcode == "ML04")
    assert (mopti.incidents, mopti.population, mopti.rate) == (3, 6000, 5.0)
    assert (segou.incidents, segou.rate) == (1, None)


def test_hotspots_by_admin2_keep_incidents_placed_only_at_admin1(own: Any) -> None:
    """The Ségou incident is placed at its region only: on a map of cercles it is counted in a
    row of its own, not dropped."""
    w = own.world
    result = hotspots(user=w.partner, operation=w.operation, filters=_only_own(w), level=2)
    counts = {a.pcode: a.incidents for a in result.areas}
    assert counts["ML0501"] == 2
    assert counts["ML0502"] == 1
    assert result.coarser == 1
    assert result.table.row_labels[-1] == "Placed only at Région level"
    assert result.table.grand_total == 4


def test_community_shares_by_month(own: Any) -> None:
    w = own.world
    make_report(w.operation, w.amss, own.bandiagara, JAN, "a", risks=("R02",))
    make_report(w.operation, w.amss, own.bandiagara, JAN, "b", risks=("R02", "R10"))
    make_report(w.operation, w.amss, own.djenne, JAN, "c")
    make_report(w.operation, w.amss, own.djenne, FEB, "c", risks=("R10",))
    result = community_risk_shares(
        user=w.partner, operation=w.operation, filters=_only_own(w), by="month"
    )
    r02 = result.counts.col_keys.index(_risk(w.operation, "R02").pk)
    r10 = result.counts.col_keys.index(_risk(w.operation, "R10").pk)
    assert result.reports.column(0) == [3, 1]
    assert result.shares[0][r02] == pytest.approx(66.7)
    assert result.shares[1][r10] == 100.0


def test_pooling_into_blocks() -> None:
    """Small hidden atoms are pooled across dimensions, in order, until they reach the
    threshold; what never does is withheld; visible atoms are never pooled."""
    rows = [
        {"month": 1, "a": 1, "b": 1, "visible": False, "n": 3},
        {"month": 1, "a": 1, "b": 2, "visible": False, "n": 2},
        {"month": 1, "a": 2, "b": 1, "visible": False, "n": 9},
        {"month": 1, "a": 3, "b": 1, "visible": False, "n": 1},
        {"month": 2, "a": 1, "b": 1, "visible": True, "n": 1},
    ]
    atoms = Atoms.from_values(rows, threshold=5, pool_order=("b", "a"))
    blocks = {(k["month"], k["a"], k["b"]): n for k, n in atoms.blocks()}
    assert blocks == {(1, 1, POOLED): 5, (1, 2, 1): 9, (2, 1, 1): 1}
    assert atoms.withheld_groups == 1


def test_charts_render() -> None:
    png = charts.bar_chart_png(["Risk 1", "Risk 2"], [12, None], "Top risks")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    png = charts.line_chart_png(["2026-01", "2026-02"], {"A": [1, None], "B": [3, 4]}, "Trend")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = charts.line_chart([], {}, "Empty", fmt="svg")
    assert b"<svg" in svg
