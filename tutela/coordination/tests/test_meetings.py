"""Meeting services: one-off and recurring meetings, agenda, documents, attendance, invitations,
and the participation rate selector."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tutela.conftest import World
from tutela.coordination.models import (
    ActionPoint,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingDocument,
    MeetingSeries,
)
from tutela.coordination.selectors import meetings as selectors
from tutela.coordination.services import agenda as agenda_services
from tutela.coordination.services import invitations as invitation_services
from tutela.coordination.services import meeting_records as record_services
from tutela.coordination.services import meetings as services
from tutela.coordination.tests.meeting_helpers import (
    START,
    cluster_contacts,
    make_meeting,
    open_action_point,
)
from tutela.core.models import AuditEntry, Membership, OperationRole, OutboxMessage
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db


def _text(content: str | bytes) -> str:
    return content.decode() if isinstance(content, bytes) else content


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_meeting_create_sets_uid_and_writes_audit(world: World) -> None:
    meeting = make_meeting(world, agenda=["Tour de table", "Divers"])
    assert meeting.uid.endswith("@tutela")
    assert meeting.ics_sequence == 0
    assert meeting.ends_at - meeting.starts_at == datetime.timedelta(hours=2)
    assert meeting.language == "fr"
    assert [i.title for i in meeting.agenda.all()] == ["Tour de table", "Divers"]
    assert AuditEntry.objects.filter(
        entity_type="coordination.meeting", entity_id=str(meeting.pk), action="create"
    ).exists()


def test_open_action_points_of_the_body_go_on_the_agenda(world: World) -> None:
    first = open_action_point(world, "Share the referral pathway")
    second = open_action_point(world, "Map the service providers", status="in_progress")
    open_action_point(world, "Closed already", status="done")
    ActionPoint.objects.create(
        operation=world.operation, body=world.cp_aor, title="Other body", status="open"
    )
    meeting = make_meeting(world, agenda=["Tour de table"])
    items = list(meeting.agenda.all())
    assert items[0].title == "Tour de table"
    assert [i.action_point_id for i in items[1:]] == [first.pk, second.pk]
    assert items[1].title.endswith("Share the referral pathway")
    assert items[1].presenter == world.amss


def test_sending_invitations_adds_action_points_opened_since(world: World) -> None:
    cluster_contacts(world)
    meeting = make_meeting(world)
    assert not meeting.agenda.exists()
    point = open_action_point(world)
    invitation_services.meeting_invitations_send(meeting=meeting, by=world.coordinator)
    assert meeting.agenda.get().action_point == point


def test_partner_and_other_body_focal_point_cannot_create_meetings(world: World) -> None:
    with pytest.raises(PermissionDenied):
        make_meeting(world, by=world.partner)
    OperationRole.objects.create(
        user=world.caseworker, operation=world.operation, role=Role.FOCAL_POINT, body=world.cp_aor
    )
    with pytest.raises(PermissionDenied):
        make_meeting(world, by=world.caseworker)
    meeting = make_meeting(world, by=world.caseworker, body=world.cp_aor)
    assert meeting.body == world.cp_aor
    assert Meeting.objects.count() == 1


def test_meeting_must_end_after_it_starts(world: World) -> None:
    with pytest.raises(ValidationError):
        make_meeting(world, ends_at=START - datetime.timedelta(hours=1))
    assert not Meeting.objects.exists()


def test_weekly_series_generates_meetings_until_the_end_date(world: World) -> None:
    series = services.series_create(
        operation=world.operation,
        by=world.coordinator,
        body=world.cluster,
        title="Réunion hebdomadaire",
        frequency=MeetingSeries.Frequency.WEEKLY,
        first_starts_at=START,
        until=datetime.date(2026, 3, 31),
    )
    starts = [m.starts_at for m in series.meetings.order_by("starts_at")]
    assert [s.date() for s in starts] == [
        datetime.date(2026, 3, 10),
        datetime.date(2026, 3, 17),
        datetime.date(2026, 3, 24),
        datetime.date(2026, 3, 31),
    ]
    assert all(s.hour == 9 for s in starts)
    assert len({m.uid for m in series.meetings.all()}) == 4


def test_fortnightly_series(world: World) -> None:
    starts = services.series_occurrences(
        frequency="fortnightly", first_starts_at=START, until=datetime.date(2026, 4, 10)
    )
    assert [s.date().isoformat() for s in starts] == ["2026-03-10", "2026-03-24", "2026-04-07"]


def test_monthly_series_keeps_the_weekday_of_the_month(world: World) -> None:
    # 10 March 2026 is the second Tuesday of March.
    starts = services.series_occurrences(
        frequency="monthly", first_starts_at=START, until=datetime.date(2026, 7, 31)
    )
    assert [s.date().isoformat() for s in starts] == [
        "2026-03-10",
        "2026-04-14",
        "2026-05-12",
        "2026-06-09",
        "2026-07-14",
    ]
    assert all(s.weekday() == 1 for s in starts)


def test_monthly_fifth_weekday_falls_back_to_the_last(world: World) -> None:
    # 31 March 2026 is the fifth Tuesday; April has four.
    first = datetime.datetime(2026, 3, 31, 9, 0, tzinfo=datetime.UTC)
    starts = services.series_occurrences(
        frequency="monthly", first_starts_at=first, until=datetime.date(2026, 5, 31)
    )
    assert [s.date().isoformat() for s in starts] == ["2026-03-31", "2026-04-28", "2026-05-26"]


def test_series_puts_action_points_on_the_first_meeting_only(world: World) -> None:
    open_action_point(world)
    series = services.series_create(
        operation=world.operation,
        by=world.coordinator,
        body=world.cluster,
        title="Réunion",
        frequency="weekly",
        first_starts_at=START,
        until=datetime.date(2026, 3, 24),
    )
    counts = [m.agenda.count() for m in series.meetings.order_by("starts_at")]
    assert counts == [1, 0, 0]


def test_edit_one_occurrence_and_cancel_the_rest(world: World) -> None:
    series = services.series_create(
        operation=world.operation,
        by=world.coordinator,
        body=world.cluster,
        title="Réunion",
        frequency="weekly",
        first_starts_at=START,
        until=datetime.date(2026, 4, 7),
    )
    meetings = list(series.meetings.order_by("starts_at"))
    moved = services.meeting_update(
        meeting=meetings[1],
        by=world.coordinator,
        starts_at=meetings[1].starts_at + datetime.timedelta(days=1),
        ends_at=meetings[1].ends_at + datetime.timedelta(days=1),
        location="Mopti",
    )
    assert moved.series == series
    assert moved.ics_sequence == 1
    assert meetings[2].location == ""
    cancelled = services.series_cancel_rest(
        series=series, by=world.coordinator, after=meetings[2].starts_at
    )
    assert cancelled == 3
    statuses = list(series.meetings.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["scheduled", "scheduled", "cancelled", "cancelled", "cancelled"]
    series.refresh_from_db()
    assert series.until == datetime.date(2026, 3, 23)


def test_agenda_add_reorder_remove(world: World) -> None:
    meeting = make_meeting(world)
    a = agenda_services.agenda_item_add(meeting=meeting, by=world.coordinator, title="A")
    b = agenda_services.agenda_item_add(
        meeting=meeting, by=world.coordinator, title="B", presenter=world.drc
    )
    c = agenda_services.agenda_item_add(meeting=meeting, by=world.coordinator, title="C")
    agenda_services.agenda_reorder(
        meeting=meeting, by=world.coordinator, item_ids=[c.pk, a.pk, b.pk]
    )
    assert [i.title for i in meeting.agenda.all()] == ["C", "A", "B"]
    agenda_services.agenda_item_move(item=b, by=world.coordinator, direction="up")
    assert [i.title for i in meeting.agenda.all()] == ["C", "B", "A"]
    with pytest.raises(ValidationError):
        agenda_services.agenda_reorder(meeting=meeting, by=world.coordinator, item_ids=[c.pk])
    agenda_services.agenda_item_remove(item=a, by=world.coordinator)
    assert [i.title for i in meeting.agenda.all()] == ["C", "B"]
    assert AuditEntry.objects.filter(
        entity_type="coordination.agendaitem", action="delete"
    ).exists()
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_item_add(meeting=meeting, by=world.partner, title="X")
    assert AgendaItem.objects.filter(meeting=meeting).count() == 2


def test_document_upload_limits(world: World, settings: Any) -> None:
    meeting = make_meeting(world)
    doc = record_services.document_upload(
        meeting=meeting,
        by=world.coordinator,
        file=SimpleUploadedFile("presentation.pdf", PDF, content_type="application/pdf"),
        kind="presentation",
    )
    assert doc.title == "presentation.pdf"
    with pytest.raises(ValidationError, match="not accepted"):
        record_services.document_upload(
            meeting=meeting, by=world.coordinator, file=SimpleUploadedFile("x.exe", b"MZ")
        )
    with pytest.raises(ValidationError, match="does not match"):
        record_services.document_upload(
            meeting=meeting, by=world.coordinator, file=SimpleUploadedFile("x.pdf", b"<html>")
        )
    with pytest.raises(ValidationError, match="not accepted"):
        record_services.document_upload(
            meeting=meeting,
            by=world.coordinator,
            kind="attendance",
            file=SimpleUploadedFile("sheet.docx", b"PK\x03\x04rest"),
        )
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (record_services.DOCUMENT_MAX_BYTES + 1))
    with pytest.raises(ValidationError, match="too large"):
        record_services.document_upload(meeting=meeting, by=world.coordinator, file=big)
    with pytest.raises(PermissionDenied):
        record_services.document_upload(
            meeting=meeting, by=world.partner, file=SimpleUploadedFile("a.pdf", PDF)
        )
    assert MeetingDocument.objects.count() == 1
    record_services.document_remove(document=doc, by=world.coordinator)
    assert not MeetingDocument.objects.exists()


def test_attendance_records_people_organisations_and_absent_members(world: World) -> None:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world)
    with time_machine.travel(START + datetime.timedelta(hours=3), tick=False):
        record_services.attendance_record(
            meeting=meeting,
            by=world.coordinator,
            organisations=[world.drc],
            contacts=[contacts["unhcr"], contacts["amss"]],
        )
    rows = set(Attendance.objects.values_list("organisation__acronym", "contact__name", "present"))
    assert rows == {
        ("UNHCR", "Awa Diallo", True),
        ("AMSS", "Fatou Keïta", True),
        ("DRC", None, True),
        ("OTHER", None, False),
    }
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    lines = selectors.attendance_by_organisation(meeting)
    assert [(line.organisation.acronym, line.present) for line in lines] == [
        ("AMSS", True),
        ("DRC", True),
        ("UNHCR", True),
        ("OTHER", False),
    ]
    tick = selectors.attendance_tick_list(meeting)
    amss = next(r for r in tick if r.organisation == world.amss)
    assert amss.present
    assert [c.present for c in amss.contacts] == [True]
    assert AuditEntry.objects.filter(summary__startswith="Attendance recorded").exists()


def test_attendance_cannot_be_recorded_before_the_day(world: World) -> None:
    meeting = make_meeting(world)
    with time_machine.travel(START - datetime.timedelta(days=2)), pytest.raises(ValidationError):
        record_services.attendance_record(
            meeting=meeting, by=world.coordinator, organisations=[world.drc]
        )
    assert not Attendance.objects.exists()


def test_participation_rate_per_organisation_per_quarter(world: World) -> None:
    days = [START, START + datetime.timedelta(days=7), START + datetime.timedelta(days=60)]
    attendees = [[world.unhcr, world.drc], [world.unhcr], [world.unhcr, world.amss]]
    for start, orgs in zip(days, attendees, strict=True):
        meeting = make_meeting(world, starts_at=start)
        with time_machine.travel(start):
            record_services.attendance_record(
                meeting=meeting, by=world.coordinator, organisations=orgs
            )
    make_meeting(world, starts_at=START + datetime.timedelta(days=90))  # not held
    result = selectors.participation_rates(world.cluster)
    assert result.quarters == ["2026-Q1", "2026-Q2"]
    assert result.held == [2, 1]
    by_org = {row.organisation.acronym: row for row in result.rows}
    assert [(c.attended, c.held) for c in by_org["UNHCR"].cells] == [(2, 2), (1, 1)]
    assert by_org["DRC"].total.percent == 33
    assert by_org["AMSS"].cells[1].rate == 1.0
    assert by_org["OTHER"].total.attended == 0
    assert result.rows[0].organisation == world.unhcr


def test_invitations_go_to_the_members_contacts_with_an_ics(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    cluster_contacts(world)
    meeting = make_meeting(world)
    with django_capture_on_commit_callbacks(execute=True):
        count = invitation_services.meeting_invitations_send(meeting=meeting, by=world.coordinator)
    assert count == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "awa@unhcr.test",
        "fatou@amss.test",
        "jens@drc.test",
        "oumar@other.test",
    ]
    message = mail.outbox[0]
    assert message.subject.endswith("Réunion mensuelle du cluster protection")
    name, content, mimetype = message.attachments[0]
    assert name == "invitation.ics"
    assert mimetype.startswith("text/calendar")
    text = content.decode() if isinstance(content, bytes) else content
    assert "METHOD:REQUEST" in text
    assert f"UID:{meeting.uid}" in text
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None
    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {"meeting_invitation"}
    assert not OutboxMessage.objects.filter(digestible=True).exists()


def test_update_after_invitations_bumps_sequence_and_resends(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    cluster_contacts(world)
    meeting = make_meeting(world)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.meeting_invitations_send(meeting=meeting, by=world.coordinator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, by=world.coordinator, location="Mopti")
    assert meeting.ics_sequence == 1
    assert len(mail.outbox) == 4
    assert "Mopti" in mail.outbox[0].body
    assert "SEQUENCE:1" in _text(mail.outbox[0].attachments[0][1])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, by=world.coordinator, language="en")
    assert mail.outbox == []  # not a calendar change
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=world.coordinator)
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.ics_sequence == 2
    attachment = mail.outbox[0].attachments[0]
    assert attachment[0] == "cancellation.ics"
    assert "METHOD:CANCEL" in _text(attachment[1])
    assert mail.outbox[0].subject.endswith("Réunion mensuelle du cluster protection")


def test_no_invitation_without_contacts(world: World) -> None:
    meeting = make_meeting(world)
    with pytest.raises(ValidationError, match="e-mail"):
        invitation_services.meeting_invitations_send(meeting=meeting, by=world.coordinator)
    assert not OutboxMessage.objects.exists()


def test_ended_membership_is_not_counted(world: World) -> None:
    Membership.objects.filter(organisation=world.other_org).update(until=datetime.date(2020, 1, 1))
    assert world.other_org.pk not in selectors.member_organisation_ids(world.cluster)


def test_demo_data_loads_meetings_minutes_and_action_points_once(world: World) -> None:
    from tutela.coordination.models import Minutes
    from tutela.coordination.services.demo_data import demo_coordination_load

    cluster_contacts(world)
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, 0, tzinfo=datetime.UTC)):
        demo_coordination_load(operation=world.operation)
        count = Meeting.objects.count()
        demo_coordination_load(operation=world.operation)
    assert Meeting.objects.count() == count > 4
    assert Meeting.objects.filter(status="held").count() == 3
    assert Minutes.objects.filter(status="approved").count() == 2
    assert Minutes.objects.filter(status="draft").count() == 1
    assert ActionPoint.objects.filter(meeting__isnull=False).count() == 3
    upcoming = Meeting.objects.filter(status="scheduled").order_by("starts_at").first()
    assert upcoming is not None
    assert upcoming.starts_at.date() == datetime.date(2026, 6, 9)
    assert upcoming is not None
    assert upcoming.agenda.exclude(action_point=None).count() == 2


def test_participation_counts_meetings_held_while_the_organisation_was_a_member(
    world: World, as_user: Any
) -> None:
    """Issue 17: an organisation that joined the cluster in the second quarter is not counted
    absent from the first quarter's meetings; one that left is not counted absent after."""
    q1 = START
    q2 = START + datetime.timedelta(days=60)
    for start in (q1, q2):
        meeting = make_meeting(world, starts_at=start)
        with time_machine.travel(start):
            record_services.attendance_record(
                meeting=meeting, by=world.coordinator, organisations=[world.unhcr, world.amss]
            )
    Membership.objects.filter(body=world.cluster, organisation=world.amss).update(
        since=(q1 + datetime.timedelta(days=30)).date()
    )
    Membership.objects.filter(body=world.cluster, organisation=world.other_org).update(
        until=(q1 + datetime.timedelta(days=30)).date()
    )
    result = selectors.participation_rates(world.cluster)
    by_org = {row.organisation.acronym: row for row in result.rows}
    # AMSS attended the first meeting before joining: held for it, since it came.
    assert [(c.attended, c.held) for c in by_org["AMSS"].cells] == [(1, 1), (1, 1)]
    # OTHER left after the first meeting: absent from one meeting, not two.
    assert [(c.attended, c.held) for c in by_org["OTHER"].cells] == [(0, 1), (0, 0)]
    assert by_org["OTHER"].total.percent == 0
    assert by_org["OTHER"].total.held == 1
    # DRC, a member throughout, missed both.
    assert by_org["DRC"].total.held == 2
    page = as_user(world.coordinator).get(
        f"/o/mali/coordination/meetings/participation/?body={world.cluster.pk}"
    )
    assert page.status_code == 200
