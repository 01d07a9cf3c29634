"""5W analysis pages: pivot table (with XLSX/CSV export), presence and coverage maps (Leaflet in
the page, PNG for reports) and the gap list.

Thin views: the operation comes from the access layer (404 for anyone without a role in it), the
query string goes through `AnalysisForm`, and one selector answers; visibility, the counting rule
and small-count suppression live in `tutela.activities.selectors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from tutela.activities import selectors
from tutela.activities.forms.analysis import AnalysisForm
from tutela.activities.services.analysis import gaps_export, pivot_export
from tutela.activities.views.analysis_queries import coverage_for, gaps_for, presence_for
from tutela.core import access, maps
from tutela.core.models import Operation
from tutela.core.selectors import area_feature_collection, areas_for_operation
from tutela.core.views.common import current_user, download, image, operation_for, paginate

DEFAULT_PIVOT = ["admin1", "activity"]
EXPORT_FORMATS = ("xlsx", "csv")


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


def _export(
    request: HttpRequest,
    operation: Operation,
    result: Any,
    export: Callable[..., tuple[bytes, str, str]],
) -> HttpResponse | None:
    """The result as a file when the query string asks for one (`format=xlsx` or `csv`)."""
    fmt = request.GET.get("format", "")
    if fmt not in EXPORT_FORMATS:
        return None
    content, filename, content_type = export(
        by=request.user, operation=operation, result=result, format=fmt, request=request
    )
    return download(content, filename, content_type)


def _context(request: HttpRequest, operation: Operation, **extra: Any) -> dict[str, Any]:
    return {
        "operation": operation,
        "is_manager": access.is_manager(request.user, operation),
        "nav_active": "5w",
        **extra,
    }


def _has_rows(request: HttpRequest, operation: Operation) -> bool:
    return selectors.visible_rows(current_user(request), operation).exists()


def _language(request: HttpRequest) -> str:
    return (getattr(request, "LANGUAGE_CODE", "") or get_language() or "en")[:2]


# --- Pivot ---------------------------------------------------------------------------------------


@login_required
@require_GET
def pivot_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    form = AnalysisForm(operation, request.GET or None)
    rows_by = form.rows_by(default=DEFAULT_PIVOT)
    result = selectors.pivot(
        user=current_user(request),
        operation=operation,
        rows_by=rows_by,
        filters=form.filters(),
    )
    download = _export(request, operation, result, pivot_export)
    if download is not None:
        return download
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
            page=paginate(request, result.rows),
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
                    "site",
                    "status",
                    "validated_only",
                )
            ],
        ),
    )


# --- Maps ----------------------------------------------------------------------------------------


def _level_areas(operation: Operation, level: int) -> Any:
    return areas_for_operation(operation, level=level)


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


def _geojson_response(collection: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


class _Map:
    """One map as the request asks for it (operation, filters, the selector's answer), and what
    its page, GeoJSON and PNG show: a subclass per map says what is counted and how it reads."""

    kind: ClassVar[str]
    scale: ClassVar[maps.Scale]
    # The filters the page shows.
    filter_names: ClassVar[tuple[str, ...]]

    def __init__(self, request: HttpRequest, slug: str) -> None:
        self.request = request
        self.operation = operation_for(request, slug)
        self.form = AnalysisForm(self.operation, request.GET or None)
        self.level = self.form.area_level()
        self.result = self.query()

    def query(self) -> Any:
        raise NotImplementedError

    def title(self) -> str:
        raise NotImplementedError

    def value(self, area: Any) -> float | None:
        """The number an area is coloured by."""
        raise NotImplementedError

    def value_text(self, area: Any) -> str:
        raise NotImplementedError

    def popup(self, area: Any) -> list[list[str]]:
        """(label, value) lines of the area's pop-up."""
        raise NotImplementedError

    def png_subtitle(self) -> str:
        return self.operation.name

    def png_legend_label(self) -> str:
        raise NotImplementedError

    def listed(self) -> list[Any]:
        """The areas in the order of the page's table."""
        return list(self.result.areas)

    def page_legend(self) -> list[tuple[str, str]]:
        return self.scale.legend()

    def page_extra(self) -> dict[str, Any]:
        return {}

    def page(self) -> HttpResponse:
        query = _query(self.request)
        slug = self.operation.slug
        return render(
            self.request,
            f"activities/analysis/{self.kind}.html",
            _context(
                self.request,
                self.operation,
                result=self.result,
                page=paginate(self.request, self.listed()),
                legend=self.page_legend(),
                title=self.title(),
                filter_fields=[self.form[name] for name in self.filter_names],
                form=self.form,
                level=self.level,
                level_label=self.operation.level_label(self.level),
                geojson_url=f"{reverse(f'activities:{self.kind}_geojson', args=[slug])}?{query}",
                png_url=f"{reverse(f'activities:{self.kind}_png', args=[slug])}?{query}",
                has_rows=_has_rows(self.request, self.operation),
                has_boundaries=_level_areas(self.operation, self.level)
                .filter(geometry__isnull=False)
                .exists(),
                **self.page_extra(),
            ),
        )

    def geojson(self) -> HttpResponse:
        """The level's boundaries with each area's value, colour and pop-up lines."""
        areas = {area.pcode: area for area in self.result.areas}
        collection = area_feature_collection(_level_areas(self.operation, self.level))
        for feature in collection["features"]:
            area = areas.get(feature["id"])
            value = None if area is None else self.value(area)
            feature["properties"].update(
                {
                    "value": value,
                    "value_text": "—" if area is None else self.value_text(area),
                    "fill": self.scale.color(value),
                    "popup": [] if area is None else self.popup(area),
                }
            )
        collection["legend"] = [
            {"label": label, "color": color} for label, color in self.scale.legend()
        ]
        collection["title"] = self.title()
        return _geojson_response(collection)

    def png(self) -> HttpResponse:
        geometries = {
            pcode: geometry
            for pcode, geometry in _level_areas(self.operation, self.level)
            .filter(geometry__isnull=False)
            .values_list("pcode", "geometry")
        }
        content = maps.render_choropleth_png(
            areas=geometries,
            values={area.pcode: self.value(area) for area in self.result.areas},
            title=self.title(),
            subtitle=self.png_subtitle(),
            legend_label=self.png_legend_label(),
            language=_language(self.request),
            scale=self.scale,
        )
        filename = f"{self.operation.slug}-{self.kind}-adm{self.level}.png"
        return image(content, filename, "image/png")


class _PresenceMap(_Map):
    kind = "presence"
    scale = maps.PRESENCE_SCALE
    filter_names = ("level", "body", "month_from", "month_to")

    def query(self) -> Any:
        return presence_for(current_user(self.request), self.operation, self.form)

    def title(self) -> str:
        level = self.operation.level_label(self.level)
        return _("Partners present per %(level)s") % {"level": level}

    def value(self, area: selectors.AreaPresence) -> float | None:
        return area.partners

    def value_text(self, area: selectors.AreaPresence) -> str:
        return _("%(count)s partner(s)") % {"count": _number(area.partners)}

    def popup(self, area: selectors.AreaPresence) -> list[list[str]]:
        if area.organisations is None:
            names = _("Not shown (insecure area)")
        else:
            names = ", ".join(area.organisations) or "—"
        return [[_("Partners"), _number(area.partners)], [_("Organisations"), names]]

    def png_legend_label(self) -> str:
        return _("Partners")

    def listed(self) -> list[Any]:
        return sorted(self.result.areas, key=lambda a: (-a.partners, a.name))

    def page_legend(self) -> list[tuple[str, str]]:
        return self.scale.legend(with_no_data=False)


class _CoverageMap(_Map):
    kind = "coverage"
    scale = maps.COVERAGE_SCALE
    filter_names = ("level", "body", "population_group", "month_from", "month_to", "year")

    def __init__(self, request: HttpRequest, slug: str) -> None:
        self.ratio = "targeted" if request.GET.get("ratio") == "targeted" else "pin"
        super().__init__(request, slug)

    def query(self) -> Any:
        return coverage_for(current_user(self.request), self.operation, self.form)

    def title(self) -> str:
        if self.ratio == "targeted":
            return _("People reached ÷ people targeted")
        return _("People reached ÷ people in need")

    def value(self, area: selectors.AreaCoverage) -> float | None:
        return area.pct_targeted if self.ratio == "targeted" else area.pct_pin

    def value_text(self, area: selectors.AreaCoverage) -> str:
        return _percent(self.value(area))

    def popup(self, area: selectors.AreaCoverage) -> list[list[str]]:
        return [
            [_("People reached"), _reached_text(area.reached, self.result.threshold)],
            [_("Targeted"), _number(area.targeted)],
            [_("People in need"), _number(area.people_in_need)],
            [_("Reached ÷ people in need"), _percent(area.pct_pin)],
            [_("Reached ÷ targeted"), _percent(area.pct_targeted)],
            [_("Severity"), _number(area.severity)],
            [_("Partners"), _number(area.partners)],
        ]

    def png_subtitle(self) -> str:
        return f"{self.operation.name} · {self.result.year}"

    def png_legend_label(self) -> str:
        return _("Coverage")

    def page_extra(self) -> dict[str, Any]:
        return {"ratio": self.ratio}


@login_required
@require_GET
def presence_map(request: HttpRequest, slug: str) -> HttpResponse:
    return _PresenceMap(request, slug).page()


@gzip_page
@login_required
@require_GET
def presence_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    return _PresenceMap(request, slug).geojson()


@login_required
@require_GET
def presence_png(request: HttpRequest, slug: str) -> HttpResponse:
    return _PresenceMap(request, slug).png()


@login_required
@require_GET
def coverage_map(request: HttpRequest, slug: str) -> HttpResponse:
    return _CoverageMap(request, slug).page()


@gzip_page
@login_required
@require_GET
def coverage_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    return _CoverageMap(request, slug).geojson()


@login_required
@require_GET
def coverage_png(request: HttpRequest, slug: str) -> HttpResponse:
    return _CoverageMap(request, slug).png()


# --- Gaps ----------------------------------------------------------------------------------------


@login_required
@require_GET
def gaps_page(request: HttpRequest, slug: str) -> HttpResponse:
    operation = operation_for(request, slug)
    form = AnalysisForm(operation, request.GET or None)
    result = gaps_for(current_user(request), operation, form)
    download = _export(request, operation, result, gaps_export)
    if download is not None:
        return download
    return render(
        request,
        "activities/analysis/gaps.html",
        _context(
            request,
            operation,
            form=form,
            result=result,
            page=paginate(request, result.gaps),
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
