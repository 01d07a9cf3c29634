"""The CCPM survey's anonymity: no page, API, export, audit entry or database join a coordinator
can make links an answer to a person or an organisation, and results under the minimum number of
answers are never shown.

What is tested:
- the answer tables hold no link, organisation, person, user or time, and random ids; the link
  holds no time of answering and no reference to the answer;
- answering leaves no audit entry (which would carry the time and the address);
- answers are released in shuffled batches of at least the minimum, and nothing shows before
  the round closes;
- a body under the minimum shows no figure on the page, in the API, in the Word and PDF reports;
- the e-mailed links' secrets are erased from the outbox once sent;
- no page or API output a manager can reach contains a response's or an answer's id.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from docx import Document
from pypdf import PdfReader

from tutela.capacity import ccpm_report
from tutela.capacity.models import (
    CcpmAnswer,
    CcpmLink,
    CcpmPendingAnswer,
    CcpmResponse,
)
from tutela.capacity.selectors import ccpm as selectors
from tutela.capacity.services import ccpm_answers, ccpm_rounds
from tutela.capacity.tests.ccpm_fixtures import (
    Ccpm,
    answer,
    ccpm_fixture,  # noqa: F401
    links,
    open_round,
    token_for,
)
from tutela.core.models import AuditEntry, Contact, Organisation, OutboxMessage, User

pytestmark = pytest.mark.django_db

IDENTIFYING = (Organisation, Contact, User, CcpmLink)


@pytest.mark.parametrize("model", [CcpmResponse, CcpmAnswer, CcpmPendingAnswer])
def test_answer_tables_hold_nothing_that_names_or_dates_the_respondent(model: Any) -> None:
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        assert related not in IDENTIFYING, (model, field.name)
        assert not isinstance(field, models.DateField | models.DateTimeField), (model, field.name)
    if model is not CcpmAnswer:
        assert isinstance(model._meta.pk, models.UUIDField)


def test_link_holds_no_time_of_answering_and_no_reference_to_the_answer() -> None:
    names = {field.name for field in CcpmLink._meta.get_fields()}
    assert "updated_at" not in names
    assert not any("answered_at" in name for name in names)
    for field in CcpmLink._meta.get_fields():
        assert getattr(field, "related_model", None) not in (
            CcpmResponse,
            CcpmAnswer,
            CcpmPendingAnswer,
        )


def test_answering_leaves_no_audit_entry_and_no_address(ccpm: Ccpm) -> None:
    round = open_round(ccpm, bodies=[ccpm.world.cluster])
    link = links(round, ccpm.world.cluster)[0]
    token = token_for(link)
    before = AuditEntry.objects.count()
    client = Client(REMOTE_ADDR="192.0.2.44")
    path = reverse("capacity:ccpm_answer", args=[token])
    questions = selectors.round_questions(round, "partner")
    response = client.post(path, {f"q{q.pk}": "dont_know" for q in questions})
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before
    assert not AuditEntry.objects.filter(ip_address="192.0.2.44").exists()
    link.refresh_from_db()
    assert link.has_answered
    assert CcpmPendingAnswer.objects.count() == 1
    pending = CcpmPendingAnswer.objects.get()
    assert set(pending.answers.values()) == {"dont_know"}


def test_release_shuffles_the_batch_before_writing_it(ccpm: Ccpm, monkeypatch: Any) -> None:
    # The real shuffle draws from the operating system's randomness.
    import random

    assert isinstance(ccpm_answers._shuffle.__self__, random.SystemRandom)
    orders: list[list[str]] = []

    def reverse_and_record(items: list[Any]) -> None:
        items.reverse()
        orders.append([item.answers[next(iter(item.answers))] for item in items])

    monkeypatch.setattr(ccpm_answers, "_shuffle", reverse_and_record)
    round = open_round(ccpm, bodies=[ccpm.world.cluster])
    choices = ["yes", "no", "dont_know", "yes", "no"]
    cluster = links(round, ccpm.world.cluster)
    for link, choice in zip(cluster, choices, strict=False):
        answer(link, choice)
    assert len(orders) == 1
    first = selectors.round_questions(round, "partner")[0]
    released = list(
        CcpmAnswer.objects.filter(question=first).order_by("id").values_list("choice", flat=True)
    )
    # Written in the shuffled order, not in the order people answered.
    assert released == orders[0]


def test_a_batch_mixes_at_least_the_minimum_and_nothing_shows_before_closing(
    ccpm: Ccpm, as_user: Any
) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    for link in links(round, world.cluster)[:6]:
        answer(link, "yes")
    batches: dict[int, int] = {}
    for batch in CcpmResponse.objects.filter(round=round).values_list("batch", flat=True):
        batches[batch] = batches.get(batch, 0) + 1
    assert batches == {1: 5}
    assert CcpmPendingAnswer.objects.count() == 1
    page = as_user(world.coordinator).get(reverse("capacity:ccpm_results", args=["mali", round.pk]))
    assert "The results appear when the round is closed." in page.content.decode()
    api = (
        as_user(world.coordinator)
        .get(reverse("capacity-api:ccpm-results", args=["mali", round.pk]))
        .json()
    )
    assert api == {"round": round.pk, "closed": False, "bodies": []}


def test_results_under_the_minimum_are_never_shown(ccpm: Ccpm, as_user: Any) -> None:
    world = ccpm.world
    round = open_round(ccpm)
    for link in links(round, world.cluster)[:5]:
        answer(link, "yes")
    # The CP AoR: two answers, under the minimum of five.
    for link in links(round, world.cp_aor):
        answer(link, "no")
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    client = as_user(world.coordinator)
    page = client.get(reverse("capacity:ccpm_results", args=["mali", round.pk])).content.decode()
    aor_part = page.split(world.cp_aor.name)[1].split("<h2")[0]
    assert "Fewer than 5 partners answered" in aor_part
    assert not re.search(r"\d\.\d\d", aor_part)
    data = client.get(reverse("capacity-api:ccpm-results", args=["mali", round.pk])).json()
    by_body = {b["body"]: b for b in data["bodies"]}
    assert by_body[world.cp_aor.pk] == {"body": world.cp_aor.pk, "shown": False}
    assert by_body[world.cluster.pk]["shown"] is True
    for language in ("fr", "en"):
        report = ccpm_report.build(round, language)
        withheld = next(b for b in report.bodies if b.name == world.cp_aor.name)
        assert not withheld.shown
        assert withheld.lines == []
        docx = Document(io.BytesIO(ccpm_report.report_docx(report)))
        texts = [p.text for p in docx.paragraphs]
        start = texts.index(world.cp_aor.name)
        assert "5" in texts[start + 2]  # the withheld line names the minimum
        # One results table: the cluster's.
        assert len(docx.tables) == 1
        pdf = " ".join(
            page.extract_text()
            for page in PdfReader(io.BytesIO(ccpm_report.report_pdf(report))).pages
        )
        with translation.override(language):
            plan_heading = gettext("Action plan")
        # The national cluster comes first, then the AoR, then the action plan.
        aor_text = pdf.split(world.cp_aor.name)[1].split(plan_heading)[0]
        assert world.cluster.name not in aor_text
        assert not re.search(r"\d\.\d\d", aor_text)


def test_secret_links_are_erased_from_the_outbox_once_sent(
    ccpm: Ccpm, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        open_round(ccpm, bodies=[ccpm.world.cluster])
    messages = OutboxMessage.objects.filter(kind="capacity.ccpm_link")
    assert messages.count() == 7
    assert {m.status for m in messages} == {"sent"}
    assert all("/capacity/s/" not in m.text for m in messages)


def test_no_output_a_manager_reaches_contains_a_response_or_answer_id(
    ccpm: Ccpm, as_user: Any
) -> None:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    for link in links(round, world.cluster)[:6]:
        answer(link, "mid")
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    ids = [str(pk) for pk in CcpmResponse.objects.values_list("id", flat=True)]
    ids += [str(uuid.UUID(str(pk)).hex) for pk in ids]
    client = as_user(world.coordinator)
    outputs = [
        client.get(reverse("capacity:ccpm_round", args=["mali", round.pk])).content.decode(),
        client.get(reverse("capacity:ccpm_results", args=["mali", round.pk])).content.decode(),
        client.get(reverse("core:audit_log", args=["mali"])).content.decode(),
        client.get(
            reverse("capacity-api:ccpm-round-detail", args=["mali", round.pk])
        ).content.decode(),
        client.get(reverse("capacity-api:ccpm-results", args=["mali", round.pk])).content.decode(),
        client.get(
            reverse("capacity-api:ccpm-action-list", args=["mali", round.pk])
        ).content.decode(),
    ]
    for output in outputs:
        for pk in ids:
            assert pk not in output
    # The audit log has no entry about a link being used or an answer being stored.
    assert not AuditEntry.objects.filter(
        entity_type__in=[
            "capacity.ccpmlink",
            "capacity.ccpmresponse",
            "capacity.ccpmanswer",
            "capacity.ccpmpendinganswer",
        ]
    ).exists()
