"""5W API endpoints, one view per endpoint, each a thin wrapper over tutela.activities.selectors
(the same calls as the pages): the operation comes from the access layer (404 for anyone without a
role in it), query parameters go through AnalysisForm (400 on a bad value)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.activities import selectors
from tutela.activities.api import serializers
from tutela.activities.forms.analysis import AnalysisForm
from tutela.activities.models import ActivityReport
from tutela.activities.models.fields import BY_NAME
from tutela.activities.selectors.row_counts import CountCachedPaginator, listable_rows_count_key
from tutela.activities.views.analysis_queries import coverage_for, gaps_for, presence_for
from tutela.core.api.views import OperationAPIView


def _param(name: str, description: Any, type: Any = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, type, description=str(description))


MONTHS = [
    _param("month_from", _("First month, YYYY-MM.")),
    _param("month_to", _("Last month, YYYY-MM.")),
]
FILTERS = [
    *MONTHS,
    _param("body", _("Cluster / AoR id (its AoRs included)."), OpenApiTypes.INT),
    _param("activity", _("Activity code.")),
    _param("organisation", _("Reporting organisation acronym.")),
    _param("area", _("P-code of an admin area (levels 1-3).")),
    _param("population_group", _("Population group code (IDP, REF...).")),
    _param("status", _("Activity status: planned, ongoing, completed.")),
    _param("validated_only", _("true: validated rows only."), OpenApiTypes.BOOL),
]
LEVEL = _param("level", _("Admin level of the areas: 1, 2 or 3 (default 1)."), OpenApiTypes.INT)
YEAR = _param(
    "year", _("Year of the planning figures (default: that of month_to)."), OpenApiTypes.INT
)


class AnalysisAPIView(OperationAPIView):
    """Parses the query string with the pages' form."""

    def query(self) -> AnalysisForm:
        form = AnalysisForm(self.get_operation(), self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        return form


class RowPagination(PageNumberPagination):
    """The default pagination, with the number of rows counted once per data version
    (selectors.row_counts: the partners' and viewers' COUNT was most of the list's time)."""

    count_key: str | None = None

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.count_key = view.count_key() if isinstance(view, RowListView) else None
        return super().paginate_queryset(queryset, request, view)

    # DRF calls `self.django_paginator_class(queryset, page_size)`: a method in place of the class.
    def django_paginator_class(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> CountCachedPaginator:
        return CountCachedPaginator(*args, count_key=self.count_key, **kwargs)


class RowListView(AnalysisAPIView, ListAPIView):
    """5W rows the caller may list, newest month first: their own organisation's rows at any
    status (partners), validated rows of others, every row for cluster-wide roles. Rows of
    sensitive activities of other organisations are not listed (they appear in aggregates only);
    partner names are left out in insecure areas."""

    queryset = ActivityReport.objects.none()
    serializer_class = serializers.RowOut
    filter_backends: list[Any] = []
    pagination_class = RowPagination

    def count_key(self) -> str | None:
        return listable_rows_count_key(self.caller, self.get_operation(), self.query().filters())

    def get_queryset(self) -> QuerySet[ActivityReport]:
        operation = self.get_operation()
        rows = selectors.listable_rows(self.caller, operation)
        return selectors.with_row_relations(
            selectors.apply_filters(rows, operation, self.query().filters(), user=self.caller),
            joined=("organisation", "activity", "area"),
            by_id=(
                "implementing_partner",
                "indicator",
                "body",
                "population_group",
                "submission",
                "admin1",
                "admin2",
                "admin3",
            ),
        ).order_by("-month", "organisation__acronym", "activity__code", "area__pcode", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["hidden_areas"] = selectors.hidden_name_area_ids(
                self.caller, self.get_operation()
            )
            context["own_organisation_id"] = getattr(self.request.user, "organisation_id", None)
        return context

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class PivotView(AnalysisAPIView):
    """People reached (by sex and age, with disability, and other quantities) grouped by up to
    three dimensions, with totals and the counting rule; small counts hidden where the caller may
    not see the underlying rows of sensitive activities."""

    queryset = ActivityReport.objects.none()
    serializer_class = serializers.PivotOut

    @extend_schema(
        parameters=[
            _param(
                "rows",
                _(
                    "Dimensions, comma-separated (up to three) among: organisation, "
                    "organisation_type, body, activity, indicator, admin1, admin2, admin3, "
                    "month, population_group."
                ),
            ),
            *FILTERS,
        ]
    )
    def get(self, request: Request, slug: str) -> Response:
        form = self.query()
        result = selectors.pivot(
            user=self.caller,
            operation=self.get_operation(),
            rows_by=form.rows_by(),
            filters=form.filters(),
        )
        data = {
            "dimensions": [
                {"key": d, "label": label}
                for d, label in zip(result.dims, result.dim_labels, strict=True)
            ],
            "columns": [
                {"key": c.key, "label": c.label, "hxl": BY_NAME[c.key].hxl} for c in result.columns
            ],
            "rows": [
                {
                    "codes": dict(zip(result.dims, row.codes, strict=True)),
                    "labels": dict(zip(result.dims, row.labels, strict=True)),
                    "values": row.values,
                }
                for row in result.rows
            ],
            "totals": result.totals,
            "rule": result.rule,
            "rule_text": result.rule_text,
            "by_month": result.by_month,
            "suppressed": result.suppressed,
            "threshold": result.threshold,
            "too_detailed": result.too_detailed,
            "names_hidden": result.names_hidden,
            "pooled": result.pooled,
            "rounded": result.rounded,
        }
        return Response(serializers.PivotOut(data).data)


class PresenceView(AnalysisAPIView):
    """Per admin area: the number of partners working there and their acronyms (acronyms left
    out in insecure areas, except for the operation's managers)."""

    queryset = ActivityReport.objects.none()
    serializer_class = serializers.PresenceOut

    @extend_schema(
        parameters=[LEVEL, _param("body", _("Cluster / AoR id."), OpenApiTypes.INT), *MONTHS]
    )
    def get(self, request: Request, slug: str) -> Response:
        result = presence_for(self.caller, self.get_operation(), self.query())
        data = {"level": result.level, "areas": [asdict(area) for area in result.areas]}
        return Response(serializers.PresenceOut(data).data)


def _coverage_area(area: selectors.AreaCoverage) -> dict[str, Any]:
    return {k: v for k, v in asdict(area).items() if not k.startswith("_")}


COVERAGE_PARAMETERS = [
    LEVEL,
    _param("body", _("Cluster / AoR id."), OpenApiTypes.INT),
    _param("population_group", _("Population group code.")),
    *MONTHS,
    YEAR,
]


class CoverageView(AnalysisAPIView):
    """Per admin area: people reached (by the counting rule), targeted, people in need, severity,
    partners and the ratios."""

    queryset = ActivityReport.objects.none()
    serializer_class = serializers.CoverageOut

    @extend_schema(parameters=COVERAGE_PARAMETERS)
    def get(self, request: Request, slug: str) -> Response:
        result = coverage_for(self.caller, self.get_operation(), self.query())
        data = {
            "level": result.level,
            "year": result.year,
            "rule": result.rule,
            "rule_text": result.rule_text,
            "has_planning": result.has_planning,
            "suppressed": result.suppressed,
            "threshold": result.threshold,
            "areas": [_coverage_area(area) for area in result.areas],
        }
        return Response(serializers.CoverageOut(data).data)


class GapsView(AnalysisAPIView):
    """Areas of severity 3 or more where people reached cover less than `threshold` % of the
    people in need (default 25), or with no partner at all; most severe first, then least
    covered."""

    queryset = ActivityReport.objects.none()
    serializer_class = serializers.GapsOut

    @extend_schema(
        parameters=[
            *COVERAGE_PARAMETERS,
            _param(
                "threshold", _("Coverage threshold in percent (default 25)."), OpenApiTypes.NUMBER
            ),
        ]
    )
    def get(self, request: Request, slug: str) -> Response:
        result = gaps_for(self.caller, self.get_operation(), self.query())
        data = {
            "level": result.level,
            "year": result.year,
            "threshold_pct": result.threshold_pct,
            "min_severity": result.min_severity,
            "has_planning": result.has_planning,
            "rule_text": result.coverage.rule_text,
            "gaps": [{**_coverage_area(gap.area), "reasons": gap.reasons} for gap in result.gaps],
        }
        return Response(serializers.GapsOut(data).data)
