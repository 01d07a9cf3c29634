"""Inline SVG charts (tutela.core.svgcharts): labels from users stay text, hidden values are gaps,
numbers as the language writes them, and nothing the Content-Security-Policy refuses."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring
from django.utils import translation

from tutela.core import svgcharts

HOSTILE = (
    "<script>alert(1)</script> \"quoted\" 'single' & </text></svg><img src=x onerror=alert(1)>"
)
PALETTE = ("#1b9e77", "#d95f02")


def _parse(svg: str) -> Element:
    """The chart as XML: it must be well-formed, whatever its labels hold."""
    root: Element = fromstring(svg)
    return root


def _texts(root: Element, tag: str) -> list[str]:
    return [element.text or "" for element in root.iter(tag)]


def test_hostile_labels_and_names_stay_text() -> None:
    bars = _parse(svgcharts.bar_chart_svg([HOSTILE], [3], name=HOSTILE, color="#2c7fb8"))
    lines = _parse(
        svgcharts.line_chart_svg([HOSTILE, "Feb"], {HOSTILE: [1, 2]}, name=HOSTILE, palette=PALETTE)
    )
    for root in (bars, lines):
        assert root.get("aria-label") == HOSTILE
        assert {element.tag for element in root.iter()} <= {
            "svg",
            "g",
            "text",
            "title",
            "rect",
            "path",
            "polyline",
            "circle",
        }
        assert not any(name.startswith("on") for e in root.iter() for name in e.attrib)
    assert _texts(bars, "title") == [f"{HOSTILE}: 3"]
    # The month's label (an x label) and the series' name in a point's title and the legend.
    assert HOSTILE in _texts(lines, "text")
    assert f"{HOSTILE}, {HOSTILE}: 1" in _texts(lines, "title")
    assert svgcharts.shorten(HOSTILE, 36) in _texts(lines, "text")


def test_charts_have_no_inline_style_or_script() -> None:
    for svg in (
        svgcharts.bar_chart_svg(["A", "B"], [3, None], name="Bars", color="#2c7fb8"),
        svgcharts.line_chart_svg(["Jan", "Feb"], {"A": [1, None]}, name="Lines", palette=PALETTE),
        svgcharts.bar_chart_svg([], [], name="Empty", color="#2c7fb8"),
    ):
        assert svg.startswith('<svg class="chart" role="img" aria-label="')
        assert 'width="100%"' in svg
        assert "viewBox=" in svg
        assert "style" not in svg
        assert "script" not in svg


def test_a_hidden_bar_is_no_bar_and_says_so() -> None:
    root = _parse(
        svgcharts.bar_chart_svg(["Shown", "Hidden", "None"], [5, None, 0], name="B", color="#000")
    )
    bars = root.findall("g")
    assert len(bars) == 3
    assert len(bars[0].findall("rect")) == 1
    # No bar at all where the value is hidden (not a bar of length zero), and its figure is "—".
    assert bars[1].findall("rect") == []
    assert _texts(bars[1], "text") == ["Hidden", "—"]
    assert _texts(bars[1], "title") == ["Hidden: Hidden to protect people"]
    # A real zero is a figure.
    assert _texts(bars[2], "text") == ["None", "0"]


def test_hidden_values_break_the_line() -> None:
    months = ["Jan", "Feb", "Mar", "Apr", "May"]
    root = _parse(
        svgcharts.line_chart_svg(
            months,
            {"A": [1, 2, None, 3, 4], "B": [None, 5, None, 6, None]},
            name="L",
            palette=PALETTE,
        )
    )
    polylines = [p.get("points", "").split() for p in root.iter("polyline")]
    # A: two runs of two months, no line through March; B: two lone points, no line at all.
    assert [len(points) for points in polylines] == [2, 2]
    titles = _texts(root, "title")
    assert len(list(root.iter("circle"))) == 6
    assert not any("Mar" in title for title in titles)
    assert "B, Feb: 5" in titles


def test_numbers_and_labels_in_the_active_language() -> None:
    with translation.override("fr"):
        bars = _parse(svgcharts.bar_chart_svg(["A", "B"], [1234, None], name="B", color="#000"))
        lines = _parse(
            svgcharts.line_chart_svg(["janv. 2026"], {"A": [2.5]}, name="L", palette=PALETTE)
        )
    assert "1\xa0234" in _texts(bars, "text")
    assert "B: Masqué pour protéger les personnes" in _texts(bars, "title")
    assert "A, janv. 2026: 2,5" in _texts(lines, "title")


def test_long_labels_are_shortened_on_the_chart_and_whole_in_the_title() -> None:
    label = "Discrimination et stigmatisation, déni de ressources et d'accès humanitaire"
    root = _parse(svgcharts.bar_chart_svg([label], [4], name="B", color="#000"))
    shown = _texts(root, "text")[0]
    assert shown.endswith("…")
    assert len(shown) == 42
    assert _texts(root, "title") == [f"{label}: 4"]


def test_coverage_bars_show_requirements_received_and_share() -> None:
    with translation.override("fr"):
        svg = svgcharts.coverage_chart_svg(
            [(HOSTILE, 400000.0, 100000.0), ("DRC", 0.0, 5000.0)],
            name="Couverture",
            legend=("Besoins", "Reçu"),
            colors=("#c6dbef", "#2c7fb8"),
        )
    root = _parse(svg)
    assert "style" not in svg
    assert "<script" not in svg
    assert root.get("aria-label") == "Couverture"
    # A title per row with what was received against what is required; the share beside it.
    assert _texts(root, "title") == [
        f"{HOSTILE}: 100\xa0000 / 400\xa0000 (25 %)",
        "DRC: 5\xa0000 / 0 (—)",
    ]
    assert "25 %" in _texts(root, "text")
    assert _texts(root, "text")[-2:] == ["Besoins", "Reçu"]
    widths = [int(r.get("width") or 0) for r in root.iter("rect")]
    # Requirements 4x what was received: the light bar is 4x the dark one.
    assert widths[0] == 4 * widths[1]
    # Nothing required: no light bar length, the received one still drawn.
    assert widths[2] == 0
    assert widths[3] > 0
