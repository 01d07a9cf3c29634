"""Case management endpoints under /api/v1/operations/<slug>/cases/, one view per endpoint,
calling the same access helpers, selectors and services as the pages: the consent, the
supervisor-only override, self-approval and the GBV rule are enforced in the services, whatever
the client sends. 404 outside the operation or for a case the caller may not see, 403 for roles
that may not act (coordinators, viewers... see tutela.cases.access)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import serializers as s
from tutela.cases.models import Case, Referral, Service, Transfer
from tutela.cases.selectors import cases as selectors
from tutela.cases.selectors.directory import directory_list
from tutela.cases.selectors.statistics import case_statistics
from tutela.cases.selectors.tasks import tasks_for_user
from tutela.cases.services import cases as case_services
from tutela.cases.services import consent as consent_services
from tutela.cases.services import directory as directory_services
from tutela.cases.services import referrals as referral_services
from tutela.cases.services import transfers as transfer_services
from tutela.cases.services import workflow
from tutela.cases.services.exports import XLSX, caseload_export
from tutela.cases.services.referral_form import referral_pdf
from tutela.core.api.views import OperationAPIView
from tutela.core.disclosure import SuppressedTable
from tutela.core.views.common import download


def _person(data: dict[str, Any]) -> case_services.PersonData:
    def text(name: str) -> str:
        return str(data.get(name) or "")

    return case_services.PersonData(
        given_name=text("given_name"),
        family_name=text("family_name"),
        other_names=text("other_names"),
        date_of_birth=data.get("date_of_birth"),
        phone=text("phone"),
        id_type=text("id_type"),
        id_number=text("id_number"),
        sex=text("sex") or "U",
        age=data.get("age"),
        disability=bool(data.get("disability")),
        relationship=text("relationship") or "self",
    )


class CaseStaffView(OperationAPIView):
    """An endpoint for case management staff (403 for the other roles of the operation)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        access.require_case_staff(request.user, self.get_operation())

    def get_case(self, *, reason: str = "") -> Case:
        return access.case_get_for_user(
            self.caller,
            self.get_operation(),
            self.kwargs["pk"],
            request=self.request,
            reason=reason,
        )

    def editable_case(self, reason: str) -> Case:
        case = self.get_case(reason=reason)
        access.require_edit(self.caller, case)
        return case


def _duplicates(error: case_services.ProbableDuplicates) -> Response:
    return Response(
        {
            "detail": error.messages[0],
            "code": "probable_duplicate",
            "candidates": s.CandidateOut(error.candidates, many=True).data,
        },
        status=status.HTTP_409_CONFLICT,
    )


# --- Cases ----------------------------------------------------------------------------------------


class CaseListView(CaseStaffView, ListAPIView):
    """The caller's cases (a caseworker's own and assigned, a supervisor's team); `q` searches
    names, phones and ID numbers through the blind index. POST registers a case (409 with the
    probable duplicates unless `confirm_not_duplicate`)."""

    queryset = Case.objects.none()
    serializer_class = s.CaseListOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        params = self.request.query_params
        operation = self.get_operation()
        if params.get("q"):
            return selectors.case_search(self.caller, operation, params["q"])
        return selectors.case_list(
            self.caller,
            operation,
            stage=params.get("stage", ""),
            case_type=params.get("case_type", ""),
            mine=params.get("mine") == "true",
            include_closed=params.get("closed") == "true",
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Name, phone, ID number or code."),
            OpenApiParameter("stage", OpenApiTypes.STR),
            OpenApiParameter("case_type", OpenApiTypes.STR),
            OpenApiParameter("mine", OpenApiTypes.BOOL),
            OpenApiParameter("closed", OpenApiTypes.BOOL),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        request=s.CaseIn,
        responses={
            201: s.CaseOut,
            409: OpenApiResponse(
                response=inline_serializer(
                    "ProbableDuplicatesOut",
                    fields={
                        "detail": serializers.CharField(),
                        "code": serializers.CharField(),
                        "candidates": s.CandidateOut(many=True),
                    },
                ),
                description="Probable duplicates: the case is not registered",
            ),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(s.CaseIn)
        principal = _person(data.pop("principal"))
        members = [_person(m) for m in data.pop("members", [])]
        try:
            case = case_services.case_register(
                operation=self.get_operation(),
                by=self.caller,
                principal=principal,
                members=members,
                **data,
            )
        except case_services.ProbableDuplicates as error:
            return _duplicates(error)
        return Response(s.CaseOut(case).data, status=status.HTTP_201_CREATED)


class DuplicateCheckView(CaseStaffView):
    """Probable duplicates in the caller's organisation for a person about to be registered
    (codes and caseworkers only)."""

    queryset = Case.objects.none()
    serializer_class = s.CandidateOut

    @extend_schema(request=s.DuplicateCheckIn, responses=s.CandidateOut(many=True))
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(s.DuplicateCheckIn)
        people = [_person(data["principal"]), *[_person(m) for m in data.get("members", [])]]
        candidates = case_services.duplicate_candidates(
            operation=self.get_operation(),
            organisation_id=self.caller.organisation_id or 0,
            people=people,
        )
        return Response(s.CandidateOut(candidates, many=True).data)


class CaseDetailView(CaseStaffView):
    """One case (the read is audited); PATCH changes its fields."""

    queryset = Case.objects.none()
    serializer_class = s.CaseOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_case(reason="api"))

    @extend_schema(request=s.CaseUpdateIn, responses=s.CaseOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api edit")
        data = self.input(s.CaseUpdateIn, partial=True)
        return self.output(case_services.case_update(case=case, by=self.caller, **data))


class PersonListView(CaseStaffView):
    """Add a household member."""

    queryset = Case.objects.none()
    serializer_class = s.PersonOut

    @extend_schema(request=s.PersonIn, responses={201: s.PersonOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api person")
        person = case_services.person_add(
            case=case, by=self.caller, data=_person(self.input(s.PersonIn))
        )
        return self.output(person, status_code=status.HTTP_201_CREATED)


class PersonDetailView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.PersonOut

    def _person_of(self, case: Case) -> Any:
        person = case.people.filter(pk=self.kwargs["person"]).first()
        if person is None:
            raise Http404
        return person

    @extend_schema(request=s.PersonIn, responses=s.PersonOut)
    def put(self, request: Request, slug: str, pk: int, person: int) -> Response:
        case = self.editable_case("api person")
        updated = case_services.person_update(
            person=self._person_of(case), by=self.caller, data=_person(self.input(s.PersonIn))
        )
        return self.output(updated)

    def delete(self, request: Request, slug: str, pk: int, person: int) -> Response:
        case = self.editable_case("api person")
        case_services.person_remove(person=self._person_of(case), by=self.caller)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReassignView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.CaseOut

    @extend_schema(request=s.ReassignIn, responses=s.CaseOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.get_case(reason="api reassign")
        data = self.input(s.ReassignIn)
        return self.output(
            workflow.case_reassign(
                case=case, by=self.caller, owner=data["owner"], assigned=data.get("assigned", [])
            )
        )


class AccessLogView(CaseStaffView, ListAPIView):
    """Who read or changed the case and what belongs to it."""

    queryset = Case.objects.none()
    serializer_class = s.CaseAccessLogOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return selectors.case_access_log(self.get_case(reason="api access log"))


# --- Consent --------------------------------------------------------------------------------------


class ConsentListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.ConsentOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        case = self.get_case(reason="api consents")
        return Response(
            s.ConsentOut(case.consents.prefetch_related("organisations"), many=True).data
        )

    @extend_schema(request=s.ConsentIn, responses={201: s.ConsentOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api consent")
        data = self.input(s.ConsentIn)
        data["fields"] = data.pop("shared_fields", [])
        bia = data.pop("best_interest", None)
        data["best_interest"] = case.assessments.filter(pk=bia).first() if bia else None
        consent = consent_services.consent_record(case=case, by=self.caller, **data)
        return self.output(consent, status_code=status.HTTP_201_CREATED)


class ConsentWithdrawView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.ConsentOut

    @extend_schema(request=s.ConsentWithdrawIn, responses=s.ConsentOut)
    def post(self, request: Request, slug: str, pk: int, consent: int) -> Response:
        case = self.editable_case("api consent")
        item = case.consents.filter(pk=consent).first()
        if item is None:
            raise Http404
        note = self.input(s.ConsentWithdrawIn).get("note", "")
        return self.output(
            consent_services.consent_withdraw(consent=item, by=self.caller, note=note)
        )


class OverrideListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.OverrideOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        case = self.get_case(reason="api overrides")
        return Response(
            s.OverrideOut(case.overrides.select_related("organisation", "by"), many=True).data
        )


# --- Workflow -------------------------------------------------------------------------------------


class AssessmentListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.AssessmentOut

    @extend_schema(request=s.AssessmentIn, responses={201: s.AssessmentOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api assessment")
        data = self.input(s.AssessmentIn)
        assessment = workflow.assessment_record(case=case, by=self.caller, **data)
        return self.output(assessment, status_code=status.HTTP_201_CREATED)


class InterventionListView(CaseStaffView):
    """Add a goal and intervention to the case plan being written (started if needed)."""

    queryset = Case.objects.none()
    serializer_class = s.InterventionOut

    @extend_schema(request=s.InterventionIn, responses={201: s.InterventionOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api plan")
        data = self.input(s.InterventionIn)
        plan = workflow.plan_start(case=case, by=self.caller, review_on=data.pop("review_on", None))
        item = workflow.intervention_add(plan=plan, by=self.caller, **data)
        return self.output(item, status_code=status.HTTP_201_CREATED)


class ApprovalListView(CaseStaffView):
    """Ask for the approval of an assessment, the case plan or the closure."""

    queryset = Case.objects.none()
    serializer_class = s.ApprovalOut

    @extend_schema(request=s.ApprovalIn, responses={201: s.ApprovalOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api approval")
        data = self.input(s.ApprovalIn)
        assessment_id = data.pop("assessment", None)
        assessment = case.assessments.filter(pk=assessment_id).first() if assessment_id else None
        approval = workflow.approval_request(
            case=case, by=self.caller, assessment=assessment, **data
        )
        return self.output(approval, status_code=status.HTTP_201_CREATED)


class ApprovalDecideView(CaseStaffView):
    """A supervisor of the team approves or returns (the requester and author are refused)."""

    queryset = Case.objects.none()
    serializer_class = s.ApprovalOut

    @extend_schema(request=s.DecisionIn, responses=s.ApprovalOut)
    def post(self, request: Request, slug: str, pk: int, approval: int) -> Response:
        case = self.get_case(reason="api approval")
        item = case.approvals.select_related("assessment", "plan").filter(pk=approval).first()
        if item is None:
            raise Http404
        data = self.input(s.DecisionIn)
        return self.output(workflow.approval_decide(approval=item, by=self.caller, **data))


class ServiceDeliveryView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.RecordOut

    @extend_schema(request=s.ServiceDeliveryIn, responses={201: s.RecordOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api service")
        item = workflow.service_record(case=case, by=self.caller, **self.input(s.ServiceDeliveryIn))
        return self.output(item, status_code=status.HTTP_201_CREATED)


class FollowUpListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.RecordOut

    @extend_schema(request=s.CaseFollowUpIn, responses={201: s.RecordOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api follow-up")
        item = workflow.follow_up_schedule(
            case=case, by=self.caller, **self.input(s.CaseFollowUpIn)
        )
        return self.output(item, status_code=status.HTTP_201_CREATED)


class FollowUpDoneView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.RecordOut

    @extend_schema(request=s.CaseFollowUpDoneIn, responses=s.RecordOut)
    def post(self, request: Request, slug: str, pk: int, follow_up: int) -> Response:
        case = self.editable_case("api follow-up")
        item = case.follow_ups.filter(pk=follow_up).first()
        if item is None:
            raise Http404
        done = workflow.follow_up_done(
            follow_up=item, by=self.caller, note=self.input(s.CaseFollowUpDoneIn).get("note", "")
        )
        return self.output(done)


class TransferRequestView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.TransferOut

    @extend_schema(request=s.TransferIn, responses={201: s.TransferOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api transfer")
        transfer = transfer_services.transfer_request(
            case=case, by=self.caller, **self.input(s.TransferIn)
        )
        return self.output(transfer, status_code=status.HTTP_201_CREATED)


class TransferDecideView(CaseStaffView):
    """The receiving organisation's supervisor (or the named caseworker) accepts or declines."""

    queryset = Transfer.objects.none()
    serializer_class = s.TransferOut

    @extend_schema(request=s.TransferDecisionIn, responses=s.TransferOut)
    def post(self, request: Request, slug: str, transfer: int) -> Response:
        item = Transfer.objects.filter(case__operation=self.get_operation(), pk=transfer).first()
        if item is None or not (
            access.can_decide_transfer(self.caller, item)
            or item.to_organisation_id == self.caller.organisation_id
        ):
            raise Http404
        data = self.input(s.TransferDecisionIn)
        return self.output(transfer_services.transfer_decide(transfer=item, by=self.caller, **data))


class TaskListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.TaskOut

    def get(self, request: Request, slug: str) -> Response:
        return Response(
            s.TaskOut(tasks_for_user(self.caller, self.get_operation()), many=True).data
        )


# --- Referrals ------------------------------------------------------------------------------------


class ReferralSendView(CaseStaffView):
    """Refer the case: refused without a consent naming the receiver and covering the fields,
    unless a supervisor of the team gives `override_reason` (a caseworker's override: 403)."""

    queryset = Case.objects.none()
    serializer_class = s.ReferralOut

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "side": "sender"}

    @extend_schema(request=s.ReferralIn, responses={201: s.ReferralOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api referral")
        data = self.input(s.ReferralIn)
        data["fields"] = data.pop("shared_fields", [])
        referral = referral_services.referral_send(case=case, by=self.caller, **data)
        return self.output(referral, status_code=status.HTTP_201_CREATED)


class ReferralListView(CaseStaffView, ListAPIView):
    """Referrals received by the caller's organisation (`box=sent`: sent from the caller's
    cases)."""

    queryset = Referral.objects.none()
    serializer_class = s.ReferralListOut
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
    serializer_class = s.ReferralOut
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
    @extend_schema(request=None, responses=s.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(
            referral_services.referral_accept(referral=self.get_referral(), by=self.caller)
        )


class ReferralDeclineView(ReferralView):
    @extend_schema(request=s.ReasonIn, responses=s.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        return self.output(
            referral_services.referral_decline(
                referral=referral, by=self.caller, reason=self.input(s.ReasonIn)["reason"]
            )
        )


class ReferralCompleteView(ReferralView):
    @extend_schema(request=s.FeedbackIn, responses=s.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        return self.output(
            referral_services.referral_complete(
                referral=referral, by=self.caller, feedback=self.input(s.FeedbackIn)["feedback"]
            )
        )


class ReferralWithdrawView(ReferralView):
    @extend_schema(request=s.ReasonIn, responses=s.ReferralOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        return self.output(
            referral_services.referral_withdraw(
                referral=referral, by=self.caller, reason=self.input(s.ReasonIn)["reason"]
            )
        )


class ReferralOpenCaseView(ReferralView):
    @extend_schema(request=s.OpenCaseIn, responses={201: s.CaseOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = self.get_referral()
        data = self.input(s.OpenCaseIn)
        try:
            case = referral_services.referral_open_case(referral=referral, by=self.caller, **data)
        except case_services.ProbableDuplicates as error:
            return _duplicates(error)
        return Response(s.CaseOut(case).data, status=status.HTTP_201_CREATED)


class ReferralPdfView(ReferralView):
    def get(self, request: Request, slug: str, pk: int) -> Any:

        referral = self.get_referral()
        content = referral_pdf(referral=referral, by=self.caller)
        return download(content, f"{referral.code}.pdf", "application/pdf")


# --- Directory, statistics, export ----------------------------------------------------------------


class DirectoryListView(OperationAPIView, ListAPIView):
    """The service directory (every role of the operation); POST adds a service (the
    organisation's partner focal points and supervisors, managers)."""

    queryset = Service.objects.none()
    serializer_class = s.ServiceOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Service]:
        if not access.can_see_directory(self.caller, self.get_operation()):
            raise PermissionDenied
        return directory_list(
            self.caller, self.get_operation(), area=self.request.query_params.get("area", "")
        )

    @extend_schema(request=s.ServiceIn, responses={201: s.ServiceOut})
    def post(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        if not access.can_edit_directory(self.caller, operation, None):
            raise PermissionDenied
        service = directory_services.service_create(
            operation=operation, by=self.caller, **self.input(s.ServiceIn)
        )
        return self.output(service, status_code=status.HTTP_201_CREATED)


class DirectoryDetailView(OperationAPIView):
    queryset = Service.objects.none()
    serializer_class = s.ServiceOut

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

    @extend_schema(request=s.ServiceIn, responses=s.ServiceOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        data = self.input(s.ServiceIn, partial=True)
        data.pop("organisation", None)
        return self.output(
            directory_services.service_update(service=self.get_object(), by=self.caller, **data)
        )


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
