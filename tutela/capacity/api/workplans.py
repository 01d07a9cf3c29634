"""Strategy and work plans under /api/v1/operations/<slug>/capacity/workplans/ (same
selectors, services and rules as the pages)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.capacity.api.planning import OBJECT_LIST, NothingIn
from tutela.capacity.models import TrainingSession, WorkActivity, WorkObjective, WorkPlan
from tutela.capacity.selectors import workplans as selectors
from tutela.capacity.services import workplans as services
from tutela.core.api.serializers import OrganisationField
from tutela.core.api.views import OperationAPIView
from tutela.core.models import Body


class WorkPlanCreateIn(serializers.Serializer):
    body = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    strategy = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class WorkObjectiveIn(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=10)
    title = serializers.CharField(max_length=300)


class WorkActivityIn(serializers.Serializer):
    objective = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    lead_organisation: Any = OrganisationField(required=False, allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class WorkReviewIn(serializers.Serializer):
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    status = serializers.ChoiceField(choices=WorkActivity.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class WorkActionPointIn(serializers.Serializer):
    """A new action point (title) or an existing one (action_point: its id)."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    action_point = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("title") and not attrs.get("action_point"):
            raise serializers.ValidationError("Give a title or an action point id.")
        return attrs


class WorkSessionIn(serializers.Serializer):
    session = serializers.IntegerField(min_value=1)
    remove = serializers.BooleanField(default=False)


def _plan(view: OperationAPIView, pk: int) -> WorkPlan:
    try:
        return WorkPlan.objects.select_related("body", "operation").get(
            operation=view.get_operation(), pk=pk
        )
    except WorkPlan.DoesNotExist:
        raise Http404 from None


def _activity(view: OperationAPIView, pk: int) -> WorkActivity:
    try:
        return WorkActivity.objects.select_related(
            "objective__plan__body", "objective__plan__operation", "lead_organisation"
        ).get(objective__plan__operation=view.get_operation(), pk=pk)
    except WorkActivity.DoesNotExist:
        raise Http404 from None


def _activity_out(
    activity: WorkActivity, reviews: list[Any], points: list[Any], sessions: list[Any]
) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "objective": activity.objective_id,
        "title": activity.title,
        "description": activity.description,
        "lead_organisation": activity.lead_organisation.acronym
        if activity.lead_organisation
        else None,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "status": activity.status,
        "progress": activity.progress,
        "reviews": [
            {
                "quarter": r.label,
                "progress": r.progress,
                "status": r.status,
                "comment": r.comment,
                "reviewed_at": r.updated_at,
            }
            for r in reviews
        ],
        "action_points": [
            {"id": p.id, "title": p.title, "status": p.status, "due_date": p.due_date}
            for p in points
        ],
        "trainings": [
            {"id": s.pk, "title": s.display_title, "starts_on": s.starts_on} for s in sessions
        ],
    }


class WorkPlanListView(OperationAPIView):
    serializer_class = WorkPlanCreateIn

    @extend_schema(
        operation_id="v1_operations_capacity_workplans_list", responses={200: OBJECT_LIST}
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            [
                {"id": p.pk, "body": p.body_id, "year": p.year, "title": p.title}
                for p in selectors.workplans(self.get_operation())
            ]
        )

    @extend_schema(request=WorkPlanCreateIn, responses={201: dict})
    def post(self, request: Request, slug: str) -> Response:
        data = self.input(WorkPlanCreateIn)
        try:
            body = Body.objects.get(operation=self.get_operation(), pk=data.pop("body"))
        except Body.DoesNotExist:
            raise serializers.ValidationError(
                {"body": ["No such body in this operation."]}
            ) from None
        plan = services.workplan_create(body=body, by=self.caller, **data)
        return Response({"id": plan.pk, "title": plan.title}, status=status.HTTP_201_CREATED)


class WorkPlanDetailView(OperationAPIView):
    """A plan with its objectives, activities, reviews and links."""

    serializer_class = NothingIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        view = selectors.plan_view(_plan(self, pk))
        plan = view.plan
        return Response(
            {
                "id": plan.pk,
                "body": plan.body_id,
                "year": plan.year,
                "title": plan.title,
                "strategy": plan.strategy,
                "progress": view.progress,
                "objectives": [
                    {
                        "id": block.objective.pk,
                        "code": block.objective.code,
                        "title": block.objective.title,
                        "activities": [
                            _activity_out(
                                line.activity, line.reviews, line.action_points, line.sessions
                            )
                            for line in block.lines
                        ],
                    }
                    for block in view.objectives
                ],
            }
        )


class ObjectiveListView(OperationAPIView):
    serializer_class = WorkObjectiveIn

    @extend_schema(request=WorkObjectiveIn, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        objective = services.objective_add(
            plan=_plan(self, pk), by=self.caller, **self.input(WorkObjectiveIn)
        )
        return Response({"id": objective.pk}, status=status.HTTP_201_CREATED)


class ActivityListView(OperationAPIView):
    serializer_class = WorkActivityIn

    @extend_schema(request=WorkActivityIn, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        plan = _plan(self, pk)
        data = self.input(WorkActivityIn)
        try:
            objective = WorkObjective.objects.get(plan=plan, pk=data.pop("objective"))
        except WorkObjective.DoesNotExist:
            raise serializers.ValidationError(
                {"objective": ["No such objective in this plan."]}
            ) from None
        activity = services.work_activity_add(objective=objective, by=self.caller, **data)
        return Response({"id": activity.pk}, status=status.HTTP_201_CREATED)


class ReviewListView(OperationAPIView):
    serializer_class = WorkReviewIn

    @extend_schema(request=WorkReviewIn, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        activity = _activity(self, pk)
        review = services.work_review_record(
            activity=activity,
            by=self.caller,
            year=activity.objective.plan.year,
            **self.input(WorkReviewIn),
        )
        return Response(
            {"quarter": review.label, "progress": review.progress, "status": review.status},
            status=status.HTTP_201_CREATED,
        )


class ActivityActionPointView(OperationAPIView):
    serializer_class = WorkActionPointIn

    @extend_schema(request=WorkActionPointIn, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        activity = _activity(self, pk)
        data = self.input(WorkActionPointIn)
        if data.get("action_point"):
            services.work_activity_action_point_link(
                activity=activity, by=self.caller, action_point_id=data["action_point"]
            )
        else:
            services.work_activity_action_point_open(
                activity=activity, by=self.caller, title=data["title"]
            )
        return Response(
            {"action_points": activity.action_point_ids}, status=status.HTTP_201_CREATED
        )


class ActivityTrainingView(OperationAPIView):
    serializer_class = WorkSessionIn

    @extend_schema(request=WorkSessionIn, responses={200: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        activity = _activity(self, pk)
        data = self.input(WorkSessionIn)
        try:
            session = TrainingSession.objects.get(
                operation=self.get_operation(), pk=data["session"]
            )
        except TrainingSession.DoesNotExist:
            raise serializers.ValidationError(
                {"session": ["No such session in this operation."]}
            ) from None
        services.work_activity_session_link(
            activity=activity, by=self.caller, session=session, remove=data["remove"]
        )
        return Response({"trainings": sorted(activity.sessions.values_list("pk", flat=True))})
