"""Pre/post tests: online links (only a hash kept), answering on the public page, paper scores,
the results (knowledge gain, questions still got wrong, % with adequate knowledge) and the
follow-up survey sent by the scheduler."""

from __future__ import annotations

import datetime
import hashlib
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tutela.capacity.models import Attempt, AttemptAnswer, KnowledgeTest, Question
from tutela.capacity.selectors import trainings as selectors
from tutela.capacity.services import assessments
from tutela.capacity.tests.fixtures import START, Trainings, trainings_fixture  # noqa: F401
from tutela.core.models import AuditEntry, OutboxMessage

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/capacity/t/([^/\s]+)/)")


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def right_answers(test: KnowledgeTest) -> dict[int, list[int]]:
    return {
        q.pk: [c.pk for c in q.choices.all() if c.is_correct]
        for q in assessments.knowledge_test_questions(test)
    }


def wrong_answers(test: KnowledgeTest) -> dict[int, list[int]]:
    return {
        q.pk: [next(c.pk for c in q.choices.all() if not c.is_correct)]
        for q in assessments.knowledge_test_questions(test)
    }


def answer(test: KnowledgeTest, trainings: Trainings, index: int, selections: dict) -> Attempt:
    assessments.knowledge_test_link_issue(
        test=test, by=trainings.world.coordinator, registration=trainings.registrations[index]
    )
    attempt = test.attempts.get(registration=trainings.registrations[index])
    return assessments.attempt_submit_online(attempt=attempt, selections=selections)


def test_online_test_asks_the_courses_active_questions(trainings: Trainings) -> None:
    retired = Question.objects.filter(course=trainings.course).order_by("order").last()
    retired.is_active = False
    retired.save()
    test = assessments.knowledge_test_create(
        session=trainings.session, by=trainings.world.coordinator, kind="pre", mode="online"
    )
    assert [q.pk for q in assessments.knowledge_test_questions(test)] == list(
        Question.objects.filter(course=trainings.course, is_active=True)
        .order_by("order")
        .values_list("pk", flat=True)
    )


def test_a_session_has_one_test_of_each_kind(trainings: Trainings) -> None:
    coordinator = trainings.world.coordinator
    assessments.knowledge_test_create(
        session=trainings.session, by=coordinator, kind="pre", mode="online"
    )
    with pytest.raises(ValidationError):
        assessments.knowledge_test_create(
            session=trainings.session, by=coordinator, kind="pre", mode="paper", max_score=20
        )


def test_links_are_emailed_and_only_their_hash_is_kept(
    trainings: Trainings, django_capture_on_commit_callbacks: Any
) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="online"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = assessments.knowledge_test_links_send(test=test, by=world.coordinator)
    # Oumar (OTHER) has no e-mail address.
    assert result == {"sent": 3, "answered": 0, "no_address": 1}
    messages = OutboxMessage.objects.filter(kind="capacity.test_link")
    assert sorted(m.to_address for m in messages) == [
        "aissata@amss.test",
        "boubacar@amss.test",
        "hawa@drc.test",
    ]
    # Once sent, the text with the secret link is erased from the outbox.
    assert all(m.contains_secret for m in messages)
    from django.core import mail

    sent = {m.to[0]: m.body for m in mail.outbox}
    token = LINK.search(sent["aissata@amss.test"]).group(2)
    attempt = Attempt.objects.get(registration=trainings.registrations[0], test=test)
    assert attempt.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(AuditEntry.objects.values_list("after", flat=True)))
    assert assessments.attempt_for_token(token) == attempt


def test_answering_through_the_link_scores_once(trainings: Trainings) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="online"
    )
    link = assessments.knowledge_test_link_issue(
        test=test, by=world.coordinator, registration=trainings.registrations[0]
    )
    path = LINK.search(link).group(1)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert b"<script" not in page.content
    assert len(page.content) < 8000
    questions = assessments.knowledge_test_questions(test)
    right = right_answers(test)
    # One question left out: the page says so and saves nothing.
    incomplete = {f"q{q.pk}": right[q.pk] for q in questions[:-1]}
    response = client.post(path, incomplete)
    assert response.status_code == 200
    assert "Answer this question." in response.content.decode()
    assert not AttemptAnswer.objects.exists()
    data = {f"q{q.pk}": [str(v) for v in right[q.pk]] for q in questions}
    response = client.post(path, data)
    assert response.status_code == 302
    attempt = Attempt.objects.get(test=test, registration=trainings.registrations[0])
    assert attempt.score == Decimal("100.00")
    assert attempt.submitted_at is not None
    assert "100" in client.get(path).content.decode()
    # A second sending changes nothing.
    client.post(path, {f"q{q.pk}": [str(c.pk) for c in q.choices.all()] for q in questions})
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00")
    with pytest.raises(ValidationError):
        assessments.attempt_submit_online(attempt=attempt, selections=right)


def test_multiple_choice_is_right_only_with_exactly_the_correct_answers(
    trainings: Trainings,
) -> None:
    test = assessments.knowledge_test_create(
        session=trainings.session, by=trainings.world.coordinator, kind="pre", mode="online"
    )
    selections = right_answers(test)
    multiple = next(q for q in assessments.knowledge_test_questions(test) if q.kind == "multiple")
    selections[multiple.pk] = selections[multiple.pk][:1]
    attempt = answer(test, trainings, 0, selections)
    assert (attempt.points, attempt.out_of) == (Decimal(2), Decimal(3))
    assert attempt.score == Decimal("66.67")


def test_unknown_or_replaced_links_are_404(trainings: Trainings) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="pre", mode="online"
    )
    first = assessments.knowledge_test_link_issue(
        test=test, by=world.coordinator, registration=trainings.registrations[0]
    )
    assessments.knowledge_test_link_issue(
        test=test, by=world.coordinator, registration=trainings.registrations[0]
    )
    client = Client()
    assert client.get(LINK.search(first).group(1)).status_code == 404
    assert client.get("/capacity/t/not-a-token/").status_code == 404


def test_closed_link_refuses_answers(trainings: Trainings) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="pre", mode="online"
    )
    link = assessments.knowledge_test_link_issue(
        test=test, by=world.coordinator, registration=trainings.registrations[0]
    )
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=31)):
        page = Client().get(LINK.search(link).group(1))
        assert "This test is closed." in page.content.decode()


def test_paper_scores(trainings: Trainings) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="pre", mode="paper", max_score=20
    )
    first, second = trainings.registrations[:2]
    with pytest.raises(ValidationError):
        assessments.paper_scores_record(
            test=test, by=world.coordinator, scores={first.pk: Decimal(12), second.pk: Decimal(25)}
        )
    assert not Attempt.objects.exists()
    changed = assessments.paper_scores_record(
        test=test, by=world.coordinator, scores={first.pk: Decimal(12), second.pk: None}
    )
    assert changed == 1
    assert Attempt.objects.get(registration=first).score == Decimal("60.00")
    with pytest.raises(PermissionDenied):
        assessments.paper_scores_record(test=test, by=world.partner, scores={first.pk: Decimal(1)})


def test_paper_score_page(trainings: Trainings, as_user: Any) -> None:
    world = trainings.world
    test = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="paper", max_score=10
    )
    first = trainings.registrations[0]
    client = as_user(world.coordinator)
    response = client.post(url("test_detail", test.pk), {f"r{first.pk}": "8.5"})
    assert response.status_code == 302
    assert Attempt.objects.get(registration=first, test=test).score == Decimal("85.00")
    bad = client.post(url("test_detail", test.pk), {f"r{first.pk}": "11"})
    assert bad.status_code == 200
    assert Attempt.objects.get(registration=first, test=test).score == Decimal("85.00")
    assert (
        as_user(world.partner).post(url("test_detail", test.pk), {f"r{first.pk}": "1"}).status_code
        == 403
    )


def test_results_gain_still_wrong_and_adequate_share(trainings: Trainings) -> None:
    world = trainings.world
    pre = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="pre", mode="online"
    )
    post = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="online"
    )
    questions = assessments.knowledge_test_questions(post)
    hard = questions[2]
    for index in range(3):
        answer(pre, trainings, index, wrong_answers(pre))
        selections = right_answers(post)
        if index > 0:
            selections[hard.pk] = wrong_answers(post)[hard.pk]
        answer(post, trainings, index, selections)
    results = selectors.session_results(world.coordinator, trainings.session)
    rows = {row.registration.participant.full_name: row for row in results.rows}
    assert rows["Aïssata Diallo"].pre == 0.0
    assert rows["Aïssata Diallo"].post == 100.0
    assert rows["Aïssata Diallo"].gain == 100.0
    assert rows["Boubacar Traoré"].post == pytest.approx(66.67)
    # 1 of 3 at or above the pass mark (70 %).
    assert results.adequate_share == pytest.approx(33.3)
    assert [q.question for q in results.still_wrong] == [hard]
    assert results.mean_gain == pytest.approx(77.8)
    by_question = {q.question.pk: q for q in results.questions}
    assert by_question[hard.pk].pre_right == 0.0
    assert by_question[hard.pk].post_right == pytest.approx(1 / 3)


def test_partner_sees_own_rows_and_no_figures_below_the_threshold(
    trainings: Trainings, as_user: Any
) -> None:
    world = trainings.world
    post = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="online"
    )
    for index in range(4):
        answer(post, trainings, index, right_answers(post))
    results = selectors.session_results(world.partner, trainings.session)
    assert {r.registration.participant.full_name for r in results.rows} == {
        "Aïssata Diallo",
        "Boubacar Traoré",
    }
    # Four people scored, under the operation's threshold of five: a partner could work out
    # the others' scores from the session's average and their own staff's.
    assert results.figures_hidden
    assert results.adequate_share is None
    page = as_user(world.partner).get(url("session_results", trainings.session.pk))
    assert "Hawa Sidibé" not in page.content.decode()
    manager = selectors.session_results(world.coordinator, trainings.session)
    assert manager.adequate_share == 100.0


def test_follow_up_is_emailed_by_the_scheduler_on_its_day(
    trainings: Trainings, django_capture_on_commit_callbacks: Any
) -> None:
    world = trainings.world
    post = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="post", mode="online"
    )
    follow = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="follow_up", mode="paper"
    )
    assert follow.mode == "online"
    assert follow.send_on == START + datetime.timedelta(days=91)
    assert list(follow.questions.all()) == list(post.questions.all())
    assert assessments.follow_ups_send_due(today=follow.send_on - datetime.timedelta(days=1)) == 0
    assert not OutboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert assessments.follow_ups_send_due(today=follow.send_on) == 1
    assert OutboxMessage.objects.filter(kind="capacity.test_link").count() == 3
    # Sent once.
    assert assessments.follow_ups_send_due(today=follow.send_on + datetime.timedelta(days=1)) == 0
    assert OutboxMessage.objects.count() == 3


def test_follow_up_asks_how_people_use_what_they_learnt(trainings: Trainings) -> None:
    world = trainings.world
    follow = assessments.knowledge_test_create(
        session=trainings.session, by=world.coordinator, kind="follow_up", mode="online"
    )
    link = assessments.knowledge_test_link_issue(
        test=follow, by=world.coordinator, registration=trainings.registrations[0]
    )
    path = LINK.search(link).group(1)
    client = Client()
    data = {f"q{q}": [str(v) for v in c] for q, c in right_answers(follow).items()}
    response = client.post(path, data)
    assert "Answer this question." in response.content.decode()
    response = client.post(
        path,
        {**data, "use_on_job": "often", "shared_with_colleagues": "1", "comment": "Used in SOPs"},
    )
    assert response.status_code == 302
    attempt = Attempt.objects.get(test=follow)
    assert (attempt.use_on_job, attempt.shared_with_colleagues) == ("often", True)
