"""Meeting invitations, updates, cancellations and minutes through a real SMTP server on
loopback (aiosmtpd): what the members' mail servers receive, .ics and PDF attachments included."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from icalendar import Calendar
from pypdf import PdfReader

from tutela.conftest import World
from tutela.coordination.services import invitations as invitation_services
from tutela.coordination.services import meeting_records as record_services
from tutela.coordination.services import meetings as services
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.tests.meeting_helpers import (
    START,
    cluster_contacts,
    make_meeting,
    open_action_point,
)
from tutela.core.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


def _calendar_part(message: Any) -> tuple[Any, Calendar]:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    payload = part.get_payload(decode=True)
    return part, Calendar.from_ical(payload)


def test_invitation_update_and_cancellation_reach_the_members(
    world: World, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cluster_contacts(world)
    open_action_point(world, "Partager la cartographie des services")
    meeting = make_meeting(world, agenda=["Tour de table"])
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.meeting_invitations_send(meeting=meeting, by=world.coordinator)

    assert smtp_server.recipients() == [
        "awa@unhcr.test",
        "fatou@amss.test",
        "jens@drc.test",
        "oumar@other.test",
    ]
    message = smtp_server.messages_to("fatou@amss.test")[0]
    assert "Réunion mensuelle du cluster protection" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Bamako, bureau du HCR" in text
    part, calendar = _calendar_part(message)
    assert part.get_filename() == "invitation.ics"
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.uid
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == START
    assert str(event["LOCATION"]) == "Bamako, bureau du HCR"
    description = str(event["DESCRIPTION"])
    assert "1. Tour de table" in description
    assert "Partager la cartographie des services" in description
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}

    # The meeting moves: the same UID with the next SEQUENCE.
    smtp_server.envelopes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            by=world.coordinator,
            starts_at=START + datetime.timedelta(days=1),
            ends_at=START + datetime.timedelta(days=1, hours=2),
        )
    assert len(smtp_server.envelopes) == 4
    _part, calendar = _calendar_part(smtp_server.messages()[0])
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == START + datetime.timedelta(days=1)

    # Cancelled: METHOD:CANCEL.
    smtp_server.envelopes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=world.coordinator)
    part, calendar = _calendar_part(smtp_server.messages_to("jens@drc.test")[0])
    assert part.get_filename() == "cancellation.ics"
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("SEQUENCE") == 2
    assert str(event["STATUS"]) == "CANCELLED"


def test_digest_users_still_get_invitations_at_once(
    world: World, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contacts = cluster_contacts(world)
    # The AMSS contact is also a user who chose the daily digest.
    world.partner.email_mode = "digest"
    world.partner.save()
    contacts["amss"].email = world.partner.email
    contacts["amss"].save()
    meeting = make_meeting(world)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.meeting_invitations_send(meeting=meeting, by=world.coordinator)
    assert world.partner.email in smtp_server.recipients()


def test_circulated_minutes_arrive_with_the_pdf(
    world: World, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world)
    with time_machine.travel(START + datetime.timedelta(hours=3)):
        record_services.attendance_record(
            meeting=meeting, by=world.coordinator, contacts=[contacts["drc"]]
        )
    minutes = minutes_services.minutes_save(
        meeting=meeting, by=world.coordinator, text="Compte-rendu", decisions="- Plan adopté"
    )
    minutes_services.minutes_approve(minutes=minutes, by=world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        minutes_services.minutes_circulate(minutes=minutes, by=world.coordinator)
    assert len(smtp_server.envelopes) == 4
    message = smtp_server.messages_to("awa@unhcr.test")[0]
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    reader = PdfReader(io.BytesIO(pdfs[0].get_payload(decode=True)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Plan adopté" in text
    assert "Jens Hansen" in text
