"""5W analysis pages: pivot table (with XLSX/CSV export), presence and coverage maps (Leaflet in
the page, PNG for reports) and the gap list.

Thin views: the operation comes from the access layer (404 for anyone without a role in it), the
query string goes through `AnalysisForm`, and one selector answers; visibility, the counting rule
and small-count suppression live in `tutela.activities.selectors`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from tutela.activities import maps, selectors
from tutela.activities.analysis_forms import AnalysisForm
from tutela.activities.services.analysis import gaps_export, pivot_export
from tutela.core import access
from tutela.core.models import Operation
from tutela.core.selectors import area_feature_collection, areas_for_operation

DEFAULT_PIVOT = ["admin1", "activity"]
PAGE_SIZE = 50
EXPORT_FORMATS = ("xlsx", "csv")


def _operation(request: HttpRequest, slug: str) -> Operation:
    return access.operation_get_for_user(request.user, slug)


def _query(request: HttpRequest, **changes: Any) -> str:
    """The current query string without the page and format, with `changes` applied."""
    params: QueryDict = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _context(request: HttpRequest, operation: Operation, **extra: Any) -> dict[str, Any]:
    return {
        "operation": operation,
        "is_manager": access.is_manager(request.user, operation),
        "nav_active": "5w",
        **extra,
    }


def _page(request: HttpRequest, items: list[Any]) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _has_rows(request: HttpRequest, operation: Operation) -> bool:
    return selectors.visible_rows(request.user, operation).exists()


def _language(request: HttpRequest) -> str:
    return (getattr(request, "LANGUAGE_CODE", "") or get_language() or "en")[:2]


# --- Pivot ---------------------------------------------------------------------------------------


@login_required
@require_GET
def pivot_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = AnalysisForm(operation, request.GET or None)
    rows_by = form.rows_by(default=DEFAULT_PIVOT)
    result = selectors.pivot(
        user=request.user, operation=operation, rows_by=rows_by, filters=form.filters()
    )
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        content, filename, content_type = pivot_export(
            by=request.user, operation=operation, result=result, format=fmt, request=request
        )
        return _download(content, filename, content_type)
    dims = [
        ("", "—"),
        *((d, selectors.dimension_label(operation, d)) for d in selectors.DIMENSIONS),
    ]
    pickers = [
        {"name": f"row{i + 1}", "selected": rows_by[i] if i < len(rows_by) else ""}
        for i in range(selectors.MAX_DIMENSIONS)
    ]
    export_query = _query(request, rows=",".join(rows_by), row1="", row2="", row3="")
    return render(
        request,
        "activities/analysis/pivot.html",
        _context(
            request,
            operation,
            form=form,
            result=result,
            page=_page(request, result.rows),
            total_cells=result.total_cells,
            dims=dims,
            pickers=pickers,
            has_rows=result.rows or _has_rows(request, operation),
            export_query=export_query,
            filter_fields=[
                form[name]
                for name in (
                    "month_from",
                    "month_to",
                    "body",
                    "activity",
                    "organisation",
                    "area",
                    "population_group",
                    "status",
                    "validated_only",
                )
            ],
        ),
    )


# --- Maps ----------------------------------------------------------------------------------------


def _map_form(request: HttpRequest, operation: Operation) -> AnalysisForm:
    return AnalysisForm(operation, request.GET or None)


def _level_areas(operation: Operation, level: int) -> Any:
    return areas_for_operation(operation, level=level)


def _presence(request: HttpRequest, operation: Operation, form: AnalysisForm) -> Any:
    filters = form.filters()
    return selectors.presence(
        user=request.user,
        operation=operation,
        level=form.area_level(),
        body=filters.body,
        month_from=filters.month_from,
        month_to=filters.month_to,
    )


def _coverage(request: HttpRequest, operation: Operation, form: AnalysisForm) -> Any:
    filters = form.filters()
    return selectors.coverage(
        user=request.user,
        operation=operation,
        level=form.area_level(),
        body=filters.body,
        population_group=filters.population_group,
        month_from=filters.month_from,
        month_to=filters.month_to,
        year=form.value("year"),
    )


def _ratio(request: HttpRequest) -> str:
    return "targeted" if request.GET.get("ratio") == "targeted" else "pin"


def _number(value: Any) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{formats.number_format(value, decimal_pos=1, use_l10n=True)} %"


def _reached_text(value: int | None, threshold: int) -> str:
    return f"<{threshold}" if value is None else _number(value)


def _presence_popup(area: selectors.AreaPresence) -> list[list[str]]:
    if area.organisations is None:
        names = _("Not shown (insecure area)")
    else:
        names = ", ".join(area.organisations) or "—"
    return [[_("Partners"), _number(area.partners)], [_("Organisations"), names]]


def _coverage_popup(area: selectors.AreaCoverage, threshold: int) -> list[list[str]]:
    return [
        [_("People reached"), _reached_text(area.reached, threshold)],
        [_("Targeted"), _number(area.targeted)],
        [_("People in need"), _number(area.people_in_need)],
        [_("Reached ÷ people in need"), _percent(area.pct_pin)],
        [_("Reached ÷ targeted"), _percent(area.pct_targeted)],
        [_("Severity"), _number(area.severity)],
        [_("Partners"), _number(area.partners)],
    ]


def _geojson_response(collection: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def _joined(
    operation: Operation,
    level: int,
    values: dict[str, dict[str, Any]],
    scale: maps.Scale,
    title: str,
) -> dict[str, Any]:
    """The level's boundaries with each area's value, colour and pop-up lines."""
    collection = area_feature_collection(_level_areas(operation, level))
    for feature in collection["features"]:
        info = values.get(feature["id"], {})
        value = info.get("value")
        feature["properties"].update(
            {
                "value": value,
                "value_text": info.get("value_text", "—"),
                "fill": scale.color(value),
                "popup": info.get("popup", []),
            }
        )
    collection["legend"] = [{"label": label, "color": color} for label, color in scale.legend()]
    collection["title"] = title
    return collection


def _presence_values(result: Any) -> dict[str, dict[str, Any]]:
    return {
        area.pcode: {
            "value": area.partners,
            "value_text": _("%(count)s partner(s)") % {"count": _number(area.partners)},
            "popup": _presence_popup(area),
        }
        for area in result.areas
    }


def _coverage_values(result: Any, ratio: str) -> dict[str, dict[str, Any]]:
    out = {}
    for area in result.areas:
        value = area.pct_targeted if ratio == "targeted" else area.pct_pin
        out[area.pcode] = {
            "value": value,
            "value_text": _percent(value),
            "popup": _coverage_popup(area, result.threshold),
        }
    return out


def _presence_title(operation: Operation, level: int) -> str:
    return _("Partners present per %(level)s") % {"level": operation.level_label(level)}


def _coverage_title(ratio: str) -> str:
    if ratio == "targeted":
        return _("People reached ÷ people targeted")
    return _("People reached ÷ people in need")


def _map_context(
    request: HttpRequest, operation: Operation, form: AnalysisForm, kind: str
) -> dict[str, Any]:
    query = _query(request)
    return {
        "form": form,
        "level": form.area_level(),
        "level_label": operation.level_label(form.area_level()),
        "geojson_url": f"{reverse(f'activities:{kind}_geojson', args=[operation.slug])}?{query}",
        "png_url": f"{reverse(f'activities:{kind}_png', args=[operation.slug])}?{query}",
        "has_rows": _has_rows(request, operation),
        "has_boundaries": _level_areas(operation, form.area_level())
        .filter(geometry__isnull=False)
        .exists(),
    }


@login_required
@require_GET
def presence_map(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    result = _presence(request, operation, form)
    return render(
        request,
        "activities/analysis/presence.html",
        _context(
            request,
            operation,
            result=result,
            page=_page(request, sorted(result.areas, key=lambda a: (-a.partners, a.name))),
            legend=maps.PRESENCE_SCALE.legend(with_no_data=False),
            title=_presence_title(operation, form.area_level()),
            filter_fields=[form[n] for n in ("level", "body", "month_from", "month_to")],
            **_map_context(request, operation, form, "presence"),
        ),
    )


@gzip_page
@login_required
@require_GET
def presence_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    result = _presence(request, operation, form)
    return _geojson_response(
        _joined(
            operation,
            form.area_level(),
            _presence_values(result),
            maps.PRESENCE_SCALE,
            _presence_title(operation, form.area_level()),
        )
    )


@login_required
@require_GET
def coverage_map(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    result = _coverage(request, operation, form)
    ratio = _ratio(request)
    return render(
        request,
        "activities/analysis/coverage.html",
        _context(
            request,
            operation,
            result=result,
            page=_page(request, result.areas),
            ratio=ratio,
            legend=maps.COVERAGE_SCALE.legend(),
            title=_coverage_title(ratio),
            filter_fields=[
                form[n]
                for n in ("level", "body", "population_group", "month_from", "month_to", "year")
            ],
            **_map_context(request, operation, form, "coverage"),
        ),
    )


@gzip_page
@login_required
@require_GET
def coverage_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    result = _coverage(request, operation, form)
    ratio = _ratio(request)
    return _geojson_response(
        _joined(
            operation,
            form.area_level(),
            _coverage_values(result, ratio),
            maps.COVERAGE_SCALE,
            _coverage_title(ratio),
        )
    )


def _png(
    operation: Operation,
    level: int,
    values: dict[str, float | None],
    *,
    title: str,
    subtitle: str,
    legend_label: str,
    scale: maps.Scale,
    language: str,
    filename: str,
) -> HttpResponse:
    geometries = {
        pcode: geometry
        for pcode, geometry in _level_areas(operation, level)
        .filter(geometry__isnull=False)
        .values_list("pcode", "geometry")
    }
    content = maps.render_choropleth_png(
        areas=geometries,
        values=values,
        title=title,
        subtitle=subtitle,
        legend_label=legend_label,
        language=language,
        scale=scale,
    )
    response = HttpResponse(content, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def presence_png(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    result = _presence(request, operation, form)
    level = form.area_level()
    return _png(
        operation,
        level,
        {a.pcode: a.partners for a in result.areas},
        title=_presence_title(operation, level),
        subtitle=operation.name,
        legend_label=_("Partners"),
        scale=maps.PRESENCE_SCALE,
        language=_language(request),
        filename=f"{operation.slug}-presence-adm{level}.png",
    )


@login_required
@require_GET
def coverage_png(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    result = _coverage(request, operation, form)
    ratio = _ratio(request)
    level = form.area_level()
    values = {a.pcode: (a.pct_targeted if ratio == "targeted" else a.pct_pin) for a in result.areas}
    return _png(
        operation,
        level,
        values,
        title=_coverage_title(ratio),
        subtitle=f"{operation.name} · {result.year}",
        legend_label=_("Coverage"),
        scale=maps.COVERAGE_SCALE,
        language=_language(request),
        filename=f"{operation.slug}-coverage-adm{level}.png",
    )


# --- Gaps ----------------------------------------------------------------------------------------


@login_required
@require_GET
def gaps_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _operation(request, slug)
    form = _map_form(request, operation)
    filters = form.filters()
    threshold = form.value("threshold", selectors.DEFAULT_GAP_THRESHOLD)
    result = selectors.gaps(
        user=request.user,
        operation=operation,
        level=form.area_level(),
        body=filters.body,
        population_group=filters.population_group,
        month_from=filters.month_from,
        month_to=filters.month_to,
        year=form.value("year"),
        threshold_pct=threshold,
    )
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        content, filename, content_type = gaps_export(
            by=request.user, operation=operation, result=result, format=fmt, request=request
        )
        return _download(content, filename, content_type)
    return render(
        request,
        "activities/analysis/gaps.html",
        _context(
            request,
            operation,
            form=form,
            result=result,
            page=_page(request, result.gaps),
            level_label=operation.level_label(form.area_level()),
            export_query=_query(request),
            filter_fields=[
                form[n]
                for n in (
                    "level",
                    "body",
                    "population_group",
                    "month_from",
                    "month_to",
                    "year",
                    "threshold",
                )
            ],
        ),
    )
