"""The monitoring analysis page's charts are inline SVG in its HTML (issue 14, page weight): three
of them, named for assistive technology, no inline style (the Content-Security-Policy refuses it),
no image request; labels from users stay text; months without data and hidden values are gaps;
months in the reader's language."""

from __future__ import annotations

import datetime
import re
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from django.urls import reverse

from tutela.core.models import ProtectionRisk
from tutela.core.month_names import month_abbr
from tutela.monitoring.selectors.base import POOLED
from tutela.monitoring.tests.analysis_fixtures import (
    FEB,
    JAN,
    many,
    seeded_fixture,  # noqa: F401
    years_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
HOSTILE = "<script>alert(1)</script> \"Risk\" 'two' & </text></svg><b>"


def charts(body: str) -> list[str]:
    return SVG.findall(body)


def parsed(svg: str) -> Element:
    root: Element = fromstring(svg)
    return root


def texts(svg: str, tag: str) -> list[str]:
    return [element.text or "" for element in parsed(svg).iter(tag)]


def dashboard(client: Any, **query: str) -> str:
    response = client.get(reverse("monitoring:analysis", args=["mali"]), query)
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.fixture
def data(seeded: Any) -> Any:
    """DRC's incidents, and a few of AMSS's: AMSS's partner sees their own small counts, so
    their tables go through suppression and hide some figures."""
    w = seeded.world
    many(7, w.operation, w.drc, seeded.bandiagara, JAN, "R02")
    many(6, w.operation, w.drc, seeded.bandiagara, FEB, "R05")
    many(2, w.operation, w.amss, seeded.djenne, JAN, "R11")
    many(3, w.operation, w.amss, seeded.djenne, FEB, "R02", people=(("M", "0-4", 1),))
    return seeded


def test_dashboard_draws_three_named_inline_charts_and_no_chart_image(
    data: Any, as_user: Any
) -> None:
    body = dashboard(as_user(data.world.coordinator))
    svgs = charts(body)
    assert len(svgs) == 3
    names = [parsed(svg).get("aria-label") or "" for svg in svgs]
    assert names[0].startswith("Line chart: ")
    assert names[1].startswith("Bar chart: ")
    assert names[2].endswith("The tables below give the figures.")
    for svg in svgs:
        assert svg.startswith('<svg class="chart" role="img" aria-label="')
        assert "style=" not in svg
        assert "<style" not in svg
        assert "<script" not in svg
    assert '<img class="chart"' not in body
    # The PNG stays a download, not an image of the page.
    assert 'href="/o/mali/monitoring/analysis/chart/?chart=trend' in body
    assert 'src="/o/mali/monitoring/analysis/chart/' not in body


def test_dashboard_bars_are_the_tables_risks_and_figures(data: Any, as_user: Any) -> None:
    response = as_user(data.world.coordinator).get(reverse("monitoring:analysis", args=["mali"]))
    _trend, top, _groups = charts(response.content.decode())
    table = response.context["top"]
    assert texts(top, "title") == [
        f"{label}: {'Hidden to protect people' if cells[0] is None else cells[0]}"
        for key, label, cells, _total in table.rows()
        if key != POOLED
    ]


def test_a_hostile_risk_name_is_text_in_the_charts(data: Any, as_user: Any) -> None:
    ProtectionRisk.objects.filter(operation=data.world.operation, code="R02").update(
        name_en=HOSTILE
    )
    body = dashboard(as_user(data.world.coordinator))
    assert "<script>alert(1)</script>" not in body
    trend, top, _groups = charts(body)
    assert f"2. {HOSTILE}: 7" in texts(top, "title")
    assert f"2. {HOSTILE}"[:41] + "…" in texts(top, "text")
    assert any(t.startswith(f"2. {HOSTILE}, ") for t in texts(trend, "title"))
    assert f"2. {HOSTILE}"[:35] + "…" in texts(trend, "text")


def test_hidden_figures_are_no_bars_not_zeros(data: Any, as_user: Any) -> None:
    # AMSS's partner: their own 2 incidents of R11 are shown to them as hidden in a table that
    # holds DRC's records too, and R05's 6 beside them (else 2 could be worked out).
    body = dashboard(as_user(data.world.partner))
    _trend, top, groups = charts(body)
    for svg in (top, groups):
        bars = list(parsed(svg).iter("g"))
        hidden = [bar for bar in bars if texts_of(bar)[-1] == "—"]
        assert hidden
        for bar in hidden:
            assert bar.findall("rect") == []
            assert (bar.findtext("title") or "").endswith(": Hidden to protect people")
        assert all(len(bar.findall("rect")) == 1 for bar in bars if bar not in hidden)
    assert (
        "5. Discrimination and stigmatization, denial of resources, opportunities, services "
        "and/or humanitarian access: Hidden to protect people" in texts(top, "title")
    )


def texts_of(element: Element) -> list[str]:
    return [t.text or "" for t in element.iter("text")]


def test_months_without_incidents_are_gaps_in_the_trend_line(years: Any, as_user: Any) -> None:
    body = dashboard(as_user(years.world.imo), month_from="2019-01", month_to="2026-09")
    root = parsed(charts(body)[0])
    # 17 months with incidents (2019-03 and 2025-06 to 2026-09), of 93: a point each, no zero
    # for the 76 months without data; the lone month of 2019 is a point, not joined to 2025.
    assert len(list(root.iter("circle"))) == 17
    assert [len((p.get("points") or "").split()) for p in root.iter("polyline")] == [16]


def test_chart_months_and_names_in_french(years: Any, as_user: Any) -> None:
    user = years.world.imo
    user.language = "fr"
    user.save()
    svgs = charts(dashboard(as_user(user)))
    months = [
        datetime.date(2025, 10 + i, 1) if i < 3 else datetime.date(2026, i - 2, 1)
        for i in range(12)
    ]
    labels = texts(svgs[0], "text")
    assert [month_abbr(m, "fr") for m in months] == [
        "oct. 2025",
        "nov. 2025",
        "déc. 2025",
        "janv. 2026",
        "févr. 2026",
        "mars 2026",
        "avr. 2026",
        "mai 2026",
        "juin 2026",
        "juil. 2026",
        "août 2026",
        "sept. 2026",
    ]
    for month in months:
        assert month_abbr(month, "fr") in labels
    assert "Jan 2026" not in labels
    assert (parsed(svgs[0]).get("aria-label") or "").startswith("Graphique linéaire : ")
