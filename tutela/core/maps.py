"""Choropleth maps of the 5W: the colour scales shared by the Leaflet maps in the pages and the PNG
maps for reports, and the PNG renderer (matplotlib's Agg canvas + shapely; no tiles, no network).

The renderer builds a bare `Figure` with its own canvas instead of going through pyplot, which
keeps global state and is not safe in a threaded server.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from shapely.geometry import MultiPolygon, Polygon, shape

NO_DATA_COLOR = "#d9d9d9"
EDGE_COLOR = "#555555"


@dataclass(frozen=True)
class Scale:
    """Classes of values and their colours. `bounds` are the lower bounds of the classes after
    the first, in increasing order (len(colors) == len(bounds) + 1); values of None have no data.
    `label` builds the legend text of a class from its bounds (low, high-or-None), at call time so
    that it comes out in the active language."""

    bounds: tuple[float, ...]
    colors: tuple[str, ...]
    label: Callable[[float | None, float | None], str]
    no_data_label: Callable[[], str] = lambda: _("No data")

    def index(self, value: float | None) -> int | None:
        if value is None:
            return None
        position = 0
        for bound in self.bounds:
            if value >= bound:
                position += 1
        return position

    def color(self, value: float | None) -> str:
        position = self.index(value)
        return NO_DATA_COLOR if position is None else self.colors[position]

    def legend(self, *, with_no_data: bool = True) -> list[tuple[str, str]]:
        """(label, colour) per class, lowest first."""
        items = []
        lows: list[float | None] = [None, *self.bounds]
        highs: list[float | None] = [*self.bounds, None]
        for low, high, color in zip(lows, highs, self.colors, strict=True):
            items.append((self.label(low, high), color))
        if with_no_data:
            items.append((self.no_data_label(), NO_DATA_COLOR))
        return items


def _number(value: float) -> str:
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def _partners_label(low: float | None, high: float | None) -> str:
    if low is None:
        return _("No partner")
    if high is None:
        return _("%(low)s or more") % {"low": _number(low)}
    if high - low <= 1:
        return _number(low)
    return _("%(low)s to %(high)s") % {"low": _number(low), "high": _number(high - 1)}


def _percent_label(low: float | None, high: float | None) -> str:
    if low is None:
        return _("Under %(high)s%%") % {"high": _number(high or 0)}
    if high is None:
        return _("%(low)s%% or more") % {"low": _number(low)}
    return _("%(low)s%% to under %(high)s%%") % {"low": _number(low), "high": _number(high)}


# Number of partners per area: orange for none (a gap, told apart at a glance from one partner),
# then darker blues (ColorBrewer Blues); the near-white of "none" looked like the pale blue of 1.
PRESENCE_SCALE = Scale(
    bounds=(1, 2, 4, 7),
    colors=("#fdae6b", "#c6dbef", "#6baed6", "#2171b5", "#08306b"),
    label=_partners_label,
    no_data_label=lambda: _("No data"),
)

# Coverage in percent: red (low) to blue (met); ColorBrewer RdYlBu, safe for colour blindness.
COVERAGE_SCALE = Scale(
    bounds=(25, 50, 75, 100),
    colors=("#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"),
    label=_percent_label,
    no_data_label=lambda: _("No planning figures"),
)


def _round_step(raw: float) -> float:
    """The readable step (1, 2, 2.5 or 5 times a power of ten) nearest to `raw`: class breaks a
    reader can hold (100, 200, 300), not 109, 218, 327."""
    base = 10.0 ** math.floor(math.log10(raw))
    return min((m * base for m in (1, 2, 2.5, 5, 10)), key=lambda step: abs(step - raw))


def auto_scale(values: Sequence[float]) -> Scale:
    """Five equal classes from zero, at a readable step near a fifth of the largest value (for
    ad-hoc maps); whole numbers from a step of 1 up."""
    top = max([v for v in values if v is not None] or [0]) or 1
    step = _round_step(top / 5)
    # Counts are cut at whole numbers (a rate may be cut at 0.2 or 0.5).
    if all(float(v).is_integer() for v in values if v is not None):
        step = float(max(1, round(step)))
    decimals = 0 if float(step).is_integer() else (1 if float(step * 10).is_integer() else 2)
    bounds = tuple(round(step * i, 6) for i in range(1, 5))

    def number(value: float) -> str:
        return formats.number_format(
            value, decimal_pos=decimals, use_l10n=True, force_grouping=True
        )

    def label(low: float | None, high: float | None) -> str:
        if low is None:
            return _("Under %(high)s") % {"high": number(high or 0)}
        if high is None:
            return _("%(low)s or more") % {"low": number(low)}
        return _("%(low)s to under %(high)s") % {"low": number(low), "high": number(high)}

    return Scale(
        bounds=bounds,
        colors=("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
        label=label,
    )


def _rings(geometry: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    """Polygon outlines and holes of a GeoJSON geometry, as lists of (x, y)."""
    try:
        shp = shape(geometry)
    except (ValueError, TypeError, KeyError, AttributeError):
        return []
    polygons: list[Polygon]
    if isinstance(shp, Polygon):
        polygons = [shp]
    elif isinstance(shp, MultiPolygon):
        polygons = list(shp.geoms)
    else:
        polygons = [g for g in getattr(shp, "geoms", []) if isinstance(g, Polygon)]
    rings = []
    for polygon in polygons:
        if polygon.is_empty:
            continue
        rings.append([(float(x), float(y)) for x, y, *_z in polygon.exterior.coords])
        for interior in polygon.interiors:
            rings.append([(float(x), float(y)) for x, y, *_z in interior.coords])
    return rings


def _path(rings: list[list[tuple[float, float]]]) -> Path | None:
    vertices: list[tuple[float, float]] = []
    codes: list[Any] = []
    for ring in rings:
        if len(ring) < 3:
            continue
        vertices.extend(ring)
        codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY])
    return Path(vertices, codes) if vertices else None


def render_choropleth_png(
    *,
    areas: Mapping[str, Mapping[str, Any]],
    values: Mapping[str, float | None],
    title: str,
    legend_label: str,
    language: str,
    scale: Scale | None = None,
    subtitle: str = "",
    width_px: int = 1000,
    dpi: int = 100,
) -> bytes:
    """A PNG choropleth: `areas` maps P-codes to GeoJSON geometries, `values` P-codes to the
    value shown (None or missing: no data). Texts come out in `language`."""
    scale = scale or auto_scale([v for v in values.values() if v is not None])
    with translation.override(language):
        figure = Figure(figsize=(width_px / dpi, width_px * 0.85 / dpi), dpi=dpi)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0.02, 0.02, 0.70, 0.86))
        ax.set_axis_off()
        xs: list[float] = []
        ys: list[float] = []
        for pcode, geometry in areas.items():
            path = _path(_rings(geometry))
            if path is None:
                continue
            color = scale.color(values.get(pcode))
            ax.add_patch(PathPatch(path, facecolor=color, edgecolor=EDGE_COLOR, linewidth=0.4))
            extent = path.get_extents()
            xs += [extent.x0, extent.x1]
            ys += [extent.y0, extent.y1]
        if xs:
            pad_x = (max(xs) - min(xs)) * 0.02 or 0.5
            pad_y = (max(ys) - min(ys)) * 0.02 or 0.5
            ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
            ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
            # Degrees of longitude shrink away from the equator.
            middle = math.radians((min(ys) + max(ys)) / 2)
            ax.set_aspect(1 / max(math.cos(middle), 0.2))
        else:
            ax.text(0.5, 0.5, _("No boundaries to draw."), ha="center", va="center")
        figure.text(0.02, 0.95, title, fontsize=15, fontweight="bold", va="top")
        if subtitle:
            figure.text(0.02, 0.91, subtitle, fontsize=9, color="#444444", va="top", wrap=True)
        missing = any(values.get(pcode) is None for pcode in areas)
        handles = [
            Patch(facecolor=color, edgecolor=EDGE_COLOR, label=label)
            for label, color in scale.legend(with_no_data=missing)
        ]
        figure.legend(
            handles=handles,
            title=legend_label,
            loc="center left",
            bbox_to_anchor=(0.73, 0.5),
            frameon=False,
            fontsize=9,
            title_fontsize=10,
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
