"""The service directory of case management under /api/v1/operations/<slug>/cases/directory/: the
services of the operation's organisations, and the updates their own managers make.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import directory_serializers as ds
from tutela.cases.models import Service
from tutela.cases.selectors.directory import directory_list
from tutela.cases.services import directory as directory_services
from tutela.core.api.views import OperationAPIView

# --- Directory, statistics, export ----------------------------------------------------------------


class DirectoryListView(OperationAPIView, ListAPIView):
    """The service directory (every role of the operation); POST adds a service (the
    organisation's partner focal points and supervisors, managers)."""

    queryset = Service.objects.none()
    serializer_class = ds.ServiceOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Service]:
        if not access.can_see_directory(self.caller, self.get_operation()):
            raise PermissionDenied
        return directory_list(
            self.caller, self.get_operation(), area=self.request.query_params.get("area", "")
        )

    @extend_schema(request=ds.ServiceIn, responses={201: ds.ServiceOut})
    def post(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        if not access.can_edit_directory(self.caller, operation, None):
            raise PermissionDenied
        service = directory_services.service_create(
            operation=operation, by=self.caller, **self.input(ds.ServiceIn)
        )
        return self.output(service, status_code=status.HTTP_201_CREATED)


class DirectoryDetailView(OperationAPIView):
    queryset = Service.objects.none()
    serializer_class = ds.ServiceOut

    def get_object(self) -> Service:
        service = (
            access.directory_for_user(self.caller, self.get_operation())
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if service is None:
            raise Http404
        return service

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=ds.ServiceIn, responses=ds.ServiceOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        data = self.input(ds.ServiceIn, partial=True)
        data.pop("organisation", None)
        return self.output(
            directory_services.service_update(service=self.get_object(), by=self.caller, **data)
        )
