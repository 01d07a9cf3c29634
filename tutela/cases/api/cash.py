"""Cash for protection endpoints under /api/v1/operations/<slug>/cases/cash/ (and a case's
/cases/<pk>/cash/), calling the same access helpers and services as the pages: the two-person
rule, the amount from the MEB and the consent-and-agreement-bound duplicate check are enforced in
tutela.cases.services.cash whatever the client sends. 404 for a cash record of a case the caller
may not see, 403 for roles that may not act."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.cases import access
from tutela.cases.api import cash_serializers as s
from tutela.cases.api.common import CaseStaffView
from tutela.cases.models import (
    CashAssistance,
    CashInstalment,
    EligibilityCriterion,
    ExpenditureBasket,
    Intervention,
    SharingAgreement,
)
from tutela.cases.selectors import cash as selectors
from tutela.cases.services import cash as services
from tutela.cases.services.cash_exports import cash_reconciliation_export
from tutela.cases.services.exports import XLSX
from tutela.core.api.views import OperationAPIView
from tutela.core.views.common import download

ZIP = "application/zip"

_Duplicate = inline_serializer(
    "CashProbableDuplicate",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "organisations": serializers.ListField(child=serializers.CharField()),
    },
)


def _summary(summary: selectors.PdmSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "interviews": summary.interviews,
        "received_in_full": summary.received_in_full,
        "on_time": summary.on_time,
        "safety_problems": summary.safety_problems,
        "uses": [{"category": label, "count": n} for label, n in summary.uses],
        "satisfaction": [{"category": str(score), "count": n} for score, n in summary.satisfaction],
        "suppressed": summary.suppressed,
    }


class CashView(CaseStaffView):
    queryset = CashAssistance.objects.none()
    serializer_class: type[Any] = s.CashOut

    def get_cash(self) -> CashAssistance:
        return access.cash_get_for_user(
            self.caller, self.get_operation(), self.kwargs["cash"], request=self.request
        )

    def get_instalment(self, assistance: CashAssistance) -> CashInstalment:
        item = assistance.instalments.filter(number=self.kwargs["number"]).first()
        if item is None:
            raise Http404
        item.assistance = assistance
        return item

    def fresh(self, assistance: CashAssistance) -> CashAssistance:
        return CashAssistance.objects.prefetch_related("instalments__monitoring").get(
            pk=assistance.pk
        )


class CaseCashView(CashView, ListAPIView):
    """A case's cash records; POST records the eligibility assessment and the planned grant."""

    serializer_class = s.CashOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CashAssistance]:
        case = self.get_case(reason="api cash")
        return (
            CashAssistance.objects.filter(case=case)
            .prefetch_related("instalments__monitoring")
            .order_by("-id")
        )

    @extend_schema(operation_id="cases_case_cash_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.CashIn, responses={201: s.CashOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = self.editable_case("api cash")
        data = self.input(s.CashIn)
        basket_id = data.pop("basket", None)
        intervention_id = data.pop("intervention", None)
        basket = None
        if basket_id is not None:
            basket = ExpenditureBasket.objects.filter(
                operation=case.operation, pk=basket_id
            ).first()
            if basket is None:
                raise serializers.ValidationError({"basket": "Unknown basket."})
        intervention = None
        if intervention_id is not None:
            intervention = Intervention.objects.filter(plan__case=case, pk=intervention_id).first()
            if intervention is None:
                raise serializers.ValidationError({"intervention": "Unknown intervention."})
        item = services.cash_record(
            case=case,
            by=self.caller,
            basket=basket,
            intervention=intervention,
            override_reason=data.pop("override_reason", "") or "",
            **data,
        )
        return self.output(self.fresh(item), status_code=status.HTTP_201_CREATED)


class CashListView(CashView, ListAPIView):
    """The caller's cash records (a caseworker's cases, a supervisor's team)."""

    serializer_class = s.CashListOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CashAssistance]:
        return selectors.cash_list(self.caller, self.get_operation())


class CashDetailView(CashView):
    """One cash record with its instalments and monitoring (the read is audited)."""

    def get(self, request: Request, slug: str, cash: int) -> Response:
        return self.output(self.fresh(self.get_cash()))


class CashRequestView(CashView):
    """Ask for approval (someone else decides)."""

    @extend_schema(request=None, responses=s.CashOut)
    def post(self, request: Request, slug: str, cash: int) -> Response:
        item = services.cash_request(assistance=self.get_cash(), by=self.caller)
        return self.output(self.fresh(item))


class CashDecideView(CashView):
    """A supervisor of the team other than the requester approves or rejects; an approval runs
    the duplicate check first (409 naming the other organisations unless confirmed)."""

    @extend_schema(
        request=s.DecideIn,
        responses={
            200: s.CashOut,
            409: OpenApiResponse(_Duplicate, description="Probable duplicate elsewhere."),
        },
    )
    def post(self, request: Request, slug: str, cash: int) -> Response:
        assistance = self.get_cash()
        data = self.input(s.DecideIn)
        try:
            item = services.cash_decide(assistance=assistance, by=self.caller, **data)
        except services.ProbableCashDuplicate as error:
            return Response(
                {
                    "detail": error.messages[0],
                    "code": "probable_duplicate",
                    "organisations": error.result.organisations,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self.output(self.fresh(item))


class CashCheckView(CashView):
    """The duplicate check across organisations (consent and agreement bound)."""

    serializer_class = s.CheckOut

    @extend_schema(request=None, responses=s.CheckOut)
    def post(self, request: Request, slug: str, cash: int) -> Response:
        result = services.cash_duplicate_check(assistance=self.get_cash(), by=self.caller)
        return Response(s.CheckOut(result.as_dict()).data)


class CashCancelView(CashView):
    @extend_schema(request=s.CancelIn, responses=s.CashOut)
    def post(self, request: Request, slug: str, cash: int) -> Response:
        assistance = self.get_cash()
        data = self.input(s.CancelIn)
        item = services.cash_cancel(assistance=assistance, by=self.caller, **data)
        return self.output(self.fresh(item))


class CashScheduleView(CashView):
    """Replace the instalments of a draft (due dates and amounts adding up to the amount)."""

    @extend_schema(request=s.ScheduleIn, responses=s.CashOut)
    def put(self, request: Request, slug: str, cash: int) -> Response:
        item = self.get_cash()
        data = self.input(s.ScheduleIn)
        services.instalments_set(
            assistance=item,
            by=self.caller,
            schedule=[(line["due_on"], line["amount"]) for line in data["instalments"]],
        )
        return self.output(self.fresh(item))


class InstalmentStatusView(CashView):
    """Disbursement status of one instalment: paid, failed, cancelled, approved again."""

    serializer_class = s.InstalmentOut

    @extend_schema(request=s.InstalmentStatusIn, responses=s.InstalmentOut)
    def post(self, request: Request, slug: str, cash: int, number: int) -> Response:
        instalment = self.get_instalment(self.get_cash())
        data = self.input(s.InstalmentStatusIn)
        item = services.instalment_status_set(instalment=instalment, by=self.caller, **data)
        return self.output(item)


class InstalmentEditView(CashView):
    """Change an unpaid instalment's due date and amount (never above the approved total); a paid
    or cancelled one is locked (400)."""

    serializer_class = s.InstalmentOut

    @extend_schema(
        # Not the generated id, which the schedule's PUT (…/instalments/) already has.
        operation_id="v1_operations_cases_cash_instalment_update",
        request=s.ScheduleLineIn,
        responses=s.InstalmentOut,
    )
    def put(self, request: Request, slug: str, cash: int, number: int) -> Response:
        instalment = self.get_instalment(self.get_cash())
        data = self.input(s.ScheduleLineIn)
        item = services.instalment_edit(instalment=instalment, by=self.caller, **data)
        return self.output(item)


class MonitoringView(CashView):
    """Post-distribution monitoring of a paid instalment."""

    serializer_class = s.MonitoringOut

    @extend_schema(request=s.MonitoringIn, responses={201: s.MonitoringOut})
    def post(self, request: Request, slug: str, cash: int, number: int) -> Response:
        instalment = self.get_instalment(self.get_cash())
        data = self.input(s.MonitoringIn)
        item = services.monitoring_record(instalment=instalment, by=self.caller, **data)
        return self.output(item, status_code=status.HTTP_201_CREATED)


class ReconciliationExportView(CashView):
    """Planned against paid per instalment (supervisors): encrypted XLSX, or CSV in an
    encrypted ZIP."""

    serializer_class = s.CashExportIn

    @extend_schema(
        request=s.CashExportIn,
        responses={(200, XLSX): OpenApiTypes.BINARY, (200, ZIP): OpenApiTypes.BINARY},
    )
    def post(self, request: Request, slug: str) -> HttpResponse:
        if not access.can_export(self.caller, self.get_operation(), "cash_reconciliation"):
            raise PermissionDenied
        data = self.input(s.CashExportIn)
        content = cash_reconciliation_export(operation=self.get_operation(), by=self.caller, **data)
        if data["file_format"] == "csv":
            return download(content, f"cash-reconciliation-{slug}.zip", ZIP)
        return download(content, f"cash-reconciliation-{slug}.xlsx", XLSX)


class MonitoringSummaryView(OperationAPIView):
    """The PDM summary: everyone with a role sees the cluster's (consenting cases, small counts
    suppressed); case staff also see their own organisation's."""

    queryset = CashAssistance.objects.none()
    serializer_class = s.SummariesOut

    def get(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        if not access.can_see_cash_summary(self.caller, operation):
            raise PermissionDenied
        own = None
        if access.is_case_staff(self.caller, operation) and self.caller.organisation_id:
            own = selectors.pdm_summary_for_organisation(operation, self.caller.organisation_id)
        return Response(
            {
                "organisation": _summary(own),
                "cluster": _summary(selectors.pdm_summary_for_cluster(operation)),
            }
        )


# --- Reference data: the operation's managers ----------------------------------------------------


class ManagerView(OperationAPIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not access.can_manage_cash_settings(self.caller, self.get_operation()):
            raise PermissionDenied


class CriterionListView(ManagerView, ListAPIView):
    queryset = EligibilityCriterion.objects.none()
    serializer_class = s.CriterionSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[EligibilityCriterion]:
        return EligibilityCriterion.objects.filter(operation=self.get_operation())

    @extend_schema(request=s.CriterionSerializer, responses={201: s.CriterionSerializer})
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(s.CriterionSerializer)
        item = services.criterion_save(operation=self.get_operation(), by=self.caller, **data)
        return self.output(item, status_code=status.HTTP_201_CREATED)


class CriterionDetailView(ManagerView):
    queryset = EligibilityCriterion.objects.none()
    serializer_class = s.CriterionSerializer

    @extend_schema(request=s.CriterionSerializer, responses=s.CriterionSerializer)
    def put(self, request: Request, slug: str, pk: int) -> Response:
        operation = self.get_operation()
        criterion = EligibilityCriterion.objects.filter(operation=operation, pk=pk).first()
        if criterion is None:
            raise Http404
        data = self.input(s.CriterionSerializer)
        item = services.criterion_save(
            operation=operation, by=self.caller, criterion=criterion, **data
        )
        return self.output(item)


class RulesView(ManagerView):
    queryset = EligibilityCriterion.objects.none()
    serializer_class = s.RulesSerializer

    @extend_schema(request=s.RulesSerializer, responses=s.RulesSerializer)
    def put(self, request: Request, slug: str) -> Response:
        data = self.input(s.RulesSerializer)
        rules = services.rules_set(operation=self.get_operation(), by=self.caller, **data)
        return Response({"min_score": rules.min_score})


class BasketListView(ManagerView, ListAPIView):
    queryset = ExpenditureBasket.objects.none()
    serializer_class = s.BasketSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ExpenditureBasket]:
        return ExpenditureBasket.objects.filter(operation=self.get_operation()).prefetch_related(
            "amounts"
        )

    @extend_schema(request=s.BasketSerializer, responses={201: s.BasketSerializer})
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(s.BasketSerializer)
        amounts = {line["household_size"]: line["amount"] for line in data.pop("amounts")}
        item = services.basket_save(
            operation=self.get_operation(), by=self.caller, amounts=amounts, **data
        )
        return self.output(item, status_code=status.HTTP_201_CREATED)


class AgreementListView(ManagerView, ListAPIView):
    queryset = SharingAgreement.objects.none()
    serializer_class = s.AgreementOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[SharingAgreement]:
        return SharingAgreement.objects.filter(operation=self.get_operation()).select_related(
            "organisation_a", "organisation_b"
        )

    @extend_schema(request=s.AgreementIn, responses={201: s.AgreementOut})
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(s.AgreementIn)
        item = services.agreement_create(operation=self.get_operation(), by=self.caller, **data)
        return self.output(item, status_code=status.HTTP_201_CREATED)


class AgreementEndView(ManagerView):
    queryset = SharingAgreement.objects.none()
    serializer_class = s.AgreementOut

    @extend_schema(request=None, responses=s.AgreementOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        agreement = SharingAgreement.objects.filter(operation=self.get_operation(), pk=pk).first()
        if agreement is None:
            raise Http404
        return self.output(services.agreement_end(agreement=agreement, by=self.caller))
