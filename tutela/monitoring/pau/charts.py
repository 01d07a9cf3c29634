"""The charts and the hot-spot map of a Protection Analysis Update (PNG, drawn with matplotlib's
Agg canvas on a bare Figure: no pyplot global state). The monthly line is the analysis pages'
chart (`analysis.charts`), so pages and products look the same."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tutela.core.maps import auto_scale, render_choropleth_png
from tutela.core.models import AdminArea
from tutela.monitoring.analysis.charts import line_chart_png
from tutela.monitoring.pau.figures import parse_period


def _figure(width_in: float = 8.0, height_in: float = 3.6) -> tuple[Any, Any]:
    figure = Figure(figsize=(width_in, height_in), dpi=110)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot(1, 1, 1)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def line_chart(title: str, labels: Sequence[str], values: Sequence[int | None]) -> bytes:
    """Monthly incidents; hidden months are gaps in the line. The analysis pages' chart when
    it is there (same look in pages and products)."""
    return line_chart_png(
        list(labels), {_("Incidents"): [None if v is None else float(v) for v in values]}, title
    )


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
) -> bytes:
    """Horizontal grouped bars (one group per category); hidden values are left out."""
    figure, ax = _figure(8.0, max(2.4, 0.42 * len(categories) + 1.2))
    height = 0.8 / max(len(series), 1)
    colors = ["#2c7fb8", "#a1dab4", "#253494"]
    positions = list(range(len(categories)))
    for index, (name, values) in enumerate(series):
        ys = [p + (len(series) - 1 - index) * height for p in positions]
        ax.barh(
            ys,
            [v or 0 for v in values],
            height=height,
            label=name,
            color=colors[index % len(colors)],
        )
    short = [c if len(c) <= 48 else c[:47] + "…" for c in categories]
    ax.set_yticks([p + height * (len(series) - 1) / 2 for p in positions], short, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11, loc="left")
    ax.grid(axis="x", color="#dddddd")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False)
    return _png(figure)


def hotspot_map(figures: dict[str, Any], language: str) -> bytes | None:
    """Choropleth of incidents per area in the period (per 10,000 people where every shown area
    has a population), hidden counts in grey."""
    rows = figures["by_area"]
    if not rows:
        return None
    geometries = dict(
        AdminArea.objects.filter(pcode__in=[r["pcode"] for r in rows]).values_list(
            "pcode", "geometry"
        )
    )
    with translation.override(language):
        use_rate = any(r["population"] for r in rows) and all(
            r["population"] for r in rows if r["current"]
        )
        if use_rate:
            values = {r["pcode"]: r["rate"] for r in rows}
            legend = _("Incidents per 10,000 people")
        else:
            values = {r["pcode"]: r["current"] for r in rows}
            legend = _("Incidents")
        scale = replace(
            auto_scale([v for v in values.values() if v is not None]),
            no_data_label=lambda: _("Not shown (small numbers)"),
        )
        title = _("Hot spots: incidents by area")
        subtitle = parse_period(figures["period"]).label()
    return render_choropleth_png(
        areas={p: g for p, g in geometries.items() if g},
        values=values,
        title=title,
        subtitle=subtitle,
        legend_label=legend,
        language=language,
        scale=scale,
        width_px=900,
    )
