"""Monitoring analysis API: trend, top risks, hot spots and early-warning signals, each a thin
wrapper over tutela.monitoring.selectors (the same calls and the same disclosure control as the
pages). The operation comes from the access layer (404 for anyone without a role in it); query
parameters go through MonitoringAnalysisForm (400 on a bad value, 403 for an organisation the
caller may not filter on)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core.api.views import OperationAPIView
from tutela.monitoring import selectors
from tutela.monitoring.forms.analysis import MonitoringAnalysisForm
from tutela.monitoring.models import EarlyWarningSignal


def _param(name: str, description: Any, type: Any = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, type, description=str(description))


FILTERS = [
    _param("month_from", _("First month, YYYY-MM.")),
    _param("month_to", _("Last month, YYYY-MM.")),
    _param("area", _("P-code of an admin 1 or admin 2 area.")),
    _param("risk", _("Protection risk code (R01-R15).")),
    _param("organisation", _("Your own organisation's acronym.")),
    _param("verified", _("true: verified incidents only."), OpenApiTypes.BOOL),
]
LEVEL = _param("level", _("Admin level of the areas: 1 or 2 (default 1)."), OpenApiTypes.INT)
BY = _param("by", _("Trend columns: risk (default) or area."))


class MonitoringAnalysisAPIView(OperationAPIView):
    def query(self) -> MonitoringAnalysisForm:
        form = MonitoringAnalysisForm(self.get_operation(), self.caller, self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        return form


class TrendView(MonitoringAnalysisAPIView):
    @extend_schema(
        summary="Incidents per month (or quarter) and risk (or area)",
        description=(
            "Rows are months, or quarters when by month more than half of the incidents would "
            "be in pooled small groups (disclosure control): `period` says which "
            '("month" or "quarter").'
        ),
        parameters=[*FILTERS, BY, LEVEL],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        form = self.query()
        table = selectors.incident_trend(
            user=self.caller,
            operation=self.get_operation(),
            filters=form.filters(),
            by=form.trend_by(),
            level=form.area_level(),
        )
        return Response(table.as_dict())


class TopRisksView(MonitoringAnalysisAPIView):
    @extend_schema(
        summary="Incidents per main protection risk",
        parameters=FILTERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        form = self.query()
        table = selectors.top_risks(
            user=self.caller, operation=self.get_operation(), filters=form.filters()
        )
        return Response(table.as_dict())


class HotspotsView(MonitoringAnalysisAPIView):
    @extend_schema(
        summary="Incidents per area (and per 10,000 people)",
        parameters=[*FILTERS, LEVEL],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        form = self.query()
        result = selectors.hotspots(
            user=self.caller,
            operation=self.get_operation(),
            filters=form.filters(),
            level=form.area_level(),
        )
        return Response(
            {
                "level": result.level,
                "disclosure_controlled": result.controlled,
                "threshold": result.threshold,
                "areas": [
                    {
                        "pcode": a.pcode,
                        "name": a.name,
                        "incidents": a.incidents,
                        "population": a.population,
                        "per_10000": a.rate,
                    }
                    for a in result.areas
                ],
                "total": result.table.grand_total,
            }
        )


class SignalsView(MonitoringAnalysisAPIView):
    @extend_schema(
        summary="Early-warning signals with their (disclosure-controlled) evidence",
        parameters=[
            _param("status", _("new, dismissed or alerted (default: all).")),
            _param("page", _("Page number (50 per page)."), OpenApiTypes.INT),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        queryset = EarlyWarningSignal.objects.filter(operation=operation).select_related(
            "area", "risk"
        )
        status = request.query_params.get("status", "")
        if status in EarlyWarningSignal.Status.values:
            queryset = queryset.filter(status=status)
        page = Paginator(queryset.order_by("-month", "p_value", "pk"), 50).get_page(
            request.query_params.get("page")
        )
        views = selectors.signals_for_user(
            user=self.caller, operation=operation, signals=list(page.object_list)
        )
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": [
                    {
                        "id": v.signal.pk,
                        "month": v.signal.month.strftime("%Y-%m"),
                        "area": {"pcode": v.signal.area.pcode, "name": v.signal.area.name},
                        "risk": {"code": v.signal.risk.code, "name": v.signal.risk.name},
                        "status": v.signal.status,
                        "observed": v.observed,
                        "expected": v.expected,
                        "baseline": dict(v.baseline),
                        "p_value": v.p_band,
                        "disclosure_controlled": v.controlled,
                    }
                    for v in views
                ],
            }
        )
