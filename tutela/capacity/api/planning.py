"""Needs assessments, capacity-building plans and the people-trained indicator under
/api/v1/operations/<slug>/capacity/ (same selectors, services and rules as the pages)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.plumbing import build_array_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.capacity import access as capacity_access
from tutela.capacity.models import CapacityPlan, Course, NeedsAssessment, NeedsResponse
from tutela.capacity.selectors import indicators
from tutela.capacity.selectors import planning as selectors
from tutela.capacity.services import planning as services
from tutela.core.api.serializers import OrganisationField
from tutela.core.api.views import OperationAPIView

# A list of objects (documented as an array; its items are described by the pages).
OBJECT_LIST = build_array_type({"type": "object", "additionalProperties": {}})


class NeedsAnswerIn(serializers.Serializer):
    organisation: Any = OrganisationField(required=False)
    priorities = serializers.DictField(
        child=serializers.ChoiceField(choices=NeedsResponse.Priority.choices)
    )
    staff_to_train = serializers.IntegerField(min_value=0, max_value=100_000, default=0)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate_priorities(self, value: dict[str, Any]) -> dict[str, int]:
        unknown = set(value) - set(Course.Topic.values)
        if unknown:
            raise serializers.ValidationError(f"Unknown topics: {sorted(unknown)}")
        return {topic: int(priority) for topic, priority in value.items()}


class NothingIn(serializers.Serializer):
    pass


def _assessment(view: OperationAPIView, pk: int) -> NeedsAssessment:
    try:
        return NeedsAssessment.objects.get(operation=view.get_operation(), pk=pk)
    except NeedsAssessment.DoesNotExist:
        raise Http404 from None


class NeedsListView(OperationAPIView):
    serializer_class = NothingIn

    @extend_schema(operation_id="v1_operations_capacity_needs_list", responses={200: OBJECT_LIST})
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            [
                {
                    "id": a.pk,
                    "title": a.title,
                    "year": a.year,
                    "closes_on": a.closes_on,
                    "status": a.status,
                }
                for a in selectors.needs_assessments(self.get_operation())
            ]
        )


class NeedsDetailView(OperationAPIView):
    """The needs by topic (answers by organisation for training managers)."""

    serializer_class = NothingIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        assessment = _assessment(self, pk)
        summary = selectors.needs_summary(assessment)
        data: dict[str, Any] = {
            "id": assessment.pk,
            "title": assessment.title,
            "status": assessment.status,
            "answered": summary.answered,
            "expected": summary.expected,
            "staff_to_train": summary.staff_to_train,
            "topics": [
                {"topic": t.topic, "high": t.high, "medium": t.medium, "low": t.low}
                for t in summary.topics
            ],
        }
        if capacity_access.can_manage_trainings(self.caller, assessment.operation):
            data["answers"] = [
                {
                    "organisation": r.organisation.acronym,
                    "priorities": r.priorities,
                    "staff_to_train": r.staff_to_train,
                    "comment": r.comment,
                }
                for r in selectors.needs_responses(assessment)
            ]
        return Response(data)


class NeedsAnswerView(OperationAPIView):
    """An organisation's answer (its own for a partner; any organisation's for a manager)."""

    serializer_class = NeedsAnswerIn

    @extend_schema(request=NeedsAnswerIn, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        assessment = _assessment(self, pk)
        operation = assessment.operation
        manager = capacity_access.can_manage_trainings(self.caller, operation)
        if not manager and capacity_access.own_organisation_id(self.caller, operation) is None:
            raise PermissionDenied
        data = self.input(NeedsAnswerIn)
        organisation = data.pop("organisation", None) if manager else None
        organisation = organisation or self.caller.organisation
        if organisation is None:
            raise serializers.ValidationError({"organisation": ["Choose the organisation."]})
        response = services.needs_response_submit(
            assessment=assessment, by=self.caller, organisation=organisation, **data
        )
        return Response(
            {"organisation": organisation.acronym, "priorities": response.priorities},
            status=status.HTTP_201_CREATED,
        )


class PlanListView(OperationAPIView):
    serializer_class = NothingIn

    @extend_schema(operation_id="v1_operations_capacity_plans_list", responses={200: OBJECT_LIST})
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            [
                {"id": p.pk, "year": p.year, "title": p.title, "body": p.body_id}
                for p in selectors.plans(self.get_operation())
            ]
        )


class PlanDetailView(OperationAPIView):
    """A plan with each item's progress."""

    serializer_class = NothingIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        try:
            plan = CapacityPlan.objects.get(operation=self.get_operation(), pk=pk)
        except CapacityPlan.DoesNotExist:
            raise Http404 from None
        return Response(
            {
                "id": plan.pk,
                "year": plan.year,
                "title": plan.title,
                "items": [
                    {
                        "id": line.item.pk,
                        "topic": line.item.topic,
                        "course": line.item.course_id,
                        "area": line.item.area.pcode if line.item.area else None,
                        "quarter": line.item.quarter,
                        "target_sessions": line.item.target_sessions,
                        "target_people": line.item.target_people,
                        "target_women": line.item.target_women,
                        "sessions": line.sessions,
                        "people": line.people,
                        "women": line.women,
                    }
                    for line in selectors.plan_progress(plan)
                ],
            }
        )


class PeopleTrainedView(OperationAPIView):
    """People trained in a year by sex and organisation type. Exact counts for training
    managers; for everyone else small counts are null (suppressed, with complementary
    suppression)."""

    serializer_class = NothingIn

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="Default: this year.")],
        responses={200: dict},
    )
    def get(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        raw = request.query_params.get("year") or str(timezone.now().year)
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            raise serializers.ValidationError({"year": ["A year between 2000 and 2100."]})
        result = indicators.people_trained_in_year(operation, int(raw))
        sexes = [str(s) for s in indicators.SEXES]
        if capacity_access.can_manage_trainings(self.caller, operation):
            rows = [
                {"organisation_type": t, **dict(zip(sexes, cells, strict=True)), "total": total}
                for t, cells, total in result.rows()
            ]
            return Response(
                {"year": int(raw), "suppressed": False, "total": result.total, "rows": rows}
            )
        table = result.published()
        return Response(
            {
                "year": int(raw),
                "suppressed": True,
                "threshold": table.threshold,
                "total": table.grand_total,
                "rows": [
                    {"organisation_type": t, **dict(zip(sexes, cells, strict=True)), "total": total}
                    for t, cells, total in table.rows()
                ],
            }
        )
