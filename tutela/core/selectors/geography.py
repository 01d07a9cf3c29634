"""Reads of the operation's geography: its countries' P-codes, admin areas of a level, and their
boundaries as GeoJSON."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q, QuerySet

from tutela.core.models import AdminArea, Operation


def country_pcodes(operation: Operation) -> list[str]:
    return list(operation.countries.values_list("pcode", flat=True))


def areas_for_operation(
    operation: Operation, *, level: int, parent_pcode: str = ""
) -> QuerySet[AdminArea]:
    """The admin areas of one level within the operation's countries (optionally below one
    parent area, at any depth)."""
    queryset = AdminArea.objects.filter(
        country_pcode__in=country_pcodes(operation), level=level
    ).select_related("parent")
    if parent_pcode:
        # Walk up the parent links rather than trusting P-code prefixes.
        below = Q()
        for depth in range(1, 6):
            below |= Q(**{"__".join(["parent"] * depth) + "__pcode": parent_pcode})
        queryset = queryset.filter(below)
    return queryset.order_by("pcode")


def area_feature_collection(areas: QuerySet[AdminArea]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946) of the areas that have a boundary."""
    features = []
    rows = areas.filter(geometry__isnull=False).values_list(
        "pcode", "name", "level", "parent__pcode", "geometry"
    )
    for pcode, name, level, parent_pcode, geometry in rows:
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        if not geometry:
            continue
        features.append(
            {
                "type": "Feature",
                "id": pcode,
                "geometry": geometry,
                "properties": {
                    "pcode": pcode,
                    "name": name,
                    "level": level,
                    "parent_pcode": parent_pcode or "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
