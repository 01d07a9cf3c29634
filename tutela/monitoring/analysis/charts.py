"""Bar and line charts (PNG or SVG) for the analysis pages and the PAU, drawn with matplotlib's
Agg canvas on a bare Figure (no pyplot global state: safe in a threaded server), and the hot-spot
map PNG (tutela.core.maps.render_choropleth_png).

Labels and titles are passed in already translated; the chart's own texts (the "no data"
message) come out in the active language. Hidden (suppressed) values are passed as None and drawn
as gaps, never as zeros.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from tutela.core.maps import render_choropleth_png

# ColorBrewer "Set2"/"Dark2"-like palette, distinguishable for colour-blind readers.
PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#b2df8a",
)
BAR_COLOR = "#2c7fb8"


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _render(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        FigureCanvasSVG(figure)
        figure.savefig(buffer, format="svg", facecolor="white")
    else:
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="png", dpi=100, facecolor="white")
    return buffer.getvalue()


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    title: str,
    *,
    fmt: str = "png",
    value_label: str = "",
) -> bytes:
    """Horizontal bars, first label on top (long category names stay readable)."""
    height = max(2.5, 0.35 * len(labels) + 1.2)
    figure = _figure(8, height)
    ax = figure.add_subplot()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    shown = [(_short(str(label)), v) for label, v in zip(labels, values, strict=True)]
    if not shown:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("No data"), ha="center", va="center")
        return _render(figure, fmt)
    positions = list(range(len(shown)))[::-1]
    ax.barh(
        positions,
        [v if v is not None else 0 for _label, v in shown],
        color=BAR_COLOR,
    )
    ax.set_yticks(positions, [label for label, _v in shown], fontsize=8)
    top = max([v for _label, v in shown if v is not None] or [0])
    for position, (_label, v) in zip(positions, shown, strict=True):
        text = "—" if v is None else f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"
        ax.text((v or 0) + top * 0.01, position, text, va="center", fontsize=8)
    ax.set_xlim(0, top * 1.12 or 1)
    if value_label:
        ax.set_xlabel(value_label)
    ax.spines[["top", "right"]].set_visible(False)
    return _render(figure, fmt)


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    *,
    fmt: str = "png",
    y_label: str = "",
) -> bytes:
    """One line per series; None values are gaps."""
    figure = _figure(8, 4.2)
    ax = figure.add_subplot()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    if not x_labels or not series:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("No data"), ha="center", va="center")
        return _render(figure, fmt)
    xs = list(range(len(x_labels)))
    for index, (name, values) in enumerate(series.items()):
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(
            xs,
            ys,
            marker="o",
            markersize=3,
            linewidth=1.6,
            color=PALETTE[index % len(PALETTE)],
            label=_short(str(name), 36),
        )
    step = max(1, len(xs) // 12)
    ax.set_xticks(xs[::step], [str(x) for x in x_labels][::step], rotation=45, fontsize=8)
    ax.set_ylim(bottom=0)
    if y_label:
        ax.set_ylabel(y_label)
    ax.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _render(figure, fmt)


def bar_chart_png(labels: Sequence[str], values: Sequence[float | None], title: str) -> bytes:
    return bar_chart(labels, values, title, fmt="png")


def line_chart_png(
    x_labels: Sequence[str], series: dict[str, list[float | None]], title: str
) -> bytes:
    return line_chart(x_labels, series, title, fmt="png")


def hotspot_map_png(
    *,
    geometries: Mapping[str, Mapping[str, Any]],
    values: Mapping[str, float | None],
    title: str,
    legend_label: str,
    language: str,
    subtitle: str = "",
) -> bytes:
    """The hot-spot choropleth (P-code -> value; None: hidden or no data)."""
    return render_choropleth_png(
        areas=geometries,
        values=values,
        title=title,
        subtitle=subtitle,
        legend_label=legend_label,
        language=language,
    )
