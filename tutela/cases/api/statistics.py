"""Case statistics for the cluster (counts of consenting cases only, small counts hidden so that
none can be recovered from the totals) and the caseload export, under
/api/v1/operations/<slug>/cases/.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import serializers as s
from tutela.cases.api.common import CaseStaffView
from tutela.cases.models import Case
from tutela.cases.selectors.statistics import case_statistics
from tutela.cases.services.exports import XLSX, caseload_export
from tutela.core.api.views import OperationAPIView
from tutela.core.disclosure import SuppressedTable
from tutela.core.views.common import download


def _table(table: SuppressedTable) -> dict[str, Any]:
    return {
        "rows": [str(label) for label in table.row_labels],
        "columns": [str(label) for label in table.col_labels],
        "cells": table.cells,
        "row_totals": table.row_totals,
        "column_totals": table.col_totals,
        "total": table.grand_total,
        "threshold": table.threshold,
    }


class StatisticsView(OperationAPIView):
    """Case statistics for the cluster: counts of consenting cases only, small counts hidden
    (null) so that none can be recovered from the totals. Every role of the operation."""

    queryset = Case.objects.none()
    serializer_class = s.TaskOut  # schema placeholder; the body is described below

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        if not access.can_see_statistics(self.caller, operation):
            raise PermissionDenied
        stats = case_statistics(operation)
        return Response(
            {
                "threshold": stats.threshold,
                "counted": stats.counted,
                "by_risk_and_sex": _table(stats.by_risk),
                "by_area_and_age": _table(stats.by_area),
                "by_sex_and_age": _table(stats.by_sex_age),
                "services_delivered": _table(stats.services),
                "referrals": [line.__dict__ for line in stats.referrals],
            }
        )


class CaseloadExportView(CaseStaffView):
    """The team's caseload as a password-protected Excel file (supervisors)."""

    queryset = Case.objects.none()
    serializer_class = s.ExportIn

    @extend_schema(request=s.ExportIn, responses={(200, XLSX): OpenApiTypes.BINARY})
    def post(self, request: Request, slug: str) -> HttpResponse:
        data = self.input(s.ExportIn)
        content = caseload_export(operation=self.get_operation(), by=self.caller, **data)
        return download(content, f"cases-{slug}.xlsx", XLSX)
