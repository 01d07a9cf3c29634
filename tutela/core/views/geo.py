"""The operation map: admin boundaries drawn with Leaflet, served as GeoJSON."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag, urlencode
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from tutela.core import access, selectors
from tutela.core.views.common import operation_for, paginate

# Boundaries change when a gazetteer is reloaded, rarely; browsers may keep them an hour.
GEOJSON_MAX_AGE = 3600


def _level(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) > 5:
        return None
    return int(raw)


@login_required
@require_GET
def map_view(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    levels = selectors.area_levels(operation)
    available = [level.level for level in levels]
    level = _level(request.GET.get("level"), available[0] if available else 1)
    if level not in available:
        level = available[0] if available else 1
    areas = selectors.areas_for_operation(operation, level=level)
    geojson_url = reverse("core:areas_geojson", args=[operation.slug])
    return render(
        request,
        "core/map.html",
        {
            "operation": operation,
            "is_manager": access.is_manager(request.user, operation),
            "levels": levels,
            "level": level,
            "level_label": operation.level_label(level),
            "geojson_url": f"{geojson_url}?{urlencode({'level': level})}",
            "page": paginate(request, areas),
        },
    )


@gzip_page
@login_required
@require_GET
def areas_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    """`?level=N` (default 1) and optional `parent=<P-code>`: the operation's admin areas of that
    level as a GeoJSON FeatureCollection with pcode, name, level and parent_pcode properties."""
    operation = operation_for(request, slug)
    level = _level(request.GET.get("level"), 1)
    if level is None:
        return HttpResponseBadRequest("level must be a number from 0 to 5")
    parent = (request.GET.get("parent") or "").strip().upper()[:20]
    areas = selectors.areas_for_operation(operation, level=level, parent_pcode=parent)
    stamp = areas.aggregate(n=Count("id"), last=Max("updated_at"))
    key = "|".join(
        [
            str(operation.pk),
            ",".join(selectors.country_pcodes(operation)),
            str(level),
            parent,
            str(stamp["n"]),
            stamp["last"].isoformat() if stamp["last"] else "",
        ]
    )
    etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        response: HttpResponse = not_modified
    else:
        response = JsonResponse(
            selectors.area_feature_collection(areas),
            content_type="application/geo+json",
            json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
        )
    response["ETag"] = etag
    # Private: the boundaries shown depend on the operations the signed-in user may see.
    patch_cache_control(response, private=True, max_age=GEOJSON_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response
