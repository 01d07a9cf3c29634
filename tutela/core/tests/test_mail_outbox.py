"""The e-mail outbox: queueing, sending through a real SMTP server on loopback, retries, the daily
digest, and the managers' "Sent e-mail" page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tutela.conftest import SmtpServer, World, free_port
from tutela.core.models import AuditEntry, Contact, OutboxMessage
from tutela.core.services import mail
from tutela.core.services.mail import (
    MAX_ATTEMPTS,
    addresses_for_organisations,
    digest_send,
    mail_enqueue,
    outbox_send_due,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

Status = OutboxMessage.Status

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tutela//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:meeting-7@tutela\r\nDTSTART:20260310T090000Z\r\n"
    "DTEND:20260310T110000Z\r\nSUMMARY:Réunion mensuelle du cluster protection\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


def enqueue(world: World, capture: Any, **overrides: Any) -> list[OutboxMessage]:
    arguments: dict[str, Any] = {
        "operation": world.operation,
        "kind": "coordination.meeting_invitation",
        "subject": "Réunion du cluster\n protection",
        "text": "Bonjour,\n\nVeuillez trouver l'invitation ci-jointe.\n",
        **overrides,
    }
    with capture(execute=True):
        return mail_enqueue(**arguments)


def later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


# --- Queueing and sending ----------------------------------------------------------------------


def test_one_message_per_recipient_goes_out_with_its_ics_attachment(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    messages = enqueue(
        world,
        django_capture_on_commit_callbacks,
        html="<p>Bonjour,</p>",
        to_users=[world.coordinator, world.partner],
        # A duplicate of a user's address (in capitals), an empty one, and a contact's address.
        to_addresses=["FOCAL@amss.test", "", "  ", "protection@drc.test"],
        attachments=[("invitation.ics", ICS, "text/calendar")],
        digestible=False,
    )

    assert len(messages) == 3
    assert smtp_server.recipients() == [
        "coord@unhcr.test",
        "focal@amss.test",
        "protection@drc.test",
    ]
    assert all(len(envelope.rcpt_tos) == 1 for envelope in smtp_server.envelopes)
    received = smtp_server.messages_to("protection@drc.test")[0]
    assert received["Subject"] == "Réunion du cluster protection"
    assert received["To"] == "protection@drc.test"
    text = received.get_body(preferencelist=("plain",))
    assert text is not None
    assert "Veuillez trouver" in text.get_content()
    html = received.get_body(preferencelist=("html",))
    assert html is not None
    assert "<p>Bonjour,</p>" in html.get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "invitation.ics"
    assert attachment.get_content_type() == "text/calendar"
    content = attachment.get_content()
    assert "SUMMARY:Réunion mensuelle du cluster protection" in content
    assert "DTSTART:20260310T090000Z" in content

    rows = {m.to_address: m for m in OutboxMessage.objects.all()}
    assert set(rows) == {"coord@unhcr.test", "focal@amss.test", "protection@drc.test"}
    assert rows["focal@amss.test"].recipient == world.partner
    assert rows["protection@drc.test"].recipient is None
    for row in rows.values():
        assert row.status == Status.SENT
        assert row.attempts == 1
        assert row.sent_at is not None
        assert row.operation == world.operation
        assert row.attachments.get().filename == "invitation.ics"
    # Addresses and bodies are encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_address, text FROM core_outboxmessage")
        stored = cursor.fetchall()
    assert all("@" not in address and "Bonjour" not in text for address, text in stored)
    # The audit log says what kind of mail went to how many people, not what it said.
    entry = AuditEntry.objects.get(entity_type="core.outboxmessage")
    assert entry.operation == world.operation
    assert entry.after == {
        "kind": "coordination.meeting_invitation",
        "count": 3,
        "held_for_digest": 0,
    }
    assert "Bonjour" not in str(entry.after) + entry.summary


def test_a_user_address_passed_as_text_is_treated_as_the_user(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.partner.email_mode = "digest"
    world.partner.save()
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_addresses=["focal@amss.test"])
    assert message.recipient == world.partner
    assert message.status == Status.HELD_FOR_DIGEST
    assert smtp_server.envelopes == []


def test_digest_users_wait_for_the_digest_unless_the_mail_cannot_wait(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.partner.email_mode = "digest"
    world.partner.save()
    held = enqueue(
        world, django_capture_on_commit_callbacks, to_users=[world.partner, world.coordinator]
    )
    statuses = {m.to_address: OutboxMessage.objects.get(pk=m.pk).status for m in held}
    assert statuses == {"focal@amss.test": Status.HELD_FOR_DIGEST, "coord@unhcr.test": Status.SENT}
    assert smtp_server.recipients() == ["coord@unhcr.test"]
    assert AuditEntry.objects.get(entity_type="core.outboxmessage").after["held_for_digest"] == 1

    # An alert is not digestible: it goes out at once, whatever the person chose.
    enqueue(
        world,
        django_capture_on_commit_callbacks,
        kind="coordination.alert",
        to_users=[world.partner],
        digestible=False,
    )
    assert smtp_server.recipients() == ["coord@unhcr.test", "focal@amss.test"]


def test_inactive_users_and_bad_addresses_are_not_mailed(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.caseworker.is_active = False
    world.caseworker.save()
    messages = enqueue(
        world,
        django_capture_on_commit_callbacks,
        to_users=[world.caseworker, world.partner],
        to_addresses=["not-an-address"],
    )
    assert sorted(m.to_address for m in messages) == ["focal@amss.test", "not-an-address"]
    assert smtp_server.recipients() == ["focal@amss.test"]
    bad = OutboxMessage.objects.get(status=Status.FAILED)
    assert bad.last_error == "Invalid e-mail address."
    assert not OutboxMessage.objects.filter(recipient=world.caseworker).exists()


def test_nothing_to_send_records_nothing(world: World) -> None:
    assert mail_enqueue(operation=world.operation, kind="x", subject="s", text="t") == []
    assert not AuditEntry.objects.filter(entity_type="core.outboxmessage").exists()


def test_nothing_leaves_when_the_transaction_is_rolled_back(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    def failing_work() -> None:
        with transaction.atomic():
            mail_enqueue(
                operation=world.operation,
                kind="x",
                subject="s",
                text="t",
                to_users=[world.partner],
            )
            raise RuntimeError("the caller's work failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_work()
    assert not OutboxMessage.objects.exists()
    assert smtp_server.envelopes == []


# --- Retries -----------------------------------------------------------------------------------


def test_a_refused_message_is_retried_after_a_back_off_then_sent(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.refuse(2)  # "451 Try again later", twice
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])

    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at is not None
    first_delay = message.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < first_delay <= datetime.timedelta(minutes=1)

    # Not due yet: the scheduler's pass leaves it alone.
    assert outbox_send_due() == {}
    assert smtp_server.refused == 1

    # Refused again after a minute: the next wait is five minutes.
    assert outbox_send_due(now=later(1.5)) == {"queued": 1}
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at - later(1.5) > datetime.timedelta(minutes=4, seconds=50)

    assert outbox_send_due(now=later(7)) == {"sent": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 3, "")
    assert smtp_server.recipients() == ["focal@amss.test"]
    assert smtp_server.refused == 2


def test_back_off_grows_exponentially() -> None:
    delays = [mail.retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert [d.total_seconds() / 60 for d in delays] == [1, 5, 25, 125, 625]
    assert mail.retry_delay(20) == mail.MAX_BACKOFF


def test_a_message_fails_for_good_after_the_last_attempt_and_keeps_the_error(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.refuse(MAX_ATTEMPTS, "451 4.7.1 Greylisted, try again later")
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])
    minutes = 0.0
    for _attempt in range(MAX_ATTEMPTS - 1):
        minutes += 24 * 60  # well past any back-off
        outbox_send_due(now=later(minutes))
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert message.last_error == "SMTPDataError: 451 4.7.1 Greylisted, try again later"
    assert message.next_attempt_at is None
    assert smtp_server.envelopes == []
    # Nothing more happens on its own.
    assert outbox_send_due(now=later(minutes + 24 * 60)) == {}
    assert smtp_server.refused == MAX_ATTEMPTS


def test_a_permanent_refusal_is_not_retried(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.refuse(1, "550 5.1.1 Mailbox unavailable")
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert message.last_error == "SMTPDataError: 550 5.1.1 Mailbox unavailable"
    assert outbox_send_due(now=later(24 * 60)) == {}


def test_a_server_that_is_down_is_a_failed_attempt(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert "ConnectionRefusedError" in message.last_error


def test_a_message_left_sending_by_a_dead_worker_is_sent_again(
    smtp_server: SmtpServer, world: World
) -> None:
    [message] = mail_enqueue(
        operation=world.operation, kind="x", subject="s", text="t", to_users=[world.partner]
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SENDING)
    assert outbox_send_due() == {}
    assert outbox_send_due(now=later(20)) == {"sent": 1}
    assert smtp_server.recipients() == ["focal@amss.test"]


def test_a_sent_message_is_not_sent_twice(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])
    assert mail.outbox_message_send(message_id=message.pk) == Status.SENT
    assert outbox_send_due(now=later(60)) == {}
    assert len(smtp_server.envelopes) == 1


# --- The daily digest --------------------------------------------------------------------------


def test_the_digest_gathers_each_persons_held_mail_in_their_language(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    for user, language in ((world.partner, "fr"), (world.coordinator, "en")):
        user.email_mode = "digest"
        user.language = language
        user.save()
    enqueue(
        world,
        django_capture_on_commit_callbacks,
        kind="coordination.action_point_reminder",
        subject="Action point due: distribute dignity kits",
        text="The action point is due on 12 March.",
        to_users=[world.partner, world.coordinator],
    )
    enqueue(
        world,
        django_capture_on_commit_callbacks,
        operation=world.other_operation,
        kind="coordination.document",
        subject="Briefing note cleared",
        text="Please find the briefing note attached.",
        to_users=[world.partner],
        attachments=[("note.txt", b"Briefing note", "text/plain")],
    )
    assert smtp_server.envelopes == []

    with django_capture_on_commit_callbacks(execute=True):
        digests = digest_send()

    assert len(digests) == 2
    assert smtp_server.recipients() == ["coord@unhcr.test", "focal@amss.test"]
    [french] = smtp_server.messages_to("focal@amss.test")
    assert "(2 messages)" in french["Subject"]
    text = french.get_body(preferencelist=("plain",)).get_content()
    assert "Action point due: distribute dignity kits" in text
    assert "The action point is due on 12 March." in text
    assert "Briefing note cleared" in text
    assert "Colombia Protection Cluster" in text
    html = french.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="fr">' in html
    assert [a.get_filename() for a in french.iter_attachments()] == ["note.txt"]
    [english] = smtp_server.messages_to("coord@unhcr.test")
    assert '<html lang="en">' in english.get_body(preferencelist=("html",)).get_content()
    assert "Briefing note cleared" not in english.get_body(preferencelist=("plain",)).get_content()

    held = OutboxMessage.objects.exclude(kind=mail.DIGEST_KIND)
    assert {m.status for m in held} == {Status.DIGESTED}
    partner_digest = OutboxMessage.objects.get(kind=mail.DIGEST_KIND, recipient=world.partner)
    assert partner_digest.status == Status.SENT
    assert partner_digest.digested_messages.count() == 2
    # Nothing is held any more: the next morning's digest is empty.
    assert digest_send() == []


def test_mail_held_for_a_person_deactivated_since_is_not_sent(
    smtp_server: SmtpServer, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.partner.email_mode = "digest"
    world.partner.save()
    enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])
    world.partner.is_active = False
    world.partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send() == []
    message = OutboxMessage.objects.get()
    assert message.status == Status.FAILED
    assert message.last_error == "The recipient's account is deactivated."
    assert smtp_server.envelopes == []


def test_the_digest_leaves_mail_queued_after_its_time(world: World) -> None:
    world.partner.email_mode = "digest"
    world.partner.save()
    mail_enqueue(
        operation=world.operation, kind="x", subject="s", text="t", to_users=[world.partner]
    )
    assert digest_send(now=timezone.now() - datetime.timedelta(hours=1)) == []
    assert OutboxMessage.objects.get().status == Status.HELD_FOR_DIGEST


# --- Addresses of organisations ----------------------------------------------------------------


def test_addresses_for_organisations_prefers_contacts_attending_the_body(world: World) -> None:
    def contact(org: Any, email: str, *, bodies: tuple[Any, ...] = (), active: bool = True) -> None:
        c = Contact.objects.create(
            operation=world.operation,
            organisation=org,
            name=email,
            email=email,
            is_active=active,
        )
        c.bodies.set(bodies)

    contact(world.amss, "Director@AMSS.test")
    contact(world.amss, "cp@amss.test", bodies=(world.cp_aor,))
    contact(world.drc, "protection@drc.test")
    contact(world.drc, "old@drc.test", active=False)
    contact(world.unhcr, "")
    Contact.objects.create(
        operation=world.other_operation, organisation=world.amss, name="x", email="co@amss.test"
    )

    orgs = [world.amss, world.drc, world.unhcr]
    assert addresses_for_organisations(world.operation, orgs) == [
        "cp@amss.test",
        "director@amss.test",
        "protection@drc.test",
    ]
    assert addresses_for_organisations(world.operation, orgs, body=world.cp_aor) == [
        "cp@amss.test",
        "protection@drc.test",
    ]
    assert addresses_for_organisations(world.operation, []) == []


# --- The "Sent e-mail" page --------------------------------------------------------------------


def outbox_url(slug: str = "mali") -> str:
    return reverse("core:outbox", args=[slug])


def test_managers_see_what_was_sent_to_whom(world: World, as_user: Any) -> None:
    mail_enqueue(
        operation=world.operation,
        kind="coordination.alert",
        subject="Alerte : déplacement à Bandiagara",
        text="t",
        to_users=[world.partner],
        to_addresses=["protection@drc.test"],
    )
    mail_enqueue(
        operation=world.other_operation,
        kind="x",
        subject="Colombian mail",
        text="t",
        to_addresses=["a@b.test"],
    )
    for user in (world.coordinator, world.imo):
        response = as_user(user).get(outbox_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert "Alerte : déplacement à Bandiagara" in page
        assert "protection@drc.test" in page
        assert "Fatou Focal" in page
        assert "Colombian mail" not in page


def test_the_outbox_page_filters_by_status_and_kind(world: World, as_user: Any) -> None:
    for kind in ("coordination.alert", "core.invitation"):
        mail_enqueue(
            operation=world.operation,
            kind=kind,
            subject=f"Subject of {kind}",
            text="t",
            to_addresses=["a@b.test"],
        )
    OutboxMessage.objects.filter(kind="core.invitation").update(status=Status.FAILED)
    client = as_user(world.coordinator)
    page = client.get(outbox_url(), {"status": "failed"}).content.decode()
    assert "Subject of core.invitation" in page
    assert "Subject of coordination.alert" not in page
    page = client.get(outbox_url(), {"kind": "coordination.alert"}).content.decode()
    assert "Subject of coordination.alert" in page
    assert "Subject of core.invitation" not in page
    page = client.get(outbox_url(), {"kind": "nope"}).content.decode()
    assert "Subject of core.invitation" in page  # an unknown value is ignored
    assert (
        "No message matches these filters."
        in client.get(outbox_url(), {"status": "sending"}).content.decode()
    )


def test_the_outbox_page_is_paginated_and_has_an_empty_state(
    world: World, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(world.coordinator)
    assert "has not sent any e-mail yet" in client.get(outbox_url()).content.decode()
    mail_enqueue(
        operation=world.operation,
        kind="x",
        subject="s",
        text="t",
        to_addresses=[f"person{n}@amss.test" for n in range(60)],
    )
    with django_assert_max_num_queries(12):
        first = client.get(outbox_url()).content.decode()
    assert "60 messages" in first
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first


@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("other_operation_user", 404), ("partner", 403), ("viewer", 403)],
)
def test_only_the_operations_managers_see_its_outbox(
    world: World, as_user: Any, persona: str, status: int
) -> None:
    mail_enqueue(
        operation=world.operation,
        kind="x",
        subject="Secret subject",
        text="t",
        to_addresses=["a@b.test"],
    )
    response = as_user(getattr(world, persona)).get(outbox_url())
    assert response.status_code == status
    assert "Secret subject" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(world: World, client: Any) -> None:
    response = client.get(outbox_url())
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_manager_retries_a_failed_message_now(
    smtp_server: SmtpServer, world: World, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.refuse(MAX_ATTEMPTS)
    [message] = enqueue(world, django_capture_on_commit_callbacks, to_users=[world.partner])
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS - 1)
    outbox_send_due(now=later(24 * 60))
    message.refresh_from_db()
    assert message.status == Status.FAILED
    smtp_server.refusals.clear()

    client = as_user(world.coordinator)
    page = client.get(outbox_url()).content.decode()
    retry_url = reverse("core:outbox_retry", args=["mali", message.pk])
    assert retry_url in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url)
    assert response.status_code == 302
    assert response["Location"] == outbox_url()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert smtp_server.recipients() == ["focal@amss.test"]
    entry = AuditEntry.objects.get(action="update", entity_type="core.outboxmessage")
    assert entry.actor == world.coordinator
    assert entry.before["status"] == "failed"
    assert entry.after["status"] == "queued"

    # A message that did not fail cannot be "retried" (it would be sent twice).
    response = client.post(retry_url, follow=True)
    assert "Only a message that failed can be retried." in response.content.decode()
    assert len(smtp_server.envelopes) == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("other_operation_user", 404), ("partner", 403)],
)
def test_only_managers_retry(world: World, as_user: Any, persona: str, status: int) -> None:
    [message] = mail_enqueue(
        operation=world.operation, kind="x", subject="s", text="t", to_addresses=["a@b.test"]
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.FAILED)
    response = as_user(getattr(world, persona)).post(
        reverse("core:outbox_retry", args=["mali", message.pk])
    )
    assert response.status_code == status
    assert OutboxMessage.objects.get().status == Status.FAILED
    assert not AuditEntry.objects.filter(action="update", entity_type="core.outboxmessage")


def test_a_manager_cannot_retry_another_operations_message(world: World, as_user: Any) -> None:
    [message] = mail_enqueue(
        operation=world.other_operation, kind="x", subject="s", text="t", to_addresses=["a@b.test"]
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.FAILED)
    response = as_user(world.coordinator).post(
        reverse("core:outbox_retry", args=["mali", message.pk])
    )
    assert response.status_code == 404
    assert OutboxMessage.objects.get().status == Status.FAILED


def test_the_audit_page_links_to_the_outbox(world: World, as_user: Any) -> None:
    page = as_user(world.coordinator).get(reverse("core:audit_log", args=["mali"]))
    assert outbox_url() in page.content.decode()
