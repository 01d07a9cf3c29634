"""CCPM endpoints under /api/v1/operations/<slug>/capacity/ccpm/: rounds, launching, reminding
and closing them (managers), the results of closed rounds (everyone with a role; bodies under
the minimum number of answers come back without any figure) and the action plan. The same
selectors and services as the pages; no endpoint returns a single response or answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.capacity import access as capacity_access
from tutela.capacity.api.planning import OBJECT_LIST
from tutela.capacity.models import CcpmRound, CcpmSubFunction
from tutela.capacity.selectors import ccpm as selectors
from tutela.capacity.selectors import coordination_link
from tutela.capacity.services import ccpm_actions, ccpm_rounds
from tutela.core.api.serializers import MAX_ID, BodyField, OrganisationField
from tutela.core.api.views import OperationAPIView
from tutela.core.models import Body


class RoundIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    bodies = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=500,
    )
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    minimum_responses = serializers.IntegerField(min_value=3, max_value=100, required=False)
    link_mode = serializers.ChoiceField(choices=CcpmRound.LinkMode.choices, required=False)
    language = serializers.CharField(max_length=8, required=False)
    reminder_days = serializers.IntegerField(min_value=0, max_value=60, required=False)


@extend_schema_field(OpenApiTypes.INT)  # its queryset depends on the request
class SubFunctionField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return CcpmSubFunction.objects.filter(function__operation=self.context["operation"])


class ActionItemIn(serializers.Serializer):
    action = serializers.CharField(max_length=500)
    body: Any = BodyField(required=False, allow_null=True)
    subfunction = SubFunctionField(required=False, allow_null=True)
    owner_organisation: Any = OrganisationField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class NothingIn(serializers.Serializer):
    pass


def _round_data(round: CcpmRound) -> dict[str, Any]:
    return {
        "id": round.pk,
        "title": round.title,
        "status": round.status,
        "opens_on": round.opens_on,
        "closes_on": round.closes_on,
        "minimum_responses": round.minimum_responses,
        "link_mode": round.link_mode,
        "bodies": [b.pk for b in round.bodies.all()],
    }


def _score(score: selectors.Score) -> dict[str, Any]:
    return {
        "median": score.median,
        "band": score.band.code if score.band else None,
        "colour": score.band.colour if score.band else None,
        "previous_median": score.previous_median,
        "previous_band": score.previous_band.code if score.previous_band else None,
    }


class CcpmView(OperationAPIView):
    serializer_class: type[serializers.Serializer] = NothingIn

    def round(self) -> CcpmRound:
        operation = self.get_operation()
        try:
            round = CcpmRound.objects.get(operation=operation, pk=self.kwargs["pk"])
        except CcpmRound.DoesNotExist:
            raise Http404 from None
        if round.status == CcpmRound.Status.DRAFT and not self.manager():
            raise Http404
        return round

    def manager(self) -> bool:
        return capacity_access.can_manage_ccpm(self.caller, self.get_operation())

    def require_manager(self) -> None:
        if not self.manager():
            raise PermissionDenied


class RoundListView(CcpmView):
    """CCPM rounds (drafts for managers only); POST prepares one (managers)."""

    serializer_class = RoundIn

    @extend_schema(operation_id="v1_operations_capacity_ccpm_list", responses={200: OBJECT_LIST})
    def get(self, request: Request, slug: str) -> Response:
        rounds = selectors.rounds(self.get_operation())
        if not self.manager():
            rounds = rounds.exclude(status=CcpmRound.Status.DRAFT)
        return Response([_round_data(r) for r in rounds])

    @extend_schema(request=RoundIn, responses={201: dict})
    def post(self, request: Request, slug: str) -> Response:
        self.require_manager()
        data = self.input(RoundIn)
        operation = self.get_operation()
        ids = data.pop("bodies")
        bodies = list(Body.objects.filter(operation=operation, pk__in=ids))
        if len(bodies) != len(set(ids)):
            raise serializers.ValidationError({"bodies": ["Unknown body."]})
        round = ccpm_rounds.ccpm_round_create(
            operation=operation, by=self.caller, bodies=bodies, **data
        )
        return Response(_round_data(round), status=status.HTTP_201_CREATED)


class RoundDetailView(CcpmView):
    """A round, with the answers received per body (and per organisation for managers)."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        round = self.round()
        manager = self.manager()
        tracking = []
        for line in selectors.round_tracking(round):
            item: dict[str, Any] = {
                "body": line.body.pk,
                "invited": line.invited,
                "answered": line.answered,
            }
            if manager:
                item["organisations"] = {
                    acronym: {"answered": answered, "invited": invited}
                    for acronym, (answered, invited) in line.organisations.items()
                }
            tracking.append(item)
        return Response({**_round_data(round), "tracking": tracking})


class RoundActionView(CcpmView):
    """POST launch / remind / close (managers)."""

    action = ""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        round = self.round()
        self.require_manager()
        if self.action == "launch":
            return Response(ccpm_rounds.ccpm_round_launch(round=round, by=self.caller))
        if self.action == "remind":
            return Response(
                {"reminded": ccpm_rounds.ccpm_reminders_send(round=round, by=self.caller)}
            )
        closed = ccpm_rounds.ccpm_round_close(round=round, by=self.caller)
        return Response(_round_data(closed))


class ResultsView(CcpmView):
    """Banded results of a closed round, body by body; a body under the minimum number of
    partner answers has `"shown": false` and no figure at all."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        round = self.round()
        if round.status != CcpmRound.Status.CLOSED:
            return Response({"round": round.pk, "closed": False, "bodies": []})
        bodies = []
        for result in selectors.round_results(round):
            item: dict[str, Any] = {"body": result.body.pk, "shown": result.shown}
            if result.shown:
                item["partner_responses"] = result.partner_responses
                item["previous_round"] = result.previous_round.pk if result.previous_round else None
                item["functions"] = [
                    {
                        "code": f.code,
                        "name": f.name,
                        **_score(f.score),
                        "subfunctions": [
                            {"code": s.code, "name": s.name, **_score(s.score)} for s in f.subs
                        ],
                    }
                    for f in result.functions
                ]
            bodies.append(item)
        return Response({"round": round.pk, "closed": True, "bodies": bodies})


class ActionItemListView(CcpmView):
    """The round's action plan; POST adds an item (managers)."""

    serializer_class = ActionItemIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        round = self.round()
        items = selectors.action_items(round)
        states = coordination_link.action_points_state(
            round.operation, [i.action_point_id for i in items if i.action_point_id]
        )
        return Response(
            [
                {
                    "id": item.pk,
                    "action": item.action,
                    "body": item.body_id,
                    "subfunction": item.subfunction.code if item.subfunction else None,
                    "owner_organisation": item.owner_organisation.acronym
                    if item.owner_organisation
                    else None,
                    "due_date": item.due_date,
                    "action_point": item.action_point_id,
                    "action_point_status": states[item.action_point_id].status
                    if item.action_point_id in states
                    else None,
                }
                for item in items
            ]
        )

    @extend_schema(request=ActionItemIn, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        round = self.round()
        self.require_manager()
        item = ccpm_actions.ccpm_action_item_add(
            round=round, by=self.caller, **self.input(ActionItemIn)
        )
        return Response({"id": item.pk}, status=status.HTTP_201_CREATED)


class ActionItemPromoteView(CcpmView):
    """Make an action plan item an action point of the coordination workspace."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, slug: str, pk: int, item: int) -> Response:
        round = self.round()
        self.require_manager()
        try:
            found = round.action_items.get(pk=item)
        except round.action_items.model.DoesNotExist:
            raise Http404 from None
        point = ccpm_actions.ccpm_action_item_to_action_point(item=found, by=self.caller)
        return Response({"action_point": point})
