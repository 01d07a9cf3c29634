"""Reporting rounds: opened, closed, locked and reopened by managers; who may report when; the 5W
home and round pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.activities.access import can_report
from tutela.activities.models import ReportingRound, Submission
from tutela.activities.services.rounds import (
    round_close,
    round_lock,
    round_open,
    round_reopen,
    round_update,
)
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.core.models import AuditEntry, Delegation
from tutela.core.services.delegations import delegation_grant

pytestmark = pytest.mark.django_db

APRIL = datetime.date(2026, 4, 1)


# --- services ------------------------------------------------------------------------------------


def test_manager_opens_a_round_for_a_month(world):
    round_ = round_open(
        by=world.imo,
        operation=world.operation,
        month=datetime.date(2026, 4, 17),
        deadline=datetime.date(2026, 5, 10),
    )
    round_.refresh_from_db()
    assert round_.month == APRIL
    assert round_.status == ReportingRound.Status.OPEN
    entry = AuditEntry.objects.get(entity_type="activities.reportinground")
    assert entry.action == "create"
    assert entry.actor == world.imo
    assert entry.operation == world.operation
    assert entry.after["month"] == "2026-04-01"


def test_one_round_per_month(fivew):
    with pytest.raises(ValidationError) as info:
        round_open(
            by=fivew.world.coordinator,
            operation=fivew.operation,
            month=datetime.date(2026, 3, 1),
            deadline=datetime.date(2026, 4, 30),
        )
    assert "month" in info.value.message_dict
    assert ReportingRound.objects.filter(operation=fivew.operation).count() == 1


def test_the_same_month_is_fine_in_another_operation(fivew):
    world = fivew.world
    round_ = round_open(
        by=world.other_operation_user,
        operation=world.other_operation,
        month=datetime.date(2026, 3, 1),
        deadline=datetime.date(2026, 4, 10),
    )
    assert round_.operation == world.other_operation


def test_deadline_must_be_after_the_month_start(world):
    with pytest.raises(ValidationError) as info:
        round_open(by=world.imo, operation=world.operation, month=APRIL, deadline=APRIL)
    assert "deadline" in info.value.message_dict
    assert not ReportingRound.objects.exists()
    assert not AuditEntry.objects.filter(entity_type="activities.reportinground").exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer", "other_operation_user"])
def test_only_managers_open_rounds(world, persona):
    with pytest.raises(PermissionDenied):
        round_open(
            by=getattr(world, persona),
            operation=world.operation,
            month=APRIL,
            deadline=datetime.date(2026, 5, 10),
        )
    assert not ReportingRound.objects.exists()


def test_close_lock_and_reopen_are_audited(fivew):
    imo = fivew.world.imo
    round_ = round_close(by=imo, round=fivew.round)
    assert round_.status == ReportingRound.Status.CLOSED
    round_ = round_lock(by=imo, round=round_)
    assert round_.status == ReportingRound.Status.LOCKED
    round_ = round_reopen(by=imo, round=round_)
    assert round_.status == ReportingRound.Status.OPEN
    fivew.round.refresh_from_db()
    assert fivew.round.status == ReportingRound.Status.OPEN
    entries = AuditEntry.objects.filter(
        entity_type="activities.reportinground", action="update"
    ).order_by("pk")
    assert [(e.before["status"], e.after["status"]) for e in entries] == [
        ("open", "closed"),
        ("closed", "locked"),
        ("locked", "open"),
    ]


def test_an_open_round_cannot_be_reopened_nor_closed_twice(fivew):
    imo = fivew.world.imo
    with pytest.raises(ValidationError):
        round_reopen(by=imo, round=fivew.round)
    round_close(by=imo, round=fivew.round)
    with pytest.raises(ValidationError):
        round_close(by=imo, round=fivew.round)


def test_partner_cannot_close_a_round(fivew):
    with pytest.raises(PermissionDenied):
        round_close(by=fivew.world.partner, round=fivew.round)
    fivew.round.refresh_from_db()
    assert fivew.round.status == ReportingRound.Status.OPEN


def test_deadline_change_is_audited(fivew):
    round_update(by=fivew.world.coordinator, round=fivew.round, deadline=datetime.date(2026, 4, 20))
    fivew.round.refresh_from_db()
    assert fivew.round.deadline == datetime.date(2026, 4, 20)
    entry = AuditEntry.objects.get(entity_type="activities.reportinground", action="update")
    assert entry.after["deadline"] == "2026-04-20"
    assert entry.before["deadline"] == "2026-04-10"


def test_who_may_report_depends_on_the_round_status(fivew):
    world = fivew.world
    round_ = fivew.round
    assert can_report(world.partner, round_, world.amss)
    assert can_report(world.caseworker, round_, world.amss)
    assert not can_report(world.partner, round_, world.other_org)
    assert not can_report(world.viewer, round_, world.amss)
    assert not can_report(world.outsider, round_, world.amss)
    # AMSS reports through its members; DRC has none, so the managers report for it.
    assert not can_report(world.imo, round_, world.amss)
    assert can_report(world.imo, round_, world.drc)
    delegation_grant(
        by=world.partner,
        operation=world.operation,
        organisation=world.amss,
        scope=Delegation.Scope.ACTIVITIES,
    )
    assert can_report(world.imo, round_, world.amss)
    round_close(by=world.imo, round=round_)
    assert not can_report(world.partner, round_, world.amss)
    assert can_report(world.imo, round_, world.amss)
    round_lock(by=world.imo, round=round_)
    assert not can_report(world.imo, round_, world.amss)
    assert not can_report(world.coordinator, round_, world.amss)


# --- pages ---------------------------------------------------------------------------------------


def test_home_lists_rounds_and_who_has_not_reported(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    Submission.objects.filter(organisation=world.amss).update(status="submitted")
    response = as_user(world.imo).get("/o/mali/5w/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "March 2026" in page
    assert "1 / 4" in page
    assert "DRC, OTHER, UNHCR" in page
    assert 'action="/o/mali/5w/rounds/new/"' in page


def test_partner_sees_own_status_and_no_other_organisation(fivew, as_user):
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    response = as_user(world.partner).get("/o/mali/5w/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "OTHER" not in page
    assert "Nothing entered" in page
    assert "/o/mali/5w/2026-03/rows/" in page
    assert "rounds/new" not in page


def test_round_page_lists_every_organisation_for_managers(fivew, as_user):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    page = as_user(world.coordinator).get("/o/mali/5w/2026-03/").content.decode()
    for acronym in ("AMSS", "DRC", "OTHER", "UNHCR"):
        assert f">{acronym}<" in page
    assert 'name="action" value="close"' in page
    partner_page = as_user(world.partner).get("/o/mali/5w/2026-03/").content.decode()
    assert ">OTHER<" not in partner_page
    assert 'value="close"' not in partner_page


def test_home_shows_the_analysis_link_only_when_it_exists(fivew, as_user):
    from django.urls import NoReverseMatch, reverse

    page = as_user(fivew.world.partner).get("/o/mali/5w/").content.decode()
    try:
        pivot = reverse("activities:pivot", args=["mali"])
    except NoReverseMatch:
        pivot = None
    if pivot:
        assert f'href="{pivot}"' in page


@pytest.mark.parametrize("url", ["/o/mali/5w/", "/o/mali/5w/2026-03/", "/o/mali/5w/rounds/new/"])
@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_outsiders_get_404(fivew, as_user, url, persona):
    assert as_user(getattr(fivew.world, persona)).get(url).status_code == 404


def test_unknown_month_is_404(fivew, as_user):
    assert as_user(fivew.world.imo).get("/o/mali/5w/2026-02/").status_code == 404
    assert as_user(fivew.world.imo).get("/o/mali/5w/2026-13/").status_code == 404


def test_manager_opens_a_round_from_the_page(world, as_user):
    client = as_user(world.coordinator)
    assert client.get("/o/mali/5w/rounds/new/").status_code == 200
    response = client.post("/o/mali/5w/rounds/new/", {"month": "2026-05", "deadline": "2026-06-10"})
    assert response.status_code == 302
    assert response["Location"] == "/o/mali/5w/2026-05/"
    assert ReportingRound.objects.get().month == datetime.date(2026, 5, 1)
    assert AuditEntry.objects.filter(entity_type="activities.reportinground").count() == 1


def test_a_bad_round_shows_the_message(fivew, as_user):
    response = as_user(fivew.world.coordinator).post(
        "/o/mali/5w/rounds/new/", {"month": "2026-03", "deadline": "2026-04-10"}
    )
    assert response.status_code == 200
    assert "There is already a round for 2026-03." in response.content.decode()
    assert ReportingRound.objects.count() == 1


def test_partner_cannot_open_close_or_move_rounds(fivew, as_user):
    client = as_user(fivew.world.partner)
    assert client.get("/o/mali/5w/rounds/new/").status_code == 403
    assert (
        client.post(
            "/o/mali/5w/rounds/new/", {"month": "2026-05", "deadline": "2026-06-10"}
        ).status_code
        == 403
    )
    assert client.post("/o/mali/5w/2026-03/status/", {"action": "close"}).status_code == 403
    assert (
        client.post("/o/mali/5w/2026-03/deadline/", {"deadline": "2026-05-01"}).status_code == 403
    )
    fivew.round.refresh_from_db()
    assert fivew.round.status == "open"
    assert fivew.round.deadline == datetime.date(2026, 4, 10)
    assert ReportingRound.objects.count() == 1


def test_manager_closes_and_locks_from_the_page(fivew, as_user):
    client = as_user(fivew.world.imo)
    response = client.post("/o/mali/5w/2026-03/status/", {"action": "close"})
    assert response.status_code == 302
    fivew.round.refresh_from_db()
    assert fivew.round.status == "closed"
    client.post("/o/mali/5w/2026-03/status/", {"action": "lock"})
    fivew.round.refresh_from_db()
    assert fivew.round.status == "locked"
    page = client.get("/o/mali/5w/2026-03/").content.decode()
    assert 'value="reopen"' in page
    assert 'value="lock"' not in page
    client.post("/o/mali/5w/2026-03/deadline/", {"deadline": "2026-04-30"})
    fivew.round.refresh_from_db()
    assert fivew.round.deadline == datetime.date(2026, 4, 30)


def test_operation_menu_has_a_5w_link(fivew, as_user):
    page = as_user(fivew.world.partner).get("/o/mali/").content.decode()
    assert 'href="/o/mali/5w/"' in page
    page = as_user(fivew.world.partner).get("/o/mali/5w/").content.decode()
    assert 'href="/o/mali/5w/" aria-current="page"' in page
