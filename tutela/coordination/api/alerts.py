"""Alert endpoints under /api/v1/operations/<slug>/alerts/, calling the same selectors and
services as the pages: everyone with a role reads sent alerts, drafts are for those who manage
alerts (404 to others); managers and focal points create, edit drafts, adjust recipients and send
(403 to others); members of a recipient organisation acknowledge."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.coordination import access as coordination_access
from tutela.coordination.models import Alert, AlertRecipient
from tutela.coordination.selectors import alerts as selectors
from tutela.coordination.services import alert_recipients as recipient_services
from tutela.coordination.services import alerts as services
from tutela.core.api.serializers import AreaField, BodyField, OrganisationField
from tutela.core.api.views import OperationAPIView
from tutela.core.counts import MAX_COUNT

# --- Serializers --------------------------------------------------------------------------------


class AlertRecipientOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    sent = serializers.SerializerMethodField()

    class Meta:
        model = AlertRecipient
        fields = [
            "id",
            "organisation",
            "reason",
            "body",
            "sent",
            "acknowledged_at",
            "response",
            "responded_at",
        ]
        read_only_fields = fields

    def get_sent(self, obj: AlertRecipient) -> bool:
        return bool(obj.token_hash)


class AlertOut(serializers.ModelSerializer):
    area: Any = serializers.SlugRelatedField(slug_field="pcode", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "title",
            "occurred_on",
            "area",
            "people_affected",
            "source",
            "description",
            "status",
            "signal",
            "sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AlertDetailOut(AlertOut):
    """With every recipient for those who manage alerts, the caller's own organisation's entry
    otherwise."""

    recipients = serializers.SerializerMethodField()

    class Meta(AlertOut.Meta):
        fields = [*AlertOut.Meta.fields, "recipients"]
        read_only_fields = fields

    @extend_schema_field(AlertRecipientOut(many=True))
    def get_recipients(self, obj: Alert) -> list[dict[str, Any]]:
        user = self.context["request"].user
        if coordination_access.can_manage_alerts(user, obj.operation):
            rows = selectors.alert_recipients(obj)
        else:
            own = selectors.own_recipient(user, obj)
            rows = [own] if own is not None else []
        return list(AlertRecipientOut(rows, many=True).data)


class AlertIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Alert.Kind.choices)
    title = serializers.CharField(max_length=300)
    occurred_on = serializers.DateField()
    area: Any = AreaField()
    people_affected = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_COUNT
    )
    source: Any = serializers.CharField(required=False, allow_blank=True, max_length=300)
    description = serializers.CharField(required=False, allow_blank=True)


class AlertRecipientIn(serializers.Serializer):
    organisation: Any = OrganisationField(required=False, allow_null=True)
    body: Any = BodyField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("organisation") and not attrs.get("body"):
            raise ValidationError({"organisation": ["Give an organisation or a body."]})
        return attrs


class AlertAcknowledgeIn(serializers.Serializer):
    response = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AlertListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Alert.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Alert.Kind.choices, required=False)


# --- Views --------------------------------------------------------------------------------------


class _AlertView(OperationAPIView):
    queryset = Alert.objects.none()
    serializer_class: Any = AlertDetailOut

    def get_alert(self) -> Alert:
        return coordination_access.alert_get_for_user(
            self.caller, self.get_operation(), self.kwargs["pk"]
        )

    def get_managed_alert(self) -> Alert:
        alert = self.get_alert()
        if not coordination_access.can_manage_alerts(self.caller, alert.operation):
            raise PermissionDenied
        return alert


class AlertListView(OperationAPIView, ListAPIView):
    """Alerts the caller may see (drafts only for those who manage alerts). POST creates a draft
    with its recipients computed from the structure."""

    queryset = Alert.objects.none()
    serializer_class = AlertOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Alert]:
        query = AlertListQuery(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        return selectors.alerts_visible(self.caller, self.get_operation(), **query.validated_data)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(request=AlertIn, responses={201: AlertDetailOut})
    def post(self, request: Request, slug: str) -> Response:
        # Refuse before reading the body: a partner learns nothing from validation errors.
        if not coordination_access.can_manage_alerts(self.caller, self.get_operation()):
            raise PermissionDenied
        alert = services.alert_create(
            operation=self.get_operation(), by=self.caller, **self.input(AlertIn)
        )
        return Response(
            AlertDetailOut(alert, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class AlertDetailView(_AlertView):
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_alert())

    @extend_schema(request=AlertIn, responses=AlertDetailOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        alert = services.alert_update(
            alert=self.get_managed_alert(), by=self.caller, **self.input(AlertIn, partial=True)
        )
        return self.output(alert)


class AlertRecipientListView(_AlertView):
    """The recipients (those who manage alerts); POST adds an organisation or a body's
    organisations."""

    serializer_class = AlertRecipientOut
    # Every recipient at once, never a page of them.
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(responses=AlertRecipientOut(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        alert = self.get_managed_alert()
        return Response(AlertRecipientOut(selectors.alert_recipients(alert), many=True).data)

    @extend_schema(request=AlertRecipientIn, responses={201: AlertRecipientOut(many=True)})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        alert = self.get_managed_alert()
        data = self.input(AlertRecipientIn)
        added = recipient_services.alert_recipient_add(
            alert=alert,
            by=self.caller,
            organisation=data.get("organisation"),
            body=data.get("body"),
        )
        return Response(AlertRecipientOut(added, many=True).data, status=status.HTTP_201_CREATED)


class AlertRecipientDetailView(_AlertView):
    serializer_class = AlertRecipientOut

    def delete(self, request: Request, slug: str, pk: int, recipient: int) -> Response:
        alert = self.get_managed_alert()
        try:
            row = alert.recipients.select_related("organisation", "alert__operation").get(
                pk=recipient
            )
        except AlertRecipient.DoesNotExist:
            raise Http404 from None
        recipient_services.alert_recipient_remove(recipient=row, by=self.caller)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertSendView(_AlertView):
    """Send a draft alert to its recipients."""

    @extend_schema(request=None, responses=AlertDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        alert = self.get_managed_alert()
        services.alert_send(alert=alert, by=self.caller)
        return self.output(alert)


class AlertAcknowledgeView(_AlertView):
    """Acknowledge a sent alert for the caller's organisation, with an optional response."""

    serializer_class = AlertRecipientOut

    @extend_schema(request=AlertAcknowledgeIn, responses=AlertRecipientOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        alert = self.get_alert()
        own = selectors.own_recipient(self.caller, alert)
        if own is None:
            raise PermissionDenied
        recipient = services.alert_acknowledge(
            recipient=own,
            by=self.caller,
            response=self.input(AlertAcknowledgeIn).get("response", ""),
        )
        return self.output(recipient)
