"""Endpoints of referrals between Tutela instances:

- `POST /api/v1/peers/inbox/`: where other Tutela instances post their packages. No account: the
  package's signature by a registered, active peer is the authentication (4xx with a `code` for
  anything else, nothing written).
- `/api/v1/operations/<slug>/cases/peers/…`: the operation's managers register and revoke peers and
  read this instance's public keys.
- `/api/v1/operations/<slug>/cases/inbound-referrals/…`: the receiving organisation's case staff
  read and answer referrals received from another Tutela.
- `/api/v1/operations/<slug>/cases/referrals/<pk>/delivery/`: the sender's view of a referral's
  delivery to another Tutela.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela.cases import access, peer_packages
from tutela.cases.api import referral_serializers as rs
from tutela.cases.api import serializers as s
from tutela.cases.api.common import CaseStaffView, duplicates_conflict
from tutela.cases.models import InboundReferral, Peer, PeerMessage
from tutela.cases.peer_packages import PackageError
from tutela.cases.services import peer_inbox
from tutela.cases.services import peers as services
from tutela.cases.services.cases import ProbableDuplicates
from tutela.cases.shared_fields import shared_values
from tutela.core.api.views import OperationAPIView
from tutela.core.models import Organisation

logger = logging.getLogger(__name__)

# --- Serializers ---------------------------------------------------------------------------------


class PeerOut(serializers.ModelSerializer):
    organisations: Any = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )

    class Meta:
        model = Peer
        fields = [
            "id",
            "name",
            "base_url",
            "remote_operation",
            "signing_key",
            "encryption_key",
            "organisations",
            "status",
            "revoked_at",
            "created_at",
        ]


class PeerIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    base_url = serializers.URLField(max_length=300)
    remote_operation = serializers.SlugField(max_length=50)
    signing_key = serializers.CharField(max_length=64)
    encryption_key = serializers.CharField(max_length=64)
    organisations = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=200
    )


class PeerInboxErrorOut(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class KeysOut(serializers.Serializer):
    signing_key = serializers.CharField()
    encryption_key = serializers.CharField()


class DeliveryOut(serializers.ModelSerializer):
    peer = serializers.CharField(source="peer.name")

    class Meta:
        model = PeerMessage
        fields = ["peer", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]


class InboundListOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    peer = serializers.CharField(source="peer.name")

    class Meta:
        model = InboundReferral
        fields = [
            "id",
            "code",
            "peer",
            "from_organisation",
            "organisation",
            "priority",
            "status",
            "sent_at",
            "respond_by",
            "received_at",
        ]


class InboundOut(InboundListOut):
    shared = serializers.SerializerMethodField()
    answer_delivery = serializers.SerializerMethodField()

    class Meta(InboundListOut.Meta):
        fields = [
            *InboundListOut.Meta.fields,
            "services_requested",
            "reason",
            "caregiver_informed",
            "shared_fields",
            "shared",
            "responded_at",
            "decline_reason",
            "feedback",
            "completed_at",
            "withdrawn_at",
            "withdrawal_reason",
            "consent_withdrawn_at",
            "escalated_at",
            "case",
            "answer_delivery",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_shared(self, inbound: InboundReferral) -> dict[str, Any]:
        return shared_values(inbound.shared_data)

    @extend_schema_field(DeliveryOut(allow_null=True))
    def get_answer_delivery(self, inbound: InboundReferral) -> dict[str, Any] | None:
        message = services.answer_delivery(inbound)
        return DeliveryOut(message).data if message else None


# --- Inbox ---------------------------------------------------------------------------------------


class PeerInboxView(APIView):
    """Where another Tutela posts a package (tutela.cases.peer_packages). 200 when taken in; 400
    malformed or not matching the schema, 403 unknown or revoked peer or bad signature, 404 an
    answer to an unknown referral, 409 replay or a state that does not allow it, 413 too large,
    429 over the client address's or the peer's rate limit (with Retry-After)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: inline_serializer(
                "PeerInboxOut",
                {
                    "received": serializers.CharField(),
                    "code": serializers.CharField(),
                    "status": serializers.CharField(required=False),
                },
            ),
            400: OpenApiResponse(PeerInboxErrorOut, description="Malformed package or payload."),
            403: OpenApiResponse(
                PeerInboxErrorOut, description="Unknown or revoked peer, or bad signature."
            ),
            404: OpenApiResponse(
                PeerInboxErrorOut, description="An answer to a referral this peer never got."
            ),
            409: OpenApiResponse(
                PeerInboxErrorOut, description="Replay, or an answer the referral's state refuses."
            ),
            413: OpenApiResponse(PeerInboxErrorOut, description="Package too large."),
            429: OpenApiResponse(
                PeerInboxErrorOut,
                description="Over the posts per minute of the client's address (counted "
                "before anything is read) or the packages per minute of the peer; `Retry-After` "
                "says when to try again.",
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        try:
            # First, before the body is read: the limit per client address.
            peer_inbox.inbox_address_count(address=peer_inbox.client_address(request.META))
            if length > peer_packages.MAX_BYTES:
                raise PackageError(
                    "too_large", f"A package is at most {peer_packages.MAX_BYTES} bytes."
                )
            body = request._request.read(peer_packages.MAX_BYTES + 1)
            result = services.package_receive(body=body)
        except PackageError as error:
            logger.warning("peer package refused: %s (%s)", error.code, error.message)
            headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
            return Response(
                {"code": error.code, "detail": error.message},
                status=services.HTTP_STATUS.get(error.code, status.HTTP_400_BAD_REQUEST),
                headers=headers,
            )
        return Response(result)


# --- Peers ---------------------------------------------------------------------------------------


class PeerManagerView(OperationAPIView):
    """For the operation's managers (403 for anyone else with a role)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not access.can_manage_peers(self.caller, self.get_operation()):
            raise PermissionDenied


class InstanceKeysView(PeerManagerView):
    """This Tutela's public keys, to give to the administrators of the other Tutela."""

    serializer_class = KeysOut

    def get(self, request: Request, slug: str) -> Response:
        return Response(KeysOut(services.instance_public_keys()).data)


class PeerListView(PeerManagerView, ListAPIView):
    """The operation's peers; POST registers one (`organisations`: acronyms of the organisations
    of this operation that work in it)."""

    queryset = Peer.objects.none()
    serializer_class = PeerOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return Peer.objects.filter(operation=self.get_operation()).prefetch_related("organisations")

    @extend_schema(request=PeerIn, responses={201: PeerOut})
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(PeerIn)
        operation = self.get_operation()
        acronyms = data.pop("organisations")
        organisations = list(Organisation.objects.filter(acronym__in=acronyms))
        if len(organisations) != len(set(acronyms)):
            raise serializers.ValidationError({"organisations": ["Unknown organisation."]})
        peer = services.peer_register(
            operation=operation, by=self.caller, organisations=organisations, **data
        )
        return self.output(peer, status_code=status.HTTP_201_CREATED)


class PeerView(PeerManagerView):
    queryset = Peer.objects.none()
    serializer_class = PeerOut

    def get_peer(self) -> Peer:
        return access.peer_get_for_user(self.caller, self.get_operation(), self.kwargs["pk"])

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_peer())


class PeerRevokeView(PeerView):
    @extend_schema(request=None, responses=PeerOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(services.peer_revoke(peer=self.get_peer(), by=self.caller))


# --- Inbound referrals ---------------------------------------------------------------------------


class InboundListView(CaseStaffView, ListAPIView):
    """Referrals received from other Tutela instances by the caller's organisation."""

    queryset = InboundReferral.objects.none()
    serializer_class = InboundListOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return access.inbound_referrals_for_user(self.caller, self.get_operation()).select_related(
            "peer", "organisation"
        )


class InboundView(CaseStaffView):
    """One inbound referral (the read is audited)."""

    queryset = InboundReferral.objects.none()
    serializer_class = InboundOut

    def get_inbound(self) -> InboundReferral:
        return access.inbound_referral_get_for_user(
            self.caller, self.get_operation(), self.kwargs["pk"], request=self.request
        )

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_inbound())


class InboundAcceptView(InboundView):
    @extend_schema(request=None, responses=InboundOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(
            services.inbound_referral_accept(inbound=self.get_inbound(), by=self.caller)
        )


class InboundDeclineView(InboundView):
    @extend_schema(request=rs.ReasonIn, responses=InboundOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        inbound = self.get_inbound()
        reason = self.input(rs.ReasonIn)["reason"]
        return self.output(
            services.inbound_referral_decline(inbound=inbound, by=self.caller, reason=reason)
        )


class InboundCompleteView(InboundView):
    @extend_schema(request=rs.FeedbackIn, responses=InboundOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        inbound = self.get_inbound()
        feedback = self.input(rs.FeedbackIn)["feedback"]
        return self.output(
            services.inbound_referral_complete(inbound=inbound, by=self.caller, feedback=feedback)
        )


class InboundOpenCaseView(InboundView):
    """The receiving organisation's own case from an accepted inbound referral (201), with the
    fields the sender's consent let through; 409 with the candidates if it looks like a case the
    organisation already has (send `confirm_not_duplicate`)."""

    @extend_schema(request=rs.OpenCaseIn, responses={201: s.CaseOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        inbound = self.get_inbound()
        data = self.input(rs.OpenCaseIn)
        try:
            case = services.inbound_referral_open_case(inbound=inbound, by=self.caller, **data)
        except ProbableDuplicates as error:
            return duplicates_conflict(error)
        return Response(s.CaseOut(case).data, status=status.HTTP_201_CREATED)


class ReferralDeliveryView(CaseStaffView):
    """Where a referral to another Tutela stands: waiting to be delivered (queued, with the next
    attempt), delivered, or refused. 404 for a local referral."""

    queryset = PeerMessage.objects.none()
    serializer_class = DeliveryOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        referral, side = access.referral_get_for_user(
            self.caller, self.get_operation(), pk, request=request
        )
        message = services.referral_delivery(referral) if side == "sender" else None
        if message is None:
            raise Http404
        return self.output(message)
