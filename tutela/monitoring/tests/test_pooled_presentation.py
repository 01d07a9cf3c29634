"""Disclosure control must not drown the products (issue 14): a pool of small groups is shown last,
labelled as what it is, never ranked, never named as a risk — in the PAU's figures, narrative,
tables and chart data, and in the analysis dashboard's trend chart.

The data are those of the issue's acceptance: 1,000 incidents over the 15 risks and 50 areas,
most of them in cells too small to publish, so that the pool is larger than any risk."""

from __future__ import annotations

import datetime
import html
import random
import re
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from django.urls import reverse
from django.utils import translation

from tutela.conftest import make_area
from tutela.core.models import ProtectionRisk
from tutela.monitoring import selectors
from tutela.monitoring.models import (
    AgeBand,
    Incident,
    IncidentPeople,
    IncidentRisk,
    Source,
    VerificationStatus,
)
from tutela.monitoring.pau.documents import build_document, risk_chart_rows
from tutela.monitoring.pau.figures import (
    POOLED_NAMES,
    POOLED_RISK_NAMES,
    is_pooled,
    parse_period,
    pau_figures,
)
from tutela.monitoring.pau.sections import draft_sections
from tutela.monitoring.selectors.base import POOLED, PUBLICATION, AnalysisFilters
from tutela.monitoring.selectors.comparisons import period_comparison
from tutela.monitoring.services.pau import pau_create
from tutela.monitoring.services.summaries import summaries_rebuild
from tutela.monitoring.tests.pau_helpers import seed
from tutela.monitoring.views.analysis import trend_labels, trend_series

# Every name a pool has had, in every language.
POOL_NAMES = {
    *POOLED_NAMES.values(),
    *POOLED_RISK_NAMES.values(),
    "Pooled small groups",
    "Petits groupes regroupés",
    "Grupos pequeños agrupados",
}
MONTHS = [datetime.date(2026, m, 1) for m in range(4, 10)]


def _spread(
    world: Any,
    n: int,
    cercles: list[Any],
    months: list[datetime.date],
    weights: list[int],
    *,
    seed_value: int,
    organisations: list[Any],
    area_weights: list[int] | None = None,
) -> None:
    """`n` incidents over the 15 risks (by `weights`), `cercles` and `months`, by
    `organisations` in turn. Written in bulk (then the summaries rebuilt, as after an import)
    so that a fixture takes seconds."""
    op = world.operation
    seed(op)
    risks = list(ProtectionRisk.objects.filter(operation=op).order_by("code"))[:15]
    assert len(risks) == 15
    rng = random.Random(seed_value)
    source = Source.objects.filter(operation=op).first()
    verification = VerificationStatus.objects.filter(operation=op).first()
    band = AgeBand.objects.get(operation=op, code="18-59")
    incidents = []
    for i in range(n):
        risk = rng.choices(risks, weights=weights)[0]
        cercle = (
            rng.choices(cercles, weights=area_weights)[0] if area_weights else rng.choice(cercles)
        )
        day = rng.choice(months).replace(day=rng.randint(1, 28))
        incidents.append(
            Incident(
                operation=op,
                organisation=organisations[i % len(organisations)],
                reference=f"INC-K-{i:06d}",
                occurred_on=day,
                reported_on=day,
                month=day.replace(day=1),
                area=cercle,
                admin1=cercle.parent,
                admin2=cercle,
                primary_risk=risk,
                people_affected=1,
                source=source,
                verification=verification,
                is_gbv=risk.is_gbv,
            )
        )
    Incident.objects.bulk_create(incidents)
    saved = list(Incident.objects.filter(operation=op).select_related("primary_risk"))
    IncidentRisk.objects.bulk_create(IncidentRisk(incident=i, risk=i.primary_risk) for i in saved)
    IncidentPeople.objects.bulk_create(
        IncidentPeople(incident=i, sex="F", age_band=band, count=1) for i in saved
    )
    summaries_rebuild(operation=op)


@pytest.fixture
def thousand(world: Any, areas: Any) -> Any:
    """1,000 incidents of one organisation over 15 risks, 50 cercles and two quarters: a few
    risks common, most rare, spread thin over the areas."""
    regions = [areas["ML04"], areas["ML05"]]
    cercles = [
        make_area(f"ML0{6 + i // 25}{i % 25:02d}", f"Cercle {i:02d}", 2, regions[i % 2])
        for i in range(50)
    ]
    weights = [30, 18, 12] + [1] * 12
    _spread(world, 1000, cercles, MONTHS, weights, seed_value=14, organisations=[world.amss])
    return world


@pytest.fixture
def demo_shaped(world: Any) -> Any:
    """Shaped like the demo operation (bench/bench_pool_share.py): ~330 incidents a year of
    three organisations over 8 regions of 4 cercles each and the 15 risks, a dozen risks seen
    each quarter, few of them often: too thin for most risk × region × month groups."""
    regions = [make_area(f"ML9{r}", f"Région {r}", 1, None) for r in range(8)]
    cercles = [
        make_area(f"ML9{r}{c:02d}", f"Cercle {r}-{c}", 2, region)
        for r, region in enumerate(regions)
        for c in range(4)
    ]
    year = [datetime.date(2026, m, 1) for m in range(1, 13)]
    weights = [30, 15, 13, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 1]
    organisations = [world.amss, world.drc, world.other_org]
    # Some regions report far more than others, as in the demo (and in Mali).
    area_weights = [w for w in (30, 20, 15, 10, 10, 6, 5, 4) for _c in range(4)]
    _spread(
        world,
        330,
        cercles,
        year,
        weights,
        seed_value=7,
        organisations=organisations,
        area_weights=area_weights,
    )
    return world


def _assert_no_pool_named(text: str) -> None:
    for name in POOL_NAMES:
        assert name not in text


def test_pau_never_ranks_or_names_a_pool_as_a_risk(thousand: Any) -> None:
    op = thousand.operation
    figures = pau_figures(operation=op, period=parse_period("2026Q3"))
    rows = figures["by_risk"]
    pooled = [r for r in rows if is_pooled(r)]
    # The data are such that disclosure control pools a large share of the incidents.
    assert pooled
    assert pooled[0]["current"] > min(r["current"] or 0 for r in rows if not is_pooled(r))
    # Last, and labelled as a pool, not as a risk.
    assert rows[-len(pooled) :] == pooled
    assert all(r["names"] == POOLED_RISK_NAMES for r in pooled)

    # The threats chart's bars are risks only.
    charted = risk_chart_rows(figures)
    assert charted
    assert not any(is_pooled(r) for r in charted)

    for language in ("fr", "en"):
        sections = draft_sections(figures, operation=op, language=language)
        _assert_no_pool_named(sections["threats"])
        _assert_no_pool_named(sections["effects"])
        _assert_no_pool_named(sections["capacities"])
        first = next(line for line in sections["threats"].splitlines() if line.startswith("- "))
        assert first.startswith(f"- **{charted[0]['names'][language]}**")


def test_pau_document_shows_the_pool_last_in_its_table(thousand: Any) -> None:
    update = pau_create(
        operation=thousand.operation, by=thousand.imo, period="2026Q3", language="fr"
    )
    document = build_document(update, language="fr", with_images=False)
    threats = next(s for s in document.sections if s.key == "threats")
    _assert_no_pool_named(threats.markdown)
    table = threats.tables[0]
    labels = [row[0] for row in table.rows]
    # Risks, then the pool (labelled as one), then the total.
    assert labels[-2] == POOLED_RISK_NAMES["fr"]
    assert POOLED_RISK_NAMES["fr"] not in labels[:-2]


def test_figures_stored_with_the_pool_ranked_first_are_shown_with_it_last(
    thousand: Any,
) -> None:
    """PAU versions saved before this change hold a pool named "Pooled small groups" at the top
    of the risks: the narrative and the chart still leave it out."""
    op = thousand.operation
    figures = pau_figures(operation=op, period=parse_period("2026Q3"))
    old = [
        {**r, "code": "", "names": {"en": "Pooled small groups", "fr": "Petits groupes regroupés"}}
        for r in figures["by_risk"]
        if is_pooled(r)
    ]
    for r in old:
        r.pop("pooled", None)
    figures["by_risk"] = old + [r for r in figures["by_risk"] if not is_pooled(r)]
    sections = draft_sections(figures, operation=op, language="fr")
    _assert_no_pool_named(sections["threats"])
    assert not any(is_pooled(r) for r in risk_chart_rows(figures))


def test_dashboard_trend_chart_draws_no_pool_as_a_line(thousand: Any) -> None:
    op = thousand.operation
    pools_seen = 0
    for user in (thousand.coordinator, thousand.partner, thousand.imo):
        for by in ("risk", "area"):
            table = selectors.incident_trend(
                user=user,
                operation=op,
                filters=AnalysisFilters(month_from=MONTHS[0], month_to=MONTHS[-1]),
                by=by,
                level=2,
            )
            series = trend_series(table)
            assert series
            pooled_labels = {
                label
                for key, label in zip(table.col_keys, table.col_labels, strict=True)
                if key == POOLED
            }
            pools_seen += len(pooled_labels)
            assert not pooled_labels & set(series)
    # Some of these views pool small groups (else the test could not fail).
    assert pools_seen


def _row_labels_per_table(page: str) -> list[list[str]]:
    """The row headers of every table of a page, table by table."""
    return [
        [html.unescape(label).strip() for label in ROW_HEADER.findall(table)]
        for table in TABLE.findall(page)
    ]


TABLE = re.compile(r"<table\b.*?</table>", re.S)
ROW_HEADER = re.compile(r'<th scope="row"[^>]*>(.*?)</th>', re.S)


def test_analysis_pages_show_a_pool_only_last_and_never_as_a_risk(
    thousand: Any, as_user: Any
) -> None:
    """The dashboard (by risk, and by cercle) and the hot spots page, for users outside the
    organisation that recorded the incidents, in French and English: a pool is only ever the
    last row of a table, labelled as a pool; no chart line is one; the hot spots by cercle,
    which would pool most incidents, are shown by region and say so."""
    op = thousand.operation
    query = {"month_from": "2026-04", "month_to": "2026-09"}
    pools_seen = 0
    for user in (thousand.coordinator, thousand.other_partner):
        for language in ("fr", "en"):
            user.language = language
            user.save()
            client = as_user(user)
            for extra in ({}, {"by": "area", "level": "2"}):
                response = client.get(
                    reverse("monitoring:analysis", args=[op.slug]), {**query, **extra}
                )
                assert response.status_code == 200
                for labels in _row_labels_per_table(response.content.decode()):
                    if labels and labels[-1] == "Total":  # (the totals row, in both languages)
                        labels = labels[:-1]
                    pooled = [i for i, label in enumerate(labels) if label in POOL_NAMES]
                    pools_seen += len(pooled)
                    assert pooled in ([], [len(labels) - 1]), labels
            hot = client.get(
                reverse("monitoring:hotspots", args=[op.slug]), {**query, "level": "2"}
            ).content.decode()
            assert 'id="hotspots-grain"' in hot
            for labels in _row_labels_per_table(hot):
                assert not set(labels) & POOL_NAMES
    assert pools_seen


SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def test_dashboard_inline_charts_draw_no_pool(thousand: Any, as_user: Any) -> None:
    """The dashboard's inline SVG charts (trend lines and their legend, risk bars, group bars):
    no text or hover title of theirs is a pool, though the page's tables end with one."""
    query = {"month_from": "2026-04", "month_to": "2026-09"}
    pools_in_tables = 0
    for extra in ({}, {"by": "area", "level": "2"}):
        body = (
            as_user(thousand.other_partner)
            .get(reverse("monitoring:analysis", args=[thousand.operation.slug]), {**query, **extra})
            .content.decode()
        )
        pools_in_tables += sum(
            label in POOL_NAMES for labels in _row_labels_per_table(body) for label in labels
        )
        svgs = SVG.findall(body)
        assert len(svgs) == 3
        drawn = [
            element.text or ""
            for svg in svgs
            for element in fromstring(svg).iter()
            if element.tag in ("text", "title")
        ]
        assert len(drawn) > 20
        assert not [text for text in drawn if any(name in text for name in POOL_NAMES)]
    assert pools_in_tables


def test_risks_and_areas_both_keep_most_incidents_out_of_the_pool(demo_shaped: Any) -> None:
    """Small groups are pooled across a quarter's months first, then shared out between keeping
    their risk and keeping their area (`selectors.atoms.INCIDENT_POOL`): on data as thin as the
    demo's, the dashboard's and the PAU's tables by risk and by region each keep at least half
    of the incidents out of the pool, for readers outside the organisations that recorded them
    (pooling across risks first, by month, they pooled 60-90 %)."""
    op = demo_shaped.operation
    limit = selectors.incidents.max_pooled_share()
    year = AnalysisFilters(
        month_from=datetime.date(2026, 1, 1), month_to=datetime.date(2026, 12, 1)
    )
    last = parse_period("2026Q4")
    pau = AnalysisFilters(month_from=last.start, month_to=last.end.replace(day=1))
    previous = {
        "previous_from": datetime.date(2026, 7, 1),
        "previous_to": datetime.date(2026, 9, 1),
    }
    shares = {}
    for name, user in (("coordinator", demo_shaped.coordinator), ("public", PUBLICATION)):
        common = {"user": user, "operation": op}
        tables = {
            "trend by risk": selectors.incident_trend(**common, filters=year),
            "trend by region": selectors.incident_trend(**common, filters=year, by="area"),
            "top risks": selectors.top_risks(**common, filters=year),
            "hot spots": selectors.hotspots(**common, filters=year, level=1).table,
            "PAU by risk": period_comparison(**common, filters=pau, **previous, by="risk"),
            "PAU by region": period_comparison(**common, filters=pau, **previous, by="area"),
        }
        for label, table in tables.items():
            assert table.controlled
            shares[(name, label)] = round(table.extra["pooled_share"], 2)
    assert all(share <= limit for share in shares.values()), shares
    # Small groups there are (else the test could not fail).
    assert min(shares.values()) > 0, shares


def test_a_trend_that_would_pool_most_months_is_shown_by_quarter(demo_shaped: Any) -> None:
    op = demo_shaped.operation
    year = [datetime.date(2026, m, 1) for m in range(1, 13)]
    filters = AnalysisFilters(month_from=year[0], month_to=year[-1])
    with translation.override("fr"):
        table = selectors.incident_trend(user=PUBLICATION, operation=op, filters=filters)
        monthly = selectors.incident_trend(
            user=PUBLICATION, operation=op, filters=filters, coarsen=False
        )
    assert monthly.extra["pooled_share"] > selectors.incidents.max_pooled_share()
    assert table.extra["period"] == "quarter"
    assert table.row_keys == year[::3]
    assert table.row_labels == ["T1 2026", "T2 2026", "T3 2026", "T4 2026"]
    assert table.title == "Incidents par trimestre et par principal risque de protection"
    assert table.extra["pooled_share"] <= selectors.incidents.max_pooled_share()
    assert table.extra["grain"]["notice"] == (
        "Affiché par trimestre : par mois, plus de 50 % des incidents seraient dans les petits "
        "groupes regroupés."
    )
    assert table.as_dict()["period"] == "quarter"
    # The same blocks, by quarter instead of month: the same incidents in all (before the
    # suppression of small cells; by month, those pooled across a quarter's months included).
    assert table.extra["incidents"] == monthly.extra["incidents"] > 0
    assert table.grand_total is not None
    assert table.grand_total == monthly.grand_total
    assert trend_labels(table) == ["T1 2026", "T2 2026", "T3 2026", "T4 2026"]
    # A trend by month keeps its months on the chart, never its pool of months.
    assert POOLED in monthly.row_keys
    assert len(trend_labels(monthly)) == len(year)
    assert all(len(values) == len(year) for values in trend_series(monthly).values())


def test_a_quarter_the_period_holds_only_part_of_is_labelled_by_its_months(
    demo_shaped: Any,
) -> None:
    """The dashboard's default period (the last 12 months with data) seldom starts on a quarter:
    a row by quarter then counts the months of the period only (a block pooled across a quarter's
    months is in the period only when the whole quarter is), and says which."""
    op = demo_shaped.operation
    filters = AnalysisFilters(
        month_from=datetime.date(2026, 2, 1), month_to=datetime.date(2026, 11, 1)
    )
    with translation.override("fr"):
        table = selectors.incident_trend(user=PUBLICATION, operation=op, filters=filters)
    assert table.extra["period"] == "quarter"
    assert table.row_labels == [
        "févr. 2026 – mars 2026",
        "T2 2026",
        "T3 2026",
        "oct. 2026 – nov. 2026",
    ]
    whole = selectors.incident_trend(
        user=PUBLICATION,
        operation=op,
        filters=AnalysisFilters(
            month_from=datetime.date(2026, 1, 1), month_to=datetime.date(2026, 12, 1)
        ),
    )
    first, whole_first = table.row_totals[0], whole.row_totals[0]
    assert first is not None
    assert whole_first is not None
    # Less than the whole quarter: January's blocks and the quarter's cross-month blocks are out.
    assert first < whole_first
    assert table.row_totals[1:3] == whole.row_totals[1:3]
