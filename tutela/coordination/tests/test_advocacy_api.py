"""API of advocacy recommendations and documents under clearance: the same rules as the pages,
with access-denied tests for every endpoint."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tutela.conftest import World
from tutela.coordination.models import ClearanceDocument, Recommendation, RecommendationFollowUp
from tutela.coordination.services.documents import (
    document_clear,
    document_create,
    document_publish,
    document_submit,
)
from tutela.coordination.services.recommendations import (
    recommendation_create,
    recommendation_follow_up,
)
from tutela.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"advocacy-api:{name}", args=["mali", *args])


def rec(world: World, **extra: Any) -> Recommendation:
    values: dict[str, Any] = {
        "text": "Lever le blocus de Farabougou.",
        "addressee_kind": "authority",
        "addressee": "Ministère de la Défense",
        "issued_in": "other",
        "issued_on": datetime.date(2026, 1, 15),
    }
    values.update(extra)
    return recommendation_create(operation=world.operation, by=world.coordinator, **values)


def doc(world: World) -> ClearanceDocument:
    return document_create(
        operation=world.operation,
        by=world.coordinator,
        kind="briefing_note",
        title="Note Ségou",
        language="fr",
        text="# Ségou\n\n**Alerte**",
    )


BODY = {
    "text": "Assurer l'enregistrement des naissances des enfants déplacés.",
    "addressee_kind": "authority",
    "addressee": "Direction nationale de l'état civil",
    "issued_in": "other",
    "issued_on": "2026-03-01",
}


# --- Recommendations -----------------------------------------------------------------------------


def test_list_with_filters_and_pending_ages(world: World) -> None:
    rec(world)
    done = rec(world, addressee_kind="agency", addressee="UNICEF")
    recommendation_follow_up(recommendation=done, by=world.imo, status="implemented", note="")
    response = api(world.partner).get(url("recommendations"))
    assert response.status_code == 200
    assert response.data["count"] == 2
    response = api(world.partner).get(url("recommendations"), {"pending": "true"})
    [row] = response.data["results"]
    assert row["addressee"] == "Ministère de la Défense"
    assert row["pending"] is True
    assert row["days_since_issued"] >= 0
    response = api(world.partner).get(url("recommendations"), {"status": "nonsense"})
    assert response.status_code == 400


def test_create_update_and_follow_up(world: World) -> None:
    client = api(world.coordinator)
    response = client.post(url("recommendations"), BODY, format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["status"] == "issued"
    assert response.data["follow_ups"] == []
    response = client.patch(url("recommendation", pk), {"addressee": "État civil"}, format="json")
    assert response.status_code == 200
    assert Recommendation.objects.get(pk=pk).addressee == "État civil"
    response = client.patch(url("recommendation", pk), {"status": "implemented"}, format="json")
    assert response.status_code == 400
    assert "status" in response.data
    response = client.post(
        url("recommendation_follow_ups", pk),
        {
            "status": "in_progress",
            "note": "Circulaire signée.",
            "evidence": SimpleUploadedFile("circulaire.pdf", b"%PDF-1.4 x"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    assert response.data["evidence_url"].endswith("/evidence/")
    detail = client.get(url("recommendation", pk)).data
    assert detail["status"] == "in_progress"
    assert [f["note"] for f in detail["follow_ups"]] == ["Circulaire signée."]
    assert detail["days_since_follow_up"] == 0
    assert AuditEntry.objects.filter(entity_type="coordination.recommendation").count() == 3
    assert AuditEntry.objects.filter(entity_type="coordination.recommendationfollowup").count() == 1


def test_create_with_a_link_from_another_operation_is_400(world: World) -> None:
    from tutela.coordination.models import Mission

    foreign = Mission.objects.create(
        operation=world.other_operation,
        title="Mission Cauca",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 1, 3),
    )
    response = api(world.coordinator).post(
        url("recommendations"),
        {**BODY, "issued_in": "mission", "mission": foreign.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "mission" in response.data
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_recommendation_endpoints_are_404_without_a_role(world: World, persona: str) -> None:
    r = rec(world)
    client = api(getattr(world, persona))
    assert client.get(url("recommendations")).status_code == 404
    assert client.post(url("recommendations"), BODY, format="json").status_code == 404
    assert client.get(url("recommendation", r.pk)).status_code == 404
    assert (
        client.patch(url("recommendation", r.pk), {"addressee": "x"}, format="json").status_code
        == 404
    )
    assert client.get(url("recommendation_follow_ups", r.pk)).status_code == 404
    response = client.post(
        url("recommendation_follow_ups", r.pk), {"status": "implemented"}, format="json"
    )
    assert response.status_code == 404
    r.refresh_from_db()
    assert r.status == "issued"
    assert r.addressee == "Ministère de la Défense"


def test_recommendation_endpoints_need_authentication(world: World) -> None:
    r = rec(world)
    for target in (
        url("recommendations"),
        url("recommendation", r.pk),
        url("recommendation_follow_ups", r.pk),
    ):
        assert api(None).get(target).status_code in (401, 403)


@pytest.mark.parametrize("persona", ["partner", "viewer", "caseworker"])
def test_readers_cannot_write_recommendations(world: World, persona: str) -> None:
    r = rec(world)
    client = api(getattr(world, persona))
    assert client.get(url("recommendation", r.pk)).status_code == 200
    assert client.post(url("recommendations"), BODY, format="json").status_code == 403
    assert (
        client.patch(url("recommendation", r.pk), {"addressee": "x"}, format="json").status_code
        == 403
    )
    response = client.post(
        url("recommendation_follow_ups", r.pk),
        {"status": "implemented", "note": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert Recommendation.objects.count() == 1
    assert not RecommendationFollowUp.objects.exists()


# --- Documents -----------------------------------------------------------------------------------


def test_document_list_and_detail_follow_visibility(world: World) -> None:
    draft = doc(world)
    published = doc(world)
    document_submit(document=published, by=world.coordinator, approver=world.imo)
    document_clear(document=published, by=world.imo)
    document_publish(document=published, by=world.coordinator)
    ids = {d["id"] for d in api(world.coordinator).get(url("documents")).data["results"]}
    assert ids == {draft.pk, published.pk}
    ids = {d["id"] for d in api(world.partner).get(url("documents")).data["results"]}
    assert ids == {published.pk}
    assert api(world.partner).get(url("document", draft.pk)).status_code == 404
    detail = api(world.partner).get(url("document", published.pk)).data
    assert detail["text"].startswith("# Ségou")
    assert "<strong>Alerte</strong>" in detail["html"]
    assert [v["number"] for v in detail["versions"]] == [1]


def test_document_transitions(world: World) -> None:
    document = doc(world)
    coordinator, imo = api(world.coordinator), api(world.imo)
    response = coordinator.post(url("document_publish", document.pk))
    assert response.status_code == 400
    response = coordinator.post(
        url("document_submit", document.pk), {"approver": world.imo.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.data["status"] == "submitted"
    assert coordinator.post(url("document_clear", document.pk)).status_code == 403
    response = imo.post(url("document_return", document.pk), {"comment": ""}, format="json")
    assert response.status_code == 400
    assert "comment" in response.data
    response = imo.post(url("document_return", document.pk), {"comment": "Revoir"}, format="json")
    assert response.data["status"] == "draft"
    coordinator.post(url("document_submit", document.pk), {"approver": world.imo.pk}, format="json")
    assert imo.post(url("document_clear", document.pk)).data["status"] == "cleared"
    assert coordinator.post(url("document_publish", document.pk)).data["status"] == "published"
    summaries = AuditEntry.objects.filter(
        entity_type="coordination.clearancedocument", entity_id=str(document.pk)
    ).values_list("summary", flat=True)
    assert sum(s.startswith("Submitted") for s in summaries) == 2


def test_circulating_a_draft_is_400(world: World) -> None:
    document = doc(world)
    response = api(world.coordinator).post(
        url("document_circulate", document.pk), {"body": world.cluster.pk}, format="json"
    )
    assert response.status_code == 400
    document.refresh_from_db()
    assert document.circulated_at is None


def test_circulate_through_the_api(world: World, django_capture_on_commit_callbacks: Any) -> None:
    from django.core import mail

    document = doc(world)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    document_clear(document=document, by=world.imo)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.coordinator).post(
            url("document_circulate", document.pk),
            {"body": world.cluster.pk, "attach_as": "docx"},
            format="json",
        )
    assert response.status_code == 200, response.data
    assert response.data["messages"] == 5
    assert response.data["document"]["circulated_at"] is not None
    assert len(mail.outbox) == 5
    assert mail.outbox[0].attachments[0][0] == "note-segou-v1.docx"


def test_body_of_another_operation_cannot_be_chosen(world: World) -> None:
    from tutela.core.models import Body

    foreign = Body.objects.create(
        operation=world.other_operation, name="Cluster Colombia", kind="cluster"
    )
    document = doc(world)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    document_clear(document=document, by=world.imo)
    response = api(world.coordinator).post(
        url("document_circulate", document.pk), {"body": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert "body" in response.data


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user", "partner"])
def test_document_endpoints_are_404_for_those_who_cannot_see_the_draft(
    world: World, persona: str
) -> None:
    document = doc(world)
    client = api(getattr(world, persona))
    if persona != "partner":
        assert client.get(url("documents")).status_code == 404
    assert client.get(url("document", document.pk)).status_code == 404
    for name, data in (
        ("document_submit", {"approver": world.imo.pk}),
        ("document_clear", {}),
        ("document_return", {"comment": "x"}),
        ("document_publish", {}),
        ("document_circulate", {"body": world.cluster.pk}),
    ):
        assert client.post(url(name, document.pk), data, format="json").status_code == 404, name
    document.refresh_from_db()
    assert document.status == "draft"


def test_partner_cannot_transition_a_published_document(world: World) -> None:
    document = doc(world)
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    document_clear(document=document, by=world.imo)
    document_publish(document=document, by=world.coordinator)
    client = api(world.partner)
    assert client.get(url("document", document.pk)).status_code == 200
    for name, data in (
        ("document_submit", {"approver": world.imo.pk}),
        ("document_clear", {}),
        ("document_return", {"comment": "x"}),
        ("document_publish", {}),
        ("document_circulate", {"body": world.cluster.pk}),
    ):
        assert client.post(url(name, document.pk), data, format="json").status_code == 403, name
    document.refresh_from_db()
    assert document.circulated_at is None


def test_document_endpoints_need_authentication(world: World) -> None:
    document = doc(world)
    assert api(None).get(url("documents")).status_code in (401, 403)
    assert api(None).get(url("document", document.pk)).status_code in (401, 403)
    assert api(None).post(url("document_publish", document.pk)).status_code in (401, 403)


def test_schema_builds_with_the_advocacy_endpoints(world: World) -> None:
    response = api(world.coordinator).get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/v1/operations/{slug}/recommendations/{id}/follow-ups/" in response.content
