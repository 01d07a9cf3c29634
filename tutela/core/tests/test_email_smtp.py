"""E-mail through a real SMTP server on loopback (aiosmtpd), sent by the `send_email` task."""

from __future__ import annotations

import base64
import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks import TaskResultStatus

from tutela.conftest import World
from tutela.core.tasks import send_email

pytestmark = pytest.mark.smtp

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tutela//EN\r\nBEGIN:VEVENT\r\n"
    "UID:meeting-42@tutela\r\nDTSTART:20260310T090000Z\r\nDTEND:20260310T110000Z\r\n"
    "SUMMARY:Réunion mensuelle du cluster protection\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


class Collector:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=policy.default)
            for envelope in self.envelopes
        ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=10,
        ):
            yield collector, port
    finally:
        controller.stop()


def test_send_email_task_delivers_ics_attachment(smtp_server: tuple[Collector, int]) -> None:
    collector, _port = smtp_server
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
    smtp_server: tuple[Collector, int], world: World
) -> None:
    client = Client()
    client.force_login(world.coordinator)
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
    collector, _port = smtp_server
    message = collector.messages()[0]
    assert collector.envelopes[0].rcpt_tos == ["aminata@amss.test"]
    assert "Mali Protection Cluster 2026" in message["Subject"]
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "/invitation/" in text.get_content()
