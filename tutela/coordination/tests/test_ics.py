"""Calendar files: invitations and cancellations parsed back with icalendar, and the per-body feed
behind its secret address."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from tutela.conftest import World
from tutela.coordination.models import CalendarFeed
from tutela.coordination.services import ics
from tutela.coordination.services.agenda import agenda_item_add
from tutela.coordination.services.meetings import meeting_cancel, meeting_update
from tutela.coordination.tests.meeting_helpers import START, make_meeting
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _event(data: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_invitation_is_a_request_with_uid_sequence_and_utc_times(world: World) -> None:
    meeting = make_meeting(world, online_link="https://meet.example.org/cluster")
    agenda_item_add(
        meeting=meeting, by=world.coordinator, title="Tour de table", presenter=world.drc
    )
    calendar, event = _event(ics.meeting_ics(meeting))
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + datetime.timedelta(hours=2)
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:20260310T090000Z" in ics.meeting_ics(meeting)
    assert str(event["LOCATION"]) == "Bamako, bureau du HCR"
    assert str(event["SUMMARY"]) == "Réunion mensuelle du cluster protection"
    description = str(event["DESCRIPTION"])
    assert "1. Tour de table (DRC)" in description
    assert "https://meet.example.org/cluster" in description
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert str(event["STATUS"]) == "CONFIRMED"


def test_update_bumps_sequence_and_cancellation_is_a_cancel(world: World) -> None:
    meeting = make_meeting(world)
    meeting_update(
        meeting=meeting,
        by=world.coordinator,
        starts_at=START + datetime.timedelta(hours=1),
        ends_at=START + datetime.timedelta(hours=3),
    )
    _calendar, event = _event(ics.meeting_ics(meeting))
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == START + datetime.timedelta(hours=1)
    meeting_cancel(meeting=meeting, by=world.coordinator)
    calendar, event = _event(ics.meeting_ics(meeting, method="CANCEL"))
    assert calendar["METHOD"] == "CANCEL"
    assert event.decoded("SEQUENCE") == 2
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting.uid


def test_feed_lists_the_body_meetings_behind_its_token(world: World, client: Client) -> None:
    first = make_meeting(world, starts_at=datetime.datetime.now(datetime.UTC))
    second = make_meeting(world, starts_at=first.starts_at + datetime.timedelta(days=7))
    make_meeting(world, body=world.cp_aor, title="Réunion du DdR PE")
    token = ics.calendar_feed_token_issue(body=world.cluster, by=world.coordinator)
    feed = CalendarFeed.objects.get(body=world.cluster)
    assert token not in feed.token_hash
    assert len(feed.token_hash) == 64
    response = client.get(reverse("coordination:calendar_feed", args=["mali", token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert uids == {first.uid, second.uid}
    assert AuditEntry.objects.filter(entity_type="coordination.calendarfeed").exists()


def test_new_token_retires_the_old_address(world: World, client: Client) -> None:
    old = ics.calendar_feed_token_issue(body=world.cluster, by=world.coordinator)
    new = ics.calendar_feed_token_issue(body=world.cluster, by=world.coordinator)
    assert CalendarFeed.objects.count() == 1
    assert client.get(reverse("coordination:calendar_feed", args=["mali", old])).status_code == 404
    assert client.get(reverse("coordination:calendar_feed", args=["mali", new])).status_code == 200


def test_wrong_token_or_operation_gives_404(world: World, client: Client) -> None:
    token = ics.calendar_feed_token_issue(body=world.cluster, by=world.coordinator)
    assert (
        client.get(reverse("coordination:calendar_feed", args=["mali", "nope"])).status_code == 404
    )
    assert (
        client.get(reverse("coordination:calendar_feed", args=["colombia", token])).status_code
        == 404
    )


def test_only_managers_issue_feed_addresses(world: World, as_user: Any) -> None:
    url = reverse("coordination:calendar_feeds", args=["mali"])
    assert as_user(world.partner).post(url, {"body": world.cluster.pk}).status_code == 403
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(world.other_operation_user).get(url).status_code == 404
    assert not CalendarFeed.objects.exists()
    response = as_user(world.coordinator).post(url, {"body": world.cluster.pk})
    assert response.status_code == 200
    address = response.context["new_address"]
    assert "/coordination/meetings/feed/" in address
    token = address.rsplit("/", 1)[-1].removesuffix(".ics")
    assert ics.calendar_feed_body(token) == world.cluster
