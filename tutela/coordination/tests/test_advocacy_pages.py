"""Pages of advocacy recommendations and documents under clearance: what each persona sees and
may do, and what the pages leave in the database and the audit log."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from tutela.conftest import World
from tutela.coordination.models import (
    ClearanceDocument,
    DocumentVersion,
    Recommendation,
    RecommendationFollowUp,
)
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

PDF = b"%PDF-1.4\n%%EOF\n"


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=["mali", *args])


def rec(world: World, **extra: Any) -> Recommendation:
    values: dict[str, Any] = {
        "text": "Lever les restrictions d'accès à Bandiagara.",
        "addressee_kind": "authority",
        "addressee": "Gouverneur de Mopti",
        "issued_in": "other",
        "issued_on": datetime.date(2026, 1, 15),
    }
    values.update(extra)
    return recommendation_create(operation=world.operation, by=world.coordinator, **values)


def doc(world: World, by: User | None = None) -> ClearanceDocument:
    return document_create(
        operation=world.operation,
        by=by or world.coordinator,
        kind="briefing_note",
        title="Note d'information Mopti",
        language="fr",
        text="## Contexte\n\nTexte de la note.",
    )


def docx_upload(name: str = "note.docx") -> SimpleUploadedFile:
    word = Document()
    word.add_paragraph("Texte Word")
    buffer = io.BytesIO()
    word.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def assert_no_inline_style(content: bytes) -> None:
    text = content.decode()
    assert " style=" not in text
    assert "<style" not in text
    assert "<script>" not in text


# --- Recommendations -----------------------------------------------------------------------------


def test_recommendations_page_shows_dashboard_and_list(world: World, as_user: Any) -> None:
    pending = rec(world)
    done = rec(world, text="Payer les salaires des enseignants.", addressee_kind="agency")
    recommendation_follow_up(recommendation=done, by=world.imo, status="implemented", note="")
    response = as_user(world.partner).get(url("recommendations"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Lever les restrictions" in content
    assert "Payer les salaires" in content
    dashboard = response.context["dashboard"]
    assert dashboard.pending == 1
    assert dashboard.implementation_rate == 50.0
    assert dashboard.oldest[0].recommendation == pending
    # A partner reads but does not record.
    assert url("recommendation_create") not in content
    assert_no_inline_style(response.content)


def test_recommendations_page_filters_and_paginates(world: World, as_user: Any) -> None:
    for day in range(1, 56):
        rec(world, issued_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=day))
    rec(world, addressee_kind="donor", addressee="ECHO")
    client = as_user(world.coordinator)
    response = client.get(url("recommendations"))
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 56
    response = client.get(url("recommendations"), {"addressee_kind": "donor"})
    assert [r.addressee for r in response.context["page"].object_list] == ["ECHO"]


def test_recommendations_page_query_count_does_not_grow(
    world: World, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    for day in range(1, 21):
        r = rec(world, issued_on=datetime.date(2026, 1, day))
        recommendation_follow_up(recommendation=r, by=world.imo, status="acknowledged", note="")
    client = as_user(world.coordinator)
    client.get(url("recommendations"))
    with django_assert_max_num_queries(20):
        assert client.get(url("recommendations")).status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_recommendation_pages_are_404_without_a_role(
    world: World, as_user: Any, persona: str
) -> None:
    r = rec(world)
    follow_up = recommendation_follow_up(
        recommendation=r, by=world.imo, status="acknowledged", note="Lettre reçue",
        evidence_file=SimpleUploadedFile("lettre.pdf", PDF),
    )  # fmt: skip
    client = as_user(getattr(world, persona))
    for target in (
        url("recommendations"),
        url("recommendations_export", "csv"),
        url("recommendations_export", "xlsx"),
        url("recommendation_create"),
        url("recommendation_detail", r.pk),
        url("recommendation_edit", r.pk),
        url("recommendation_follow_up", r.pk),
        url("recommendation_evidence", follow_up.pk),
    ):
        assert client.get(target).status_code == 404, target
    assert (
        client.post(url("recommendation_follow_up", r.pk), {"status": "implemented"}).status_code
        == 404
    )
    r.refresh_from_db()
    assert r.status == "acknowledged"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_anonymous_is_sent_to_sign_in(world: World, client: Any) -> None:
    response = client.get(url("recommendations"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_partner_cannot_create_edit_or_follow_up(world: World, as_user: Any) -> None:
    r = rec(world)
    client = as_user(world.partner)
    assert client.get(url("recommendation_create")).status_code == 403
    assert client.post(url("recommendation_create"), {"text": "x"}).status_code == 403
    assert client.get(url("recommendation_edit", r.pk)).status_code == 403
    response = client.post(url("recommendation_follow_up", r.pk), {"status": "implemented"})
    assert response.status_code == 403
    r.refresh_from_db()
    assert r.status == "issued"
    assert Recommendation.objects.count() == 1
    assert not RecommendationFollowUp.objects.exists()


def test_coordinator_records_edits_and_follows_up(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    assert client.get(url("recommendation_create")).status_code == 200
    response = client.post(
        url("recommendation_create"),
        {
            "text": "Garantir l'accès des ONG aux sites de déplacés.",
            "addressee_kind": "hct",
            "addressee": "Équipe humanitaire pays",
            "issued_in": "other",
            "issued_on": "2026-02-03",
        },
    )
    r = Recommendation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("recommendation_detail", r.pk)
    assert r.created_by == world.coordinator
    response = client.post(
        url("recommendation_edit", r.pk),
        {
            "text": r.text,
            "addressee_kind": "hct",
            "addressee": "HCT Mali",
            "issued_in": "other",
            "issued_on": "2026-02-03",
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.addressee == "HCT Mali"
    response = client.post(
        url("recommendation_follow_up", r.pk),
        {
            "status": "in_progress",
            "note": "Discuté à la réunion de l'EHP.",
            "evidence": SimpleUploadedFile("compte-rendu.pdf", PDF),
            "evidence_link": "https://example.org/ehp",
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == "in_progress"
    follow_up = r.follow_ups.get()
    assert follow_up.evidence_link == "https://example.org/ehp"
    detail = client.get(url("recommendation_detail", r.pk))
    assert "Discuté à la réunion" in detail.content.decode()
    assert url("recommendation_evidence", follow_up.pk) in detail.content.decode()
    assert_no_inline_style(detail.content)
    actions = set(
        AuditEntry.objects.filter(
            entity_type__startswith="coordination.recommendation"
        ).values_list("entity_type", "action")
    )
    assert actions == {
        ("coordination.recommendation", "create"),
        ("coordination.recommendation", "update"),
        ("coordination.recommendationfollowup", "create"),
    }


def test_follow_up_form_shows_a_clear_error_for_a_bad_file(world: World, as_user: Any) -> None:
    r = rec(world)
    response = as_user(world.coordinator).post(
        url("recommendation_follow_up", r.pk),
        {"status": "acknowledged", "note": "x", "evidence": SimpleUploadedFile("x.exe", b"MZ")},
    )
    assert response.status_code == 200
    assert "This type of file is not accepted" in response.content.decode()
    assert not RecommendationFollowUp.objects.exists()


def test_evidence_served_to_members_only(world: World, as_user: Any) -> None:
    r = rec(world)
    follow_up = recommendation_follow_up(
        recommendation=r, by=world.imo, status="acknowledged", note="",
        evidence_file=SimpleUploadedFile("lettre.pdf", PDF),
    )  # fmt: skip
    response = as_user(world.viewer).get(url("recommendation_evidence", follow_up.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert (
        as_user(world.outsider).get(url("recommendation_evidence", follow_up.pk)).status_code == 404
    )


def test_export_downloads_and_is_audited(world: World, as_user: Any) -> None:
    rec(world)
    client = as_user(world.partner)
    response = client.get(url("recommendations_export", "xlsx"), {"pending": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.get(url("recommendations_export", "csv"))
    assert response.content.decode("utf-8-sig").startswith("Id,")
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=world.partner).count() == 2
    )


# --- Documents -----------------------------------------------------------------------------------


def test_documents_page_lists_by_status_for_each_persona(world: World, as_user: Any) -> None:
    draft = doc(world)
    published = doc(world)
    document_submit(document=published, by=world.coordinator, approver=world.imo)
    document_clear(document=published, by=world.imo)
    document_publish(document=published, by=world.coordinator)
    response = as_user(world.coordinator).get(url("documents"))
    assert {d.pk for d in response.context["page"].object_list} == {draft.pk, published.pk}
    assert_no_inline_style(response.content)
    response = as_user(world.partner).get(url("documents"))
    assert [d.pk for d in response.context["page"].object_list] == [published.pk]
    response = as_user(world.coordinator).get(url("documents"), {"status": "draft"})
    assert [d.pk for d in response.context["page"].object_list] == [draft.pk]


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_document_pages_are_404_without_a_role(world: World, as_user: Any, persona: str) -> None:
    document = doc(world)
    client = as_user(getattr(world, persona))
    for name in ("document_detail", "document_edit", "document_upload", "document_versions",
                 "document_submit", "document_return", "document_circulate"):  # fmt: skip
        assert client.get(url(name, document.pk)).status_code == 404, name
    assert client.get(url("documents")).status_code == 404
    assert client.get(url("document_create")).status_code == 404
    assert client.get(url("document_version_download", document.pk, 1)).status_code == 404
    for name in ("document_clear", "document_publish"):
        assert client.post(url(name, document.pk)).status_code == 404


def test_partner_cannot_see_a_draft_or_its_versions(world: World, as_user: Any) -> None:
    document = doc(world)
    client = as_user(world.partner)
    assert client.get(url("document_detail", document.pk)).status_code == 404
    assert client.get(url("document_version_download", document.pk, 1)).status_code == 404
    assert client.get(url("document_create")).status_code == 403


def test_coordinator_writes_then_uploads_a_new_version(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.post(
        url("document_create"),
        {"title": "Déclaration", "kind": "statement", "language": "fr", "text": "# Déclaration"},
    )
    document = ClearanceDocument.objects.get()
    assert response.status_code == 302
    response = client.post(
        url("document_upload", document.pk), {"file": docx_upload(), "note": "v2"}
    )
    assert response.status_code == 302
    response = client.post(
        url("document_edit", document.pk),
        {"title": "Déclaration du cluster", "kind": "statement", "language": "fr", "text": "Texte"},
    )
    assert response.status_code == 302
    assert list(document.versions.order_by("number").values_list("number", "note")) == [
        (1, ""),
        (2, "v2"),
        (3, ""),
    ]
    versions = client.get(url("document_versions", document.pk))
    assert versions.status_code == 200
    assert "Uploaded Word file" in versions.content.decode()
    download = client.get(url("document_version_download", document.pk, 2))
    assert download.status_code == 200
    Document(io.BytesIO(download.content))
    pdf = client.get(url("document_version_download", document.pk, 3), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_upload_of_a_non_docx_shows_a_clear_message(world: World, as_user: Any) -> None:
    client = as_user(world.coordinator)
    response = client.post(
        url("document_create"),
        {
            "title": "Note",
            "kind": "briefing_note",
            "language": "fr",
            "file": SimpleUploadedFile("note.doc", b"\xd0\xcf\x11\xe0"),
        },
    )
    assert response.status_code == 200
    assert "save the file as .docx" in response.content.decode()
    assert not ClearanceDocument.objects.exists()
    document = doc(world)
    response = client.post(
        url("document_upload", document.pk),
        {"file": SimpleUploadedFile("fake.docx", b"not a zip")},
    )
    assert response.status_code == 200
    assert "cannot be opened as a Word (.docx) document" in response.content.decode()
    assert DocumentVersion.objects.filter(document=document).count() == 1


def test_clearance_through_the_pages(world: World, as_user: Any) -> None:
    document = doc(world)
    coordinator = as_user(world.coordinator)
    page = coordinator.get(url("document_submit", document.pk))
    assert world.imo in page.context["form"].fields["approver"].queryset
    assert world.coordinator not in page.context["form"].fields["approver"].queryset
    response = coordinator.post(url("document_submit", document.pk), {"approver": world.imo.pk})
    assert response.status_code == 302
    # The coordinator is not the approver: refused.
    assert coordinator.post(url("document_clear", document.pk)).status_code == 403
    assert coordinator.get(url("document_return", document.pk)).status_code == 403
    imo = as_user(world.imo)
    detail = imo.get(url("document_detail", document.pk))
    assert url("document_clear", document.pk) in detail.content.decode()
    response = imo.post(url("document_return", document.pk), {"comment": "Préciser les chiffres."})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == "draft"
    detail = coordinator.get(url("document_detail", document.pk))
    assert "Préciser les chiffres." in detail.content.decode()
    coordinator.post(url("document_submit", document.pk), {"approver": world.imo.pk})
    assert imo.post(url("document_clear", document.pk)).status_code == 302
    assert coordinator.post(url("document_publish", document.pk)).status_code == 302
    document.refresh_from_db()
    assert document.status == "published"
    # Published: every role of the operation reads it.
    assert as_user(world.partner).get(url("document_detail", document.pk)).status_code == 200
    transitions = AuditEntry.objects.filter(
        entity_type="coordination.clearancedocument", entity_id=str(document.pk)
    ).values_list("summary", flat=True)
    assert sum(s.startswith("Submitted") for s in transitions) == 2
    assert any(s.startswith("Returned") for s in transitions)
    assert any(s.startswith("Cleared") for s in transitions)
    assert any(s.startswith("Published") for s in transitions)


def test_publishing_a_draft_through_the_page_is_refused(world: World, as_user: Any) -> None:
    document = doc(world)
    response = as_user(world.coordinator).post(url("document_publish", document.pk), follow=True)
    assert "Only a cleared document can be published." in response.content.decode()
    document.refresh_from_db()
    assert document.status == "draft"


def test_circulate_page_says_a_draft_cannot_be_circulated(world: World, as_user: Any) -> None:
    document = doc(world)
    response = as_user(world.coordinator).get(url("document_circulate", document.pk))
    assert response.status_code == 200
    assert "Only a cleared or published document can be circulated." in response.content.decode()
    assert as_user(world.partner).get(url("document_circulate", document.pk)).status_code == 404


def test_documents_page_query_count_does_not_grow(
    world: World, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        document = doc(world)
        document_submit(document=document, by=world.coordinator, approver=world.imo)
    client = as_user(world.coordinator)
    client.get(url("documents"))
    with django_assert_max_num_queries(15):
        response = client.get(url("documents"))
    assert len(response.context["page"].object_list) == 15


def test_recommendation_links_a_note_only_for_those_who_may_see_it(
    world: World, as_user: Any
) -> None:
    note = doc(world)
    r = rec(world, issued_in="briefing_note", document=note)
    link = url("document_detail", note.pk)
    assert (
        link in as_user(world.coordinator).get(url("recommendation_detail", r.pk)).content.decode()
    )
    assert (
        link not in as_user(world.partner).get(url("recommendation_detail", r.pk)).content.decode()
    )
