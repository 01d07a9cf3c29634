"""Circulating a cleared document to a body's members through a real SMTP server on loopback
(aiosmtpd): read what the server received, the attached Word or PDF file included."""

from __future__ import annotations

import io
from email.message import EmailMessage
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document

from tutela.conftest import SmtpServer, World
from tutela.coordination.models import ClearanceDocument
from tutela.coordination.services.documents import (
    document_circulate,
    document_clear,
    document_create,
    document_submit,
)
from tutela.core.models import AuditEntry, Contact, OutboxMessage, User

pytestmark = [pytest.mark.smtp, pytest.mark.django_db]


def cleared_note(world: World) -> ClearanceDocument:
    document = document_create(
        operation=world.operation,
        by=world.coordinator,
        kind="advocacy_note",
        title="Accès humanitaire à Bandiagara",
        language="fr",
        text="# Messages clés\n\n- Rouvrir la route **RN15**\n- Protéger les civils",
    )
    document_submit(document=document, by=world.coordinator, approver=world.imo)
    return document_clear(document=document, by=world.imo)


def by_recipient(server: SmtpServer) -> dict[str, EmailMessage]:
    """What the server received, by recipient (one message per recipient)."""
    result = {}
    for envelope, message in zip(server.envelopes, server.messages(), strict=True):
        for address in envelope.rcpt_tos:
            result[address] = message
    return result


def test_cleared_note_reaches_members_as_word_attachment(
    world: World, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    Contact.objects.create(
        operation=world.operation,
        organisation=world.drc,
        name="Jens DRC",
        email="jens@drc.test",
    )
    # A member who chose the daily digest gets the note in the digest, not now.
    world.caseworker.email_mode = User.EmailMode.DIGEST
    world.caseworker.save()
    document = cleared_note(world)
    with django_capture_on_commit_callbacks(execute=True):
        messages = document_circulate(
            document=document,
            by=world.coordinator,
            body=world.cluster,
            message="Merci de relayer auprès de vos équipes.",
        )
    expected = {
        "coord@unhcr.test",
        "imo@unhcr.test",
        "focal@amss.test",
        "focal@other.test",
        "jens@drc.test",
    }
    received = by_recipient(smtp_server)
    assert set(received) == expected
    assert {m.to_address for m in messages} == expected | {"case@amss.test"}
    statuses = {m.to_address: m.status for m in OutboxMessage.objects.all()}
    assert statuses.pop("case@amss.test") == "held_for_digest"
    assert set(statuses.values()) == {"sent"}

    message = received["focal@amss.test"]
    with translation.override("fr"):
        kind = document.get_kind_display()
    assert message["Subject"].strip() == (
        f"[Mali Protection Cluster 2026] {kind}: Accès humanitaire à Bandiagara"
    )
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "Merci de relayer" in text.get_content()
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "<strong>RN15</strong>" in html.get_content()
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["acces-humanitaire-a-bandiagara-v1.docx"]
    word = Document(io.BytesIO(attachments[0].get_content()))
    texts = [p.text for p in word.paragraphs]
    assert texts[0] == "Accès humanitaire à Bandiagara"
    assert "Rouvrir la route RN15" in texts

    document.refresh_from_db()
    assert document.circulated_at is not None
    entry = AuditEntry.objects.filter(
        entity_type="coordination.clearancedocument", summary__startswith="Circulated"
    ).get()
    assert entry.after["body"] == world.cluster.pk
    assert entry.after["recipients"] == 6


def test_circulate_page_sends_pdf(
    world: World, smtp_server: SmtpServer, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    document = cleared_note(world)
    client = as_user(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("coordination:document_circulate", args=["mali", document.pk]),
            {"body": world.cluster.pk, "attach_as": "pdf", "message": ""},
        )
    assert response.status_code == 302
    received = by_recipient(smtp_server)
    assert "focal@other.test" in received
    attachment = next(received["focal@other.test"].iter_attachments())
    assert attachment.get_filename() == "acces-humanitaire-a-bandiagara-v1.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF-")


def test_a_draft_is_not_circulated_and_nothing_is_sent(
    world: World, smtp_server: SmtpServer, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    document = document_create(
        operation=world.operation,
        by=world.coordinator,
        kind="statement",
        title="Déclaration",
        language="fr",
        text="Texte",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.coordinator).post(
            reverse("coordination:document_circulate", args=["mali", document.pk]),
            {"body": world.cluster.pk, "attach_as": "docx"},
        )
    assert response.status_code == 200
    assert "Only a cleared or published document can be circulated." in response.content.decode()
    assert smtp_server.envelopes == []
    assert not OutboxMessage.objects.exists()
