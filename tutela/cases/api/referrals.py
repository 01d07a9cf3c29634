"""Referrals under /api/v1/operations/<slug>/cases/: send (with the consent check), list, detail,
the receiver's answers (accept, decline, complete), the sender's withdrawal, opening a case from a
referral, and the referral form as PDF.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import referral_serializers as rs
from tutela.cases.api import serializers as s
from tutela.cases.api.common import CaseStaffView, duplicates_conflict
from tutela.cases.models import Case, Referral
from tutela.cases.services import cases as case_services
from tutela.cases.services import referrals as referral_services
from tutela.cases.services.referral_form import referral_pdf
from tutela.core.views.common import download

# --- Referrals ------------------------------------------------------------------------------------


class ReferralSendView(CaseStaffView):
    """Refer the case: refused without a consent naming the receiver and covering the fields,
    unless a supervisor of the team gives `override_reason` (a caseworker's override: 403)."""

    queryset = Case.objects.none()
    serializer_class = rs.ReferralOut

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "side": "sender"}

    @extend_schema(request=rs.ReferralIn, responses={201: rs.ReferralOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api referral")
        data = self.input(rs.ReferralIn)
        data["fields"] = data.pop("shared_fields", [])
        referral = referral_services.referral_send(case=case, by=self.caller, **data)
        return self.output(referral, status_code=status.HTTP_201_CREATED)


class ReferralListView(CaseStaffView, ListAPIView):
    """Referrals received by the caller's organisation (`box=sent`: sent from the caller's
    cases)."""

    queryset = Referral.objects.none()
    serializer_class = rs.ReferralListOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Referral]:
        operation = self.get_operation()
        if self.request.query_params.get("box") == "sent":
            referrals = access.referrals_sent_for_user(self.caller, operation)
        else:
            referrals = access.referrals_received_for_user(self.caller, operation)
        return referrals.select_related("from_organisation", "to_organisation").order_by("-sent_at")


class ReferralView(CaseStaffView):
    """One referral, as the caller's side sees it (the read is audited)."""

    queryset = Referral.objects.none()
    serializer_class = rs.ReferralOut
    side = ""

    def get_referral(self) -> Referral:
        referral, self.side = access.referral_get_for_user(
            self.caller, self.get_operation(), self.kwargs["pk"], request=self.request
        )
        return referral

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "side": self.side}

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_referral())


class ReferralAcceptView(ReferralView):
    @extend_schema(request=None, responses=rs.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(
            referral_services.referral_accept(referral=self.get_referral(), by=self.caller)
        )


class ReferralDeclineView(ReferralView):
    @extend_schema(request=rs.ReasonIn, responses=rs.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        return self.output(
            referral_services.referral_decline(
                referral=referral, by=self.caller, reason=self.input(rs.ReasonIn)["reason"]
            )
        )


class ReferralCompleteView(ReferralView):
    @extend_schema(request=rs.FeedbackIn, responses=rs.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        return self.output(
            referral_services.referral_complete(
                referral=referral, by=self.caller, feedback=self.input(rs.FeedbackIn)["feedback"]
            )
        )


class ReferralWithdrawView(ReferralView):
    @extend_schema(request=rs.ReasonIn, responses=rs.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        return self.output(
            referral_services.referral_withdraw(
                referral=referral, by=self.caller, reason=self.input(rs.ReasonIn)["reason"]
            )
        )


class ReferralOpenCaseView(ReferralView):
    @extend_schema(request=rs.OpenCaseIn, responses={201: s.CaseOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        data = self.input(rs.OpenCaseIn)
        try:
            case = referral_services.referral_open_case(referral=referral, by=self.caller, **data)
        except case_services.ProbableDuplicates as error:
            return duplicates_conflict(error)
        return Response(s.CaseOut(case).data, status=status.HTTP_201_CREATED)


class ReferralPdfView(ReferralView):
    def get(self, request: Request, slug: str, pk: int) -> Any:

        referral = self.get_referral()
        content = referral_pdf(referral=referral, by=self.caller)
        return download(content, f"{referral.code}.pdf", "application/pdf")
