"""API of pooled-fund allocations: the same services and access rules as the pages. Scores
(score sheets, the ranking, proposals' rank and justification) go through the same selectors,
which leave out whatever the caller may not see: a partner never sees another partner's proposal
(404) or any score (403); a recused reviewer never sees the proposal's scores."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core.api.views import OperationAPIView
from tutela.core.models import AdminArea, Organisation, PopulationGroup
from tutela.planning import access
from tutela.planning.api.plans import ScopedPK
from tutela.planning.api.projects import BudgetLineIO, TargetIn, TargetOut
from tutela.planning.models import Allocation, Proposal
from tutela.planning.selectors import allocations as selectors
from tutela.planning.selectors import fivew
from tutela.planning.selectors import reviews as review_selectors
from tutela.planning.selectors.plans import area_choices
from tutela.planning.services import proposals as services
from tutela.planning.services import reviews as review_services


def _areas(operation: Any, context: dict[str, Any]) -> QuerySet[AdminArea]:
    return area_choices(operation, levels=(1, 2, 3))


def _activities(operation: Any, context: dict[str, Any]) -> QuerySet[Any]:
    return fivew.catalogue_activities(operation)


def _organisations(operation: Any, context: dict[str, Any]) -> QuerySet[Organisation]:
    return operation.organisations.all() if operation is not None else Organisation.objects.none()


def _groups(operation: Any, context: dict[str, Any]) -> QuerySet[PopulationGroup]:
    return PopulationGroup.objects.filter(operation=operation)


class AllocationOut(serializers.Serializer):
    class Meta:
        # Read by drf-spectacular to type the read-only slug fields (the schema fails
        # without a model).
        model = Allocation

    id = serializers.IntegerField()
    name = serializers.CharField()
    fund = serializers.CharField()
    fund_name = serializers.CharField()
    body = serializers.CharField(source="body.code")
    envelope_usd = serializers.DecimalField(max_digits=16, decimal_places=2)
    status = serializers.CharField()
    strategy = serializers.CharField()
    call_opens = serializers.DateField()
    call_closes = serializers.DateField()
    review_by = serializers.DateField(allow_null=True)
    decision_by = serializers.DateField(allow_null=True)
    min_score = serializers.DecimalField(max_digits=5, decimal_places=2)
    priority_areas: Any = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="pcode"
    )
    priority_activities: Any = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    priority_groups: Any = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )


class ProposalOut(serializers.Serializer):
    class Meta:
        # Read by drf-spectacular to type the read-only slug fields (the schema fails
        # without a model).
        model = Proposal

    id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.acronym")
    title = serializers.CharField()
    status = serializers.CharField()
    requested_usd = serializers.DecimalField(max_digits=16, decimal_places=2)


class ProposalDetailOut(ProposalOut):
    summary = serializers.CharField()
    implementing_partners: Any = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="acronym"
    )
    areas: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="pcode")
    activities: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    budget_lines = BudgetLineIO(many=True)
    targets = TargetOut(many=True)
    prereview_note = serializers.CharField()
    # Only where the caller may see the proposal's scores; null otherwise.
    rank = serializers.SerializerMethodField()
    recommended = serializers.SerializerMethodField()
    justification = serializers.SerializerMethodField()

    def _visible(self, obj: Proposal) -> bool:
        return obj.pk in self.context.get("score_visible", set())

    def get_rank(self, obj: Proposal) -> int | None:
        return obj.rank if self._visible(obj) else None

    def get_recommended(self, obj: Proposal) -> bool | None:
        return obj.recommended if self._visible(obj) else None

    def get_justification(self, obj: Proposal) -> str | None:
        return obj.justification if self._visible(obj) else None


class ProposalIn(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField()
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    areas = ScopedPK(_areas, many=True, required=False, default=list)
    activities = ScopedPK(_activities, many=True, required=False, default=list)
    implementing_partners = ScopedPK(_organisations, many=True, required=False, default=list)
    budget_lines = BudgetLineIO(many=True, required=False, default=list)
    targets = TargetIn(many=True, required=False, default=list)


class PrereviewIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "return", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeclarationIn(serializers.Serializer):
    has_conflict = serializers.BooleanField()
    statement = serializers.CharField(required=False, allow_blank=True, default="")


class ScoreIn(serializers.Serializer):
    question = serializers.IntegerField()
    value = serializers.IntegerField(min_value=0)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScoresIn(serializers.Serializer):
    scores = ScoreIn(many=True)


class ReviewerScoreOut(serializers.Serializer):
    reviewer = serializers.CharField()
    value = serializers.IntegerField()
    comment = serializers.CharField()


class QuestionScoresOut(serializers.Serializer):
    code = serializers.CharField(source="question.code")
    text = serializers.CharField(source="question.name")
    max_score = serializers.IntegerField(source="question.max_score")
    scores = serializers.SerializerMethodField()
    mean = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    spread = serializers.IntegerField(allow_null=True)
    divergent = serializers.BooleanField()
    consensus = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)

    @extend_schema(responses=ReviewerScoreOut(many=True))
    def get_scores(self, obj: review_selectors.QuestionScores) -> list[dict[str, Any]]:
        return [{"reviewer": r.user.full_name, "value": v, "comment": c} for r, v, c in obj.values]


class CategoryScoresOut(serializers.Serializer):
    code = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    weight = serializers.DecimalField(source="category.weight", max_digits=5, decimal_places=2)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    questions = QuestionScoresOut(many=True)


class ScoreSheetOut(serializers.Serializer):
    proposal = serializers.IntegerField(source="proposal.pk")
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    categories = CategoryScoresOut(many=True)


class RankRowOut(serializers.Serializer):
    proposal = serializers.IntegerField(source="proposal.pk")
    organisation = serializers.CharField(source="proposal.organisation.acronym")
    title = serializers.CharField(source="proposal.title")
    requested_usd = serializers.DecimalField(
        source="proposal.requested_usd", max_digits=16, decimal_places=2
    )
    recused = serializers.SerializerMethodField()
    rank = serializers.IntegerField(allow_null=True)
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    above_line = serializers.BooleanField(allow_null=True)
    recommended = serializers.BooleanField(allow_null=True)
    justification = serializers.SerializerMethodField()

    def get_recused(self, obj: review_selectors.RankRow) -> bool:
        return not obj.visible

    def get_justification(self, obj: review_selectors.RankRow) -> str | None:
        return obj.proposal.justification if obj.visible else None


class RankingOut(serializers.Serializer):
    envelope_usd = serializers.DecimalField(source="envelope", max_digits=16, decimal_places=2)
    recused_from_some = serializers.BooleanField(source="partial")
    rows = RankRowOut(many=True)


class ConflictOut(serializers.Serializer):
    reviewer = serializers.CharField(source="reviewer.user.full_name")
    proposal = serializers.IntegerField(source="proposal.pk")
    organisation = serializers.CharField(source="proposal.organisation.acronym")
    reasons = serializers.SerializerMethodField()
    declared_conflict = serializers.SerializerMethodField()

    def get_reasons(self, obj: review_selectors.ConflictRow) -> list[str]:
        return [r.reason for r in obj.reasons]

    def get_declared_conflict(self, obj: review_selectors.ConflictRow) -> bool | None:
        return obj.declaration.has_conflict if obj.declaration else None


class _AllocationView(OperationAPIView):
    queryset = Allocation.objects.none()
    serializer_class: type[serializers.BaseSerializer[Any]] = AllocationOut

    def get_allocation(self) -> Allocation:
        return access.allocation_get_for_user(self.caller, self.get_operation(), self.kwargs["pk"])


class AllocationListView(OperationAPIView):
    queryset = Allocation.objects.none()
    # Unpaginated: the whole list is answered (and documented) as an array.
    pagination_class = None
    filter_backends: list[Any] = []
    serializer_class = AllocationOut

    @extend_schema(responses=AllocationOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            AllocationOut(selectors.allocation_list(self.get_operation()), many=True).data
        )


class AllocationDetailView(_AllocationView):
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_allocation())


class ProposalListView(_AllocationView):
    """The allocation's proposals the caller may see; POST writes a draft (members of an
    eligible organisation, while the call is open)."""

    serializer_class = ProposalOut

    @extend_schema(responses=ProposalOut(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        proposals = access.proposal_queryset(self.caller, self.get_allocation()).select_related(
            "organisation"
        )
        return Response(ProposalOut(proposals, many=True).data)

    @extend_schema(request=ProposalIn, responses={201: ProposalDetailOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        data = self.input(ProposalIn)
        data["budget_lines"] = [dict(line) for line in data["budget_lines"]]
        data["targets"] = [dict(t) for t in data["targets"]]
        proposal = services.proposal_create(
            allocation=self.get_allocation(), by=self.caller, **data
        )
        return Response(ProposalDetailOut(proposal).data, status=status.HTTP_201_CREATED)


class _ProposalView(_AllocationView):
    serializer_class: type[serializers.BaseSerializer[Any]] = ProposalDetailOut

    def get_proposal(self) -> Proposal:
        return access.proposal_get_for_user(
            self.caller, self.get_allocation(), self.kwargs["proposal_pk"]
        )

    def detail(self, proposal: Proposal) -> Response:
        visible = access.score_visible_ids(self.caller, proposal.allocation)
        return Response(ProposalDetailOut(proposal, context={"score_visible": visible}).data)


class ProposalDetailView(_ProposalView):
    def get(self, request: Request, slug: str, pk: int, proposal_pk: int) -> Response:
        return self.detail(self.get_proposal())


class ProposalSubmitView(_ProposalView):
    @extend_schema(request=None, responses=ProposalDetailOut)
    def post(self, request: Request, slug: str, pk: int, proposal_pk: int) -> Response:
        return self.detail(services.proposal_submit(proposal=self.get_proposal(), by=self.caller))


class ProposalPrereviewView(_ProposalView):
    @extend_schema(request=PrereviewIn, responses=ProposalDetailOut)
    def post(self, request: Request, slug: str, pk: int, proposal_pk: int) -> Response:
        proposal = services.proposal_prereview(
            proposal=self.get_proposal(), by=self.caller, **self.input(PrereviewIn)
        )
        return self.detail(proposal)


class DeclarationView(_ProposalView):
    """The caller's conflict-of-interest declaration for the proposal (reviewers)."""

    @extend_schema(request=DeclarationIn, responses={201: None})
    def post(self, request: Request, slug: str, pk: int, proposal_pk: int) -> Response:
        proposal = self.get_proposal()
        reviewer = access.reviewer_for(self.caller, proposal.allocation)
        if reviewer is None:
            raise PermissionDenied
        review_services.declaration_save(
            reviewer=reviewer, proposal=proposal, by=self.caller, **self.input(DeclarationIn)
        )
        return Response(status=status.HTTP_201_CREATED)


class ScoresView(_ProposalView):
    """GET: the score sheet (403 for anyone who may not see the proposal's scores). POST: the
    caller's own scores (a reviewer who declared no conflict and is not recused)."""

    serializer_class = ScoreSheetOut

    def get(self, request: Request, slug: str, pk: int, proposal_pk: int) -> Response:
        sheet = review_selectors.score_sheet(user=self.caller, proposal=self.get_proposal())
        return self.output(sheet)

    @extend_schema(request=ScoresIn, responses={201: None})
    def post(self, request: Request, slug: str, pk: int, proposal_pk: int) -> Response:
        proposal = self.get_proposal()
        reviewer = access.reviewer_for(self.caller, proposal.allocation)
        if reviewer is None:
            raise PermissionDenied
        data = self.input(ScoresIn)
        review_services.score_save(
            reviewer=reviewer,
            proposal=proposal,
            by=self.caller,
            scores={s["question"]: (s["value"], s["comment"]) for s in data["scores"]},
        )
        return Response(status=status.HTTP_201_CREATED)


class RankingView(_AllocationView):
    """The ranking with the cut line, as the caller may see it (proposals the caller is recused
    from are listed without figures); 403 for anyone who sees no score at all."""

    serializer_class = RankingOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(
            review_selectors.ranking(user=self.caller, allocation=self.get_allocation())
        )


class ConflictsView(_AllocationView):
    """Who is recused from which proposal and why (fund managers and the operation's
    managers)."""

    serializer_class = ConflictOut

    @extend_schema(responses=ConflictOut(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        rows = review_selectors.conflict_record(user=self.caller, allocation=self.get_allocation())
        return Response(ConflictOut(rows, many=True).data)
