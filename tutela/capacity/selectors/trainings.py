"""Reads of the training pages and API: catalogue, sessions, attendance and test results.

Results of a session (`session_results`): per participant the pre-test and post-test scores and
the knowledge gain (post − pre, in points of %); per question the share of right answers before
and after (online tests), so that trainers see which questions people still get wrong; and the
usual indicator, the share of participants with adequate knowledge (post-test score at or above
the course's pass mark). A partner sees the rows of their own organisation's participants; the
session's figures are shown to them only when enough participants were scored that no single
person's score can be worked out from them (the operation's small-count threshold).
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tutela.capacity import access as capacity_access
from tutela.capacity.models import (
    Attempt,
    AttemptAnswer,
    AttendanceDay,
    Course,
    KnowledgeTest,
    Participant,
    Question,
    Registration,
    TrainingSession,
)
from tutela.core.models import Operation, User

# A question "still got wrong" when fewer than this share answer it right after the training.
STILL_WRONG_BELOW = 0.5


def course_list(operation: Operation, *, active_only: bool = False) -> QuerySet[Course]:
    courses = Course.objects.filter(operation=operation).annotate(
        question_count=Count("questions", filter=Q(questions__is_active=True), distinct=True),
        session_count=Count("sessions", distinct=True),
    )
    if active_only:
        courses = courses.filter(is_active=True)
    return courses.order_by("title")


def course_questions(course: Course) -> list[Question]:
    return list(course.questions.prefetch_related("choices").order_by("-is_active", "order", "id"))


def session_list(
    operation: Operation,
    *,
    status: str = "",
    course: Course | None = None,
    year: int | None = None,
    q: str = "",
) -> QuerySet[TrainingSession]:
    sessions = (
        TrainingSession.objects.filter(operation=operation)
        .select_related("course", "area", "body")
        .annotate(
            registered=Count(
                "registrations",
                filter=Q(registrations__status=Registration.Status.REGISTERED),
                distinct=True,
            )
        )
    )
    if status:
        sessions = sessions.filter(status=status)
    if course is not None:
        sessions = sessions.filter(course=course)
    if year:
        sessions = sessions.filter(starts_on__year=year)
    if q:
        sessions = sessions.filter(
            Q(title__icontains=q) | Q(course__title__icontains=q) | Q(venue__icontains=q)
        )
    return sessions.order_by("-starts_on", "id")


def upcoming_sessions(operation: Operation, *, limit: int = 5) -> list[TrainingSession]:
    today = timezone.localdate()
    return list(
        TrainingSession.objects.filter(
            operation=operation, ends_on__gte=today, status=TrainingSession.Status.PLANNED
        )
        .select_related("course", "area")
        .order_by("starts_on")[:limit]
    )


def participant_list(user: User, operation: Operation, *, q: str = "") -> QuerySet[Participant]:
    people = capacity_access.participants_for_user(user, operation).select_related("organisation")
    if q:
        people = people.filter(Q(full_name__icontains=q) | Q(function__icontains=q))
    return people.annotate(
        sessions=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
        )
    ).order_by("full_name", "id")


def participant_history(participant: Participant) -> list[Registration]:
    return list(
        participant.registrations.select_related("session", "session__course", "certificate")
        .order_by("-session__starts_on")
        .all()
    )


# --- Attendance ---------------------------------------------------------------------------------


@dataclass
class AttendanceRow:
    registration: Registration
    days: list[bool | None]

    @property
    def present(self) -> int:
        return sum(1 for d in self.days if d)


def attendance_grid(user: User, session: TrainingSession) -> tuple[list[datetime.date], list[Any]]:
    """The session's days and, per registered participant the user may see, present / absent /
    not recorded on each day (two queries)."""
    days = session.days()
    registrations = list(
        capacity_access.registrations_for_user(user, session)
        .filter(status=Registration.Status.REGISTERED)
        .select_related("participant", "participant__organisation", "certificate")
    )
    marks: dict[tuple[int, datetime.date], bool] = {
        (a.registration_id, a.day): a.present
        for a in AttendanceDay.objects.filter(registration__in=registrations)
    }
    rows = [AttendanceRow(r, [marks.get((r.pk, day)) for day in days]) for r in registrations]
    return days, rows


def day_present_ids(session: TrainingSession, day: datetime.date) -> set[int]:
    return set(
        AttendanceDay.objects.filter(
            registration__session=session, day=day, present=True
        ).values_list("registration_id", flat=True)
    )


# --- Results ------------------------------------------------------------------------------------


@dataclass
class ParticipantResult:
    registration: Registration
    pre: float | None
    post: float | None
    follow_up: float | None

    @property
    def gain(self) -> float | None:
        if self.pre is None or self.post is None:
            return None
        return round(self.post - self.pre, 2)


@dataclass
class QuestionResult:
    question: Question
    pre_right: float | None
    post_right: float | None
    post_answers: int

    @property
    def still_wrong(self) -> bool:
        return self.post_right is not None and self.post_right < STILL_WRONG_BELOW


@dataclass
class SessionResults:
    session: TrainingSession
    tests: dict[str, KnowledgeTest]
    rows: list[ParticipantResult]
    questions: list[QuestionResult]
    pass_mark: int
    # Whole-session figures (None when hidden from the user or nothing to show).
    scored_post: int = 0
    mean_pre: float | None = None
    mean_post: float | None = None
    mean_gain: float | None = None
    adequate_share: float | None = None
    retention_share: float | None = None
    figures_hidden: bool = False
    use_on_job: dict[str, int] = field(default_factory=dict)

    @property
    def still_wrong(self) -> list[QuestionResult]:
        return sorted((q for q in self.questions if q.still_wrong), key=lambda q: q.post_right or 0)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _scores(test: KnowledgeTest | None) -> dict[int, float]:
    if test is None:
        return {}
    return {
        registration_id: float(score)
        for registration_id, score in Attempt.objects.filter(
            test=test, score__isnull=False
        ).values_list("registration_id", "score")
        if score is not None
    }


def _right_shares(test: KnowledgeTest | None) -> tuple[dict[int, float], dict[int, int]]:
    if test is None or test.mode != KnowledgeTest.Mode.ONLINE:
        return {}, {}
    counts = (
        AttemptAnswer.objects.filter(attempt__test=test)
        .values("question_id")
        .annotate(answers=Count("id"), right=Count("id", filter=Q(is_correct=True)))
    )
    shares = {c["question_id"]: c["right"] / c["answers"] for c in counts if c["answers"]}
    answered = {c["question_id"]: c["answers"] for c in counts}
    return shares, answered


def session_results(user: User, session: TrainingSession) -> SessionResults:
    tests = {t.kind: t for t in session.tests.all()}
    pre_test = tests.get(KnowledgeTest.Kind.PRE)
    post_test = tests.get(KnowledgeTest.Kind.POST)
    follow_test = tests.get(KnowledgeTest.Kind.FOLLOW_UP)
    pre, post, follow = _scores(pre_test), _scores(post_test), _scores(follow_test)
    registered = list(
        session.registrations.filter(status=Registration.Status.REGISTERED).select_related(
            "participant", "participant__organisation"
        )
    )
    everyone = [
        ParticipantResult(r, pre.get(r.pk), post.get(r.pk), follow.get(r.pk)) for r in registered
    ]
    visible_ids = set(
        capacity_access.registrations_for_user(user, session).values_list("pk", flat=True)
    )
    pass_mark = session.course.pass_mark
    results = SessionResults(
        session=session,
        tests=tests,
        rows=[row for row in everyone if row.registration.pk in visible_ids],
        questions=[],
        pass_mark=pass_mark,
    )
    scored = [row for row in everyone if row.post is not None]
    results.scored_post = len(scored)
    manager = capacity_access.can_manage_trainings(user, session.operation)
    threshold = session.operation.disclosure_threshold
    if not manager and len(scored) < threshold:
        results.figures_hidden = bool(everyone)
        return results
    _fill_figures(results, everyone, scored, pass_mark)
    results.questions = _question_results(pre_test, post_test)
    if follow_test is not None:
        results.use_on_job = _use_on_job(follow_test)
    return results


def _fill_figures(
    results: SessionResults,
    everyone: list[ParticipantResult],
    scored: list[ParticipantResult],
    pass_mark: int,
) -> None:
    """Mean scores and gain, the share at or above the pass mark after the training, and the share
    still there at the follow-up."""
    results.mean_pre = _mean([row.pre for row in everyone if row.pre is not None])
    results.mean_post = _mean([row.post for row in scored if row.post is not None])
    results.mean_gain = _mean([row.gain for row in everyone if row.gain is not None])
    if scored:
        adequate = sum(1 for row in scored if row.post is not None and row.post >= pass_mark)
        results.adequate_share = round(100 * adequate / len(scored), 1)
    retained = [row for row in everyone if row.follow_up is not None and row.post is not None]
    if retained:
        kept = sum(1 for row in retained if (row.follow_up or 0) >= pass_mark)
        results.retention_share = round(100 * kept / len(retained), 1)


def _question_results(
    pre_test: KnowledgeTest | None, post_test: KnowledgeTest | None
) -> list[QuestionResult]:
    """Per question of an online test, the share answering right before and after."""
    pre_right, _pre_answered = _right_shares(pre_test)
    post_right, post_answered = _right_shares(post_test)
    asked = post_test or pre_test
    if asked is None or asked.mode != KnowledgeTest.Mode.ONLINE:
        return []
    return [
        QuestionResult(
            question=question,
            pre_right=pre_right.get(question.pk),
            post_right=post_right.get(question.pk),
            post_answers=post_answered.get(question.pk, 0),
        )
        for question in asked.questions.order_by("order", "id")
    ]


def _use_on_job(follow_test: KnowledgeTest) -> dict[str, int]:
    """How many follow-up answers said they use the training on the job, by answer."""
    uses: dict[str, int] = defaultdict(int)
    for value in Attempt.objects.filter(test=follow_test, submitted_at__isnull=False).values_list(
        "use_on_job", flat=True
    ):
        if value:
            uses[value] += 1
    return dict(uses)


def knowledge_test_attempts(
    test: KnowledgeTest, user: User
) -> list[tuple[Registration, Attempt | None]]:
    """Each registered participant the user sees, with their attempt at the test (if any)."""
    registrations = list(
        capacity_access.registrations_for_user(user, test.session)
        .filter(status=Registration.Status.REGISTERED)
        .select_related("participant", "participant__organisation")
    )
    attempts = {a.registration_id: a for a in Attempt.objects.filter(test=test)}
    return [(r, attempts.get(r.pk)) for r in registrations]
