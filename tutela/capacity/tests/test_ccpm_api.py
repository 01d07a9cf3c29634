"""CCPM API and report: an access-denied test per persona and endpoint, a round run through the
API, and the Word and PDF reports in French and English with the bands' colours."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from tutela.capacity import ccpm_report
from tutela.capacity.models import CcpmActionItem, CcpmRound
from tutela.capacity.services import ccpm_actions, ccpm_rounds
from tutela.capacity.tests.ccpm_fixtures import (
    Ccpm,
    answer,
    ccpm_fixture,  # noqa: F401
    links,
    open_round,
)
from tutela.coordination.models import ActionPoint

pytestmark = pytest.mark.django_db


def api(name: str, *args: Any) -> str:
    return reverse(f"capacity-api:{name}", args=["mali", *args])


def closed_round(ccpm: Ccpm) -> CcpmRound:
    world = ccpm.world
    round = open_round(ccpm, bodies=[world.cluster])
    for link, choice in zip(links(round, world.cluster), ["yes"] * 4 + ["no"] * 3, strict=True):
        answer(link, choice)
    ccpm_rounds.ccpm_round_close(round=round, by=world.coordinator)
    round.refresh_from_db()
    return round


def endpoints(round: CcpmRound, world: Any) -> list[tuple[str, str, Any]]:
    return [
        ("get", api("ccpm-round-list"), None),
        (
            "post",
            api("ccpm-round-list"),
            {
                "title": "x",
                "bodies": [world.cluster.pk],
                "opens_on": "2026-01-01",
                "closes_on": "2026-01-02",
            },
        ),
        ("get", api("ccpm-round-detail", round.pk), None),
        ("post", api("ccpm-round-launch", round.pk), None),
        ("post", api("ccpm-round-remind", round.pk), None),
        ("post", api("ccpm-round-close", round.pk), None),
        ("get", api("ccpm-results", round.pk), None),
        ("get", api("ccpm-action-list", round.pk), None),
        ("post", api("ccpm-action-list", round.pk), {"action": "x"}),
    ]


def call(client: Client, method: str, path: str, data: Any) -> int:
    if method == "get":
        return client.get(path).status_code
    return client.post(path, data or {}, content_type="application/json").status_code


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_every_endpoint_is_404_outside_the_operation(
    ccpm: Ccpm, as_user: Any, persona: str
) -> None:
    round = closed_round(ccpm)
    client = as_user(getattr(ccpm.world, persona))
    for method, path, data in endpoints(round, ccpm.world):
        assert call(client, method, path, data) == 404, path
    assert CcpmRound.objects.count() == 1


def test_anonymous_gets_401(ccpm: Ccpm) -> None:
    round = closed_round(ccpm)
    for method, path, data in endpoints(round, ccpm.world):
        assert call(Client(), method, path, data) == 401, path


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_partner"])
def test_members_read_results_but_run_nothing(ccpm: Ccpm, as_user: Any, persona: str) -> None:
    round = closed_round(ccpm)
    client = as_user(getattr(ccpm.world, persona))
    reads = {0, 2, 6, 7}
    for index, (method, path, data) in enumerate(endpoints(round, ccpm.world)):
        status = call(client, method, path, data)
        assert status == (200 if index in reads else 403), (path, status)
    detail = client.get(api("ccpm-round-detail", round.pk)).json()
    # Which organisations answered is for the managers chasing answers.
    assert "organisations" not in detail["tracking"][0]
    assert not CcpmActionItem.objects.exists()
    assert CcpmRound.objects.count() == 1


def test_drafts_are_hidden_from_members(ccpm: Ccpm, as_user: Any) -> None:
    world = ccpm.world
    draft = ccpm_rounds.ccpm_round_create(
        operation=world.operation,
        by=world.coordinator,
        bodies=[world.cluster],
        title="Draft",
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate(),
    )
    assert as_user(world.partner).get(api("ccpm-round-detail", draft.pk)).status_code == 404
    assert as_user(world.partner).get(api("ccpm-round-list")).json() == []
    assert len(as_user(world.imo).get(api("ccpm-round-list")).json()) == 1


@pytest.mark.parametrize("bodies", [[2**63], [-1], [0], list(range(1, 600))])
def test_a_round_with_impossible_body_ids_is_a_400_not_a_server_error(
    ccpm: Ccpm, as_user: Any, bodies: list[int]
) -> None:
    """Found by schemathesis: an id past SQLite's 64-bit integers made the query raise."""
    today = timezone.localdate().isoformat()
    response = as_user(ccpm.world.imo).post(
        api("ccpm-round-list"),
        {"title": "CCPM", "bodies": bodies, "opens_on": today, "closes_on": today},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "bodies" in response.json()
    assert not CcpmRound.objects.filter(title="CCPM").exists()


def test_a_round_through_the_api(ccpm: Ccpm, as_user: Any) -> None:
    world = ccpm.world
    client = as_user(world.imo)
    today = timezone.localdate().isoformat()
    response = client.post(
        api("ccpm-round-list"),
        {"title": "CCPM", "bodies": [world.cluster.pk], "opens_on": today, "closes_on": today},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    round_id = response.json()["id"]
    bad = client.post(
        api("ccpm-round-list"),
        {
            "title": "x",
            "bodies": [world.cluster.pk],
            "opens_on": today,
            "closes_on": today,
            "minimum_responses": 3,
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "minimum_responses" in bad.json()
    launched = client.post(api("ccpm-round-launch", round_id)).json()
    assert launched["links"] == 7
    round = CcpmRound.objects.get(pk=round_id)
    for link in links(round, world.cluster)[:5]:
        answer(link, "yes")
    assert client.post(api("ccpm-round-close", round_id)).status_code == 200
    results = client.get(api("ccpm-results", round_id)).json()
    (body,) = results["bodies"]
    assert body["shown"] is True
    assert body["functions"][0]["band"] == "good"
    assert body["functions"][0]["colour"] == "green"
    response = client.post(
        api("ccpm-action-list", round_id),
        {"action": "Renforcer la redevabilité", "owner_organisation": "AMSS"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    item = response.json()["id"]
    promoted = client.post(api("ccpm-action-promote", round_id, item)).json()
    assert ActionPoint.objects.filter(pk=promoted["action_point"]).exists()
    plan = client.get(api("ccpm-action-list", round_id)).json()
    assert plan[0]["action_point_status"] == "open"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_report_in_word_and_pdf(ccpm: Ccpm, language: str) -> None:
    round = closed_round(ccpm)
    world = ccpm.world
    item = ccpm_actions.ccpm_action_item_add(
        round=round, by=world.coordinator, action="Diffuser le 5W chaque mois", body=world.cluster
    )
    ccpm_actions.ccpm_action_item_to_action_point(item=item, by=world.coordinator)
    docx_bytes, mime, name = ccpm_report.render(round, "docx", language)
    assert name.endswith(f"-{language}.docx")
    document = Document(io.BytesIO(docx_bytes))
    heading = document.paragraphs[0].text
    assert heading.startswith(
        "Rapport sur la performance" if language == "fr" else "Cluster coordination performance"
    )
    results, plan = document.tables
    cells = [row.cells[2] for row in results.rows[1:]]
    fills = {
        cell._tc.tcPr.xpath("./w:shd")[0].get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill"
        )
        for cell in cells
    }
    # Four "yes" and three "no": medians of 1 (green).
    assert fills == {"2E7D32"}
    assert plan.rows[1].cells[0].text == "Diffuser le 5W chaque mois"
    pdf_bytes, mime, _name = ccpm_report.render(round, "pdf", language)
    assert mime == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages).split()
    )
    assert ("Bon" if language == "fr" else "Good") in text
    assert "Diffuser le 5W chaque mois" in text


def test_report_download_for_members_of_closed_rounds_only(ccpm: Ccpm, as_user: Any) -> None:
    round = closed_round(ccpm)
    world = ccpm.world
    path = reverse("capacity:ccpm_report", args=["mali", round.pk, "pdf"])
    response = as_user(world.partner).get(path + "?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert as_user(world.outsider).get(path).status_code == 404
    assert (
        as_user(world.partner)
        .get(reverse("capacity:ccpm_report", args=["mali", round.pk, "exe"]))
        .status_code
        == 404
    )
