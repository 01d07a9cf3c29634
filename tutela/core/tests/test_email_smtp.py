"""E-mail through a real SMTP server on loopback (aiosmtpd; the `smtp_server` fixture in
tutela/conftest.py), sent by the `send_email` task and by the outbox."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks import TaskResultStatus

from tutela.conftest import SmtpServer, World, free_port
from tutela.core.models import OutboxMessage
from tutela.core.tasks import send_email

pytestmark = pytest.mark.smtp

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tutela//EN\r\nBEGIN:VEVENT\r\n"
    "UID:meeting-42@tutela\r\nDTSTART:20260310T090000Z\r\nDTEND:20260310T110000Z\r\n"
    "SUMMARY:Réunion mensuelle du cluster protection\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


def test_send_email_task_delivers_ics_attachment(smtp_server: SmtpServer) -> None:
    collector, _port = smtp_server  # the fixture also unpacks as (server, port)
    result = send_email.enqueue(
        subject="Invitation : réunion du cluster protection",
        body="Bonjour,\n\nVeuillez trouver l'invitation ci-jointe.\n",
        html="<p>Bonjour,</p><p>Veuillez trouver l'invitation ci-jointe.</p>",
        recipients=["coord@unhcr.test", "focal@amss.test"],
        attachments=[["reunion.ics", base64.b64encode(ICS).decode(), "text/calendar"]],
    )
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == 1

    assert len(collector.envelopes) == 1
    envelope = collector.envelopes[0]
    assert sorted(envelope.rcpt_tos) == ["coord@unhcr.test", "focal@amss.test"]
    assert envelope.mail_from == "no-reply@tutela.local"
    message = collector.messages()[0]
    assert message["Subject"] == "Invitation : réunion du cluster protection"
    assert message["To"] == "coord@unhcr.test, focal@amss.test"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Veuillez trouver" in body.get_content()
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "<p>Bonjour,</p>" in html.get_content()
    attachments = list(message.iter_attachments())
    assert [part.get_filename() for part in attachments] == ["reunion.ics"]
    assert attachments[0].get_content_type() == "text/calendar"
    content = attachments[0].get_content()
    assert "SUMMARY:Réunion mensuelle du cluster protection" in content
    assert "DTSTART:20260310T090000Z" in content


def test_send_email_task_fails_when_the_server_is_down() -> None:
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=5,
    ):
        result = send_email.enqueue(subject="x", body="x", recipients=["a@b.test"])
    assert result.status == TaskResultStatus.FAILED
    assert "ConnectionRefusedError" in result.errors[0].exception_class_path


@pytest.mark.django_db
def test_invitation_email_goes_out_through_smtp(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("core:user_invite", args=["mali"]),
            {
                "full_name": "Aminata Traoré",
                "email": "aminata@amss.test",
                "organisation": world.amss.pk,
                "role": "partner",
            },
        )
    assert response.status_code == 302
    message = smtp_server.messages()[0]
    assert smtp_server.envelopes[0].rcpt_tos == ["aminata@amss.test"]
    assert "Mali Protection Cluster 2026" in message["Subject"]
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "/invitation/" in text.get_content()
    # The outbox recorded it, and erased the personal link once it was sent.
    sent = OutboxMessage.objects.get(kind="core.invitation")
    assert sent.status == OutboxMessage.Status.SENT
    assert sent.to_address == "aminata@amss.test"
    assert sent.text == ""
    assert sent.html == ""
