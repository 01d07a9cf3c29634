"""API of funding: coverage (requirements against funding by organisation, area or activity),
flows (managers record them), and FTS imports (managers)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core.api.views import OperationAPIView
from tutela.core.counts import MAX_AMOUNT
from tutela.core.models import Organisation
from tutela.planning import access
from tutela.planning.api.plans import ScopedPK
from tutela.planning.models import FundingFlow, FundingImport, Project
from tutela.planning.selectors import funding as selectors
from tutela.planning.services import fts_import
from tutela.planning.services import funding as services


def _organisations(operation: Any, context: dict[str, Any]) -> QuerySet[Organisation]:
    return operation.organisations.all() if operation is not None else Organisation.objects.none()


def _projects(operation: Any, context: dict[str, Any]) -> QuerySet[Project]:
    return Project.objects.filter(operation=operation)


class CoverageRowOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="label")
    projects = serializers.IntegerField()
    requirements_usd = serializers.DecimalField(
        source="requirements", max_digits=18, decimal_places=2
    )
    funded_usd = serializers.DecimalField(source="funded", max_digits=18, decimal_places=2)
    pledged_usd = serializers.DecimalField(source="pledged", max_digits=18, decimal_places=2)
    pct_funded = serializers.FloatField(allow_null=True)


class FundingCoverageOut(serializers.Serializer):
    year = serializers.IntegerField()
    by = serializers.CharField()
    level = serializers.IntegerField()
    rows = CoverageRowOut(many=True)
    unattributed = CoverageRowOut()
    total = CoverageRowOut()


class FlowOut(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    donor = serializers.CharField(source="donor.name")
    organisation = serializers.CharField(
        source="organisation.acronym", allow_null=True, default=None
    )
    project = serializers.CharField(source="project.code", allow_null=True, default=None)
    amount_usd = serializers.DecimalField(max_digits=16, decimal_places=2)
    status = serializers.CharField()
    origin = serializers.CharField(source="source")
    fts_id = serializers.CharField()
    description = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)


class FlowIn(serializers.Serializer):
    donor = serializers.CharField(max_length=300)
    amount_usd = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, max_value=MAX_AMOUNT
    )
    status = serializers.ChoiceField(choices=FundingFlow.Status.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    organisation = ScopedPK(_organisations, required=False, allow_null=True, default=None)
    project = ScopedPK(_projects, required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    decision_date = serializers.DateField(required=False, allow_null=True, default=None)


class StrictBooleanField(serializers.BooleanField):
    """true or false only (a multipart form otherwise turns any text, or an empty value, into a
    boolean: the schema's boolean would not be what the API accepts)."""

    default_empty_html = serializers.empty

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


class ImportIn(serializers.Serializer):
    file = serializers.FileField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    dry_run = StrictBooleanField(default=False)


class ImportOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    year = serializers.IntegerField()
    file_name = serializers.CharField()
    rows_read = serializers.IntegerField()
    created = serializers.IntegerField(source="created_count")
    updated = serializers.IntegerField(source="updated_count")
    unchanged = serializers.IntegerField(source="unchanged_count")
    skipped = serializers.IntegerField(source="skipped_count")
    error_count = serializers.IntegerField()
    warning_count = serializers.IntegerField()
    problems = serializers.JSONField()


class CoverageView(OperationAPIView):
    """Requirements (approved projects of the year) against funding received (commitments and
    paid contributions; pledges apart) by organisation, admin area (`level`) or activity."""

    queryset = FundingFlow.objects.none()
    serializer_class = FundingCoverageOut

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("by", OpenApiTypes.STR, description="organisation, area, activity"),
            OpenApiParameter("level", OpenApiTypes.INT, description="Admin level for areas"),
        ]
    )
    def get(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        by = request.query_params.get("by", "organisation")
        if by not in selectors.COVERAGE_DIMENSIONS:
            raise ValidationError({"by": ["organisation, area or activity."]})
        try:
            years = selectors.funding_years(operation)
            year_text = request.query_params.get("year")
            year = int(year_text) if year_text else (years[0] if years else timezone.now().year)
            level = int(request.query_params.get("level") or 1)
        except ValueError:
            raise ValidationError({"year": ["A year and a level are whole numbers."]}) from None
        if not 1990 <= year <= 2100:
            raise ValidationError({"year": ["A year from 1990 to 2100."]})
        if level not in (1, 2, 3):
            raise ValidationError({"level": ["1, 2 or 3."]})
        coverage = selectors.funding_coverage(operation, year=year, by=by, level=level)
        return self.output(coverage)


class FlowListView(OperationAPIView):
    """Funding flows (every role reads); POST records one (managers)."""

    queryset = FundingFlow.objects.none()
    serializer_class = FlowOut

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT)], responses=FlowOut(many=True)
    )
    def get(self, request: Request, slug: str) -> Response:
        filters: dict[str, Any] = {}
        if (request.query_params.get("year") or "").isdigit():
            filters["year"] = int(request.query_params["year"])
        flows = selectors.flow_list(self.get_operation(), filters)
        page = self.paginate_queryset(flows)
        return self.get_paginated_response(FlowOut(page, many=True).data)

    @extend_schema(request=FlowIn, responses={201: FlowOut})
    def post(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        access.require_funding_manager(self.caller, operation)
        flow = services.funding_flow_record(
            operation=operation, by=self.caller, **self.input(FlowIn)
        )
        return self.output(flow, status_code=status.HTTP_201_CREATED)


class ImportListView(OperationAPIView):
    """POST an FTS flows export (CSV, XLSX, or the HDX HXL file) as multipart: managers only. A
    large file is imported in the background: poll its record."""

    queryset = FundingImport.objects.none()
    serializer_class = ImportOut
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportIn, responses={201: ImportOut})
    def post(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        access.require_funding_manager(self.caller, operation)
        data = self.input(ImportIn)
        record = fts_import.funding_import_start(
            by=self.caller,
            operation=operation,
            year=data["year"],
            file=data["file"],
            file_name=data["file"].name,
            dry_run=data["dry_run"],
        )
        return self.output(record, status_code=status.HTTP_201_CREATED)


class ImportDetailView(OperationAPIView):
    queryset = FundingImport.objects.none()
    serializer_class = ImportOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        operation = self.get_operation()
        access.require_funding_manager(self.caller, operation)
        return self.output(get_object_or_404(FundingImport, operation=operation, pk=pk))
