"""Meeting endpoints under /api/v1/operations/<slug>/meetings/, one view per endpoint, calling the
same selectors and services as the pages, so the same access rules apply: everyone with a role
in the operation reads meetings, attendance and approved minutes (404 outside the operation);
managers and the body's focal points create and edit meetings, record attendance and write
minutes; managers approve minutes (403 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.coordination import access as coordination_access
from tutela.coordination.models import (
    AgendaItem,
    Meeting,
    MeetingDocument,
    MeetingSeries,
    Minutes,
)
from tutela.coordination.selectors import meetings as selectors
from tutela.coordination.services import meeting_records as record_services
from tutela.coordination.services import meetings as services
from tutela.coordination.services import minutes as minutes_services
from tutela.core import access
from tutela.core.api.serializers import BodyField, IdField, OrganisationField
from tutela.core.api.views import OperationAPIView
from tutela.core.models import Contact

# --- Serializers ----------------------------------------------------------------------------------


class AgendaItemOut(serializers.ModelSerializer):
    presenter: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )

    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "presenter", "duration_minutes", "notes", "action_point"]
        read_only_fields = fields


class DocumentOut(serializers.ModelSerializer):
    class Meta:
        model = MeetingDocument
        fields = ["id", "kind", "title", "created_at"]
        read_only_fields = fields


class MeetingOut(serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "body",
            "body_name",
            "series",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "online_link",
            "language",
            "status",
            "uid",
            "ics_sequence",
            "invitations_sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeetingDetailOut(MeetingOut):
    agenda = AgendaItemOut(many=True, read_only=True)
    documents = DocumentOut(many=True, read_only=True)

    class Meta(MeetingOut.Meta):
        fields = [*MeetingOut.Meta.fields, "agenda", "documents"]
        read_only_fields = fields


class MeetingIn(serializers.Serializer):
    body: Any = BodyField()
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, min_value=15, max_value=1440)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    online_link = serializers.URLField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_blank=True, max_length=5)
    agenda = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list
    )


class MeetingUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    online_link = serializers.URLField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, max_length=5)


class SeriesIn(serializers.Serializer):
    body: Any = BodyField()
    title = serializers.CharField(max_length=200)
    frequency = serializers.ChoiceField(choices=MeetingSeries.Frequency.choices)
    first_starts_at = serializers.DateTimeField()
    until = serializers.DateField()
    duration_minutes = serializers.IntegerField(required=False, default=120, min_value=15)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    online_link = serializers.URLField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_blank=True, max_length=5)


class SeriesOut(serializers.ModelSerializer):
    meetings = MeetingOut(many=True, read_only=True)

    class Meta:
        model = MeetingSeries
        fields = [
            "id",
            "body",
            "title",
            "frequency",
            "first_starts_at",
            "duration_minutes",
            "until",
            "location",
            "language",
            "meetings",
        ]
        read_only_fields = fields


class AttendanceLineOut(serializers.Serializer):
    organisation = serializers.CharField(source="organisation.acronym")
    present = serializers.BooleanField()
    participants = serializers.ListField(child=serializers.CharField(), source="names")


class AttendanceIn(serializers.Serializer):
    organisations = serializers.ListField(child=OrganisationField(), required=False, default=list)
    contacts = serializers.ListField(child=IdField(), required=False, default=list)


class MinutesOut(serializers.ModelSerializer):
    html = serializers.SerializerMethodField()

    class Meta:
        model = Minutes
        fields = [
            "meeting",
            "status",
            "decisions",
            "text",
            "html",
            "approved_by",
            "approved_at",
            "circulated_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_html(self, obj: Minutes) -> dict[str, str]:
        return minutes_services.minutes_html(obj)


class MinutesIn(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingQuery(serializers.Serializer):
    body: Any = BodyField(required=False)
    when = serializers.ChoiceField(choices=["upcoming", "past"], required=False)
    status = serializers.ChoiceField(choices=Meeting.Status.choices, required=False)


def _param(name: str, description: Any, kind: Any = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=str(description))


FILTERS = [
    _param("body", _("Body id."), OpenApiTypes.INT),
    _param("when", _("upcoming or past.")),
    _param("status", _("scheduled, held or cancelled.")),
]


# --- Views ----------------------------------------------------------------------------------------


class MeetingListView(OperationAPIView, ListAPIView):
    """Meetings of the operation, latest first (upcoming: soonest first). POST schedules a
    one-off meeting (managers and the body's focal points); the body's open action points are
    added to its agenda."""

    queryset = Meeting.objects.none()
    serializer_class = MeetingOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Meeting]:
        operation = self.get_operation()
        query = MeetingQuery(data=self.request.query_params, context={"operation": operation})
        if not query.is_valid():
            raise ValidationError(query.errors)
        return selectors.meeting_list(operation, **query.validated_data)

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(request=MeetingIn, responses={201: MeetingDetailOut})
    def post(self, request: Request, slug: str) -> Response:
        meeting = services.meeting_create(
            operation=self.get_operation(), by=self.caller, **self.input(MeetingIn)
        )
        return Response(
            MeetingDetailOut(meeting, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class MeetingSeriesCreateView(OperationAPIView):
    """Schedule a recurring meeting: its meetings are generated up to the end date."""

    queryset = MeetingSeries.objects.none()
    serializer_class = SeriesOut

    @extend_schema(request=SeriesIn, responses={201: SeriesOut})
    def post(self, request: Request, slug: str) -> Response:
        series = services.series_create(
            operation=self.get_operation(), by=self.caller, **self.input(SeriesIn)
        )
        return self.output(series, status_code=status.HTTP_201_CREATED)


class MeetingDetailView(OperationAPIView):
    """One meeting with its agenda and documents (PATCH: edit it; once invitations are out the
    members receive the update)."""

    queryset = Meeting.objects.none()
    serializer_class = MeetingDetailOut

    def get_object(self) -> Meeting:
        return selectors.meeting_get(self.get_operation(), self.kwargs["pk"])

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=MeetingUpdateIn, responses=MeetingDetailOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        meeting = services.meeting_update(
            meeting=self.get_object(), by=self.caller, **self.input(MeetingUpdateIn, partial=True)
        )
        return self.output(selectors.meeting_get(self.get_operation(), meeting.pk))


class MeetingCancelView(OperationAPIView):
    """Cancel the meeting (invited members receive a calendar cancellation)."""

    queryset = Meeting.objects.none()
    serializer_class = MeetingOut

    @extend_schema(request=None, responses=MeetingOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        meeting = selectors.meeting_get(self.get_operation(), pk)
        return self.output(services.meeting_cancel(meeting=meeting, by=self.caller))


class MeetingAttendanceView(OperationAPIView):
    """Attendance by organisation (participants' names for those who may see the contact
    directory). PUT records it: the organisations (acronyms) and contacts (ids) present."""

    queryset = Meeting.objects.none()
    serializer_class = AttendanceLineOut
    # One line per organisation of the body: the whole list, never a page of it, in one order.
    pagination_class = None
    filter_backends: list[Any] = []

    def _lines(self, meeting: Meeting) -> Response:
        lines = selectors.attendance_by_organisation(meeting)
        if not access.can_see_contacts(self.caller, self.get_operation()):
            for line in lines:
                line.names = []
        return Response(AttendanceLineOut(lines, many=True).data)

    @extend_schema(responses=AttendanceLineOut(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self._lines(selectors.meeting_get(self.get_operation(), pk))

    @extend_schema(request=AttendanceIn, responses=AttendanceLineOut(many=True))
    def put(self, request: Request, slug: str, pk: int) -> Response:
        operation = self.get_operation()
        meeting = selectors.meeting_get(operation, pk)
        data = self.input(AttendanceIn)
        contacts = list(Contact.objects.filter(operation=operation, pk__in=data["contacts"]))
        if len(contacts) != len(set(data["contacts"])):
            raise ValidationError({"contacts": [_("Unknown contact.")]})
        record_services.attendance_record(
            meeting=meeting, by=self.caller, organisations=data["organisations"], contacts=contacts
        )
        return self._lines(meeting)


class MinutesView(OperationAPIView):
    """The meeting's minutes (drafts: for those who write them). PUT writes them (managers and
    the body's focal points)."""

    queryset = Minutes.objects.none()
    serializer_class = MinutesOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        meeting = selectors.meeting_get(self.get_operation(), pk)
        minutes = selectors.meeting_minutes(meeting)
        if minutes is None or not coordination_access.minutes_visible(
            self.caller, meeting, minutes
        ):
            raise Http404
        return self.output(minutes)

    @extend_schema(request=MinutesIn, responses=MinutesOut)
    def put(self, request: Request, slug: str, pk: int) -> Response:
        meeting = selectors.meeting_get(self.get_operation(), pk)
        data = self.input(MinutesIn)
        return self.output(minutes_services.minutes_save(meeting=meeting, by=self.caller, **data))


class MinutesApproveView(OperationAPIView):
    """Approve the draft minutes (managers)."""

    queryset = Minutes.objects.none()
    serializer_class = MinutesOut

    @extend_schema(request=None, responses=MinutesOut)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        meeting = selectors.meeting_get(self.get_operation(), pk)
        minutes = selectors.meeting_minutes(meeting)
        if minutes is None:
            raise Http404
        return self.output(minutes_services.minutes_approve(minutes=minutes, by=self.caller))
