"""Advocacy recommendations: create/update, status only through follow-ups, evidence files, the
dashboard and the export."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tutela.conftest import World, make_user
from tutela.coordination.models import Meeting, Recommendation, RecommendationFollowUp
from tutela.coordination.selectors import advocacy as selectors
from tutela.coordination.services.recommendations import (
    recommendation_create,
    recommendation_follow_up,
    recommendation_update,
    recommendations_export,
)
from tutela.core.models import AuditEntry, OperationRole, User
from tutela.core.models.roles import Role
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(
        datetime.datetime(2026, 6, 30, 10, 0, tzinfo=datetime.UTC), tick=False
    ):
        yield


def focal_point(world: World) -> User:
    user = make_user("focal@drc.test", "Fanta Focal", world.drc)
    OperationRole.objects.create(user=user, operation=world.operation, role=Role.FOCAL_POINT)
    return user


def make(world: World, by: User | None = None, **extra: object) -> Recommendation:
    values: dict[str, object] = {
        "text": "Open a humanitarian corridor to Bandiagara.",
        "addressee_kind": Recommendation.Addressee.AUTHORITY,
        "addressee": "Gouverneur de Mopti",
        "issued_in": Recommendation.IssuedIn.OTHER,
        "issued_on": datetime.date(2026, 4, 1),
    }
    values.update(extra)
    return recommendation_create(
        operation=world.operation,
        by=by or world.coordinator,
        **values,  # type: ignore[arg-type]
    )


def meeting(world: World, operation: object = None) -> Meeting:
    return Meeting.objects.create(
        operation=operation or world.operation,
        body=world.cluster,
        title="Réunion mensuelle",
        starts_at=datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 3, 10, 11, tzinfo=datetime.UTC),
        uid="m1@tutela",
    )


def test_coordinator_records_a_recommendation_with_audit(world: World) -> None:
    rec = make(world)
    assert rec.status == Recommendation.Status.ISSUED
    assert rec.created_by == world.coordinator
    entry = AuditEntry.objects.get(entity_type="coordination.recommendation", entity_id=str(rec.pk))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.after["addressee"] == "Gouverneur de Mopti"


def test_focal_point_may_record_but_partner_and_viewer_may_not(world: World) -> None:
    assert make(world, by=focal_point(world)).pk
    for user in (world.partner, world.viewer, world.outsider, world.other_operation_user):
        with pytest.raises(PermissionDenied):
            make(world, by=user)
    assert Recommendation.objects.count() == 1


def test_link_must_match_where_it_was_issued(world: World) -> None:
    m = meeting(world)
    rec = make(world, issued_in=Recommendation.IssuedIn.MEETING, meeting=m)
    assert rec.meeting == m
    with pytest.raises(ValidationError) as error:
        make(world, issued_in=Recommendation.IssuedIn.PAU, meeting=m)
    assert "meeting" in error.value.message_dict


def test_link_to_another_operation_is_refused(world: World) -> None:
    foreign = meeting(world, operation=world.other_operation)
    with pytest.raises(ValidationError) as error:
        make(world, issued_in=Recommendation.IssuedIn.MEETING, meeting=foreign)
    assert "meeting" in error.value.message_dict


def test_issued_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        make(world, issued_on=datetime.date(2026, 7, 1))
    assert "issued_on" in error.value.message_dict


def test_update_cannot_change_the_status(world: World) -> None:
    rec = make(world)
    with pytest.raises(ValidationError) as error:
        recommendation_update(recommendation=rec, by=world.coordinator, status="implemented")
    assert "status" in error.value.message_dict
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.ISSUED


def test_update_is_audited_with_before_and_after(world: World) -> None:
    rec = make(world)
    recommendation_update(recommendation=rec, by=world.imo, addressee="Ministère de la Justice")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).get()
    assert entry.before["addressee"] == "Gouverneur de Mopti"
    assert entry.after["addressee"] == "Ministère de la Justice"


def test_changing_where_issued_drops_the_old_link(world: World) -> None:
    rec = make(world, issued_in=Recommendation.IssuedIn.MEETING, meeting=meeting(world))
    recommendation_update(recommendation=rec, by=world.coordinator, issued_in="other")
    rec.refresh_from_db()
    assert rec.meeting is None


def test_follow_up_changes_status_and_is_the_history(world: World) -> None:
    rec = make(world)
    first = recommendation_follow_up(
        recommendation=rec, by=world.coordinator, status="acknowledged", note="Reply received."
    )
    second = recommendation_follow_up(
        recommendation=rec, by=world.imo, status="in_progress", note="Checkpoint reopened.",
        evidence_file=SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
        evidence_link="https://example.org/news",
    )  # fmt: skip
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.IN_PROGRESS
    assert rec.status_changed_at is not None
    assert [f.status for f in selectors.recommendation_follow_ups(rec)] == [
        "acknowledged",
        "in_progress",
    ]
    assert first.by == world.coordinator
    assert second.evidence.name.endswith(".pdf")
    follow_up_entries = AuditEntry.objects.filter(entity_type="coordination.recommendationfollowup")
    assert follow_up_entries.count() == 2
    status_entries = AuditEntry.objects.filter(
        entity_type="coordination.recommendation", action=AuditEntry.Action.UPDATE
    )
    assert [e.after["status"] for e in status_entries.order_by("id")] == [
        "acknowledged",
        "in_progress",
    ]


def test_follow_up_without_change_needs_a_note(world: World) -> None:
    rec = make(world)
    with pytest.raises(ValidationError) as error:
        recommendation_follow_up(recommendation=rec, by=world.coordinator, status="issued", note="")
    assert "note" in error.value.message_dict
    recommendation_follow_up(
        recommendation=rec, by=world.coordinator, status="issued", note="Reminder sent."
    )
    assert RecommendationFollowUp.objects.count() == 1


def test_partner_cannot_record_a_follow_up(world: World) -> None:
    rec = make(world)
    with pytest.raises(PermissionDenied):
        recommendation_follow_up(
            recommendation=rec, by=world.partner, status="implemented", note="Done"
        )
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.ISSUED
    assert not RecommendationFollowUp.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "not accepted"),
        ("letter.pdf", b"<html>not a pdf</html>", "does not match"),
        ("photo.png", b"\xff\xd8\xff\xe0 jpeg", "does not match"),
        ("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "too large"),
    ],
)
def test_evidence_type_and_size_limits(
    world: World, name: str, content: bytes, message: str
) -> None:
    rec = make(world)
    with pytest.raises(ValidationError) as error:
        recommendation_follow_up(
            recommendation=rec, by=world.coordinator, status="acknowledged", note="x",
            evidence_file=SimpleUploadedFile(name, content),
        )  # fmt: skip
    assert message in " ".join(error.value.message_dict["evidence"])
    assert not RecommendationFollowUp.objects.exists()


def test_dashboard_pending_by_addressee_and_status_with_ages(world: World) -> None:
    old = make(world, issued_on=datetime.date(2026, 1, 1))
    make(world, issued_on=datetime.date(2026, 6, 20), addressee_kind="agency", addressee="OCHA")
    acknowledged = make(world, issued_on=datetime.date(2026, 5, 31))
    done = make(world, issued_on=datetime.date(2026, 2, 1), addressee_kind="hct", addressee="HCT")
    refused = make(world, issued_on=datetime.date(2026, 2, 1))
    recommendation_follow_up(
        recommendation=acknowledged, by=world.imo, status="acknowledged", note=""
    )
    recommendation_follow_up(recommendation=done, by=world.imo, status="implemented", note="")
    recommendation_follow_up(
        recommendation=refused, by=world.imo, status="not_implemented", note=""
    )

    dashboard = selectors.recommendation_dashboard(world.partner, world.operation, today=TODAY)

    assert dashboard.total == 5
    assert dashboard.pending == 3
    assert dashboard.implemented == 1
    assert dashboard.implementation_rate == 20.0
    assert dashboard.closed_implementation_rate == 50.0
    authority = next(row for row in dashboard.rows if row.kind == "authority")
    issued, acknowledged_cell, in_progress = authority.cells
    assert issued.count == 1
    assert issued.days_max == (TODAY - datetime.date(2026, 1, 1)).days
    assert acknowledged_cell.count == 1
    assert acknowledged_cell.days_max == 30
    assert in_progress.count == 0
    assert authority.total.count == 2
    agency = next(row for row in dashboard.rows if row.kind == "agency")
    assert agency.total.count == 1
    assert agency.total.days_max == 10
    assert dashboard.oldest[0].recommendation == old
    assert dashboard.oldest[0].days_since_follow_up == 180
    # The acknowledged one was followed up today.
    item = next(i for i in dashboard.oldest if i.recommendation == acknowledged)
    assert (item.days_since_issued, item.days_since_follow_up) == (30, 0)
    assert dashboard.stale == 1


def test_dashboard_is_empty_for_an_outsider(world: World) -> None:
    make(world)
    assert selectors.recommendation_dashboard(world.outsider, world.operation).total == 0
    assert (
        selectors.recommendation_dashboard(world.other_operation_user, world.operation).total == 0
    )


def test_dashboard_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    for day in range(1, 11):
        rec = make(world, issued_on=datetime.date(2026, 3, day))
        recommendation_follow_up(recommendation=rec, by=world.imo, status="acknowledged", note="")
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        dashboard = selectors.recommendation_dashboard(world.coordinator, world.operation)
    assert dashboard.pending == 10


def test_list_filters(world: World) -> None:
    make(world, text="Corridor")
    agency = make(world, text="Fund shelters", addressee_kind="agency", addressee="UNHCR")
    done = make(world, text="Release detainees")
    recommendation_follow_up(recommendation=done, by=world.imo, status="implemented", note="")

    def ids(**filters: object) -> list[int]:
        return [
            r.pk for r in selectors.recommendation_list(world.partner, world.operation, filters)
        ]

    assert ids(addressee_kind="agency") == [agency.pk]
    assert ids(q="shelter") == [agency.pk]
    assert done.pk not in ids(pending=True)
    assert ids(status="implemented") == [done.pk]


def test_export_csv_and_xlsx_with_audit(world: World) -> None:
    make(world, text='=HYPERLINK("http://evil")')
    make(world, text="Corridor", addressee_kind="agency", addressee="OCHA")
    content, filename, content_type = recommendations_export(
        by=world.partner, operation=world.operation, fmt="csv", today=TODAY
    )
    assert filename == "mali-recommendations-2026-06-30.csv"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 4
    assert rows[1][:2] == ["#meta+id", "#date+issued"]
    assert "'=HYPERLINK" in rows[3][4] or "'=HYPERLINK" in rows[2][4]

    content, filename, _ = recommendations_export(
        by=world.partner, operation=world.operation, filters={"addressee_kind": "agency"}
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3
    assert values[2][3] == "OCHA"
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT)
    assert entries.count() == 2
    assert entries.filter(after__count=1).exists()


def test_outsider_cannot_export(world: World) -> None:
    with pytest.raises(PermissionDenied):
        recommendations_export(by=world.outsider, operation=world.operation)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reads_back_with_libhxl(world: World, fmt: str) -> None:
    make(world, text="Open the corridor", addressee_kind="agency", addressee="OCHA")
    make(world, text="Fund the shelters")
    content, _filename, _type = recommendations_export(
        by=world.partner, operation=world.operation, fmt=fmt, today=TODAY
    )
    rows = assert_valid_hxl(hxl_dataset(content, fmt), min_rows=2)
    assert {row["#description+recommendation"] for row in rows} == {
        "Open the corridor",
        "Fund the shelters",
    }
    assert "OCHA" in {row["#org+addressee+name"] for row in rows}
