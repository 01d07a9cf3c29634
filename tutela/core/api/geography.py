"""API endpoints of an operation's geography: its administrative areas (JSON and GeoJSON) and the
P-code lookup of a place name."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from tutela.core import selectors
from tutela.core.api import filters, serializers
from tutela.core.api.renderers import GeoJSONRenderer
from tutela.core.api.views import OperationAPIView
from tutela.core.models import (
    AdminArea,
)
from tutela.core.pcodes import GazetteerIndex


class AreaListView(OperationAPIView, ListAPIView):
    """Admin areas of the operation's countries, by P-code. With `?format=geojson` the same
    selection comes back as one GeoJSON FeatureCollection (not paginated) of the areas that have
    a boundary."""

    queryset = AdminArea.objects.none()
    serializer_class = serializers.AreaOut
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.AreaFilter
    ordering_fields = ["pcode", "name", "level"]
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, GeoJSONRenderer]  # type: ignore[list-item]

    def get_queryset(self) -> QuerySet[AdminArea]:
        return (
            AdminArea.objects.filter(
                country_pcode__in=selectors.country_pcodes(self.get_operation())
            )
            .select_related("parent")
            .defer("geometry")
            .order_by("pcode")
        )

    def feature_collection(self) -> Response:
        areas = self.filter_queryset(self.get_queryset())
        return Response(selectors.area_feature_collection(areas))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "geojson"],
                description=_("geojson: one FeatureCollection instead of a page of areas."),
            )
        ],
        responses={
            (200, "application/json"): serializers.AreaOut(many=True),
            (200, "application/geo+json"): serializers.GeoJSONFeatureCollectionOut,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.accepted_renderer.format == GeoJSONRenderer.format:
            return self.feature_collection()
        return self.list(request, *args, **kwargs)


class AreaGeoJSONView(AreaListView):
    """The admin areas as one GeoJSON FeatureCollection (same filters as the list)."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    pagination_class = None

    @extend_schema(
        operation_id="v1_operations_areas_geojson",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={(200, "application/geo+json"): serializers.GeoJSONFeatureCollectionOut},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.feature_collection()


class AreaLookupView(OperationAPIView):
    """Match a place name as written in a file to P-codes (accents, case and small misspellings
    do not matter)."""

    queryset = AdminArea.objects.none()
    serializer_class = serializers.AreaLookupOut

    @extend_schema(parameters=[serializers.AreaLookupQuery])
    def get(self, request: Request, slug: str) -> Response:
        query = serializers.AreaLookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        index = GazetteerIndex.for_countries(selectors.country_pcodes(self.get_operation()))
        matches = index.match_name(
            params["name"],
            level=params.get("level"),
            parent_pcode=params.get("parent") or None,
            limit=params["limit"],
        )
        data = {
            "name": params["name"],
            "matches": [
                {
                    "pcode": match.area.pcode,
                    "name": match.area.name,
                    "level": match.area.level,
                    "parent_pcode": match.area.parent_pcode,
                    "score": match.score,
                    "exact": match.exact,
                }
                for match in matches
            ],
        }
        return Response(serializers.AreaLookupOut(data).data)
