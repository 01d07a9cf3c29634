"""API of project sheets: the same services and access rules as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core.api.views import OperationAPIView
from tutela.core.counts import MAX_AMOUNT, MAX_COUNT
from tutela.core.models import AdminArea, Body, Organisation, PopulationGroup
from tutela.planning import access
from tutela.planning.api.plans import ScopedPK
from tutela.planning.models import BudgetCategory, Objective, Plan, Project, ProjectEvent
from tutela.planning.selectors import fivew
from tutela.planning.selectors import projects as selectors
from tutela.planning.selectors.plans import area_choices
from tutela.planning.services import projects as services


def _organisations(operation: Any, context: dict[str, Any]) -> QuerySet[Organisation]:
    return operation.organisations.all() if operation is not None else Organisation.objects.none()


def _plans(operation: Any, context: dict[str, Any]) -> QuerySet[Plan]:
    return Plan.objects.filter(operation=operation)


def _objectives(operation: Any, context: dict[str, Any]) -> QuerySet[Objective]:
    return Objective.objects.filter(plan__operation=operation)


def _bodies(operation: Any, context: dict[str, Any]) -> QuerySet[Body]:
    return Body.objects.filter(operation=operation)


def _areas(operation: Any, context: dict[str, Any]) -> QuerySet[AdminArea]:
    return area_choices(operation, levels=(1, 2, 3))


def _activities(operation: Any, context: dict[str, Any]) -> QuerySet[Any]:
    return fivew.catalogue_activities(operation)


def _groups(operation: Any, context: dict[str, Any]) -> QuerySet[PopulationGroup]:
    return PopulationGroup.objects.filter(operation=operation)


class BudgetLineIO(serializers.Serializer):
    category = serializers.ChoiceField(choices=BudgetCategory.choices)
    description = serializers.CharField(max_length=300, allow_blank=True, default="")
    amount_usd = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, max_value=MAX_AMOUNT
    )


class TargetOut(serializers.Serializer):
    population_group = serializers.CharField(source="population_group.code")
    targeted = serializers.IntegerField()


class TargetIn(serializers.Serializer):
    population_group = ScopedPK(_groups)
    targeted = serializers.IntegerField(min_value=0, max_value=MAX_COUNT)


class ProjectOut(serializers.Serializer):
    class Meta:
        # Read by drf-spectacular to type the read-only slug fields (the schema fails
        # without a model).
        model = Project

    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField(source="organisation.acronym")
    body = serializers.CharField(source="body.code")
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    status = serializers.CharField()
    version = serializers.IntegerField()
    requirements_usd = serializers.DecimalField(max_digits=16, decimal_places=2)
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class ProjectDetailOut(ProjectOut):
    objectives = serializers.CharField()
    implementing_partners: Any = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="acronym"
    )
    plan_objectives: Any = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    locations: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="pcode")
    activities: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    budget_lines = BudgetLineIO(many=True)
    targets = TargetOut(many=True)


class ProjectIn(serializers.Serializer):
    organisation = ScopedPK(_organisations, required=False)
    plan = ScopedPK(_plans, required=False, allow_null=True, default=None)
    code = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=300)
    objectives = serializers.CharField()
    body = ScopedPK(_bodies)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    implementing_partners = ScopedPK(_organisations, many=True, required=False, default=list)
    plan_objectives = ScopedPK(_objectives, many=True, required=False, default=list)
    locations = ScopedPK(_areas, many=True, required=False, default=list)
    activities = ScopedPK(_activities, many=True, required=False, default=list)
    budget_lines = BudgetLineIO(many=True, required=False, default=list)
    targets = TargetIn(many=True, required=False, default=list)


class ProjectCommentIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class EventOut(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    version = serializers.IntegerField()
    author = serializers.CharField(source="author.full_name", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class ReportedActivityOut(serializers.Serializer):
    activity = serializers.CharField()
    reached = serializers.IntegerField(allow_null=True)


class ReportedMonthOut(serializers.Serializer):
    month = serializers.DateField()
    reached = serializers.IntegerField(allow_null=True)


class ReportedOut(serializers.Serializer):
    counting_rule = serializers.CharField()
    sensitive_left_out = serializers.BooleanField(
        help_text="Rows of other organisations' sensitive activities are not counted for the "
        "caller (the project is not a dimension of the 5W's disclosure blocks)."
    )
    total = serializers.IntegerField(allow_null=True)
    by_activity = ReportedActivityOut(many=True)
    by_month = ReportedMonthOut(many=True)


class ProjectListView(OperationAPIView):
    """Project sheets the caller may see (their own organisation's, every approved one;
    cluster-wide roles: all); POST writes a draft."""

    queryset = Project.objects.none()
    serializer_class = ProjectOut

    @extend_schema(responses=ProjectOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        filters = {k: v for k, v in request.query_params.items() if k in ("status", "q") and v}
        projects = selectors.project_list(self.caller, self.get_operation(), filters)
        page = self.paginate_queryset(projects)
        return self.get_paginated_response(ProjectOut(page, many=True).data)

    @extend_schema(request=ProjectIn, responses={201: ProjectDetailOut})
    def post(self, request: Request, slug: str) -> Response:
        operation = self.get_operation()
        if not access.can_create_project(self.caller, operation):
            raise PermissionDenied
        data = self.input(ProjectIn)
        data.setdefault("organisation", self.caller.organisation)
        if data["organisation"] is None:
            raise PermissionDenied
        data["budget_lines"] = [dict(line) for line in data["budget_lines"]]
        data["targets"] = [dict(t) for t in data["targets"]]
        project = services.project_create(operation=operation, by=self.caller, **data)
        return Response(ProjectDetailOut(project).data, status=status.HTTP_201_CREATED)


class _ProjectView(OperationAPIView):
    queryset = Project.objects.none()
    serializer_class: type[serializers.BaseSerializer[Any]] = ProjectDetailOut

    def get_project(self) -> Project:
        return access.project_get_for_user(self.caller, self.get_operation(), self.kwargs["pk"])


class ProjectDetailView(_ProjectView):
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_project())

    @extend_schema(request=ProjectIn, responses=ProjectDetailOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        project = self.get_project()
        data = self.input(ProjectIn, partial=True)
        data.pop("organisation", None)
        if "budget_lines" in data:
            data["budget_lines"] = [dict(line) for line in data["budget_lines"]]
        if "targets" in data:
            data["targets"] = [dict(t) for t in data["targets"]]
        return self.output(services.project_update(project=project, by=self.caller, **data))


class ProjectSubmitView(_ProjectView):
    @extend_schema(request=None, responses=ProjectDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        project = self.get_project()
        services.project_submit(project=project, by=self.caller)
        return self.output(self.get_project())


class ProjectReturnView(_ProjectView):
    @extend_schema(request=ProjectCommentIn, responses=ProjectDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        project = self.get_project()
        data = self.input(ProjectCommentIn)
        return self.output(
            services.project_return(project=project, by=self.caller, comment=data["comment"])
        )


class ProjectApproveView(_ProjectView):
    @extend_schema(request=ProjectCommentIn, responses=ProjectDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        project = self.get_project()
        data = self.input(ProjectCommentIn)
        return self.output(
            services.project_approve(project=project, by=self.caller, comment=data["comment"])
        )


class ProjectEventsView(_ProjectView):
    """The vetting conversation (the organisation and cluster-wide roles); POST comments."""

    serializer_class = EventOut

    def _project(self) -> Project:
        project = self.get_project()
        if not access.can_see_project_versions(self.caller, project):
            raise PermissionDenied
        return project

    @extend_schema(responses=EventOut(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        events = selectors.project_events(self._project())
        return Response(EventOut(events, many=True).data)

    @extend_schema(request=ProjectCommentIn, responses={201: EventOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        project = self._project()
        data = self.input(ProjectCommentIn)
        event: ProjectEvent = services.project_comment(
            project=project, by=self.caller, text=data["comment"]
        )
        return self.output(event, status_code=status.HTTP_201_CREATED)


class ProjectReportedView(_ProjectView):
    """What the 5W holds against the project, as the caller may see it (counting rule stated;
    other organisations' sensitive activities left out where the caller may not see them one by
    one)."""

    serializer_class = ReportedOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        reported = selectors.project_reported(self.caller, self.get_project())
        return Response(
            ReportedOut(
                {
                    "counting_rule": reported["rule_text"],
                    "sensitive_left_out": reported["left_out"],
                    "total": reported["total"],
                    "by_activity": [
                        {"activity": a.code, "reached": v} for a, v in reported["by_activity"]
                    ],
                    "by_month": [{"month": m, "reached": v} for m, v in reported["by_month"]],
                }
            ).data
        )
