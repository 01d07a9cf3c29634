"""Action point endpoints under /api/v1/operations/<slug>/action-points/, one view per endpoint,
calling the same selectors and services as the pages (so the same access rules: everyone with a
role reads, managers and the body's focal points create and edit, owners change the status and
comment; 404 outside the operation, 403 for a forbidden action)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.coordination import access as coordination_access
from tutela.coordination.models import ActionPoint, ActionPointEvent
from tutela.coordination.selectors import actions as selectors
from tutela.coordination.services import actions as services
from tutela.core import access
from tutela.core.api.serializers import BodyField, OrganisationField, _InOperationMixin
from tutela.core.api.views import OperationAPIView
from tutela.core.models import Operation, User
from tutela.core.models.roles import Role

# --- Serializers --------------------------------------------------------------------------------


class ActionPointOwnerField(_InOperationMixin, serializers.PrimaryKeyRelatedField):
    """A user with a role in the operation, by id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(operation_roles__operation=operation, is_active=True).distinct()


class ActionPointPersonOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields


class ActionPointEventOut(serializers.ModelSerializer):
    by = ActionPointPersonOut(read_only=True, allow_null=True)

    class Meta:
        model = ActionPointEvent
        fields = ["id", "kind", "text", "changes", "by", "created_at"]
        read_only_fields = fields


class ActionPointOut(serializers.ModelSerializer):
    owner_organisation: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )
    owner = ActionPointPersonOut(read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionPoint
        fields = [
            "id",
            "title",
            "description",
            "owner_organisation",
            "owner",
            "due_date",
            "priority",
            "status",
            "is_overdue",
            "source_kind",
            "body",
            "meeting",
            "alert",
            "mission",
            "pau",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj: ActionPoint) -> bool:
        return selectors.is_overdue(obj)


class ActionPointDetailOut(ActionPointOut):
    events = ActionPointEventOut(many=True, read_only=True)

    class Meta(ActionPointOut.Meta):
        fields = [*ActionPointOut.Meta.fields, "events"]
        read_only_fields = fields


class ActionPointIn(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True)
    owner_organisation: Any = OrganisationField(required=False, allow_null=True)
    owner: Any = ActionPointOwnerField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=ActionPoint.Priority.choices, required=False)
    body: Any = BodyField(required=False, allow_null=True)


class ActionPointStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionPoint.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ActionPointCommentIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ActionPointListQuery(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[("open_all", "open_all"), *ActionPoint.Status.choices], required=False
    )
    organisation: Any = OrganisationField(required=False)
    body: Any = BodyField(required=False)
    source: Any = serializers.ChoiceField(choices=ActionPoint.SourceKind.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    mine = serializers.BooleanField(required=False, default=False)


def _param(name: str, description: Any, kind: Any = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=str(description))


FILTERS = [
    _param("status", _("open, in_progress, done, dropped, or open_all (open or in progress).")),
    _param("organisation", _("Owner organisation acronym.")),
    _param("body", _("Body id."), OpenApiTypes.INT),
    _param("source", _("meeting, alert, mission, pau or other.")),
    _param("overdue", _("true: overdue only."), OpenApiTypes.BOOL),
    _param("mine", _("true: owned by the caller or the caller's organisation."), OpenApiTypes.BOOL),
]


# --- Views --------------------------------------------------------------------------------------


class ActionPointListView(OperationAPIView, ListAPIView):
    """Action points of the operation (POST: create one, for managers and the body's focal
    points)."""

    queryset = ActionPoint.objects.none()
    serializer_class = ActionPointOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ActionPoint]:
        operation = self.get_operation()
        query = ActionPointListQuery(
            data=self.request.query_params, context={"operation": operation}
        )
        if not query.is_valid():
            raise ValidationError(query.errors)
        filters = dict(query.validated_data)
        if filters.pop("mine", False):
            points = selectors.my_action_points(self.caller, operation, include_closed=True)
            if filters.get("status"):
                points = points.filter(
                    status__in=services.OPEN_STATUSES
                    if filters["status"] == "open_all"
                    else [filters["status"]]
                )
            return points
        return selectors.action_point_list(operation, **filters)

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(request=ActionPointIn, responses={201: ActionPointDetailOut})
    def post(self, request: Request, slug: str) -> Response:
        # Refuse before reading the body (the service then checks the chosen body).
        operation = self.get_operation()
        if not (
            access.is_manager(self.caller, operation)
            or Role.FOCAL_POINT in access.roles_in(self.caller, operation)
        ):
            raise PermissionDenied
        action_point = services.action_point_create(
            operation=self.get_operation(), by=self.caller, **self.input(ActionPointIn)
        )
        return Response(
            ActionPointDetailOut(action_point, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ActionPointDetailView(OperationAPIView):
    """One action point with its history (PATCH: edit, for managers and the body's focal
    points)."""

    queryset = ActionPoint.objects.none()
    serializer_class = ActionPointDetailOut

    def get_object(self) -> ActionPoint:
        return selectors.action_point_get(self.get_operation(), self.kwargs["pk"])

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=ActionPointIn, responses=ActionPointDetailOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        action_point = self.get_object()
        if not coordination_access.can_edit_action_point(self.caller, action_point):
            raise PermissionDenied
        action_point = services.action_point_update(
            action_point=action_point,
            by=self.caller,
            **self.input(ActionPointIn, partial=True),
        )
        return self.output(action_point)


class ActionPointStatusView(OperationAPIView):
    """Change the status (owner, owner organisation's members, managers, the body's focal
    points)."""

    queryset = ActionPoint.objects.none()
    serializer_class = ActionPointDetailOut

    @extend_schema(request=ActionPointStatusIn, responses=ActionPointDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        action_point = selectors.action_point_get(self.get_operation(), pk)
        if not coordination_access.can_update_action_point(self.caller, action_point):
            raise PermissionDenied
        data = self.input(ActionPointStatusIn)
        services.action_point_set_status(
            action_point=action_point,
            by=self.caller,
            status=data["status"],
            comment=data.get("comment", ""),
        )
        return self.output(action_point)


class ActionPointCommentView(OperationAPIView):
    """Add a comment (same people as the status)."""

    queryset = ActionPoint.objects.none()
    serializer_class = ActionPointEventOut

    @extend_schema(request=ActionPointCommentIn, responses={201: ActionPointEventOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        action_point = selectors.action_point_get(self.get_operation(), pk)
        if not coordination_access.can_update_action_point(self.caller, action_point):
            raise PermissionDenied
        event = services.action_point_comment(
            action_point=action_point, by=self.caller, text=self.input(ActionPointCommentIn)["text"]
        )
        return self.output(event, status_code=status.HTTP_201_CREATED)
