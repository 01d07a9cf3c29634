"""Funding charts (PNG or SVG), drawn with matplotlib's Agg canvas on a bare Figure (no pyplot
global state: safe in a threaded server), as the monitoring charts are. Labels and titles come in
already translated."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

REQUIRED_COLOR = "#c6dbef"
FUNDED_COLOR = "#2c7fb8"
# The chart shows the largest rows; the table and the exports have them all.
MAX_BARS = 20


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _render(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        FigureCanvasSVG(figure)
        figure.savefig(buffer, format="svg", facecolor="white")
    else:
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="png", dpi=100, facecolor="white")
    return buffer.getvalue()


def coverage_chart(
    labels: Sequence[str],
    requirements: Sequence[Decimal],
    funded: Sequence[Decimal],
    title: str,
    *,
    fmt: str = "png",
) -> bytes:
    """Requirements (light) and funding received (dark) per row, largest requirements first,
    with the share funded written beside each bar."""
    rows = list(zip(labels, requirements, funded, strict=True))[:MAX_BARS]
    height = max(2.5, 0.42 * len(rows) + 1.4)
    figure = Figure(figsize=(8, height), dpi=100, layout="constrained")
    ax = figure.add_subplot()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    if not rows:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("No data"), ha="center", va="center")
        return _render(figure, fmt)
    positions = list(range(len(rows)))[::-1]
    required = [float(r[1]) for r in rows]
    received = [float(r[2]) for r in rows]
    ax.barh(positions, required, color=REQUIRED_COLOR, label=_("Requirements"))
    ax.barh(positions, received, height=0.45, color=FUNDED_COLOR, label=_("Funding received"))
    ax.set_yticks(positions, [_short(str(r[0])) for r in rows], fontsize=8)
    top = max(required + received + [1.0])
    for position, need, got in zip(positions, required, received, strict=True):
        share = f"{100 * got / need:.0f} %" if need else "—"
        ax.text(max(need, got) + top * 0.01, position, share, va="center", fontsize=8)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(_("US dollars"))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _render(figure, fmt)
