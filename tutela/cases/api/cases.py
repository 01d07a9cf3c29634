"""Cases and their consent under /api/v1/operations/<slug>/cases/: list, create (with the duplicate
check), detail, people, reassignment, the access log, consents and their withdrawal, overrides.
The consent, the supervisor-only override and the GBV rule are enforced in the services, whatever
the client sends; 404 outside the operation or for a case the caller may not see, 403 for roles
that may not act (tutela.cases.access).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
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

from tutela.cases.api import serializers as s
from tutela.cases.api.common import CaseStaffView, duplicates_conflict, person_data
from tutela.cases.models import Case
from tutela.cases.selectors import cases as selectors
from tutela.cases.services import cases as case_services
from tutela.cases.services import consent as consent_services
from tutela.cases.services import workflow

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
        principal = person_data(data.pop("principal"))
        members = [person_data(m) for m in data.pop("members", [])]
        try:
            case = case_services.case_register(
                operation=self.get_operation(),
                by=self.caller,
                principal=principal,
                members=members,
                **data,
            )
        except case_services.ProbableDuplicates as error:
            return duplicates_conflict(error)
        return Response(s.CaseOut(case).data, status=status.HTTP_201_CREATED)


class DuplicateCheckView(CaseStaffView):
    """Probable duplicates in the caller's organisation for a person about to be registered
    (codes and caseworkers only)."""

    queryset = Case.objects.none()
    serializer_class = s.CandidateOut

    @extend_schema(request=s.DuplicateCheckIn, responses=s.CandidateOut(many=True))
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(s.DuplicateCheckIn)
        people = [
            person_data(data["principal"]),
            *[person_data(m) for m in data.get("members", [])],
        ]
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
            case=case, by=self.caller, data=person_data(self.input(s.PersonIn))
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
            person=self._person_of(case), by=self.caller, data=person_data(self.input(s.PersonIn))
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
