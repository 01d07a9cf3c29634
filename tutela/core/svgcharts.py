"""Bar and line charts as inline SVG, drawn on the server into the page's HTML (issue 14, page
weight): a few KB in the page instead of a PNG request each, sharp at any size.

- The Content-Security-Policy allows no inline style and no script: presentation attributes only
  (`fill`, `stroke`, `font-size`...); the width from the `svg.chart` rule of tutela/tutela.css.
- Labels come from users (risk names, areas): every text and attribute goes through format_html,
  which escapes it; only the numbers and the coordinates computed here are written as they are.
- A hidden (suppressed) value is None: no bar and a break in a line, never a zero.
- The root is `role="img"` named by `name` (what the chart shows and where the figures are); each
  bar and point holds a `<title>` with its label and figure, which a hover shows.
- Numbers as the active locale writes them (django.utils.formats.number_format).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# The viewBox's width: a phone shows it at about 0.75 of its size (14 -> 10.5 px text), a wide
# screen (up to the max-width of svg.chart in tutela/tutela.css, 640 px) at 1.33.
WIDTH = 480
FONT = 14
SMALL = 12
# About the width of a digit at FONT.
DIGIT = 8
TEXT = "#1b1f24"
GRID = "#c9d1d9"
# Bars: a label line above each bar (long names keep the whole width, even on a phone).
BAR_ROW = 38
BAR_HEIGHT = 12
# Lines: the plot's height, the room under it for the months, and a legend line per series.
PLOT_TOP = 8
PLOT_HEIGHT = 180
MONTHS_ROOM = 70
LEGEND_ROW = 20
MAX_TICK_LABELS = 12


def shorten(label: str, limit: int = 42) -> str:
    """A long label cut with "…" (as the PNG charts do)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def number(value: float | None) -> str:
    if value is None:
        return "—"
    decimals = 0 if float(value).is_integer() else 1
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _xy(value: float) -> str:
    """A whole coordinate: a viewBox unit is under 1.5 px even on a wide screen, and each
    decimal would add bytes to every point."""
    return str(round(value))


def _svg(name: str, height: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%"'
        ' font-size="{}" fill="{}">{}</svg>',
        name,
        WIDTH,
        _xy(height),
        FONT,
        TEXT,
        body,
    )


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _no_data(name: str) -> SafeString:
    text = format_html(
        '<text x="{}" y="30" text-anchor="middle">{}</text>', WIDTH // 2, _("No data")
    )
    return _svg(name, 50, text)


def _title(label: str, value: float | None) -> str:
    figure = _("Hidden to protect people") if value is None else number(value)
    return f"{label}: {figure}"


# --- Bars ---


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[float | None], *, name: str, color: str
) -> SafeString:
    """Horizontal bars, first label on top; each label on its line above its bar."""
    if not labels:
        return _no_data(name)
    top = max([v for v in values if v is not None] or [0]) or 1
    # Room at the right of the longest bar for its figure.
    scale = (WIDTH - 8 - DIGIT * len(number(top))) / top
    rows = [
        _bar(index, str(label), value, scale, color)
        for index, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    return _svg(name, len(rows) * BAR_ROW + 4, _join(rows))


def _bar(index: int, label: str, value: float | None, scale: float, color: str) -> SafeString:
    """A bar's label on its line, then the bar (none for a hidden value) and its figure."""
    y = index * BAR_ROW
    # A count of one still shows as a sliver; a zero is no bar, but says 0.
    length = max(value * scale, 1.0) if value else 0.0
    rect = (
        SafeString("")
        if value is None
        else format_html(
            '<rect y="{}" width="{}" height="{}" fill="{}"/>',
            y + 19,
            _xy(length),
            BAR_HEIGHT,
            color,
        )
    )
    return format_html(
        '<g><title>{}</title><text y="{}">{}</text>{}<text x="{}" y="{}">{}</text></g>',
        _title(label, value),
        y + 14,
        shorten(label),
        rect,
        _xy(length + 4),
        y + 30,
        number(value),
    )


def coverage_chart_svg(
    rows: Sequence[tuple[str, float, float]],
    *,
    name: str,
    legend: tuple[str, str],
    colors: tuple[str, str],
) -> SafeString:
    """Requirements (a light bar) and what was received (a darker, thinner bar over it) per row,
    first row on top, the share received written after the longer bar; a legend below."""
    if not rows:
        return _no_data(name)
    top = max(max(need, got) for _label, need, got in rows) or 1
    scale = (WIDTH - 8 - DIGIT * 5) / top
    light, dark = colors
    parts = []
    for index, (label, need, got) in enumerate(rows):
        y = index * BAR_ROW
        share = f"{number(100 * got / need)} %" if need else "—"
        parts.append(
            format_html(
                '<g><title>{}: {} / {} ({})</title><text y="{}">{}</text>'
                '<rect y="{}" width="{}" height="{}" fill="{}"/>'
                '<rect y="{}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}">{}</text></g>',
                label,
                number(got),
                number(need),
                share,
                y + 14,
                shorten(label),
                y + 19,
                _xy(need * scale),
                BAR_HEIGHT,
                light,
                y + 22,
                _xy(got * scale),
                BAR_HEIGHT - 6,
                dark,
                _xy(max(need, got) * scale + 4),
                y + 30,
                share,
            )
        )
    y = len(rows) * BAR_ROW + LEGEND_ROW
    parts.append(
        format_html_join(
            "",
            '<rect x="8" y="{}" width="16" height="10" fill="{}"/><text x="30" y="{}">{}</text>',
            (
                (y + LEGEND_ROW * i - 10, color, y + LEGEND_ROW * i, text)
                for i, (color, text) in enumerate(zip(colors, legend, strict=True))
            ),
        )
    )
    return _svg(name, y + LEGEND_ROW + 4, _join(parts))


# --- Lines ---


def _nice_step(top: float, ticks: int = 4) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about `ticks` gridlines up to `top`."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def line_chart_svg(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    name: str,
    palette: Sequence[str],
) -> SafeString:
    """One line per series over the x labels (months), a legend under it; None is a gap."""
    if not x_labels or not series:
        return _no_data(name)
    top = max([v for values in series.values() for v in values if v is not None] or [0])
    step = _nice_step(top)
    ymax = step * math.ceil(max(top, 1) / step)
    ticks = [step * i for i in range(round(ymax / step) + 1)]
    # Room at the left for the figures, and for the first month's slanted name.
    left = max(58, 8 + DIGIT * max(len(number(t)) for t in ticks))
    xs = _x_positions(len(x_labels), left, WIDTH - 12)

    def y_of(value: float) -> float:
        return PLOT_TOP + PLOT_HEIGHT * (1 - value / ymax)

    axes = format_html(
        '<g font-size="{}" text-anchor="end">{}{}</g>',
        SMALL,
        _grid(ticks, y_of, left),
        _months(x_labels, xs),
    )
    lines = [
        _line(str(label), zip(xs, x_labels, values, strict=True), y_of, palette[i % len(palette)])
        for i, (label, values) in enumerate(series.items())
    ]
    legend = _legend([shorten(str(s), 36) for s in series], palette)
    height = PLOT_TOP + PLOT_HEIGHT + MONTHS_ROOM + LEGEND_ROW * len(series)
    return _svg(name, height, _join([axes, *lines, legend]))


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [(left + right) / 2]
    return [left + (right - left) * i / (count - 1) for i in range(count)]


def _grid(ticks: Sequence[float], y_of: Callable[[float], float], left: float) -> SafeString:
    """A light line at each tick, its figure at the left."""
    ys = [(_xy(y_of(tick)), tick) for tick in ticks]
    return format_html(
        '<g stroke="{}">{}</g>{}',
        GRID,
        format_html_join("", '<path d="M{} {}H{}"/>', ((left, y, WIDTH - 12) for y, _t in ys)),
        format_html_join(
            "", '<text x="{}" y="{}">{}</text>', ((left - 5, int(y) + 4, number(t)) for y, t in ys)
        ),
    )


def _months(x_labels: Sequence[str], xs: Sequence[float]) -> SafeString:
    """Every month's name, or every second or third one when there are many, slanted."""
    every = max(1, math.ceil(len(x_labels) / MAX_TICK_LABELS))
    y = PLOT_TOP + PLOT_HEIGHT + 14
    return format_html_join(
        "",
        '<text transform="translate({} {})rotate(-40)">{}</text>',
        ((_xy(x), y, label) for x, label in list(zip(xs, x_labels, strict=True))[::every]),
    )


def _line(
    label: str,
    points: Iterable[tuple[float, str, float | None]],
    y_of: Callable[[float], float],
    color: str,
) -> SafeString:
    """The runs of shown values as polylines (a hidden value or a month without data breaks
    the line), and a point with its title for each shown value."""
    runs: list[list[str]] = [[]]
    dots = []
    for x, month, value in points:
        if value is None:
            runs.append([])
            continue
        runs[-1].append(f"{_xy(x)},{_xy(y_of(value))}")
        dots.append((_xy(x), _xy(y_of(value)), _title(f"{label}, {month}", value)))
    return format_html(
        '<g fill="none" stroke="{}" stroke-width="2">{}</g><g fill="{}">{}</g>',
        color,
        format_html_join(
            "", '<polyline points="{}"/>', ((" ".join(run),) for run in runs if len(run) > 1)
        ),
        color,
        format_html_join("", '<circle cx="{}" cy="{}" r="3"><title>{}</title></circle>', dots),
    )


def _legend(names: Sequence[str], palette: Sequence[str]) -> SafeString:
    y = PLOT_TOP + PLOT_HEIGHT + MONTHS_ROOM
    return format_html_join(
        "",
        '<rect x="8" y="{}" width="16" height="4" fill="{}"/><text x="30" y="{}">{}</text>',
        (
            (y + LEGEND_ROW * i - 5, palette[i % len(palette)], y + LEGEND_ROW * i, label)
            for i, label in enumerate(names)
        ),
    )
