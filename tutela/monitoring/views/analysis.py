"""Monitoring analysis pages: dashboard (trend, top risks, affected groups, charts), hot-spot map
(Leaflet in the page, GeoJSON endpoint, PNG), community monitoring analysis;
CSV/XLSX exports of the aggregates.

Thin views: the operation comes from the access layer (404 for anyone without a role in it), the
query string goes through `MonitoringAnalysisForm`, and the selectors answer, with the disclosure
control for the requesting user (tutela.monitoring.selectors.base).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tutela.core import access, maps, svgcharts
from tutela.core.models import Operation
from tutela.core.month_names import month_abbr
from tutela.core.selectors import area_feature_collection, areas_for_operation
from tutela.core.views.common import current_user, download, image, operation_for, paginate
from tutela.monitoring import selectors
from tutela.monitoring.analysis import charts
from tutela.monitoring.forms.analysis import MonitoringAnalysisForm
from tutela.monitoring.selectors.base import POOLED, add_months
from tutela.monitoring.services.exports import tables_export

EXPORT_FORMATS = ("csv", "xlsx")
TREND_SERIES = 6


DEFAULT_MONTHS = 12


def _form(
    request: HttpRequest, operation: Operation, *, default_period: bool = True
) -> MonitoringAnalysisForm:
    """The query's filters; with no month given, the incident pages open on the last
    DEFAULT_MONTHS months that have data (not all history), shown in the month fields."""
    data: QueryDict | None = request.GET.copy() if request.GET else None
    if default_period and not (request.GET.get("month_from") or request.GET.get("month_to")):
        last = selectors.last_incident_month(user=current_user(request), operation=operation)
        if last is not None:
            data = data if data is not None else QueryDict(mutable=True)
            data["month_from"] = add_months(last, 1 - DEFAULT_MONTHS).strftime("%Y-%m")
            data["month_to"] = last.strftime("%Y-%m")
    return MonitoringAnalysisForm(operation, current_user(request), data)


def _query(request: HttpRequest, **changes: Any) -> str:
    params: QueryDict = request.GET.copy()
    for key in ("page", "format", "chart", "fmt"):
        params.pop(key, None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


def _context(request: HttpRequest, operation: Operation, **extra: Any) -> dict[str, Any]:
    return {
        "operation": operation,
        "is_manager": access.is_manager(current_user(request), operation),
        "nav_active": "monitoring",
        **extra,
    }


def _language(request: HttpRequest) -> str:
    return (getattr(request, "LANGUAGE_CODE", "") or get_language() or "en")[:2]


def _filter_fields(form: MonitoringAnalysisForm, names: tuple[str, ...]) -> list[Any]:
    return [form[name] for name in names]


def _export_response(
    request: HttpRequest, operation: Operation, tables: list[selectors.Table], name: str
) -> HttpResponse | None:
    fmt = request.GET.get("format", "")
    if fmt not in EXPORT_FORMATS:
        return None
    content, filename, content_type = tables_export(
        by=current_user(request),
        operation=operation,
        tables=tables,
        fmt=fmt,
        name=name,
        request=request,
    )
    return download(content, filename, content_type)


# --- Dashboard ---


def _dashboard_tables(
    request: HttpRequest, operation: Operation, form: MonitoringAnalysisForm
) -> tuple[selectors.Table, selectors.Table, selectors.AffectedGroups]:
    filters = form.filters()
    user = current_user(request)
    trend = selectors.incident_trend(
        user=user,
        operation=operation,
        filters=filters,
        by=form.trend_by(),
        level=form.area_level(),
    )
    top = selectors.top_risks(user=user, operation=operation, filters=filters)
    groups = selectors.affected_groups(user=user, operation=operation, filters=filters)
    return trend, top, groups


def _dashboard_charts(
    trend: selectors.Table, top: selectors.Table, groups: selectors.AffectedGroups
) -> dict[str, SafeString]:
    """The page's three charts as inline SVG, from the tables the page shows (trend's months
    already as the language writes them)."""
    line_name = _("Line chart: %(title)s. The table below gives the figures.")
    bar_name = _("Bar chart: %(title)s. The table below gives the figures.")
    groups_name = _("Bar chart: %(title)s. The tables below give the figures.")
    return {
        "trend_svg": svgcharts.line_chart_svg(
            trend_labels(trend),
            trend_series(trend),
            name=line_name % {"title": trend.title},
            palette=charts.PALETTE,
        ),
        "top_svg": svgcharts.bar_chart_svg(
            *top_bars(top), name=bar_name % {"title": top.title}, color=charts.BAR_COLOR
        ),
        "groups_svg": svgcharts.bar_chart_svg(
            *group_bars(groups.by_sex_age),
            name=groups_name % {"title": groups.by_sex_age.title},
            color=charts.BAR_COLOR,
        ),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    form = _form(request, operation)
    try:
        trend, top, groups = _dashboard_tables(request, operation, form)
    except PermissionDenied:
        raise
    exported = _export_response(
        request,
        operation,
        [trend, top, groups.by_sex_age, groups.by_population_group, groups.by_disability],
        "monitoring-analysis",
    )
    if exported is not None:
        return exported
    # On the page, months as the language writes them, on one line (not crushed to a character).
    trend.row_labels = trend_row_labels(trend)
    trend.extra["row_class"] = "month"
    query = _query(request)
    chart_url = reverse("monitoring:analysis_chart", args=[operation.slug])
    return render(
        request,
        "monitoring/analysis/dashboard.html",
        _context(
            request,
            operation,
            form=form,
            trend=trend,
            top=top,
            groups=groups,
            controlled=trend.controlled or top.controlled or groups.controlled,
            **_dashboard_charts(trend, top, groups),
            threshold=trend.threshold,
            export_query=query,
            trend_chart_url=f"{chart_url}?{_query(request, chart='trend')}",
            top_chart_url=f"{chart_url}?{_query(request, chart='top')}",
            groups_chart_url=f"{chart_url}?{_query(request, chart='groups')}",
            filter_fields=_filter_fields(
                form,
                (
                    "month_from",
                    "month_to",
                    "area",
                    "risk",
                    "organisation",
                    "verified",
                    "by",
                    "level",
                ),
            ),
        ),
    )


def trend_series(table: selectors.Table) -> dict[str, list[float | None]]:
    """The columns with the largest published totals (TREND_SERIES of them). A pool of small
    groups is no risk or area: it is never one of the lines (the table shows it, last)."""
    ranked = sorted(
        (c for c, key in enumerate(table.col_keys) if key != POOLED),
        key=lambda c: -(sum(row[c] or 0 for row in table.cells)),
    )[:TREND_SERIES]
    # A month without any incident is a month without data (no reports), not a count of zero:
    # a gap in every line, never a flat zero line across years without data.
    # Nor is a pool of months (small groups pooled across a quarter's months): not a point.
    points = [r for r, key in enumerate(table.row_keys) if key != POOLED]
    empty = {r for r, total in enumerate(table.row_totals) if total == 0}
    return {
        table.col_labels[c]: [None if r in empty else table.cells[r][c] for r in points]
        for c in sorted(ranked)
        if any(row[c] for row in table.cells)
    }


def trend_row_labels(table: selectors.Table) -> list[str]:
    """The trend's rows: months as the active language abbreviates them ("janv. 2026"), or
    quarters ("T1 2026")."""
    by_month = table.extra.get("period", "month") == "month"
    return [
        month_abbr(key) if by_month and isinstance(key, datetime.date) else label
        for key, label in zip(table.row_keys, table.row_labels, strict=True)
    ]


def trend_labels(table: selectors.Table) -> list[str]:
    """The trend chart's points (`trend_series`): its rows but a pool of months."""
    return [
        label
        for key, label in zip(table.row_keys, trend_row_labels(table), strict=True)
        if key != POOLED
    ]


def top_bars(table: selectors.Table) -> tuple[list[str], list[int | None]]:
    """The top risks chart's bars: the risks, never a pool of small groups."""
    rows = [(label, cells[0]) for key, label, cells, _t in table.rows() if key != POOLED]
    return [label for label, _v in rows], [v for _label, v in rows]


def group_bars(table: selectors.Table) -> tuple[list[str], list[int | None]]:
    """The affected groups chart's bars: one a sex and age band ("Female 18-59"), no pool."""
    columns = [c for c, key in enumerate(table.col_keys) if key != POOLED]
    bars = [
        (f"{label} {table.col_labels[c]}", cells[c])
        for key, label, cells, _t in table.rows()
        if key != POOLED
        for c in columns
    ]
    return [label for label, _v in bars], [v for _label, v in bars]


@login_required
@require_GET
def chart(request: HttpRequest, slug: str) -> HttpResponse:
    user = current_user(request)
    operation = operation_for(request, slug)
    form = _form(request, operation)
    filters = form.filters()
    kind = request.GET.get("chart", "trend")
    fmt = "svg" if request.GET.get("fmt") == "svg" else "png"
    if kind == "top":
        table = selectors.top_risks(user=user, operation=operation, filters=filters)
        content = charts.bar_chart(*top_bars(table), table.title, fmt=fmt)
    elif kind == "groups":
        groups = selectors.affected_groups(user=user, operation=operation, filters=filters)
        content = charts.bar_chart(*group_bars(groups.by_sex_age), groups.by_sex_age.title, fmt=fmt)
    elif kind == "trend":
        table = selectors.incident_trend(
            user=user,
            operation=operation,
            filters=filters,
            by=form.trend_by(),
            level=form.area_level(),
        )
        content = charts.line_chart(trend_labels(table), trend_series(table), table.title, fmt=fmt)
    else:
        raise Http404
    content_type = "image/svg+xml" if fmt == "svg" else "image/png"
    return image(content, f"{operation.slug}-{kind}.{fmt}", content_type)


# --- Hot spots ---


def _hotspot_value(area: Any, per_population: bool) -> float | None:
    return area.rate if per_population else area.incidents


def _number(value: Any, decimals: int = 0) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _hotspots(request: HttpRequest, operation: Operation) -> tuple[Any, Any, bool]:
    form = _form(request, operation)
    result = selectors.hotspots(
        user=current_user(request),
        operation=operation,
        filters=form.filters(),
        level=form.area_level(),
    )
    per_population = request.GET.get("measure") == "rate"
    return form, result, per_population


def _hotspot_title(operation: Operation, level: int, per_population: bool) -> str:
    if per_population:
        return _("Incidents per 10,000 people per %(level)s") % {
            "level": operation.level_label(level)
        }
    return _("Incidents per %(level)s") % {"level": operation.level_label(level)}


@login_required
@require_GET
def hotspots_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    form, result, per_population = _hotspots(request, operation)
    exported = _export_response(request, operation, [result.table], "hotspots")
    if exported is not None:
        return exported
    query = _query(request)
    ranked = sorted(
        result.areas,
        key=lambda a: (
            _hotspot_value(a, per_population) is None,
            -(_hotspot_value(a, per_population) or 0),
            a.name,
        ),
    )
    page = paginate(request, ranked)
    has_boundaries = (
        areas_for_operation(operation, level=result.level).filter(geometry__isnull=False).exists()
    )
    values = [_hotspot_value(a, per_population) for a in result.areas]
    scale = maps.auto_scale([v for v in values if v is not None])
    return render(
        request,
        "monitoring/analysis/hotspots.html",
        _context(
            request,
            operation,
            form=form,
            result=result,
            page=page,
            per_population=per_population,
            title=_hotspot_title(operation, result.level, per_population),
            level_label=operation.level_label(result.level),
            level1_label=operation.level_label(1),
            legend=scale.legend(),
            legend_title=_("Incidents per 10,000 people") if per_population else _("Incidents"),
            has_boundaries=has_boundaries,
            geojson_url=f"{reverse('monitoring:hotspots_geojson', args=[operation.slug])}?{query}",
            png_url=f"{reverse('monitoring:hotspots_png', args=[operation.slug])}?{query}",
            export_query=query,
            rate_query=_query(request, measure="rate"),
            count_query=_query(request, measure=""),
            filter_fields=_filter_fields(
                form,
                ("month_from", "month_to", "area", "risk", "organisation", "verified", "level"),
            ),
        ),
    )


@login_required
@require_GET
def hotspots_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    _form_, result, per_population = _hotspots(request, operation)
    by_pcode = {a.pcode: a for a in result.areas}
    values = [_hotspot_value(a, per_population) for a in result.areas]
    scale = maps.auto_scale([v for v in values if v is not None])
    collection = area_feature_collection(areas_for_operation(operation, level=result.level))
    collection["features"] = [f for f in collection["features"] if f["id"] in by_pcode]
    for feature in collection["features"]:
        area = by_pcode[feature["id"]]
        value = _hotspot_value(area, per_population)
        feature["properties"].update(
            {
                "value": value,
                "value_text": _number(value, 2 if per_population else 0),
                "fill": scale.color(value),
                "popup": [
                    [_("Incidents"), _number(area.incidents)],
                    [_("Population"), _number(area.population)],
                    [_("Incidents per 10,000 people"), _number(area.rate, 2)],
                ],
            }
        )
    collection["legend"] = [{"label": label, "color": color} for label, color in scale.legend()]
    collection["title"] = _hotspot_title(operation, result.level, per_population)
    response = JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


@login_required
@require_GET
def hotspots_png(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    _form_, result, per_population = _hotspots(request, operation)
    geometries: dict[str, Any] = {
        pcode: geometry
        for pcode, geometry in areas_for_operation(operation, level=result.level)
        .filter(geometry__isnull=False)
        .values_list("pcode", "geometry")
        if geometry
    }
    content = charts.hotspot_map_png(
        geometries=geometries,
        values={a.pcode: _hotspot_value(a, per_population) for a in result.areas},
        title=_hotspot_title(operation, result.level, per_population),
        subtitle=operation.name,
        legend_label=_("Incidents per 10,000 people") if per_population else _("Incidents"),
        language=_language(request),
    )
    return image(content, f"{operation.slug}-hotspots-adm{result.level}.png", "image/png")


# --- Community monitoring ---


@login_required
@require_GET
def community_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    # Community reports are other data than incidents: their page keeps its own period.
    form = _form(request, operation, default_period=False)
    by = "month" if request.GET.get("rows") == "month" else "area"
    result = selectors.community_risk_shares(
        user=current_user(request),
        operation=operation,
        filters=form.filters(),
        by=by,
        level=form.area_level(),
    )
    exported = _export_response(
        request, operation, [result.counts, result.reports], "community-monitoring"
    )
    if exported is not None:
        return exported
    reports = dict(zip(result.reports.row_keys, result.reports.column(0), strict=True))
    rows = [
        {
            "label": label,
            "reports": reports.get(key),
            "cells": list(zip(cells, result.shares[i], strict=True)),
        }
        for i, (key, label, cells, _total) in enumerate(result.counts.rows())
    ]
    return render(
        request,
        "monitoring/analysis/community.html",
        _context(
            request,
            operation,
            form=form,
            result=result,
            rows=rows,
            by=by,
            export_query=_query(request),
            area_query=_query(request, rows=""),
            month_query=_query(request, rows="month"),
            filter_fields=_filter_fields(
                form, ("month_from", "month_to", "area", "risk", "organisation", "level")
            ),
        ),
    )
