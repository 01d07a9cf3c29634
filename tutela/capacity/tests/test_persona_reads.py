"""Persona sweep of every capacity read path (issue 17, "access-denied tests per persona").

Every page, API endpoint and export of trainings (courses, sessions, participants, tests and
scores, certificates), CCPM (rounds, results, report), work plans and compliance is read by each
persona, and the status must be the one its rule gives:

- member: everyone with a role in the operation reads it (coordinator, IMO, the partner focal
  points of AMSS and of OTHER, AMSS's caseworker, the donor viewer);
- people: the training team reads every participant, partners and caseworkers their own
  organisation's, a viewer none (403 or 404);
- own: a record of AMSS (a participant, a certificate, a scorecard): the training team and AMSS's
  staff read it; OTHER's focal point and the viewer get 404;
- manager: the coordinator and the IMO only (403 or 404 for the others).

A user of another operation gets 404 everywhere, an anonymous visitor the login page (or
401/403 from the API). And whatever a persona is allowed to read never contains the name or
e-mail address of a participant they may not see.

The pages reached by a secret link (the online post-test, the CCPM answer link, the certificate
check) are swept too: a link works for its own participant or invitation only, a used, replaced
or expired link is refused, guessed tokens are refused, and no such page shows anyone else.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tutela.activities.models import ReportingRound
from tutela.capacity.models import (
    Attempt,
    CcpmLink,
    CcpmPendingAnswer,
    CcpmResponse,
    KnowledgeTest,
)
from tutela.capacity.models.ccpm import Audience
from tutela.capacity.selectors.ccpm import round_questions
from tutela.capacity.services import (
    assessments,
    ccpm_rounds,
    certificates,
    courses,
    planning,
    sessions,
)
from tutela.capacity.services import workplans as workplan_services
from tutela.capacity.tests.ccpm_fixtures import (
    Ccpm,
    answer,
    ccpm_fixture,  # noqa: F401
    links,
    open_round,
    token_for,
)
from tutela.capacity.tests.fixtures import Trainings, trainings_fixture  # noqa: F401
from tutela.conftest import client_for

pytestmark = pytest.mark.django_db

# Before the session (the fixture's session starts on START), so it can still be planned.
TODAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

MANAGERS = ("coordinator", "imo")
AMSS_STAFF = ("partner", "caseworker")
PERSONAS = (
    "coordinator",
    "imo",
    "partner",
    "other_partner",
    "caseworker",
    "viewer",
    "other_operation_user",
    "anonymous",
)

# What identifies each participant of the fixture, by organisation.
AMSS_PEOPLE = ("Aïssata Diallo", "aissata@amss.test", "Boubacar Traoré", "boubacar@amss.test")
DRC_PEOPLE = ("Hawa Sidibé", "hawa@drc.test")
EVERYONE = AMSS_PEOPLE + DRC_PEOPLE


def page(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def api(name: str, *args: Any) -> str:
    return reverse(f"capacity-api:{name}", args=["mali", *args])


@dataclass
class Scene:
    trainings: Trainings
    ccpm: Ccpm
    reads: list[tuple[str, str]]  # (rule, path)


def expected(rule: str, persona: str, path: str) -> set[int]:
    if persona == "anonymous":
        return {401, 403} if "/api/" in path else {302}
    if persona == "other_operation_user":
        return {404}
    if persona in MANAGERS:
        return {200}
    if rule == "member":
        return {200}
    if rule == "people":
        return {403, 404} if persona == "viewer" else {200}
    if rule == "own":
        return {200} if persona in AMSS_STAFF else {404}
    assert rule == "manager"
    return {403, 404}


def forbidden_names(persona: str) -> tuple[str, ...]:
    """The participants a persona may not see (managers see everyone)."""
    if persona in AMSS_STAFF:
        return DRC_PEOPLE
    if persona in ("other_partner", "viewer"):
        return EVERYONE
    return ()


@pytest.fixture
def scene(trainings: Trainings, ccpm: Ccpm) -> Scene:
    world = trainings.world
    by = world.coordinator
    with time_machine.travel(TODAY, tick=False):
        material = courses.material_add(
            course=trainings.course,
            by=by,
            title="Slides",
            file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        )
        pre = assessments.knowledge_test_create(
            session=trainings.session, by=by, kind="pre", mode="paper", max_score=20
        )
        assessments.paper_scores_record(
            test=pre, by=by, scores={r.pk: 10 for r in trainings.registrations}
        )
        needs = planning.needs_assessment_create(
            operation=world.operation,
            by=by,
            title="Besoins",
            year=2026,
            closes_on=datetime.date(2026, 3, 11),
        )
        plan = planning.capacity_plan_create(operation=world.operation, by=by, year=2026, title="P")
        draft = ccpm_rounds.ccpm_round_create(
            operation=world.operation,
            by=by,
            bodies=[world.cluster],
            title="Draft",
            opens_on=datetime.date(2026, 3, 2),
            closes_on=datetime.date(2026, 3, 20),
        )
        closed = open_round(ccpm, bodies=[world.cluster])
        for link in links(closed, world.cluster)[:5]:
            answer(link, "yes")
        ccpm_rounds.ccpm_round_close(round=closed, by=by)
        work = workplan_services.workplan_create(body=world.cluster, by=by, year=2026, title="WP")
        objective = workplan_services.objective_add(plan=work, by=by, title="O")
        activity = workplan_services.work_activity_add(
            objective=objective,
            by=by,
            title="A",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 6, 30),
        )
    ReportingRound.objects.create(
        operation=world.operation,
        month=datetime.date(2026, 2, 1),
        deadline=datetime.date(2026, 3, 10),
    )
    # The session is held (everyone attends both days) and certificates are issued.
    with time_machine.travel(datetime.datetime(2026, 3, 12, 9, 0, tzinfo=datetime.UTC)):
        for day in trainings.session.days():
            sessions.attendance_record(
                session=trainings.session,
                by=by,
                day=day,
                present_ids=[r.pk for r in trainings.registrations],
            )
        sessions.session_update(session=trainings.session, by=by, status="held")
        issued = {
            c.registration_id: c
            for c in certificates.certificates_issue(session=trainings.session, by=by)
        }
        # Created after the certificates: without scores, it would hold them back.
        post = assessments.knowledge_test_create(
            session=trainings.session, by=by, kind="post", mode="online"
        )
    amss_person = trainings.people[0]
    amss_certificate = issued[trainings.registrations[0].pk].code
    course, session, c, wp = trainings.course.pk, trainings.session.pk, closed.pk, work.pk
    reads = [
        # Trainings: pages.
        ("member", page("home")),
        ("member", page("courses")),
        ("member", page("course_detail", course)),
        ("member", page("material_download", course, material.pk)),
        ("member", page("sessions")),
        ("member", page("session_detail", session)),
        ("people", page("session_results", session)),
        ("people", page("test_detail", pre.pk)),
        ("people", page("test_detail", post.pk)),
        ("people", page("participants")),
        ("own", page("participant_detail", amss_person.pk)),
        ("own", page("certificate_download", amss_certificate)),
        ("manager", page("question_edit", course, trainings.course.questions.first().pk)),  # type: ignore[union-attr]
        ("member", page("needs")),
        ("member", page("needs_detail", needs.pk)),
        ("member", page("plans")),
        ("member", page("plan_detail", plan.pk)),
        ("member", page("people_trained")),
        # Trainings: API.
        ("member", api("course-list")),
        ("member", api("course-detail", course)),
        ("manager", api("question-list", course)),
        ("member", api("session-list")),
        ("member", api("session-detail", session)),
        ("people", api("registration-list", session)),
        ("manager", api("test-list", session)),
        ("people", api("results", session)),
        ("people", api("participant-list")),
        ("own", api("participant-detail", amss_person.pk)),
        ("member", api("needs-list")),
        ("member", api("needs-detail", needs.pk)),
        ("member", api("plan-list")),
        ("member", api("plan-detail", plan.pk)),
        ("member", api("people-trained")),
        # CCPM.
        ("member", page("ccpm_rounds")),
        ("member", page("ccpm_round", c)),
        ("manager", page("ccpm_round", draft.pk)),
        ("member", page("ccpm_results", c)),
        ("member", page("ccpm_report", c, "docx")),
        ("member", page("ccpm_report", c, "pdf")),
        ("manager", page("ccpm_questionnaire")),
        ("manager", page("ccpm_coordinator", c, world.cluster.pk)),
        ("member", api("ccpm-round-list")),
        ("member", api("ccpm-round-detail", c)),
        ("manager", api("ccpm-round-detail", draft.pk)),
        ("member", api("ccpm-results", c)),
        ("member", api("ccpm-action-list", c)),
        # Work plans.
        ("member", page("workplans")),
        ("member", page("workplan_detail", wp)),
        ("member", page("work_activity", wp, activity.pk)),
        ("member", api("workplan-list")),
        ("member", api("workplan-detail", wp)),
        # Compliance.
        ("member", page("compliance")),
        ("own", page("compliance_scorecard", world.amss.pk)),
        ("manager", page("compliance_scorecard", world.drc.pk)),
        ("manager", page("compliance_export", "csv")),
        ("manager", page("compliance_export", "xlsx")),
        ("member", api("compliance")),
        ("own", api("compliance-scorecard", world.amss.pk)),
        ("manager", api("compliance-scorecard", world.drc.pk)),
    ]
    return Scene(trainings=trainings, ccpm=ccpm, reads=reads)


def client_of(scene: Scene, persona: str) -> Client:
    if persona == "anonymous":
        return Client()
    return client_for(getattr(scene.trainings.world, persona))


def text_of(response: Any) -> str:
    if response.get("Content-Type", "").startswith(("text/", "application/json")):
        return str(response.content.decode())
    return ""


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_read_path_answers_each_persona_by_its_rule(scene: Scene, persona: str) -> None:
    client = client_of(scene, persona)
    wrong = []
    leaks = []
    with time_machine.travel(datetime.datetime(2026, 3, 12, 10, 0, tzinfo=datetime.UTC)):
        for rule, path in scene.reads:
            response = client.get(path)
            if response.status_code not in expected(rule, persona, path):
                wrong.append((rule, path, response.status_code))
                continue
            text = text_of(response)
            leaks += [(path, name) for name in forbidden_names(persona) if name in text]
    assert wrong == []
    assert leaks == []


def test_the_sweep_is_not_blind(scene: Scene) -> None:
    """The managers' pages name the participants the others must not see, so the leak check
    above looks where names would show."""
    client = client_of(scene, "coordinator")
    shown = "".join(
        text_of(client.get(path))
        for path in (page("participants"), page("session_results", scene.trainings.session.pk))
    )
    assert all(name in shown for name in ("Aïssata Diallo", "Hawa Sidibé"))


# --- Pages reached by a secret link -------------------------------------------------------------


def online_post_test(trainings: Trainings) -> tuple[KnowledgeTest, dict[int, str]]:
    """An online post-test with a link issued to each of the first three participants."""
    by = trainings.world.coordinator
    test = assessments.knowledge_test_create(
        session=trainings.session, by=by, kind="post", mode="online"
    )
    tokens = {}
    for registration in trainings.registrations[:3]:
        link = assessments.knowledge_test_link_issue(test=test, by=by, registration=registration)
        tokens[registration.pk] = link.rstrip("/").rsplit("/", 1)[1]
    return test, tokens


def right_answers(test: KnowledgeTest) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for question in assessments.knowledge_test_questions(test):
        right = [str(c.pk) for c in question.choices.all() if c.is_correct]
        data[f"q{question.pk}"] = right if question.kind == "multiple" else right[0]
    return data


@pytest.fixture
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.usefixtures("_today")
def test_a_test_link_shows_and_records_its_own_participant_only(trainings: Trainings) -> None:
    test, tokens = online_post_test(trainings)
    aissata, boubacar, hawa = trainings.registrations[:3]
    client = Client()
    url = reverse("capacity:test_answer", args=[tokens[aissata.pk]])
    text = client.get(url).content.decode()
    assert "Aïssata Diallo" in text
    for other in ("Boubacar", "Hawa", "Oumar", "@amss.test", "@drc.test", "AMSS", "DRC"):
        assert other not in text
    assert client.post(url, right_answers(test)).status_code == 302
    recorded = Attempt.objects.filter(test=test, submitted_at__isnull=False)
    assert [a.registration_id for a in recorded] == [aissata.pk]
    # The others' links still work and are still unanswered.
    for registration in (boubacar, hawa):
        other = client.get(reverse("capacity:test_answer", args=[tokens[registration.pk]]))
        assert registration.participant.full_name in other.content.decode()
        assert "Aïssata" not in other.content.decode()


@pytest.mark.usefixtures("_today")
def test_a_used_test_link_records_nothing_more(trainings: Trainings) -> None:
    test, tokens = online_post_test(trainings)
    aissata = trainings.registrations[0]
    url = reverse("capacity:test_answer", args=[tokens[aissata.pk]])
    client = Client()
    client.post(url, right_answers(test))
    first = Attempt.objects.get(test=test, registration=aissata)
    wrong = {key: value for key, value in right_answers(test).items()}
    wrong[next(iter(wrong))] = "0"
    again = client.post(url, wrong)
    assert again.status_code == 200
    assert "your answers are recorded" in again.content.decode()
    after = Attempt.objects.get(pk=first.pk)
    assert (after.score, after.submitted_at) == (first.score, first.submitted_at)


@pytest.mark.usefixtures("_today")
def test_a_replaced_test_link_is_refused(trainings: Trainings) -> None:
    test, tokens = online_post_test(trainings)
    aissata = trainings.registrations[0]
    assessments.knowledge_test_link_issue(
        test=test, by=trainings.world.coordinator, registration=aissata
    )
    url = reverse("capacity:test_answer", args=[tokens[aissata.pk]])
    assert Client().get(url).status_code == 404
    assert Client().post(url, right_answers(test)).status_code == 404
    assert not Attempt.objects.filter(test=test, submitted_at__isnull=False).exists()


@pytest.mark.usefixtures("_today")
def test_an_expired_test_link_is_refused(trainings: Trainings) -> None:
    test, tokens = online_post_test(trainings)
    url = reverse("capacity:test_answer", args=[tokens[trainings.registrations[0].pk]])
    test.refresh_from_db()
    assert test.closes_at is not None
    with time_machine.travel(test.closes_at + datetime.timedelta(minutes=1), tick=False):
        client = Client()
        assert "This test is closed." in client.get(url).content.decode()
        client.post(url, right_answers(test))
    assert not Attempt.objects.filter(test=test, submitted_at__isnull=False).exists()


@pytest.mark.usefixtures("_today")
def test_a_cancelled_registrations_test_link_is_refused(trainings: Trainings) -> None:
    test, tokens = online_post_test(trainings)
    boubacar = trainings.registrations[1]
    sessions.registration_cancel(registration=boubacar, by=trainings.world.coordinator)
    url = reverse("capacity:test_answer", args=[tokens[boubacar.pk]])
    assert Client().get(url).status_code == 404
    assert Client().post(url, right_answers(test)).status_code == 404
    assert not Attempt.objects.filter(test=test, submitted_at__isnull=False).exists()


@pytest.mark.usefixtures("_today")
def test_a_cancelled_sessions_test_link_is_refused(trainings: Trainings) -> None:
    test, tokens = online_post_test(trainings)
    sessions.session_update(
        session=trainings.session, by=trainings.world.coordinator, status="cancelled"
    )
    url = reverse("capacity:test_answer", args=[tokens[trainings.registrations[0].pk]])
    assert Client().get(url).status_code == 404
    assert Client().post(url, right_answers(test)).status_code == 404
    assert not Attempt.objects.filter(test=test, submitted_at__isnull=False).exists()


@pytest.mark.usefixtures("_today")
def test_no_test_link_is_issued_to_a_cancelled_registration(trainings: Trainings) -> None:
    test, _tokens = online_post_test(trainings)
    oumar = trainings.registrations[3]
    sessions.registration_cancel(registration=oumar, by=trainings.world.coordinator)
    with pytest.raises(ValidationError):
        assessments.knowledge_test_link_issue(
            test=test, by=trainings.world.coordinator, registration=oumar
        )
    assert not Attempt.objects.filter(test=test, registration=oumar).exists()


@pytest.mark.usefixtures("_today")
@pytest.mark.parametrize("kind", ["test_answer", "ccpm_answer"])
def test_guessed_tokens_are_refused(trainings: Trainings, kind: str) -> None:
    online_post_test(trainings)
    client = Client()
    guesses = [
        secrets.token_urlsafe(24),
        "",
        "x" * 101,
        "A" * 32,
        "' OR 1=1 --",
        hashlib.sha256(b"guess").hexdigest(),
    ]
    # A token's stored hash is not a token.
    guesses += list(Attempt.objects.exclude(token_hash="").values_list("token_hash", flat=True))
    for guess in guesses:
        if not guess:
            continue
        response = client.get(reverse(f"capacity:{kind}", args=[guess]))
        assert response.status_code == 404, guess
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()


@pytest.mark.usefixtures("_today")
def test_a_ccpm_link_works_for_its_own_round_once(ccpm: Ccpm) -> None:
    world = ccpm.world
    first = open_round(ccpm, bodies=[world.cluster], title="CCPM A")
    second = open_round(ccpm, bodies=[world.cp_aor], title="CCPM B")
    link = links(first, world.cluster)[0]
    token = token_for(link)
    url = reverse("capacity:ccpm_answer", args=[token])
    client = Client()
    text = client.get(url).content.decode()
    # The page names its own round's body, not the other round's.
    assert world.cluster.name in text
    assert world.cp_aor.name not in text
    # No organisation's name on the page: the link is anonymous, and others' are not shown.
    for org in ccpm.organisations:
        assert f">{org.acronym}<" not in text
        assert org.name not in text
    answer_data = {}
    for question in round_questions(first, Audience.PARTNER):
        answer_data[f"q{question.pk}"] = "dont_know"
    assert client.post(url, answer_data).status_code == 302
    link.refresh_from_db()
    assert link.has_answered
    assert not CcpmLink.objects.filter(round=second, has_answered=True).exists()
    # Used: shown as answered, nothing more recorded.
    pending = CcpmPendingAnswer.objects.count()
    again = client.post(url, answer_data)
    assert again.status_code == 200
    assert CcpmPendingAnswer.objects.count() == pending
    assert CcpmResponse.objects.filter(round=first).count() == 0


@pytest.mark.usefixtures("_today")
def test_a_ccpm_link_of_a_closed_round_is_refused(ccpm: Ccpm) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    for link in links(round, world.cluster)[:5]:
        answer(link, "yes")
    late = links(round, world.cluster)[6]
    token = token_for(late)
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    before = CcpmResponse.objects.filter(round=round).count()
    client = Client()
    url = reverse("capacity:ccpm_answer", args=[token])
    with translation.override(round.language):
        closed = gettext("The survey is closed.")
    assert closed in client.get(url).content.decode()
    client.post(url, {f"q{q.pk}": "yes" for q in round_questions(round, Audience.PARTNER)})
    assert CcpmResponse.objects.filter(round=round).count() == before
    late.refresh_from_db()
    assert not late.has_answered


def test_certificate_check_reads_nothing_but_its_own_certificate(trainings: Trainings) -> None:
    world = trainings.world
    with time_machine.travel(datetime.datetime(2026, 3, 12, 9, 0, tzinfo=datetime.UTC)):
        for day in trainings.session.days():
            sessions.attendance_record(
                session=trainings.session,
                by=world.coordinator,
                day=day,
                present_ids=[r.pk for r in trainings.registrations],
            )
        sessions.session_update(session=trainings.session, by=world.coordinator, status="held")
        issued = certificates.certificates_issue(session=trainings.session, by=world.coordinator)
    mine = next(c for c in issued if c.registration_id == trainings.registrations[0].pk)
    client = Client()
    text = client.post(reverse("capacity:certificate_verify"), {"code": mine.code}).content
    page_text = text.decode()
    assert "Aïssata Diallo" in page_text
    for other in ("Boubacar", "Hawa", "Oumar"):
        assert other not in page_text
    # A code differing by one group is another certificate or none: never a near match.
    groups = mine.code.split("-")
    near = "-".join([*groups[:-1], "ZZZZ" if groups[-1] != "ZZZZ" else "YYYY"])
    answer_text = client.post(reverse("capacity:certificate_verify"), {"code": near}).content
    assert b"Diallo" not in answer_text


# --- Writes on one organisation's records ------------------------------------------------------

WRITERS_OF_AMSS = {"coordinator", "imo", "partner", "caseworker"}


@pytest.mark.usefixtures("_today")
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_training_team_and_the_organisations_staff_change_its_participant(
    trainings: Trainings, persona: str
) -> None:
    world = trainings.world
    aissata = trainings.people[0]
    client = client_of_world(world, persona)
    data = {
        "full_name": "Aïssata Diallo",
        "organisation": world.amss.pk,
        "function": f"Changed by {persona}",
        "sex": "F",
        "age_band": "25-39",
        "email": "aissata@amss.test",
        "phone": "",
    }
    response = client.post(page("participant_edit", aissata.pk), data)
    aissata.refresh_from_db()
    if persona in WRITERS_OF_AMSS:
        assert response.status_code == 302
        assert aissata.function == f"Changed by {persona}"
    else:
        assert response.status_code == (302 if persona == "anonymous" else 404)
        assert aissata.function == "Protection officer"


@pytest.mark.usefixtures("_today")
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_training_team_and_the_organisations_staff_cancel_its_registration(
    trainings: Trainings, persona: str
) -> None:
    registration = trainings.registrations[0]
    client = client_of_world(trainings.world, persona)
    response = client.post(page("registration_cancel", trainings.session.pk, registration.pk), {})
    registration.refresh_from_db()
    if persona in WRITERS_OF_AMSS:
        assert response.status_code == 302
        assert registration.status == "cancelled"
    else:
        assert response.status_code == (302 if persona == "anonymous" else 404)
        assert registration.status == "registered"


def client_of_world(world: Any, persona: str) -> Client:
    return Client() if persona == "anonymous" else client_for(getattr(world, persona))
