"""CCPM rounds: the standard questionnaire, launching (links e-mailed, only hashes kept), answering
through the link, reminders and closing by the scheduler, the banded results per function and
sub-function per body, the comparison with the previous round, and the action plan becoming
action points of the coordination workspace."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tutela.capacity import ccpm_scoring
from tutela.capacity import schedules as capacity_schedules
from tutela.capacity.models import CcpmFunction, CcpmLink, CcpmQuestion, CcpmRound
from tutela.capacity.selectors import ccpm as selectors
from tutela.capacity.services import ccpm_actions, ccpm_answers, ccpm_rounds, ccpm_structure
from tutela.capacity.tests.ccpm_fixtures import (
    Ccpm,
    answer,
    ccpm_fixture,  # noqa: F401
    links,
    open_round,
    token_for,
)
from tutela.coordination.models import ActionPoint
from tutela.core import schedule
from tutela.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/capacity/s/([^/\s]+)/)")


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def test_standard_questionnaire_has_the_six_functions_and_aap(ccpm: Ccpm) -> None:
    functions = CcpmFunction.objects.filter(operation=ccpm.world.operation)
    assert [f.code for f in functions] == ["1", "2", "3", "4", "5", "6", "7"]
    assert functions.get(code="7").name_fr == "Redevabilité envers les personnes affectées"
    questions = CcpmQuestion.objects.filter(subfunction__function__operation=ccpm.world.operation)
    assert {q.audience for q in questions} == {"partner", "coordinator"}
    assert {q.scale for q in questions} == {"yes_no", "frequency"}
    assert all(q.name_en and q.name_fr and q.name_es for q in questions)
    # Seeding again adds nothing.
    assert ccpm_structure.ccpm_structure_seed(operation=ccpm.world.operation) == 0


def test_scoring_and_bands() -> None:
    assert ccpm_scoring.score("frequency", "rarely") == Decimal("0.3333")
    assert ccpm_scoring.score("yes_no", "dont_know") is None
    with pytest.raises(ValueError, match="scale"):
        ccpm_scoring.score("yes_no", "rarely")
    assert ccpm_scoring.median([1, 0, None, 1]) == 1.0
    assert ccpm_scoring.median([None]) is None
    bands = [ccpm_scoring.band(v).code for v in (1.0, 0.76, 0.75, 0.51, 0.5, 0.26, 0.25, 0.0)]
    assert bands == [
        "good",
        "good",
        "satisfactory",
        "satisfactory",
        "unsatisfactory",
        "unsatisfactory",
        "weak",
        "weak",
    ]
    assert [b.colour for b in ccpm_scoring.BANDS] == ["green", "yellow", "orange", "red"]


def test_minimum_cannot_be_set_under_the_operations_threshold(ccpm: Ccpm) -> None:
    world = ccpm.world
    with pytest.raises(ValidationError) as error:
        ccpm_rounds.ccpm_round_create(
            operation=world.operation,
            by=world.coordinator,
            bodies=[world.cluster],
            title="x",
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate(),
            minimum_responses=3,
        )
    assert "minimum_responses" in error.value.message_dict


@pytest.mark.parametrize("persona", ["partner", "viewer", "caseworker"])
def test_only_managers_run_rounds(ccpm: Ccpm, persona: str) -> None:
    world = ccpm.world
    with pytest.raises(PermissionDenied):
        ccpm_rounds.ccpm_round_create(
            operation=world.operation,
            by=getattr(world, persona),
            bodies=[world.cluster],
            title="x",
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate(),
        )


def test_launch_sends_one_link_per_organisation_and_body(
    ccpm: Ccpm, django_capture_on_commit_callbacks: Any
) -> None:
    world = ccpm.world
    with django_capture_on_commit_callbacks(execute=True):
        round = open_round(ccpm)
    # 7 organisations of the cluster + 2 of the CP AoR (whose contacts attend the cluster only,
    # so they are reached through all their contacts).
    assert CcpmLink.objects.filter(round=round).count() == 9
    assert round.questions.count() == CcpmQuestion.objects.count()
    messages = OutboxMessage.objects.filter(kind="capacity.ccpm_link")
    assert messages.count() == 9
    assert all(m.contains_secret for m in messages)
    sent = [m for m in mail.outbox if "ccpm@amss.test" in m.to]
    assert len(sent) == 2
    match = LINK.search(sent[0].body)
    assert match is not None
    assert ccpm_answers.link_for_token(match.group(2)) is not None
    # In the operation's language (French).
    assert "anonymes" in sent[0].body
    with pytest.raises(ValidationError):
        ccpm_rounds.ccpm_round_launch(round=round, by=world.coordinator)


def test_person_links(ccpm: Ccpm) -> None:
    world = ccpm.world
    from tutela.capacity.tests.ccpm_fixtures import contact

    contact(world, world.drc, "second@drc.test", world.cluster)
    round = open_round(ccpm, bodies=[world.cluster], link_mode="person")
    drc = CcpmLink.objects.filter(round=round, organisation=world.drc)
    assert drc.count() == 2
    assert all(link.contact_id for link in drc)


def test_answering_through_the_public_page(ccpm: Ccpm) -> None:
    round = open_round(ccpm, bodies=[ccpm.world.cluster])
    link = links(round, ccpm.world.cluster)[0]
    token = token_for(link)
    client = Client()
    path = reverse("capacity:ccpm_answer", args=[token])
    page = client.get(path)
    assert page.status_code == 200
    assert b"<script" not in page.content
    assert "Je ne sais pas" in page.content.decode()
    questions = selectors.round_questions(round, "partner")
    data = {f"q{q.pk}": "yes" if q.scale == "yes_no" else "fairly_often" for q in questions}
    del data[f"q{questions[0].pk}"]
    response = client.post(path, data)
    assert response.status_code == 200
    assert "Répondez à cette question" in response.content.decode()
    link.refresh_from_db()
    assert not link.has_answered
    data[f"q{questions[0].pk}"] = "dont_know"
    response = client.post(path, data)
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.has_answered
    assert "Merci" in client.get(path).content.decode()
    with pytest.raises(ValidationError):
        answer(link, "yes")
    english = client.get(path + "?lang=en").content.decode()
    assert "Thank you" in english


def test_release_in_batches_of_the_minimum_and_the_rest_at_closing(ccpm: Ccpm) -> None:
    world = ccpm.world
    round = open_round(ccpm)
    cluster = links(round, world.cluster)
    for link in cluster[:4]:
        token_for(link)
        answer(link, "yes")
    # Four answers: held back (the minimum is five).
    assert round.responses.count() == 0
    answer(cluster[4], "yes")
    assert round.responses.count() == 5
    assert set(round.responses.values_list("batch", flat=True)) == {1}
    answer(cluster[5], "no")
    assert round.responses.count() == 5
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    assert round.responses.count() == 6
    assert set(round.responses.values_list("batch", flat=True)) == {1, 2}


def test_results_are_banded_and_withheld_under_the_minimum(ccpm: Ccpm) -> None:
    world = ccpm.world
    round = open_round(ccpm)
    cluster = links(round, world.cluster)
    for link, choice in zip(
        cluster, ["yes", "yes", "yes", "mid", "no", "yes", "dont_know"], strict=True
    ):
        answer(link, choice)
    for link in links(round, world.cp_aor):
        answer(link, "yes")
    # Nothing before closing.
    assert all(not r.shown for r in selectors.round_results(round))
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    round.refresh_from_db()
    results = {r.body.pk: r for r in selectors.round_results(round)}
    aor = results[world.cp_aor.pk]
    assert (aor.shown, aor.partner_responses, aor.functions) == (False, 2, [])
    cluster_result = results[world.cluster.pk]
    assert cluster_result.shown
    assert cluster_result.partner_responses == 7
    function_1 = cluster_result.functions[0]
    assert function_1.code == "1"
    # Six scored partners: four "yes"/"very regularly", one mixed, one "no"/"never".
    assert function_1.score.median == 1.0
    assert function_1.score.band.code == "good"
    assert [s.code for s in function_1.subs] == ["1.1", "1.2"]


def test_sub_function_needs_the_minimum_of_scored_partner_answers(ccpm: Ccpm) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    cluster = links(round, world.cluster)
    for link in cluster[:4]:
        answer(link, "yes")
    # The fifth partner answers "don't know" everywhere but function 1.
    questions = selectors.round_questions(round, "partner")
    answers = {
        q.pk: ("yes" if q.scale == "yes_no" else "very_regularly")
        if q.subfunction.function.code == "1"
        else "dont_know"
        for q in questions
    }
    ccpm_answers.ccpm_answer_submit(link=cluster[4], answers=answers)
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    (result,) = selectors.round_results(round)
    assert result.shown
    by_code = {f.code: f for f in result.functions}
    assert by_code["1"].score.median == 1.0
    # Only four partners scored function 2: withheld.
    assert by_code["2"].score.median is None
    assert by_code["2"].score.band is None


def test_coordination_team_answers_count_in_the_medians(ccpm: Ccpm) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    coordinator_questions = selectors.round_questions(round, "coordinator")
    with pytest.raises(PermissionDenied):
        ccpm_answers.ccpm_coordinator_answers_save(
            round=round, body=world.cluster, by=world.partner, answers={}
        )
    ccpm_answers.ccpm_coordinator_answers_save(
        round=round,
        body=world.cluster,
        by=world.coordinator,
        answers={q.pk: "no" for q in coordinator_questions},
    )
    for link in links(round, world.cluster)[:5]:
        answer(link, "mid")
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    (result,) = selectors.round_results(round)
    assert result.has_coordinator_answers
    assert result.partner_responses == 5


def test_comparison_with_the_previous_round(ccpm: Ccpm) -> None:
    world = ccpm.world
    today = timezone.localdate()
    first = open_round(ccpm, bodies=[world.cluster], title="CCPM 2025")
    for link in links(first, world.cluster)[:5]:
        answer(link, "no")
    ccpm_rounds.ccpm_round_close(round=first, by=world.coordinator)
    CcpmRound.objects.filter(pk=first.pk).update(
        opens_on=today - datetime.timedelta(days=380),
        closes_on=today - datetime.timedelta(days=366),
    )
    second = open_round(ccpm, bodies=[world.cluster], title="CCPM 2026")
    for link in links(second, world.cluster)[:5]:
        answer(link, "yes")
    ccpm_rounds.ccpm_round_close(round=second, by=world.coordinator)
    (result,) = selectors.round_results(second)
    assert result.previous_round.pk == first.pk
    function = result.functions[0]
    assert (function.score.previous_median, function.score.previous_band.code) == (0.0, "weak")
    assert function.score.trend == "up"


def test_scheduler_reminds_then_closes(ccpm: Ccpm, django_capture_on_commit_callbacks: Any) -> None:
    world = ccpm.world
    today = timezone.localdate()
    round = open_round(ccpm, bodies=[world.cluster], closes_on=today + datetime.timedelta(days=5))
    answered = links(round, world.cluster)[0]
    answer(answered, "yes")
    OutboxMessage.objects.all().delete()
    assert ccpm_rounds.ccpm_rounds_due(today) == {"reminded": 0, "closed": 0}
    with django_capture_on_commit_callbacks(execute=True):
        due = ccpm_rounds.ccpm_rounds_due(today + datetime.timedelta(days=2))
    assert due == {"reminded": 1, "closed": 0}
    # Six reminders: not to the organisation that answered.
    reminders = OutboxMessage.objects.filter(kind="capacity.ccpm_link")
    assert reminders.count() == 6
    assert "ccpm@" + answered.organisation.acronym.lower() + ".test" not in {
        m.to_address for m in reminders
    }
    assert ccpm_rounds.ccpm_rounds_due(today + datetime.timedelta(days=3)) == {
        "reminded": 0,
        "closed": 0,
    }
    # The scheduler's registered daily job does the closing pass.
    job = schedule.registry["capacity.ccpm_rounds"]
    assert job.at == datetime.time(5, 40)
    assert job.function is capacity_schedules.ccpm_rounds_daily
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        job.function()
    round.refresh_from_db()
    assert round.status == "closed"
    assert round.responses.count() == 1


def test_action_plan_items_become_action_points(ccpm: Ccpm) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    sub = round.questions.first().subfunction
    item = ccpm_actions.ccpm_action_item_add(
        round=round,
        by=world.coordinator,
        action="Partager le 5W chaque mois",
        body=world.cluster,
        subfunction=sub,
        owner_organisation=world.unhcr,
        due_date=datetime.date(2026, 12, 31),
    )
    point_id = ccpm_actions.ccpm_action_item_to_action_point(item=item, by=world.coordinator)
    point = ActionPoint.objects.get(pk=point_id)
    assert (point.title, point.owner_organisation, point.body) == (
        "Partager le 5W chaque mois",
        world.unhcr,
        world.cluster,
    )
    assert "CCPM" in point.description
    # Once only.
    assert (
        ccpm_actions.ccpm_action_item_to_action_point(item=item, by=world.coordinator) == point_id
    )
    assert ActionPoint.objects.count() == 1
    with pytest.raises(ValidationError):
        ccpm_actions.ccpm_action_item_remove(item=item, by=world.coordinator)


def test_round_pages_for_each_persona(ccpm: Ccpm, as_user: Any) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    answer(links(round, world.cluster)[0], "yes")
    manager_page = as_user(world.coordinator).get(url("ccpm_round", round.pk)).content.decode()
    assert "AMSS 1/1" in manager_page
    assert "DRC 0/1" in manager_page
    partner_page = as_user(world.partner).get(url("ccpm_round", round.pk))
    assert partner_page.status_code == 200
    assert "AMSS 1/1" not in partner_page.content.decode()
    assert as_user(world.partner).post(url("ccpm_round_close", round.pk)).status_code == 403
    assert as_user(world.outsider).get(url("ccpm_round", round.pk)).status_code == 404
    draft = ccpm_rounds.ccpm_round_create(
        operation=world.operation,
        by=world.coordinator,
        bodies=[world.cluster],
        title="Draft",
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate(),
    )
    assert as_user(world.partner).get(url("ccpm_round", draft.pk)).status_code == 404
    assert as_user(world.viewer).get(url("ccpm_questionnaire")).status_code == 403
