"""A case's workflow under /api/v1/operations/<slug>/cases/<pk>/: assessments, interventions and
their approval (never by whoever asked for it), service delivery, follow-ups, transfers between
caseworkers, and the caller's tasks. The rules are the services'; see tutela.cases.access for who
may act.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import serializers as s
from tutela.cases.api import workflow_serializers as ws
from tutela.cases.api.common import CaseStaffView
from tutela.cases.models import Case, Transfer
from tutela.cases.selectors.tasks import tasks_for_user
from tutela.cases.services import transfers as transfer_services
from tutela.cases.services import workflow

# --- Workflow -------------------------------------------------------------------------------------


class AssessmentListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = ws.AssessmentOut

    @extend_schema(request=ws.AssessmentIn, responses={201: ws.AssessmentOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api assessment")
        data = self.input(ws.AssessmentIn)
        assessment = workflow.assessment_record(case=case, by=self.caller, **data)
        return self.output(assessment, status_code=status.HTTP_201_CREATED)


class InterventionListView(CaseStaffView):
    """Add a goal and intervention to the case plan being written (started if needed)."""

    queryset = Case.objects.none()
    serializer_class = ws.InterventionOut

    @extend_schema(request=ws.InterventionIn, responses={201: ws.InterventionOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api plan")
        data = self.input(ws.InterventionIn)
        plan = workflow.plan_start(case=case, by=self.caller, review_on=data.pop("review_on", None))
        item = workflow.intervention_add(plan=plan, by=self.caller, **data)
        return self.output(item, status_code=status.HTTP_201_CREATED)


class ApprovalListView(CaseStaffView):
    """Ask for the approval of an assessment, the case plan or the closure."""

    queryset = Case.objects.none()
    serializer_class = ws.ApprovalOut

    @extend_schema(request=ws.ApprovalIn, responses={201: ws.ApprovalOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api approval")
        data = self.input(ws.ApprovalIn)
        assessment_id = data.pop("assessment", None)
        assessment = case.assessments.filter(pk=assessment_id).first() if assessment_id else None
        approval = workflow.approval_request(
            case=case, by=self.caller, assessment=assessment, **data
        )
        return self.output(approval, status_code=status.HTTP_201_CREATED)


class ApprovalDecideView(CaseStaffView):
    """A supervisor of the team approves or returns (the requester and author are refused)."""

    queryset = Case.objects.none()
    serializer_class = ws.ApprovalOut

    @extend_schema(request=ws.DecisionIn, responses=ws.ApprovalOut)
    def post(self, request: Request, slug: str, pk: int, approval: int) -> Response:
        case = self.get_case(reason="api approval")
        item = case.approvals.select_related("assessment", "plan").filter(pk=approval).first()
        if item is None:
            raise Http404
        data = self.input(ws.DecisionIn)
        return self.output(workflow.approval_decide(approval=item, by=self.caller, **data))


class ServiceDeliveryView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = ws.RecordOut

    @extend_schema(request=ws.ServiceDeliveryIn, responses={201: ws.RecordOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api service")
        item = workflow.service_record(
            case=case, by=self.caller, **self.input(ws.ServiceDeliveryIn)
        )
        return self.output(item, status_code=status.HTTP_201_CREATED)


class FollowUpListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = ws.RecordOut

    @extend_schema(request=ws.CaseFollowUpIn, responses={201: ws.RecordOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api follow-up")
        item = workflow.follow_up_schedule(
            case=case, by=self.caller, **self.input(ws.CaseFollowUpIn)
        )
        return self.output(item, status_code=status.HTTP_201_CREATED)


class FollowUpDoneView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = ws.RecordOut

    @extend_schema(request=ws.CaseFollowUpDoneIn, responses=ws.RecordOut)
    def post(self, request: Request, slug: str, pk: int, follow_up: int) -> Response:
        case = self.editable_case("api follow-up")
        item = case.follow_ups.filter(pk=follow_up).first()
        if item is None:
            raise Http404
        done = workflow.follow_up_done(
            follow_up=item, by=self.caller, note=self.input(ws.CaseFollowUpDoneIn).get("note", "")
        )
        return self.output(done)


class TransferRequestView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = ws.TransferOut

    @extend_schema(request=ws.TransferIn, responses={201: ws.TransferOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api transfer")
        transfer = transfer_services.transfer_request(
            case=case, by=self.caller, **self.input(ws.TransferIn)
        )
        return self.output(transfer, status_code=status.HTTP_201_CREATED)


class TransferDecideView(CaseStaffView):
    """The receiving organisation's supervisor (or the named caseworker) accepts or declines."""

    queryset = Transfer.objects.none()
    serializer_class = ws.TransferOut

    @extend_schema(request=ws.TransferDecisionIn, responses=ws.TransferOut)
    def post(self, request: Request, slug: str, transfer: int) -> Response:
        item = Transfer.objects.filter(case__operation=self.get_operation(), pk=transfer).first()
        if item is None or not (
            access.can_decide_transfer(self.caller, item)
            or item.to_organisation_id == self.caller.organisation_id
        ):
            raise Http404
        data = self.input(ws.TransferDecisionIn)
        return self.output(transfer_services.transfer_decide(transfer=item, by=self.caller, **data))


class TaskListView(CaseStaffView):
    queryset = Case.objects.none()
    serializer_class = s.TaskOut

    def get(self, request: Request, slug: str) -> Response:
        return Response(
            s.TaskOut(tasks_for_user(self.caller, self.get_operation()), many=True).data
        )
