"""Meeting pages: the coordination home, lists, forms, the meeting page and its actions, minutes,
exports and participation, with the access rules of each."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.conftest import World
from tutela.coordination.models import (
    ActionPoint,
    Attendance,
    Meeting,
    MeetingDocument,
    MeetingSeries,
    Minutes,
)
from tutela.coordination.services import minutes as minutes_services
from tutela.coordination.tests.meeting_helpers import (
    START,
    cluster_contacts,
    make_meeting,
    open_action_point,
)
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=["mali", *args])


def test_home_shows_upcoming_meetings_and_my_action_points(world: World, as_user: Any) -> None:
    with time_machine.travel(START - datetime.timedelta(days=3)):
        make_meeting(world)
        open_action_point(world, due_date=datetime.date(2026, 3, 1))
        response = as_user(world.partner).get(url("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Réunion mensuelle du cluster protection" in page
    assert "Share the referral pathway" in page
    dashboard = response.context["dashboard"]
    assert dashboard.my_action_points_count == 1
    assert dashboard.my_overdue_count == 1
    assert 'style="' not in page


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_pages_are_hidden_outside_the_operation(world: World, as_user: Any, persona: str) -> None:
    meeting = make_meeting(world)
    minutes_services.minutes_save(meeting=meeting, by=world.coordinator, text="x")
    client = as_user(getattr(world, persona))
    for name, args in [
        ("home", ()),
        ("meetings", ()),
        ("meeting_calendar", ()),
        ("participation", ()),
        ("meeting_create", ()),
        ("calendar_feeds", ()),
        ("meeting_detail", (meeting.pk,)),
        ("meeting_edit", (meeting.pk,)),
        ("meeting_ics", (meeting.pk,)),
        ("minutes_edit", (meeting.pk,)),
        ("minutes_export", (meeting.pk, "pdf")),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    for name in ("meeting_attendance", "meeting_invitations", "meeting_cancel", "minutes_approve"):
        assert client.post(url(name, meeting.pk)).status_code == 404, name
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_anonymous_is_sent_to_sign_in(world: World, client: Any) -> None:
    response = client.get(url("meetings"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_meeting_list_filters_and_paginates(world: World, as_user: Any) -> None:
    Meeting.objects.bulk_create(
        Meeting(
            operation=world.operation,
            body=world.cluster,
            title=f"Réunion {i}",
            starts_at=START + datetime.timedelta(days=i),
            ends_at=START + datetime.timedelta(days=i, hours=2),
            uid=f"m{i}@tutela",
        )
        for i in range(55)
    )
    make_meeting(world, body=world.cp_aor, title="Réunion du DdR PE")
    with time_machine.travel(START - datetime.timedelta(days=1)):
        client = as_user(world.partner)
        response = client.get(url("meetings"))
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 56
        assert len(response.context["page"].object_list) == 50
        response = client.get(url("meetings"), {"body": world.cp_aor.pk, "when": "upcoming"})
        assert [m.title for m in response.context["page"].object_list] == ["Réunion du DdR PE"]
        response = client.get(url("meetings"), {"when": "past"})
        assert (
            "Aucune réunion" in response.content.decode()
            or not response.context["page"].object_list
        )


def test_coordinator_schedules_a_one_off_meeting(world: World, as_user: Any) -> None:
    open_action_point(world)
    response = as_user(world.coordinator).post(
        url("meeting_create"),
        {
            "body": world.cluster.pk,
            "title": "Réunion extraordinaire",
            "starts_at": "2026-03-12T10:00",
            "duration_minutes": "90",
            "location": "Bamako",
            "language": "fr",
            "agenda": "Situation à Ménaka\n- Divers",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting.pk)
    assert meeting.ends_at - meeting.starts_at == datetime.timedelta(minutes=90)
    titles = [i.title for i in meeting.agenda.all()]
    assert titles[:2] == ["Situation à Ménaka", "Divers"]
    assert len(titles) == 3
    assert AuditEntry.objects.filter(entity_type="coordination.meeting", action="create").exists()


def test_coordinator_schedules_a_recurring_meeting(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).post(
        url("meeting_create"),
        {
            "body": world.cluster.pk,
            "title": "Réunion mensuelle",
            "starts_at": "2026-03-10T09:00",
            "duration_minutes": "120",
            "language": "fr",
            "recurring": "on",
            "frequency": "monthly",
            "until": "2026-06-30",
        },
    )
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    assert series.meetings.count() == 4


def test_recurring_meeting_needs_frequency_and_end(world: World, as_user: Any) -> None:
    response = as_user(world.coordinator).post(
        url("meeting_create"),
        {
            "body": world.cluster.pk,
            "title": "Réunion",
            "starts_at": "2026-03-10T09:00",
            "duration_minutes": "120",
            "language": "fr",
            "recurring": "on",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"frequency", "until"}
    assert not Meeting.objects.exists()


def test_partner_cannot_create_or_edit_meetings(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    client = as_user(world.partner)
    assert client.get(url("meeting_create")).status_code == 403
    assert client.get(url("meeting_edit", meeting.pk)).status_code == 403
    response = client.post(
        url("meeting_edit", meeting.pk),
        {
            "title": "Piraté",
            "starts_at": "2026-03-10T09:00",
            "duration_minutes": "60",
            "language": "fr",
        },
    )
    assert response.status_code == 403
    assert client.post(url("meeting_cancel", meeting.pk)).status_code == 403
    assert client.post(url("meeting_invitations", meeting.pk)).status_code == 403
    meeting.refresh_from_db()
    assert meeting.title != "Piraté"
    assert meeting.status == "scheduled"
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "Réunion mensuelle du cluster protection" in page
    assert url("meeting_edit", meeting.pk) not in page


def test_coordinator_edits_the_meeting(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    response = as_user(world.coordinator).post(
        url("meeting_edit", meeting.pk),
        {
            "title": "Réunion déplacée",
            "starts_at": "2026-03-11T09:00",
            "duration_minutes": "60",
            "location": "Mopti",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Réunion déplacée"
    assert meeting.ics_sequence == 1
    assert meeting.ends_at == datetime.datetime(2026, 3, 11, 10, 0, tzinfo=datetime.UTC)


def test_invitations_from_the_page(
    world: World, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cluster_contacts(world)
    meeting = make_meeting(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.coordinator).post(url("meeting_invitations", meeting.pk))
    assert response.status_code == 302
    assert len(mail.outbox) == 4
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None


def test_agenda_and_documents_from_the_page(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    client = as_user(world.coordinator)
    client.post(url("agenda_add", meeting.pk), {"title": "Point 1"})
    client.post(url("agenda_add", meeting.pk), {"title": "Point 2", "presenter": world.drc.pk})
    second = meeting.agenda.get(title="Point 2")
    client.post(url("agenda_move", meeting.pk, second.pk), {"direction": "up"})
    assert [i.title for i in meeting.agenda.all()] == ["Point 2", "Point 1"]
    client.post(url("agenda_remove", meeting.pk, second.pk))
    assert [i.title for i in meeting.agenda.all()] == ["Point 1"]
    response = client.post(
        url("meeting_document_upload", meeting.pk),
        {"kind": "attendance", "title": "Liste signée", "file": SimpleUploadedFile("l.pdf", PDF)},
    )
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    assert document.kind == "attendance"
    download = as_user(world.partner).get(url("meeting_document", meeting.pk, document.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    response = client.post(
        url("meeting_document_upload", meeting.pk),
        {"kind": "document", "file": SimpleUploadedFile("virus.exe", b"MZ")},
        follow=True,
    )
    assert MeetingDocument.objects.count() == 1
    assert "virus" not in response.content.decode()
    partner = as_user(world.partner)
    assert (
        partner.post(
            url("meeting_document_upload", meeting.pk),
            {"kind": "document", "file": SimpleUploadedFile("a.pdf", PDF)},
        ).status_code
        == 403
    )
    assert partner.post(url("agenda_add", meeting.pk), {"title": "X"}).status_code == 403
    assert partner.post(url("meeting_document_remove", meeting.pk, document.pk)).status_code == 403
    assert MeetingDocument.objects.count() == 1
    other = as_user(world.other_operation_user)
    assert other.get(url("meeting_document", meeting.pk, document.pk)).status_code == 404


def test_attendance_tick_list(world: World, as_user: Any) -> None:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world)
    with time_machine.travel(START + datetime.timedelta(hours=1)):
        client = as_user(world.coordinator)
        page = client.get(url("meeting_detail", meeting.pk)).content.decode()
        assert f'name="contact" value="{contacts["amss"].pk}"' in page
        assert f'value="{contacts["inactive"].pk}"' not in page
        response = client.post(
            url("meeting_attendance", meeting.pk),
            {"organisation": [world.drc.pk], "contact": [contacts["amss"].pk]},
        )
        assert response.status_code == 302
        refused = as_user(world.partner).post(
            url("meeting_attendance", meeting.pk), {"organisation": [world.other_org.pk]}
        )
        assert refused.status_code == 403
    present = set(
        Attendance.objects.filter(present=True).values_list("organisation__acronym", flat=True)
    )
    assert present == {"DRC", "AMSS"}
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_minutes_draft_is_hidden_until_approved(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    coordinator = as_user(world.coordinator)
    partner = as_user(world.partner)
    assert partner.get(url("minutes_edit", meeting.pk)).status_code == 403
    assert partner.post(url("minutes_edit", meeting.pk), {"text": "x"}).status_code == 403
    response = coordinator.post(
        url("minutes_edit", meeting.pk),
        {"decisions": "- Plan adopté", "text": "Discussion <script>alert(1)</script>"},
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get()
    assert minutes.status == "draft"
    assert "Plan adopté" not in partner.get(url("meeting_detail", meeting.pk)).content.decode()
    assert partner.get(url("minutes_export", meeting.pk, "pdf")).status_code == 404
    assert partner.post(url("minutes_approve", meeting.pk)).status_code == 403
    coordinator.post(url("minutes_approve", meeting.pk))
    minutes.refresh_from_db()
    assert minutes.status == "approved"
    page = partner.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "Plan adopté" in page
    assert "<script>alert" not in page
    docx = partner.get(url("minutes_export", meeting.pk, "docx"))
    assert docx.status_code == 200
    assert docx.content.startswith(b"PK")
    pdf = partner.get(url("minutes_export", meeting.pk, "pdf"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert (
        AuditEntry.objects.filter(action="export", entity_type="coordination.minutes").count() == 2
    )


def test_action_point_raised_in_the_minutes(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    response = as_user(world.coordinator).post(
        url("minutes_action_point", meeting.pk),
        {
            "title": "Partager la cartographie",
            "owner_organisation": world.amss.pk,
            "due_date": "2026-03-31",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    point = ActionPoint.objects.get()
    assert point.meeting == meeting
    assert point.body == world.cluster
    assert point.source_kind == "meeting"
    assert point.owner_organisation == world.amss
    refused = as_user(world.partner).post(
        url("minutes_action_point", meeting.pk), {"title": "X", "priority": "low"}
    )
    assert refused.status_code == 403
    assert ActionPoint.objects.count() == 1


def test_participation_page(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    from tutela.coordination.services.meeting_records import attendance_record

    with time_machine.travel(START):
        attendance_record(meeting=meeting, by=world.coordinator, organisations=[world.unhcr])
    response = as_user(world.partner).get(url("participation"), {"body": world.cluster.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-Q1" in page
    assert "1/1 (100 %)" in page
    assert "0/1 (0 %)" in page


def test_calendar_month_view(world: World, as_user: Any) -> None:
    make_meeting(world)
    response = as_user(world.partner).get(url("meeting_calendar"), {"year": 2026, "month": 3})
    assert response.status_code == 200
    assert "Réunion mensuelle du cluster protection" in response.content.decode()
    assert as_user(world.partner).get(url("meeting_calendar"), {"month": "x"}).status_code == 200


def test_meeting_ics_download(world: World, as_user: Any) -> None:
    meeting = make_meeting(world)
    response = as_user(world.viewer).get(url("meeting_ics", meeting.pk))
    assert response.status_code == 200
    assert meeting.uid in response.content.decode()


def test_list_and_home_query_counts_do_not_grow_with_meetings(
    world: World, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    for day in range(12):
        make_meeting(world, starts_at=START + datetime.timedelta(days=day))
        open_action_point(world, f"Point {day}")
    client = as_user(world.coordinator)
    with time_machine.travel(START - datetime.timedelta(days=1)):
        with django_assert_max_num_queries(20):
            assert client.get(url("meetings")).status_code == 200
        with django_assert_max_num_queries(25):
            assert client.get(url("home")).status_code == 200


def test_viewer_sees_attendance_without_names(world: World, as_user: Any) -> None:
    contacts = cluster_contacts(world)
    meeting = make_meeting(world)
    from tutela.coordination.services.meeting_records import attendance_record

    with time_machine.travel(START):
        attendance_record(meeting=meeting, by=world.coordinator, contacts=[contacts["amss"]])
    assert (
        "Fatou Keïta"
        in as_user(world.partner).get(url("meeting_detail", meeting.pk)).content.decode()
    )
    page = as_user(world.viewer).get(url("meeting_detail", meeting.pk)).content.decode()
    assert "AMSS" in page
    assert "Fatou Keïta" not in page
