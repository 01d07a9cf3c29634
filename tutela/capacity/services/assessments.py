"""Pre-tests, post-tests and follow-up surveys of a session: creating them, sending each
participant a personal link (online), recording answers given through the link, and entering
the scores of paper tests.

Links carry a secret token; only its SHA-256 is stored on the attempt, the token itself is only in
the e-mail (erased from the outbox once sent) or shown once to the trainer who asks for it (for
participants reached by SMS or a messaging app). A token does one thing: answer that test once.

Scoring: a question is right when exactly the correct answers are ticked (all-or-nothing for
multiple choice, as paper marking usually is); the score is the share of questions right, in %.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import (
    Attempt,
    AttemptAnswer,
    KnowledgeTest,
    Question,
    Registration,
    TrainingSession,
)
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_create, audit_write
from tutela.core.services.mail import mail_enqueue

FOLLOW_UP_DEFAULT_DAYS = 90
LINK_VALIDITY_DAYS = 30
MAX_PAPER_SCORE = 1000
HUNDRED = Decimal(100)


def _require_manager(by: User, session: TrainingSession) -> None:
    capacity_access.require(capacity_access.can_manage_trainings(by, session.operation))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def percent(points: Decimal, out_of: Decimal) -> Decimal:
    if not out_of:
        return Decimal(0)
    return (points * HUNDRED / out_of).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Tests --------------------------------------------------------------------------------------


def _bank(session: TrainingSession) -> list[Question]:
    return list(
        Question.objects.filter(course=session.course, is_active=True).order_by("order", "id")
    )


@transaction.atomic
def knowledge_test_create(
    *,
    session: TrainingSession,
    by: User,
    kind: str,
    mode: str,
    max_score: int | None = None,
    send_on: datetime.date | None = None,
) -> KnowledgeTest:
    """A test of the session. Online tests ask the course's active questions (a follow-up
    survey asks the post-test's questions again, to measure what was retained); paper tests
    need their maximum score."""
    _require_manager(by, session)
    if KnowledgeTest.objects.filter(session=session, kind=kind).exists():
        raise ValidationError({"kind": _("This session already has this test.")})
    if kind == KnowledgeTest.Kind.FOLLOW_UP:
        mode = KnowledgeTest.Mode.ONLINE
        send_on = send_on or session.ends_on + datetime.timedelta(days=FOLLOW_UP_DEFAULT_DAYS)
        if send_on <= session.ends_on:
            raise ValidationError({"send_on": _("The follow-up is sent after the session.")})
    else:
        send_on = None
    questions: list[Question] = []
    if mode == KnowledgeTest.Mode.ONLINE:
        post = KnowledgeTest.objects.filter(
            session=session, kind=KnowledgeTest.Kind.POST, mode=KnowledgeTest.Mode.ONLINE
        ).first()
        if kind == KnowledgeTest.Kind.FOLLOW_UP and post is not None:
            questions = list(post.questions.order_by("order", "id"))
        else:
            questions = _bank(session)
        if not questions and kind != KnowledgeTest.Kind.FOLLOW_UP:
            raise ValidationError(
                {"mode": _("The course has no active question: add questions to its bank first.")}
            )
        max_score = None
    elif not max_score or not 1 <= max_score <= MAX_PAPER_SCORE:
        raise ValidationError(
            {"max_score": _("Give the maximum score of the paper test (1 to 1000).")}
        )
    test = KnowledgeTest(
        session=session,
        kind=kind,
        mode=mode,
        max_score=max_score,
        send_on=send_on,
        created_by=by,
    )
    test.full_clean(validate_constraints=False)
    test.save()
    test.questions.set(questions)
    audit_create(actor=by, instance=test, operation=session.operation)
    return test


def knowledge_test_questions(test: KnowledgeTest) -> list[Question]:
    return list(test.questions.prefetch_related("choices").order_by("order", "id"))


# --- Links --------------------------------------------------------------------------------------


def answer_url(token: str) -> str:
    return settings.BASE_URL + reverse("capacity:test_answer", args=[token])


def _fresh_link(test: KnowledgeTest, registration: Registration, now: datetime.datetime) -> str:
    attempt, _created = Attempt.objects.get_or_create(test=test, registration=registration)
    token = secrets.token_urlsafe(24)
    attempt.token_hash = token_hash(token)
    attempt.invited_at = now
    attempt.save(update_fields=["token_hash", "invited_at", "updated_at"])
    return answer_url(token)


def _link_text(test: KnowledgeTest, registration: Registration, link: str) -> tuple[str, str]:
    session = test.session
    participant = registration.participant
    if test.kind == KnowledgeTest.Kind.FOLLOW_UP:
        intro = _(
            "Some time ago you took part in the training “%(course)s” (%(dates)s). Please tell "
            "us, in a few minutes, what you remember and how you use it in your work:"
        )
    else:
        intro = _("Please answer the %(test)s of the training “%(course)s” (%(dates)s):")
    dates = f"{session.starts_on:%Y-%m-%d} – {session.ends_on:%Y-%m-%d}"
    lines = [
        _("Hello %(name)s,") % {"name": participant.full_name},
        "",
        intro
        % {"test": test.get_kind_display().lower(), "course": session.course.title, "dates": dates},
        "",
        link,
        "",
        _("The link is for you only: do not forward it. It works on a phone."),
        "",
        "— " + session.operation.name,
    ]
    subject = _("[%(operation)s] %(test)s: %(course)s") % {
        "operation": session.operation.name,
        "test": test.get_kind_display(),
        "course": session.course.title[:120],
    }
    return subject, "\n".join(lines)


def _send_links(test: KnowledgeTest, registrations: Iterable[Registration]) -> dict[str, int]:
    now = timezone.now()
    sent = skipped = no_address = 0
    answered = set(
        Attempt.objects.filter(test=test, submitted_at__isnull=False).values_list(
            "registration_id", flat=True
        )
    )
    session = test.session
    for registration in registrations:
        if registration.pk in answered:
            skipped += 1
            continue
        address = registration.participant.email
        if not address:
            no_address += 1
            continue
        link = _fresh_link(test, registration, now)
        with translation.override(session.language):
            subject, text = _link_text(test, registration, link)
        mail_enqueue(
            operation=session.operation,
            kind="capacity.test_link",
            subject=subject,
            text=text,
            to_addresses=[address],
            contains_secret=True,
        )
        sent += 1
    if test.closes_at is None:
        test.closes_at = now + datetime.timedelta(days=LINK_VALIDITY_DAYS)
    test.links_sent_at = now
    test.save(update_fields=["closes_at", "links_sent_at", "updated_at"])
    return {"sent": sent, "answered": skipped, "no_address": no_address}


def _registered(session: TrainingSession) -> list[Registration]:
    return list(
        session.registrations.filter(status=Registration.Status.REGISTERED).select_related(
            "participant"
        )
    )


@transaction.atomic
def knowledge_test_links_send(*, test: KnowledgeTest, by: User) -> dict[str, int]:
    """E-mail every registered participant who has not answered yet a fresh personal link
    (a new token replaces any earlier one). Returns {"sent", "answered", "no_address"}."""
    session = test.session
    _require_manager(by, session)
    if test.mode != KnowledgeTest.Mode.ONLINE:
        raise ValidationError(_("A paper test has no links."))
    result = _send_links(test, _registered(session))
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=test,
        operation=session.operation,
        summary=_("Test links sent: %(test)s") % {"test": test.get_kind_display()},
        after=result,
    )
    return result


@transaction.atomic
def knowledge_test_link_issue(*, test: KnowledgeTest, by: User, registration: Registration) -> str:
    """A fresh link for one participant, shown once to the trainer (for someone without
    e-mail). An earlier link of that participant stops working."""
    session = test.session
    _require_manager(by, session)
    if test.mode != KnowledgeTest.Mode.ONLINE:
        raise ValidationError(_("A paper test has no links."))
    if (
        registration.session_id != session.pk
        or registration.status != Registration.Status.REGISTERED
    ):
        raise ValidationError(_("This person is not registered to the session."))
    if Attempt.objects.filter(
        test=test, registration=registration, submitted_at__isnull=False
    ).exists():
        raise ValidationError(_("This person has already answered."))
    link = _fresh_link(test, registration, timezone.now())
    if test.closes_at is None:
        test.closes_at = timezone.now() + datetime.timedelta(days=LINK_VALIDITY_DAYS)
        test.save(update_fields=["closes_at", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=test,
        operation=session.operation,
        summary=_("Test link issued to a participant: %(test)s")
        % {"test": test.get_kind_display()},
        after={"registration": registration.pk},
    )
    return link


def follow_ups_send_due(today: datetime.date | None = None) -> int:
    """Send the links of follow-up surveys whose day has come (run daily by the scheduler);
    returns how many surveys went out. A survey is sent once."""
    today = today or timezone.localdate()
    count = 0
    due = KnowledgeTest.objects.filter(
        kind=KnowledgeTest.Kind.FOLLOW_UP, send_on__lte=today, links_sent_at__isnull=True
    ).select_related("session", "session__course", "session__operation")
    for test in due:
        if test.session.status == TrainingSession.Status.CANCELLED:
            continue
        with transaction.atomic():
            result = _send_links(test, _registered(test.session))
            audit_write(
                actor=None,
                action=AuditEntry.Action.UPDATE,
                instance=test,
                operation=test.session.operation,
                summary=_("Follow-up survey sent by the scheduler"),
                after=result,
            )
        count += 1
    return count


# --- Answering through the link -----------------------------------------------------------------


def attempt_for_token(token: str) -> Attempt | None:
    """The attempt a link is for, or None (unknown or replaced token, or a participant whose
    registration or session was cancelled since the link was sent: the link is theirs only
    while they are one of the session's participants)."""
    if not token or len(token) > 100:
        return None
    return (
        Attempt.objects.filter(
            token_hash=token_hash(token), registration__status=Registration.Status.REGISTERED
        )
        .exclude(token_hash="")
        .exclude(test__session__status=TrainingSession.Status.CANCELLED)
        .select_related(
            "test",
            "test__session",
            "test__session__course",
            "test__session__operation",
            "registration__participant",
        )
        .first()
    )


def link_state(attempt: Attempt) -> str:
    """ "open", "answered" or "closed"."""
    if attempt.submitted_at is not None:
        return "answered"
    closes_at = attempt.test.closes_at
    if closes_at is not None and closes_at < timezone.now():
        return "closed"
    return "open"


def grade(question: Question, selected: Sequence[int]) -> bool:
    correct = {c.pk for c in question.choices.all() if c.is_correct}
    return set(selected) == correct


@transaction.atomic
def attempt_submit_online(
    *,
    attempt: Attempt,
    selections: Mapping[int, Sequence[int]],
    use_on_job: str = "",
    shared_with_colleagues: bool | None = None,
    comment: str = "",
) -> Attempt:
    """Record the answers given through the link, once. Every question must be answered; a
    single-choice question takes one answer."""
    attempt = Attempt.objects.select_for_update().select_related("test__session").get(pk=attempt.pk)
    test = attempt.test
    state = link_state(attempt)
    if state == "answered":
        raise ValidationError(_("These answers have already been recorded. Thank you."))
    if state == "closed":
        raise ValidationError(_("This test is closed."))
    questions = knowledge_test_questions(test)
    errors: dict[str, str] = {}
    for question in questions:
        chosen = list(selections.get(question.pk, []))
        valid = {c.pk for c in question.choices.all()}
        if not chosen:
            errors[f"q{question.pk}"] = _("Answer this question.")
        elif not set(chosen) <= valid:
            errors[f"q{question.pk}"] = _("Choose among the answers given.")
        elif question.kind != Question.Kind.MULTIPLE and len(chosen) > 1:
            errors[f"q{question.pk}"] = _("Choose one answer.")
    if test.kind == KnowledgeTest.Kind.FOLLOW_UP:
        if use_on_job not in Attempt.UseOnJob.values:
            errors["use_on_job"] = _("Answer this question.")
        if len(comment or "") > 2000:
            errors["comment"] = _("At most 2,000 characters.")
    if errors:
        raise ValidationError(errors)
    right = 0
    for question in questions:
        chosen = sorted(set(selections[question.pk]))
        correct = grade(question, chosen)
        right += int(correct)
        AttemptAnswer.objects.update_or_create(
            attempt=attempt,
            question=question,
            defaults={"selected": chosen, "is_correct": correct},
        )
    attempt.points = Decimal(right)
    attempt.out_of = Decimal(len(questions))
    attempt.score = percent(attempt.points, attempt.out_of) if questions else None
    attempt.submitted_at = timezone.now()
    if test.kind == KnowledgeTest.Kind.FOLLOW_UP:
        attempt.use_on_job = use_on_job
        attempt.shared_with_colleagues = shared_with_colleagues
        attempt.comment = (comment or "").strip()
    attempt.save()
    # Answered by the participant through the link: no account, so no actor.
    audit_write(
        actor=None,
        action=AuditEntry.Action.UPDATE,
        instance=attempt,
        operation=test.session.operation,
        summary=_("Test answered through its link"),
        after={"score": str(attempt.score) if attempt.score is not None else None},
    )
    return attempt


# --- Paper tests --------------------------------------------------------------------------------


@transaction.atomic
def paper_scores_record(
    *, test: KnowledgeTest, by: User, scores: Mapping[int, Decimal | None]
) -> int:
    """Enter the points of a paper test: {registration id: points or None (no score)}.
    Returns how many scores changed. Nothing is saved if one value is wrong."""
    session = test.session
    _require_manager(by, session)
    if test.mode != KnowledgeTest.Mode.PAPER or not test.max_score:
        raise ValidationError(_("Scores are entered for paper tests only."))
    registrations = {r.pk: r for r in session.registrations.all()}
    maximum = Decimal(test.max_score)
    errors: dict[str, str] = {}
    for registration_id, points in scores.items():
        if registration_id not in registrations:
            errors[f"r{registration_id}"] = _("This person is not registered to the session.")
        elif points is not None and not Decimal(0) <= points <= maximum:
            errors[f"r{registration_id}"] = _("A score between 0 and %(max)s.") % {
                "max": test.max_score
            }
    if errors:
        raise ValidationError(errors)
    existing = {a.registration_id: a for a in Attempt.objects.filter(test=test)}
    changes: dict[str, Any] = {}
    now = timezone.now()
    for registration_id, points in scores.items():
        attempt = existing.get(registration_id)
        old = attempt.points if attempt is not None else None
        if old == points or (attempt is None and points is None):
            continue
        if attempt is None:
            attempt = Attempt(test=test, registration=registrations[registration_id])
        attempt.points = points
        attempt.out_of = maximum if points is not None else None
        attempt.score = percent(points, maximum) if points is not None else None
        attempt.submitted_at = now if points is not None else None
        attempt.entered_by = by
        attempt.save()
        changes[str(registration_id)] = [
            str(old) if old is not None else None,
            str(points) if points is not None else None,
        ]
    if changes:
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            instance=test,
            operation=session.operation,
            summary=_("Paper test scores entered: %(test)s") % {"test": test.get_kind_display()},
            after={"scores": changes},
        )
    return len(changes)


def registrations_in(session: TrainingSession, ids: Iterable[int]) -> list[Registration]:
    return list(session.registrations.filter(pk__in=list(ids)))
