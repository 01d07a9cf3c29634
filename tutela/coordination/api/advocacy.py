"""API endpoints for advocacy recommendations and documents under clearance.

Same rules and same services as the pages: the operation comes from the access layer (404 for
anyone without a role in it); everyone with a role reads recommendations and published
documents; coordinators, IMOs and focal points write (403 otherwise); a document that is not
published is visible to managers, its author and its approver only (404 for others); only the
approver clears or returns it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.advocacy import DocumentFilterForm, RecommendationFilterForm
from tutela.coordination.models import (
    ClearanceDocument,
    DocumentVersion,
    Meeting,
    Mission,
    Recommendation,
    RecommendationFollowUp,
)
from tutela.coordination.selectors import advocacy as selectors
from tutela.coordination.services import document_formats
from tutela.coordination.services import documents as document_services
from tutela.coordination.services import recommendations as recommendation_services
from tutela.core.api.views import OperationAPIView
from tutela.core.models import Body, User
from tutela.monitoring.models import AnalysisUpdate

# --- Serializers ---------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class _ScopedPK(serializers.PrimaryKeyRelatedField):
    """An id among the operation's records only (anything else is "does not exist")."""

    def __init__(self, model: type[Any], **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        operation = self.context.get("operation")
        if operation is None:
            return self.model.objects.none()
        if self.model is ClearanceDocument:
            return coordination_access.document_queryset(self.context["request"].user, operation)
        return self.model.objects.filter(operation=operation)


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class FollowUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    note = serializers.CharField()
    evidence_url = serializers.SerializerMethodField()
    evidence_link = serializers.CharField()
    by = UserOut(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_evidence_url(self, obj: RecommendationFollowUp) -> str | None:
        if not obj.evidence:
            return None
        return reverse(
            "coordination:recommendation_evidence",
            args=[self.context["operation"].slug, obj.pk],
        )


class RecommendationOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    addressee_kind = serializers.CharField()
    addressee = serializers.CharField()
    issued_in = serializers.CharField()
    issued_on = serializers.DateField()
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    document = serializers.IntegerField(source="document_id", allow_null=True)
    pau = serializers.IntegerField(source="pau_id", allow_null=True)
    mission = serializers.IntegerField(source="mission_id", allow_null=True)
    status = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    pending = serializers.SerializerMethodField()
    days_since_issued = serializers.SerializerMethodField()
    days_since_follow_up = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_pending(self, obj: Recommendation) -> bool:
        return obj.status in selectors.PENDING_STATUSES

    def get_days_since_issued(self, obj: Recommendation) -> int | None:
        return selectors.days_pending(obj)[0] if self.get_pending(obj) else None

    def get_days_since_follow_up(self, obj: Recommendation) -> int | None:
        return selectors.days_pending(obj)[1] if self.get_pending(obj) else None


class RecommendationDetailOut(RecommendationOut):
    follow_ups = serializers.SerializerMethodField()

    @extend_schema(responses=FollowUpOut(many=True))
    def get_follow_ups(self, obj: Recommendation) -> list[dict[str, Any]]:
        return list(
            FollowUpOut(
                selectors.recommendation_follow_ups(obj), many=True, context=self.context
            ).data
        )


class RecommendationIn(serializers.Serializer):
    text = serializers.CharField()
    addressee_kind = serializers.ChoiceField(choices=Recommendation.Addressee.choices)
    addressee = serializers.CharField(max_length=300)
    issued_in = serializers.ChoiceField(choices=Recommendation.IssuedIn.choices)
    issued_on = serializers.DateField()
    meeting = _ScopedPK(Meeting, required=False, allow_null=True)
    document = _ScopedPK(ClearanceDocument, required=False, allow_null=True)
    pau = _ScopedPK(AnalysisUpdate, required=False, allow_null=True)
    mission = _ScopedPK(Mission, required=False, allow_null=True)


class FollowUpIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=Recommendation.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(required=False, allow_null=True)
    evidence_link = serializers.URLField(required=False, allow_blank=True, default="")


class VersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_by = UserOut(allow_null=True)
    created_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_kind(self, obj: DocumentVersion) -> str:
        return "upload" if obj.file else "text"

    def get_download_url(self, obj: DocumentVersion) -> str:
        return reverse(
            "coordination:document_version_download",
            args=[self.context["operation"].slug, obj.document_id, obj.number],
        )


class ClearanceDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField()
    status = serializers.CharField()
    approver = UserOut(allow_null=True)
    created_by = UserOut(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    cleared_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    circulated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DocumentDetailOut(ClearanceDocumentOut):
    current_version = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    def _current(self, obj: ClearanceDocument) -> DocumentVersion | None:
        cache = self.context.setdefault("_current", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.document_current_version(obj)
        return cache[obj.pk]

    def get_current_version(self, obj: ClearanceDocument) -> int | None:
        current = self._current(obj)
        return current.number if current else None

    def get_text(self, obj: ClearanceDocument) -> str:
        current = self._current(obj)
        return current.text if current else ""

    def get_html(self, obj: ClearanceDocument) -> str:
        """The text rendered and sanitised, as on the page."""
        return document_formats.markdown_to_html(self.get_text(obj))

    @extend_schema(responses=VersionOut(many=True))
    def get_versions(self, obj: ClearanceDocument) -> list[dict[str, Any]]:
        return list(
            VersionOut(selectors.document_versions(obj), many=True, context=self.context).data
        )


APPROVER_CHOICE = _(
    "Choose a coordinator, information management officer or focal point of this operation."
)


class ApproverField(serializers.PrimaryKeyRelatedField):
    """A possible approver of the operation, by user id. Any other id (an account elsewhere on
    the server, or none) gets the same answer, so that ids cannot be probed for accounts."""

    default_error_messages = {
        "required": serializers.PrimaryKeyRelatedField.default_error_messages["required"],
        "does_not_exist": APPROVER_CHOICE,
        "incorrect_type": APPROVER_CHOICE,
    }

    def get_queryset(self) -> QuerySet[User]:
        return selectors.approver_candidates(self.context["operation"])


class SubmitIn(serializers.Serializer):
    approver = ApproverField(queryset=User.objects.none())


class CommentIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CirculateIn(serializers.Serializer):
    body = _ScopedPK(Body)
    attach_as = serializers.ChoiceField(choices=document_services.ATTACH_FORMATS, default="docx")
    message = serializers.CharField(required=False, allow_blank=True, default="")


class CirculateOut(serializers.Serializer):
    document = ClearanceDocumentOut()
    messages = serializers.IntegerField()


# --- Recommendations -----------------------------------------------------------------------------


def _param(name: str, description: Any, type: Any = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, type, description=str(description))


RECOMMENDATION_FILTERS = [
    _param("q", _("Text or addressee contains.")),
    _param("addressee_kind", _("authority, agency, cluster, hct, donor.")),
    _param("status", _("issued, acknowledged, in_progress, implemented, not_implemented.")),
    _param("issued_in", _("pau, meeting, briefing_note, mission, other.")),
    _param("pending", _("true: pending only."), OpenApiTypes.BOOL),
    _param("issued_from", _("Issued on or after (YYYY-MM-DD)."), OpenApiTypes.DATE),
    _param("issued_to", _("Issued on or before (YYYY-MM-DD)."), OpenApiTypes.DATE),
    _param("order", _("oldest: oldest first.")),
]


def _filters(form_class: type[Any], request: Request) -> dict[str, Any]:
    form = form_class(request.query_params)
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}


class RecommendationListView(OperationAPIView, ListAPIView):
    """The operation's advocacy recommendations (every role reads); POST records one
    (coordinators, IMOs, focal points)."""

    queryset = Recommendation.objects.none()
    serializer_class = RecommendationOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Recommendation]:
        return selectors.recommendation_list(
            self.caller,
            self.get_operation(),
            _filters(RecommendationFilterForm, self.request),
        )

    @extend_schema(parameters=RECOMMENDATION_FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(request=RecommendationIn, responses={201: RecommendationDetailOut})
    def post(self, request: Request, slug: str) -> Response:
        recommendation = recommendation_services.recommendation_create(
            operation=self.get_operation(), by=self.caller, **self.input(RecommendationIn)
        )
        return Response(
            RecommendationDetailOut(recommendation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class RecommendationDetailView(OperationAPIView):
    queryset = Recommendation.objects.none()
    serializer_class = RecommendationDetailOut

    def get_object(self) -> Recommendation:
        return coordination_access.recommendation_get_for_user(
            self.caller, self.get_operation(), self.kwargs["pk"]
        )

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=RecommendationIn, responses=RecommendationDetailOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        """Change the text, addressee, where and when it was issued; the status changes through
        a follow-up (POST .../follow-ups/)."""
        if "status" in request.data:
            raise ValidationError(
                {"status": [_("The status changes through a follow-up entry, not by editing.")]}
            )
        recommendation = self.get_object()
        fields = self.input(RecommendationIn, partial=True)
        recommendation = recommendation_services.recommendation_update(
            recommendation=recommendation, by=self.caller, **fields
        )
        return self.output(recommendation)


class RecommendationFollowUpView(OperationAPIView):
    """A recommendation's follow-up log; POST records a follow-up (the only way to change the
    status), with an optional evidence file (multipart) or link."""

    queryset = RecommendationFollowUp.objects.none()
    serializer_class = FollowUpOut
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # The whole log, never a page of it.
    pagination_class = None
    filter_backends: list[Any] = []

    def _recommendation(self) -> Recommendation:
        return coordination_access.recommendation_get_for_user(
            self.caller, self.get_operation(), self.kwargs["pk"]
        )

    @extend_schema(responses=FollowUpOut(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        follow_ups = selectors.recommendation_follow_ups(self._recommendation())
        return Response(
            FollowUpOut(follow_ups, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=FollowUpIn, responses={201: FollowUpOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        recommendation = self._recommendation()
        data = self.input(FollowUpIn)
        follow_up = recommendation_services.recommendation_follow_up(
            recommendation=recommendation,
            by=self.caller,
            status=data["status"],
            note=data.get("note", ""),
            evidence_file=data.get("evidence") or None,
            evidence_link=data.get("evidence_link", ""),
        )
        return self.output(follow_up, status_code=status.HTTP_201_CREATED)


# --- Documents -----------------------------------------------------------------------------------


class DocumentListView(OperationAPIView, ListAPIView):
    """Documents under clearance the caller may see: published ones for every role; drafts,
    submitted and cleared ones for managers, their author and their approver."""

    queryset = ClearanceDocument.objects.none()
    serializer_class = ClearanceDocumentOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ClearanceDocument]:
        return selectors.document_list(
            self.caller, self.get_operation(), _filters(DocumentFilterForm, self.request)
        )

    @extend_schema(
        parameters=[
            _param("status", _("draft, submitted, cleared, published.")),
            _param("kind", _("briefing_note, advocacy_note, statement, other.")),
            _param("q", _("Title contains.")),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class _DocumentView(OperationAPIView):
    queryset = ClearanceDocument.objects.none()
    serializer_class = DocumentDetailOut

    def get_object(self) -> ClearanceDocument:
        return coordination_access.document_get_for_user(
            self.caller, self.get_operation(), self.kwargs["pk"]
        )


class DocumentDetailView(_DocumentView):
    """A document with its current text (Markdown and sanitised HTML) and its versions."""

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())


class DocumentSubmitView(_DocumentView):
    """Submit a draft for clearance to an approver (a coordinator, IMO or focal point of the
    operation, not the author)."""

    @extend_schema(request=SubmitIn, responses=DocumentDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        document = self.get_object()
        data = self.input(SubmitIn)
        return self.output(
            document_services.document_submit(
                document=document, by=self.caller, approver=data["approver"]
            )
        )


class DocumentClearView(_DocumentView):
    """Clear a submitted document (its designated approver only)."""

    @extend_schema(request=CommentIn, responses=DocumentDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        document = self.get_object()
        data = self.input(CommentIn)
        return self.output(
            document_services.document_clear(
                document=document, by=self.caller, comment=data["comment"]
            )
        )


class DocumentReturnView(_DocumentView):
    """Return a submitted document to draft with a comment (its designated approver only)."""

    @extend_schema(request=CommentIn, responses=DocumentDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        document = self.get_object()
        data = self.input(CommentIn)
        return self.output(
            document_services.document_return(
                document=document, by=self.caller, comment=data["comment"]
            )
        )


class DocumentPublishView(_DocumentView):
    """Publish a cleared document: visible to every role of the operation."""

    @extend_schema(request=None, responses=DocumentDetailOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        document = self.get_object()
        return self.output(document_services.document_publish(document=document, by=self.caller))


class DocumentCirculateView(_DocumentView):
    """E-mail a cleared or published document to a body's members (through the outbox)."""

    @extend_schema(request=CirculateIn, responses=CirculateOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        document = self.get_object()
        data = self.input(CirculateIn)
        sent = document_services.document_circulate(document=document, by=self.caller, **data)
        document.refresh_from_db()
        return Response(
            CirculateOut(
                {"document": document, "messages": len(sent)},
                context=self.get_serializer_context(),
            ).data
        )
