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
from tutela.monitoring.selectors.base import POOLED, AnalysisFilters
from tutela.monitoring.services.pau import pau_create
from tutela.monitoring.services.summaries import summaries_rebuild
from tutela.monitoring.tests.pau_helpers import seed
from tutela.monitoring.views.analysis import trend_series

# Every name a pool has had, in every language.
POOL_NAMES = {
    *POOLED_NAMES.values(),
    *POOLED_RISK_NAMES.values(),
    "Pooled small groups",
    "Petits groupes regroupés",
    "Grupos pequeños agrupados",
}
MONTHS = [datetime.date(2026, m, 1) for m in range(4, 10)]


@pytest.fixture
def thousand(world: Any, areas: Any) -> Any:
    """1,000 incidents of one organisation over 15 risks, 50 cercles and two quarters: a few
    risks common, most rare, spread thin over the areas. Written in bulk (then the summaries
    rebuilt, as after an import) so that the fixture takes seconds."""
    op = world.operation
    seed(op)
    risks = list(ProtectionRisk.objects.filter(operation=op).order_by("code"))[:15]
    assert len(risks) == 15
    regions = [areas["ML04"], areas["ML05"]]
    cercles = [
        make_area(f"ML0{6 + i // 25}{i % 25:02d}", f"Cercle {i:02d}", 2, regions[i % 2])
        for i in range(50)
    ]
    rng = random.Random(14)
    weights = [30, 18, 12] + [1] * 12
    source = Source.objects.filter(operation=op).first()
    verification = VerificationStatus.objects.filter(operation=op).first()
    band = AgeBand.objects.get(operation=op, code="18-59")
    incidents = []
    for n in range(1000):
        risk = rng.choices(risks, weights=weights)[0]
        cercle = rng.choice(cercles)
        day = rng.choice(MONTHS).replace(day=rng.randint(1, 28))
        incidents.append(
            Incident(
                operation=op,
                organisation=world.amss,
                reference=f"INC-K-{n:06d}",
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
