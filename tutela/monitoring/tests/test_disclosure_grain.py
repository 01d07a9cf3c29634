"""A coarser grain instead of a pool (issue 14, "Disclosure control drowns the products"): a
table by admin 2 that would put most of its incidents in "pooled small groups" is answered by
admin 1, says so, and can be differenced neither against the finer answer nor against the same
query with a filter changed."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tutela.conftest import make_area
from tutela.core.models import ProtectionRisk
from tutela.monitoring.pau.documents import area_grain_note, build_document
from tutela.monitoring.pau.figures import parse_period, pau_figures
from tutela.monitoring.selectors import AnalysisFilters, hotspots, incident_trend
from tutela.monitoring.selectors.base import POOLED, PUBLICATION
from tutela.monitoring.selectors.comparisons import period_comparison
from tutela.monitoring.selectors.incidents import MAX_POOLED_SHARE, max_pooled_share
from tutela.monitoring.services.pau import pau_create
from tutela.monitoring.tests.analysis_fixtures import (
    APR,
    FEB,
    JAN,
    MAR,
    many,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

MONTHS = [JAN, FEB, MAR, APR]
NOTICE_EN = (
    "Shown by Région: by Cercle, more than 50% of the incidents would be in pooled small groups."
)
NOTICE_FR = (
    "Affiché par Région : par Cercle, plus de 50 % des incidents seraient dans les petits "
    "groupes regroupés."
)


@pytest.fixture
def thin(seeded: Any) -> Any:
    """Every month, DRC records 5 incidents in Bandiagara (one block of its own), 2 in each of
    three other cercles of Mopti and 3 in each of two cercles of Ségou (blocks only once pooled
    across the cercles of their region): by cercle, 12 of the 17 incidents are pooled (6 of 11
    within Mopti).
    AMSS: 3 unverified incidents of another risk in Djenné in February (withheld from every
    figure), 2 unverified in Douentza in March."""
    w = seeded.world
    op = w.operation
    seeded.douentza = make_area("ML0503", "Douentza", 2, seeded.mopti)
    seeded.tenenkou = make_area("ML0504", "Ténenkou", 2, seeded.mopti)
    seeded.segou_cercle = make_area("ML0401", "Ségou cercle", 2, seeded.segou)
    seeded.san = make_area("ML0402", "San", 2, seeded.segou)
    seeded.cercles = [
        seeded.bandiagara,
        seeded.djenne,
        seeded.douentza,
        seeded.tenenkou,
        seeded.segou_cercle,
        seeded.san,
    ]
    for month in MONTHS:
        many(5, op, w.drc, seeded.bandiagara, month, "R02")
        for cercle in (seeded.djenne, seeded.douentza, seeded.tenenkou):
            many(2, op, w.drc, cercle, month, "R02")
        for cercle in (seeded.segou_cercle, seeded.san):
            many(3, op, w.drc, cercle, month, "R10")
    many(3, op, w.amss, seeded.djenne, FEB, "R11", verified=False)
    # Pooled with DRC's in Douentza, then across the cercles of Mopti, into a block; a grain of
    # its own by region would withhold them (11 + 2 unverified): a difference of 2.
    many(2, op, w.amss, seeded.douentza, MAR, "R02", verified=False)
    return seeded


def _pooled_share(table: Any) -> float:
    return float(table.extra["pooled_share"])


def test_a_table_that_would_pool_most_incidents_is_answered_by_admin_1(thin: Any) -> None:
    w = thin.world
    period = AnalysisFilters(month_from=JAN, month_to=APR)
    assert max_pooled_share() == MAX_POOLED_SHARE == 0.5
    for user in (w.coordinator, PUBLICATION):
        fine = hotspots(user=user, operation=w.operation, filters=period, level=2, coarsen=False)
        assert fine.level == 2
        assert _pooled_share(fine.table) > 0.6
        assert POOLED in fine.table.row_keys

        chosen = hotspots(user=user, operation=w.operation, filters=period, level=2)
        assert chosen.level == 1
        assert _pooled_share(chosen.table) < MAX_POOLED_SHARE
        assert chosen.table.extra["grain"]["coarsened"]
        assert POOLED not in chosen.table.row_keys
        counts = {a.pcode: a.incidents for a in chosen.areas}
        assert counts == {"ML04": 24, "ML05": 46}

        trend = incident_trend(user=user, operation=w.operation, filters=period, by="area", level=2)
        assert trend.col_keys == [thin.segou.pk, thin.mopti.pk]
        assert trend.extra["grain"] == {
            "asked": 2,
            "used": 1,
            "coarsened": True,
            "notice": trend.extra["grain"]["notice"],
        }
        assert _pooled_share(trend) < MAX_POOLED_SHARE
        # The API's answer says so too (and publishes no share).
        assert trend.as_dict()["grain"] == {
            "asked": 2,
            "used": 1,
            "notice": trend.extra["grain"]["notice"],
        }

        comparison = period_comparison(
            user=user,
            operation=w.operation,
            filters=AnalysisFilters(month_from=MAR, month_to=APR),
            previous_from=JAN,
            previous_to=FEB,
            by="area",
            level=2,
        )
        assert comparison.extra["grain"]["used"] == 1
        assert _pooled_share(comparison) < MAX_POOLED_SHARE

    # A user who may see every record gets the grain asked for (nothing is pooled).
    w.coordinator.is_superuser = True
    w.coordinator.save()
    own = hotspots(user=w.coordinator, operation=w.operation, filters=period, level=2)
    assert own.level == 2
    assert not own.table.extra["grain"]["coarsened"]


def test_the_share_is_a_setting(thin: Any, settings: Any) -> None:
    w = thin.world
    settings.TUTELA_MAX_POOLED_SHARE = 0.9
    kept = hotspots(user=w.coordinator, operation=w.operation, level=2)
    assert kept.level == 2
    assert not kept.table.extra["grain"]["coarsened"]


def _risk_tokens(operation: Any) -> dict[int, str]:
    """Risk pk -> its code for the risks with data, "other" for every other risk."""
    return {
        r.pk: r.code if r.code in ("R02", "R10", "R11") else "other"
        for r in ProtectionRisk.objects.filter(operation=operation)
    }


def _view_regions(
    filters: AnalysisFilters, data: Any, risks: dict[int, str]
) -> frozenset[tuple[Any, ...]]:
    """The cells (month, cercle, risk, verified) a view covers."""
    months = [m for m in MONTHS if filters.month_from <= m <= filters.month_to]  # type: ignore[operator]
    cercles = [c for c in data.cercles if filters.area is None or filters.area in (c, c.parent)]
    kinds = {filters.risk.code} if filters.risk is not None else set(risks.values())
    verified = [True] if filters.verified_only else [True, False]
    return frozenset(itertools.product(months, [c.pk for c in cercles], kinds, verified))


def _figures(
    table: Any, view: frozenset[tuple[Any, ...]], area_of: Any, month_rows: bool
) -> list[tuple[frozenset[tuple[Any, ...]], int]]:
    """Every published figure of a table with the cells it counts (pooled rows and columns
    left out: they are no area)."""

    def region(row: Any, col: Any) -> frozenset[tuple[Any, ...]] | None:
        cells = view
        for key in (row, col):
            if key == POOLED:
                return None
            if key is None or key in ("incidents", "total"):
                continue
            if month_rows and key in MONTHS:
                cells = frozenset(c for c in cells if c[0] == key)
            else:
                cercles = area_of(key)
                if cercles is None:  # (hot spots by cercle: "placed only at region level")
                    return None
                cells = frozenset(c for c in cells if c[1] in cercles)
        return cells

    out = []
    for r, row in enumerate(table.row_keys):
        for c, col in enumerate(table.col_keys):
            out.append((region(row, col), table.cells[r][c]))
        out.append((region(row, None), table.row_totals[r]))
    for c, col in enumerate(table.col_keys):
        out.append((region(None, col), table.col_totals[c]))
    out.append((view, table.grand_total))
    return [(cells, value) for cells, value in out if cells is not None and value is not None]


def test_the_coarser_answer_cannot_be_differenced(thin: Any) -> None:
    """Every figure of the coarser answers (by region) and of the finer ones (by cercle, as
    asked), over many views (periods, risks, areas, verified only: the same query with one
    filter changed, or several): wherever one figure counts a subset of the cells another counts,
    they differ by 0 or by at least the threshold."""
    w = thin.world
    op = w.operation
    risks = _risk_tokens(op)
    cercles_of = {c.pk: {c.pk} for c in thin.cercles}
    for region in (thin.mopti, thin.segou):
        cercles_of[region.pk] = {c.pk for c in thin.cercles if c.parent_id == region.pk}
    ranges = [(JAN, JAN), (JAN, MAR), (JAN, APR), (FEB, APR), (FEB, FEB)]
    risk_choices = [None, *ProtectionRisk.objects.filter(operation=op, code__in=["R02", "R11"])]
    area_choices = [None, thin.mopti, thin.djenne]
    by_region: dict[frozenset[tuple[Any, ...]], set[int]] = {}
    coarsened = 0
    for user in (w.coordinator, PUBLICATION):
        for (first, last), risk, area, verified in itertools.product(
            ranges, risk_choices, area_choices, [False, True]
        ):
            f = AnalysisFilters(
                month_from=first, month_to=last, risk=risk, area=area, verified_only=verified
            )
            view = _view_regions(f, thin, risks)
            for coarsen in (True, False):
                hot = hotspots(user=user, operation=op, filters=f, level=2, coarsen=coarsen)
                trend = incident_trend(
                    user=user, operation=op, filters=f, by="area", level=2, coarsen=coarsen
                )
                coarsened += hot.table.extra["grain"]["coarsened"]
                for table, month_rows in ((hot.table, False), (trend, True)):
                    for cells, value in _figures(table, view, cercles_of.get, month_rows):
                        by_region.setdefault(cells, set()).add(value)
        # Each user's figures apart: users see different records one by one.
        regions = list(by_region.items())
        pairs = 0
        for (big, big_values), (small, small_values) in itertools.product(regions, repeat=2):
            if not small <= big:
                continue
            pairs += 1
            for a, b in itertools.product(big_values, small_values):
                assert a - b == 0 or a - b >= 5, (user, sorted(small), a, b)
        assert pairs > 1000
        by_region = {}
    # The views did choose the coarser grain (else the test could not fail).
    assert coarsened > 20


def test_the_coarser_answer_against_the_finer_one_by_subtraction(thin: Any) -> None:
    """A region's figure minus the published figures of its cercles (the finer answer) is 0 or
    at least the threshold: the pooled blocks it adds are whole blocks."""
    w = thin.world
    for month in MONTHS:
        f = AnalysisFilters(month_from=month, month_to=month)
        coarse = hotspots(user=w.coordinator, operation=w.operation, filters=f, level=2)
        fine = hotspots(
            user=w.coordinator, operation=w.operation, filters=f, level=2, coarsen=False
        )
        assert coarse.level == 1
        fine_counts = {a.pk: a.incidents for a in fine.areas}
        for area in coarse.areas:
            shown = [
                n
                for c in thin.cercles
                if c.parent_id == area.pk and (n := fine_counts.get(c.pk)) is not None
            ]
            assert area.incidents is not None
            difference = area.incidents - sum(shown)
            assert difference == 0 or difference >= 5, (month, area.name, difference)


def test_grain_notice_in_french_and_english(thin: Any, as_user: Any) -> None:
    w = thin.world
    query = {"month_from": "2026-01", "month_to": "2026-04", "level": "2"}
    for language, notice in (("en", NOTICE_EN), ("fr", NOTICE_FR)):
        w.coordinator.language = language
        w.coordinator.save()
        client = as_user(w.coordinator)
        with translation.override(language):
            table = hotspots(user=w.coordinator, operation=w.operation, level=2).table
            assert table.extra["grain"]["notice"] == notice
        page = client.get(
            reverse("monitoring:hotspots", args=["mali"]), query, HTTP_ACCEPT_LANGUAGE=language
        )
        assert page.status_code == 200
        assert notice in page.content.decode()
        dashboard = client.get(
            reverse("monitoring:analysis", args=["mali"]),
            {**query, "by": "area"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert notice in dashboard.content.decode()


def test_pau_of_a_region_says_it_shows_regions(thin: Any) -> None:
    """A PAU scoped to a region is by cercle; where cercles would pool too much it shows the
    region and says why, in the document's language."""
    w = thin.world
    figures = pau_figures(operation=w.operation, period=parse_period("2026Q1"), scope=thin.mopti)
    assert figures["area_level"] == 1
    assert [a["pcode"] for a in figures["by_area"]] == ["ML05"]
    assert figures["by_area"][0]["current"] == 35
    with translation.override("fr"):
        assert area_grain_note(figures) == NOTICE_FR
    with translation.override("en"):
        assert area_grain_note(figures) == NOTICE_EN
    update = pau_create(
        operation=w.operation, by=w.imo, period="2026Q1", language="en", scope=thin.mopti
    )
    document = build_document(update, language="en", with_images=False)
    threats = next(s for s in document.sections if s.key == "threats")
    assert any(t.note == NOTICE_EN for t in threats.tables)
