"""Finding the place of an imported row: by its coordinates (point in polygon against the loaded
boundaries), and reading coordinates as files give them. Importers use it beside
`tutela.core.pcodes.GazetteerIndex` (P-codes and names).

Coordinates in secondary-source files (ACLED's `latitude`/`longitude`, a Kobo `_gps_latitude`)
are more reliable than their admin names, which often follow older boundaries: where both are
given, the importer places the row by its coordinates and says when the names disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from tutela.core.models import AdminArea
from tutela.core.pcodes import AreaRef


class PointLocator:
    """The deepest admin area whose boundary holds a point, among the areas given."""

    def __init__(self, shapes: Iterable[tuple[AreaRef, Any]]) -> None:
        self._areas: list[AreaRef] = []
        geometries = []
        for area, geometry in shapes:
            try:
                polygon = shape(geometry)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError):
                # A broken geometry cannot hold a point; the others still can.
                continue
            if polygon.is_empty:
                continue
            self._areas.append(area)
            geometries.append(polygon)
        self._tree = STRtree(geometries) if geometries else None
        self._geometries = geometries
        for polygon in geometries:
            shapely.prepare(polygon)

    @classmethod
    def for_countries(cls, country_pcodes: Iterable[str]) -> PointLocator:
        rows = (
            AdminArea.objects.filter(
                country_pcode__in=list(country_pcodes), geometry__isnull=False, level__gte=1
            )
            .values_list(
                "id", "pcode", "name", "level", "parent__pcode", "country_pcode", "geometry"
            )
            .iterator(chunk_size=200)
        )
        return cls((AreaRef(*row[:6]), row[6]) for row in rows)

    def __len__(self) -> int:
        return len(self._areas)

    def locate(self, latitude: float, longitude: float) -> AreaRef | None:
        """The deepest area holding the point (on a shared border: the first found)."""
        if self._tree is None:
            return None
        point = Point(longitude, latitude)
        found = [
            self._areas[int(i)]
            for i in self._tree.query(point)
            if self._geometries[int(i)].covers(point)
        ]
        if not found:
            return None
        return max(found, key=lambda area: (area.level, -area.id))


def parse_coordinate(value: Any, *, limit: float) -> float | None:
    """A decimal degree within ±`limit` (90 for latitudes, 180 for longitudes); a decimal comma
    is accepted ("14,35"). None when blank; ValueError when not such a number."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        number = float(text.replace(",", ".")) if text.count(",") <= 1 else float("nan")
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(value)
    return number
