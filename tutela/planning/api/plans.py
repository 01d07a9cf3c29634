"""API of response plans: the same services and selectors as the pages. Everyone with a role in
the operation reads (404 for anyone else); the operation's managers write (403 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core.api.views import OperationAPIView
from tutela.core.counts import MAX_AMOUNT, MAX_COUNT
from tutela.core.models import AdminArea, Body, PopulationGroup
from tutela.planning import access
from tutela.planning.models import Objective, Plan, PlanIndicator, PlanVersion
from tutela.planning.selectors import fivew
from tutela.planning.selectors import plans as selectors
from tutela.planning.services import plans as services


@extend_schema_field(OpenApiTypes.INT)  # its queryset depends on the request
class ScopedPK(serializers.PrimaryKeyRelatedField):
    """An id among the operation's own records (anything else "does not exist")."""

    def __init__(self, queryset_for: Any, **kwargs: Any) -> None:
        self.queryset_for = queryset_for
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        operation = self.context.get("operation")
        return self.queryset_for(operation, self.context)


def _bodies(operation: Any, context: dict[str, Any]) -> QuerySet[Body]:
    return Body.objects.filter(operation=operation)


def _objectives(operation: Any, context: dict[str, Any]) -> QuerySet[Objective]:
    return Objective.objects.filter(plan=context.get("plan"))


def _activities(operation: Any, context: dict[str, Any]) -> QuerySet[Any]:
    return fivew.catalogue_activities(operation)


def _indicators(operation: Any, context: dict[str, Any]) -> QuerySet[Any]:
    return fivew.catalogue_indicators(operation)


def _areas(operation: Any, context: dict[str, Any]) -> QuerySet[AdminArea]:
    return selectors.area_choices(operation, levels=(1, 2, 3))


def _groups(operation: Any, context: dict[str, Any]) -> QuerySet[PopulationGroup]:
    return PopulationGroup.objects.filter(operation=operation)


class PlanOut(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    code = serializers.CharField()
    body = serializers.CharField(source="body.code")
    stage = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ObjectiveOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    name_fr = serializers.CharField()
    name_es = serializers.CharField()
    contributes_to = serializers.IntegerField(source="parent_id", allow_null=True)


class IndicatorTargetOut(serializers.Serializer):
    pcode = serializers.CharField(source="area.pcode")
    population_group = serializers.CharField(
        source="population_group.code", allow_null=True, default=None
    )
    baseline = serializers.IntegerField()
    target = serializers.IntegerField()


class IndicatorOut(serializers.Serializer):
    class Meta:
        # Read by drf-spectacular to type the read-only slug fields (the schema fails
        # without a model).
        model = PlanIndicator

    id = serializers.IntegerField()
    objective = serializers.IntegerField(source="objective_id")
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    body = serializers.CharField(source="body.code", allow_null=True, default=None)
    baseline = serializers.IntegerField()
    target = serializers.IntegerField()
    activities: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    fivew_indicators: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    targets = IndicatorTargetOut(many=True)


class RequirementOut(serializers.Serializer):
    body = serializers.CharField(source="body.code")
    amount_usd = serializers.DecimalField(max_digits=16, decimal_places=2)


class VersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class PlanDetailOut(PlanOut):
    objectives = ObjectiveOut(many=True)
    indicators = IndicatorOut(many=True)
    requirements = RequirementOut(many=True)
    versions = VersionOut(many=True)


class PlanIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    kind = serializers.ChoiceField(choices=Plan.Kind.choices, default=Plan.Kind.HRP)
    title = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    body = ScopedPK(_bodies)


class ObjectiveIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Objective.Kind.choices)
    code = serializers.CharField(max_length=20)
    name_en = serializers.CharField(max_length=300)
    name_fr = serializers.CharField(max_length=300)
    name_es = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    contributes_to = ScopedPK(
        _objectives, source="parent", required=False, allow_null=True, default=None
    )
    order = serializers.IntegerField(min_value=0, required=False, default=0)


class IndicatorIn(serializers.Serializer):
    objective = ScopedPK(_objectives)
    code = serializers.CharField(max_length=20)
    name_en = serializers.CharField(max_length=300)
    name_fr = serializers.CharField(max_length=300)
    name_es = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    unit = serializers.ChoiceField(
        choices=PlanIndicator.Unit.choices, default=PlanIndicator.Unit.PEOPLE
    )
    body = ScopedPK(_bodies, required=False, allow_null=True, default=None)
    baseline = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, default=0)
    target = serializers.IntegerField(min_value=0, max_value=MAX_COUNT)
    order = serializers.IntegerField(min_value=0, required=False, default=0)
    activities = ScopedPK(_activities, many=True, required=False, default=list)
    fivew_indicators = ScopedPK(_indicators, many=True, required=False, default=list)


class IndicatorTargetIn(serializers.Serializer):
    area = ScopedPK(_areas)
    population_group = ScopedPK(_groups, required=False, allow_null=True, default=None)
    baseline = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, default=0)
    target = serializers.IntegerField(min_value=0, max_value=MAX_COUNT)


class TargetsIn(serializers.Serializer):
    targets = IndicatorTargetIn(many=True)


class VersionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlanVersion.Kind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RequirementIn(serializers.Serializer):
    body = ScopedPK(_bodies)
    amount_usd = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, max_value=MAX_AMOUNT
    )


class ProgressOut(serializers.Serializer):
    indicator = serializers.IntegerField(source="indicator.pk")
    code = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")
    objective = serializers.CharField(source="indicator.objective.code")
    unit = serializers.CharField(source="indicator.unit")
    baseline = serializers.IntegerField(source="indicator.baseline")
    target = serializers.IntegerField(source="indicator.target")
    reached = serializers.IntegerField(allow_null=True)
    pct = serializers.FloatField(allow_null=True)
    linked = serializers.BooleanField()


class FrameworkOut(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    year = serializers.IntegerField(source="plan.year")
    counting_rule = serializers.CharField(source="rule_text")
    suppressed = serializers.BooleanField()
    threshold = serializers.IntegerField()
    rounded = serializers.BooleanField(
        help_text="Other organisations' sensitive rows are counted in blocks brought down to a "
        "multiple of the threshold (figures over the year by a rule that picks one month)."
    )
    indicators = ProgressOut(source="rows", many=True)


class BreakdownRowOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="label")
    baseline = serializers.IntegerField(allow_null=True)
    target = serializers.IntegerField(allow_null=True)
    reached = serializers.IntegerField(allow_null=True)
    pct = serializers.FloatField(allow_null=True)


class BreakdownOut(serializers.Serializer):
    by = serializers.CharField(source="dim")
    counting_rule = serializers.CharField(source="rule_text")
    suppressed = serializers.BooleanField()
    threshold = serializers.IntegerField()
    rounded = serializers.BooleanField(
        help_text="Other organisations' sensitive rows are counted in blocks brought down to a "
        "multiple of the threshold (figures over the year by a rule that picks one month)."
    )
    total = serializers.IntegerField(allow_null=True)
    rows = BreakdownRowOut(many=True)


class _PlanView(OperationAPIView):
    queryset = Plan.objects.none()
    serializer_class: type[serializers.BaseSerializer[Any]] = PlanDetailOut

    def get_plan(self) -> Plan:
        return access.plan_get_for_user(self.caller, self.get_operation(), self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if "pk" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            context["plan"] = self.get_plan()
        return context


class PlanListView(OperationAPIView):
    """The operation's plans; POST creates one (managers)."""

    queryset = Plan.objects.none()
    # Unpaginated: the whole list is answered (and documented) as an array.
    pagination_class = None
    filter_backends: list[Any] = []
    serializer_class = PlanOut

    @extend_schema(responses=PlanOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return Response(PlanOut(selectors.plan_list(self.get_operation()), many=True).data)

    @extend_schema(request=PlanIn, responses={201: PlanOut})
    def post(self, request: Request, slug: str) -> Response:
        access.require_plan_editor(self.caller, self.get_operation())
        plan = services.plan_create(
            operation=self.get_operation(), by=self.caller, **self.input(PlanIn)
        )
        return Response(PlanOut(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailView(_PlanView):
    """A plan with its objectives, indicators (links to the 5W, targets), requirements and
    versions."""

    def get(self, request: Request, slug: str, pk: int) -> Response:
        plan = self.get_plan()
        return self.output(plan)


class PlanFrameworkView(_PlanView):
    """The monitoring framework: reached against target for every indicator, from the 5W rows
    the caller may count, by the 5W's counting rule (stated), small counts hidden (null) where
    the figures include other organisations' sensitive activities."""

    serializer_class = FrameworkOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        framework = selectors.plan_framework(user=self.caller, plan=self.get_plan())
        return self.output(framework)


class IndicatorProgressView(_PlanView):
    """One indicator's reached against target by area, population group or month."""

    serializer_class = BreakdownOut

    @extend_schema(
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, description="area, population_group, month"),
            OpenApiParameter("level", OpenApiTypes.INT, description="Admin level (area): 1-3"),
        ]
    )
    def get(self, request: Request, slug: str, pk: int, indicator_pk: int) -> Response:
        indicator = selectors.indicator_get(self.get_plan(), indicator_pk)
        by = request.query_params.get("by", "area")
        if by not in ("area", "population_group", "month"):
            raise ValidationError({"by": ["area, population_group or month."]})
        level_param = request.query_params.get("level", "")
        level = int(level_param) if level_param in ("1", "2", "3") else None
        return self.output(
            selectors.indicator_breakdown(
                user=self.caller, indicator=indicator, dim=by, level=level
            )
        )


class ObjectiveCreateView(_PlanView):
    serializer_class = ObjectiveOut

    @extend_schema(request=ObjectiveIn, responses={201: ObjectiveOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        objective = services.objective_create(plan=plan, by=self.caller, **self.input(ObjectiveIn))
        return self.output(objective, status_code=status.HTTP_201_CREATED)


class IndicatorCreateView(_PlanView):
    serializer_class = IndicatorOut

    @extend_schema(request=IndicatorIn, responses={201: IndicatorOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        indicator = services.indicator_create(plan=plan, by=self.caller, **self.input(IndicatorIn))
        return self.output(indicator, status_code=status.HTTP_201_CREATED)


class IndicatorDetailView(_PlanView):
    serializer_class = IndicatorOut

    def get(self, request: Request, slug: str, pk: int, indicator_pk: int) -> Response:
        return self.output(selectors.indicator_get(self.get_plan(), indicator_pk))

    @extend_schema(request=IndicatorIn, responses=IndicatorOut)
    def patch(self, request: Request, slug: str, pk: int, indicator_pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        indicator = selectors.indicator_get(plan, indicator_pk)
        fields = self.input(IndicatorIn, partial=True)
        indicator = services.indicator_update(indicator=indicator, by=self.caller, **fields)
        return self.output(selectors.indicator_get(plan, indicator.pk))


class IndicatorTargetsView(_PlanView):
    """PUT replaces the indicator's targets by area and population group."""

    serializer_class = IndicatorOut

    @extend_schema(request=TargetsIn, responses=IndicatorOut)
    def put(self, request: Request, slug: str, pk: int, indicator_pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        indicator = selectors.indicator_get(plan, indicator_pk)
        data = self.input(TargetsIn)
        services.indicator_targets_save(
            indicator=indicator, by=self.caller, targets=[dict(t) for t in data["targets"]]
        )
        return self.output(selectors.indicator_get(plan, indicator.pk))


class RequirementView(_PlanView):
    """PUT sets the plan's requirements for a cluster or AoR (0 removes them)."""

    serializer_class = PlanDetailOut

    @extend_schema(request=RequirementIn, responses=PlanDetailOut)
    def put(self, request: Request, slug: str, pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        services.requirement_set(plan=plan, by=self.caller, **self.input(RequirementIn))
        return self.output(plan)


class VersionCreateView(_PlanView):
    """Save a version: first draft (the plan stays a draft), final (locks it), mid-year revision
    (after POST .../revision/)."""

    serializer_class = VersionOut

    @extend_schema(request=VersionIn, responses={201: VersionOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        version = services.plan_version_save(plan=plan, by=self.caller, **self.input(VersionIn))
        return self.output(version, status_code=status.HTTP_201_CREATED)


class RevisionStartView(_PlanView):
    serializer_class = PlanOut

    @extend_schema(request=None, responses=PlanOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        plan = self.get_plan()
        access.require_plan_editor(self.caller, plan.operation)
        return self.output(services.plan_revision_start(plan=plan, by=self.caller))
