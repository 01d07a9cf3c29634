"""API endpoints under /api/v1/, one view per endpoint: here the caller (me), operations, the
base view of every operation's endpoint (OperationAPIView) and the audit log; sign-in and tokens
in tokens.py, areas in geography.py, organisations, bodies and contacts in directory.py.

Each view is thin: it finds the operation through the access layer (404 for anyone without a role
in it), checks the action through the permission classes (403), reads through the selectors and
writes through the same services as the HTML views. Services raise Django's ValidationError,
which tutela.core.api.errors turns into a 400 with field errors.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela.core import access, selectors
from tutela.core.api import filters, serializers
from tutela.core.api.contract import ContractCheckedMixin, check_request
from tutela.core.api.permissions import IsManager, IsManagerForWrites
from tutela.core.models import (
    AuditEntry,
    Operation,
    User,
)
from tutela.core.services.operations import operation_create, operation_update


class MeView(ContractCheckedMixin, APIView):
    """The caller: account, organisation and roles in each operation they can reach."""

    @extend_schema(responses=serializers.MeOut)
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        operations = [
            {
                "slug": operation.slug,
                "name": operation.name,
                "roles": sorted(access.roles_in(user, operation)),
                "is_manager": access.is_manager(user, operation),
                "can_see_contacts": access.can_see_contacts(user, operation),
            }
            for operation in access.operations_for_user(user).order_by("name")
        ]
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "email_mode": user.email_mode,
            "totp_enabled": user.totp_enabled,
            "organisation": user.organisation,
            "operations": operations,
        }
        return Response(serializers.MeOut(data).data)


class OperationListView(ContractCheckedMixin, ListAPIView):
    """Operations the caller holds a role in (or below one). Server administrators create new
    operations (POST)."""

    queryset = Operation.objects.none()
    serializer_class = serializers.OperationOut
    filterset_class = filters.OperationFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "created_at"]

    def get_queryset(self) -> QuerySet[Operation]:
        return (
            access.operations_for_user(self.request.user)
            .select_related("parent")
            .prefetch_related("countries")
            .order_by("name")
        )

    @extend_schema(
        request=serializers.OperationCreateIn,
        responses={
            201: serializers.OperationOut,
            403: OpenApiResponse(description=_("Server administrators only.")),
        },
    )
    def post(self, request: Request) -> Response:
        # The service refuses too; checking first answers 403 rather than a 400 on the body.
        if not cast(User, request.user).is_superuser:
            raise PermissionDenied
        data_in = serializers.OperationCreateIn(data=request.data, context={"request": request})
        data_in.is_valid(raise_exception=True)
        operation = operation_create(by=cast(User, request.user), **data_in.validated_data)
        return Response(
            serializers.OperationOut(operation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class OperationAPIView(GenericAPIView):
    """An endpoint under /operations/<slug>/. The operation comes from the access layer before
    anything else runs: 404 for anyone without a role in it; then the query and body are
    checked against the schema (tutela.core.api.contract): 400."""

    _operation: Operation | None = None

    @property
    def caller(self) -> User:
        # Every endpoint below requires authentication, so the user is a real account.
        return cast(User, self.request.user)

    def get_operation(self) -> Operation:
        if self._operation is None:
            self._operation = access.operation_get_for_user(self.request.user, self.kwargs["slug"])
        return self._operation

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_operation()
        check_request(request._request)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["operation"] = self.get_operation()
        return context

    def input(self, serializer_class: type[Any], *, partial: bool = False) -> dict[str, Any]:
        """The request body, validated by an input serializer."""
        data_in = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        data_in.is_valid(raise_exception=True)
        return dict(data_in.validated_data)

    def output(self, instance: Any, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer_class()(instance, context=self.get_serializer_context()).data,
            status=status_code,
        )


class OperationDetailView(OperationAPIView):
    """The operation; its managers change its settings (PATCH)."""

    queryset = Operation.objects.none()
    serializer_class = serializers.OperationOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]

    def get(self, request: Request, slug: str) -> Response:
        return self.output(self.get_operation())

    @extend_schema(request=serializers.OperationIn, responses=serializers.OperationOut)
    def patch(self, request: Request, slug: str) -> Response:
        operation = operation_update(
            by=self.caller,
            operation=self.get_operation(),
            **self.input(serializers.OperationIn, partial=True),
        )
        return self.output(operation)


class AuditListView(OperationAPIView, ListAPIView):
    """The operation's audit log, newest first (coordinators and information management
    officers only)."""

    queryset = AuditEntry.objects.none()
    serializer_class = serializers.AuditEntryOut
    permission_classes = [IsAuthenticated, IsManager]
    filterset_class = filters.AuditFilter
    search_fields = ["summary", "actor_label"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return selectors.audit_entries(self.get_operation(), user=cast(User, self.request.user))
