"""Training endpoints under /api/v1/operations/<slug>/capacity/: courses and their question
bank, sessions, participants, registrations, attendance, tests, results and certificates. They
call the same access helpers, selectors and services as the pages (404 outside the operation, 403
for a forbidden action, 400 with field errors for bad input)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.capacity import access as capacity_access
from tutela.capacity.api.training_serializers import (
    CourseIn,
    CourseOut,
    NothingIn,
    ParticipantDetailOut,
    ParticipantOut,
    QuestionIn,
    QuestionOut,
    RegistrationIn,
    RegistrationOut,
    SessionIn,
    SessionOut,
    TestIn,
    TestOut,
    TestScoresIn,
    TrainingAttendanceIn,
)
from tutela.capacity.models import (
    Course,
    KnowledgeTest,
    Participant,
    Question,
    Registration,
    TrainingSession,
)
from tutela.capacity.selectors import trainings as selectors
from tutela.capacity.services import assessments as test_services
from tutela.capacity.services import certificates as certificate_services
from tutela.capacity.services import courses as course_services
from tutela.capacity.services import sessions as session_services
from tutela.core.api.views import OperationAPIView
from tutela.core.services.audit import audit_read

# --- Helpers ------------------------------------------------------------------------------------


class CapacityAPIView(OperationAPIView):
    def require_manager(self) -> None:
        if not capacity_access.can_manage_trainings(self.caller, self.get_operation()):
            raise PermissionDenied

    def session(self) -> TrainingSession:
        return capacity_access.session_get(self.caller, self.get_operation(), self.kwargs["pk"])

    def respond(self, serializer: type[Any], instance: Any, code: int = 200) -> Response:
        return Response(serializer(instance, context=self.get_serializer_context()).data, code)


# --- Courses ------------------------------------------------------------------------------------


class CourseListView(CapacityAPIView, ListAPIView):
    """The course catalogue (POST: a new course, for training managers)."""

    queryset = Course.objects.none()
    serializer_class = CourseOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Course]:
        operation = self.get_operation()
        manager = capacity_access.can_manage_trainings(self.caller, operation)
        return selectors.course_list(operation, active_only=not manager)

    @extend_schema(request=CourseIn, responses={201: CourseOut})
    def post(self, request: Request, slug: str) -> Response:
        self.require_manager()
        course = course_services.course_create(
            operation=self.get_operation(), by=self.caller, **self.input(CourseIn)
        )
        return self.respond(CourseOut, course, status.HTTP_201_CREATED)


class CourseDetailView(CapacityAPIView):
    serializer_class = CourseOut

    def course(self) -> Course:
        return capacity_access.course_get(self.caller, self.get_operation(), self.kwargs["pk"])

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.respond(CourseOut, self.course())

    @extend_schema(request=CourseIn, responses={200: CourseOut})
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        course = self.course()
        self.require_manager()
        course = course_services.course_update(
            course=course, by=self.caller, **self.input(CourseIn, partial=True)
        )
        return self.respond(CourseOut, course)


class QuestionListView(CapacityAPIView):
    """A course's question bank, with the correct answers: training managers only."""

    queryset = Question.objects.none()  # for the schema (the path's pk is a course's)
    # Unpaginated: the whole list is answered (and documented) as an array.
    pagination_class = None
    filter_backends: list[Any] = []
    serializer_class = QuestionOut

    @extend_schema(responses={200: QuestionOut(many=True)})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        course = capacity_access.course_get(self.caller, self.get_operation(), pk)
        self.require_manager()
        return Response(QuestionOut(selectors.course_questions(course), many=True).data)

    @extend_schema(request=QuestionIn, responses={201: QuestionOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course = capacity_access.course_get(self.caller, self.get_operation(), pk)
        self.require_manager()
        data = self.input(QuestionIn)
        choices = [(c["text"], c["is_correct"]) for c in data.pop("choices", [])]
        question = course_services.question_create(
            course=course, by=self.caller, choices=choices, **data
        )
        return self.respond(QuestionOut, question, status.HTTP_201_CREATED)


# --- Sessions -----------------------------------------------------------------------------------


class SessionListView(CapacityAPIView, ListAPIView):
    """Training sessions (POST: a new session, for training managers)."""

    queryset = TrainingSession.objects.none()
    serializer_class = SessionOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[TrainingSession]:
        return selectors.session_list(self.get_operation()).prefetch_related(
            "organisations_invited"
        )

    @extend_schema(request=SessionIn, responses={201: SessionOut})
    def post(self, request: Request, slug: str) -> Response:
        self.require_manager()
        session = session_services.session_create(
            operation=self.get_operation(), by=self.caller, **self.input(SessionIn)
        )
        return self.respond(SessionOut, session, status.HTTP_201_CREATED)


class SessionDetailView(CapacityAPIView):
    serializer_class = SessionOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.respond(SessionOut, self.session())

    @extend_schema(request=SessionIn, responses={200: SessionOut})
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        self.require_manager()
        session = session_services.session_update(
            session=session, by=self.caller, **self.input(SessionIn, partial=True)
        )
        return self.respond(SessionOut, session)


class RegistrationListView(CapacityAPIView):
    """The registrations the caller may see (POST: register someone known, or a new
    participant)."""

    queryset = Registration.objects.none()  # for the schema (the path's pk is a session's)
    # Unpaginated: the whole list is answered (and documented) as an array.
    pagination_class = None
    filter_backends: list[Any] = []
    serializer_class = RegistrationOut

    @extend_schema(responses={200: RegistrationOut(many=True)})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        if not capacity_access.can_see_participants(self.caller, session.operation):
            raise PermissionDenied
        registrations = capacity_access.registrations_for_user(self.caller, session)
        return Response(
            RegistrationOut(
                registrations.select_related("participant", "participant__organisation"),
                many=True,
            ).data
        )

    @extend_schema(request=RegistrationIn, responses={201: RegistrationOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        operation = session.operation
        if not capacity_access.can_see_participants(self.caller, operation):
            raise PermissionDenied
        data = self.input(RegistrationIn)
        if "participant" in data:
            try:
                participant = capacity_access.participant_get_for_user(
                    self.caller, operation, data["participant"]
                )
            except Http404:
                raise serializers.ValidationError(
                    {"participant": ["Unknown participant."]}
                ) from None
        else:
            participant = session_services.participant_create(
                operation=operation, by=self.caller, **data["new_participant"]
            )
        registration = session_services.registration_create(
            session=session, by=self.caller, participant=participant
        )
        return self.respond(RegistrationOut, registration, status.HTTP_201_CREATED)


class AttendanceView(CapacityAPIView):
    """Record who was present on one day (PUT replaces that day's list)."""

    serializer_class = TrainingAttendanceIn

    @extend_schema(request=TrainingAttendanceIn, responses={200: dict})
    def put(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        self.require_manager()
        data = self.input(TrainingAttendanceIn)
        counts = session_services.attendance_record(
            session=session, by=self.caller, day=data["day"], present_ids=data["present"]
        )
        return Response(counts)


class TestListView(CapacityAPIView):
    queryset = KnowledgeTest.objects.none()  # for the schema (the path's pk is a session's)
    # Unpaginated: the whole list is answered (and documented) as an array.
    pagination_class = None
    filter_backends: list[Any] = []
    serializer_class = TestOut

    @extend_schema(responses={200: TestOut(many=True)})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        self.require_manager()
        return Response(TestOut(session.tests.order_by("kind"), many=True).data)

    @extend_schema(request=TestIn, responses={201: TestOut})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        self.require_manager()
        test = test_services.knowledge_test_create(
            session=session, by=self.caller, **self.input(TestIn)
        )
        return self.respond(TestOut, test, status.HTTP_201_CREATED)


class TestScoresView(CapacityAPIView):
    """Enter paper-test points: {"scores": {"<registration id>": 14.5, ...}}."""

    serializer_class = TestScoresIn

    @extend_schema(request=TestScoresIn, responses={200: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        test = capacity_access.knowledge_test_get(self.caller, self.get_operation(), pk)
        self.require_manager()
        changed = test_services.paper_scores_record(
            test=test, by=self.caller, scores=self.input(TestScoresIn)["scores"]
        )
        return Response({"changed": changed})


class TestSendView(CapacityAPIView):
    """E-mail each participant who has not answered their personal link."""

    serializer_class = NothingIn

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        test = capacity_access.knowledge_test_get(self.caller, self.get_operation(), pk)
        self.require_manager()
        return Response(test_services.knowledge_test_links_send(test=test, by=self.caller))


class ResultsView(CapacityAPIView):
    """A session's results: figures, questions still got wrong, and the rows of the
    participants the caller may see."""

    serializer_class = NothingIn

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        if not capacity_access.can_see_participants(self.caller, session.operation):
            raise PermissionDenied
        results = selectors.session_results(self.caller, session)
        return Response(
            {
                "pass_mark": results.pass_mark,
                "figures_hidden": results.figures_hidden,
                "scored_post": results.scored_post if not results.figures_hidden else None,
                "mean_pre": results.mean_pre,
                "mean_post": results.mean_post,
                "mean_gain": results.mean_gain,
                "adequate_share": results.adequate_share,
                "retention_share": results.retention_share,
                "questions": [
                    {
                        "question": q.question.pk,
                        "text": q.question.text,
                        "pre_right": q.pre_right,
                        "post_right": q.post_right,
                        "still_wrong": q.still_wrong,
                    }
                    for q in results.questions
                ],
                "participants": [
                    {
                        "registration": row.registration.pk,
                        "participant": row.registration.participant.full_name,
                        "pre": row.pre,
                        "post": row.post,
                        "gain": row.gain,
                        "follow_up": row.follow_up,
                    }
                    for row in results.rows
                ],
            }
        )


class CertificatesView(CapacityAPIView):
    """Issue certificates to the eligible participants who have none."""

    serializer_class = NothingIn

    @extend_schema(request=None, responses={201: dict})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        session = self.session()
        self.require_manager()
        issued = certificate_services.certificates_issue(session=session, by=self.caller)
        return Response(
            {
                "issued": [
                    {"registration": c.registration_id, "code": c.code, "language": c.language}
                    for c in issued
                ]
            },
            status=status.HTTP_201_CREATED,
        )


# --- Participants -------------------------------------------------------------------------------


class ParticipantListView(CapacityAPIView, ListAPIView):
    """The participants the caller may see (no contact details in the list)."""

    queryset = Participant.objects.none()
    serializer_class = ParticipantOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Participant]:
        operation = self.get_operation()
        if not capacity_access.can_see_participants(self.caller, operation):
            raise PermissionDenied
        return selectors.participant_list(self.caller, operation)


class ParticipantDetailView(CapacityAPIView):
    """A participant with their contact details (the read is audited)."""

    serializer_class = ParticipantDetailOut

    def get(self, request: Request, slug: str, pk: int) -> Response:
        operation = self.get_operation()
        participant = capacity_access.participant_get_for_user(self.caller, operation, pk)
        audit_read(actor=self.caller, instance=participant, operation=operation, request=request)
        return self.respond(ParticipantDetailOut, participant)
