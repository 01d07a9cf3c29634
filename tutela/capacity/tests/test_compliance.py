"""Reporting compliance: per organisation and 5W round, on time / late / returned (and how many
times) / missing / not yet due, read from the real reporting flow (rows saved, submitted,
returned, handed in again, validated); incidents reported, meetings attended and alerts answered
in the month; the partner's scorecard, the cluster dashboard (organisations only for
coordinators and IMOs, aggregates for everyone else) and its XLSX/CSV export with HXL tags."""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from typing import Any

import lxml.html
import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from tutela.activities.models import ReportingRound
from tutela.activities.services.submissions import (
    submission_return,
    submission_submit,
    submission_validate,
)
from tutela.activities.tests.reporting_fixtures import (
    FiveW,
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.capacity.selectors import compliance
from tutela.conftest import client_for, make_user
from tutela.coordination.services.alerts import alert_acknowledge, alert_create, alert_send
from tutela.coordination.services.meeting_records import attendance_record
from tutela.coordination.services.meetings import meeting_create
from tutela.core.models import AuditEntry, OperationRole
from tutela.core.models.roles import Role
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset
from tutela.monitoring.services.reference import monitoring_seed
from tutela.monitoring.tests.analysis_fixtures import make_incident

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 4, 20, 9, 0, tzinfo=datetime.UTC)


def at(day: str) -> Any:
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T10:00:00+00:00"), tick=False)


def url(name: str, *args: Any) -> str:
    return reverse(f"capacity:{name}", args=["mali", *args])


def api(name: str, *args: Any) -> str:
    return reverse(f"capacity-api:{name}", args=["mali", *args])


@dataclass
class Season:
    fivew: FiveW
    april: ReportingRound
    drc_partner: Any


@pytest.fixture(name="season")
def season_fixture(fivew: FiveW) -> Season:
    """March 2026 (deadline 10 April): AMSS on time, returned once, handed in again and
    validated; DRC two days late; UNHCR on time but returned and not yet corrected; OTHER
    nothing. April (deadline 10 May) not yet due. In March: two incidents reported by AMSS, a
    cluster meeting AMSS attended and OTHER missed, an alert to the nuclear members answered by
    DRC only."""
    world = fivew.world
    op = world.operation
    drc_partner = make_user("focal@drc.test", "Dina DRC", world.drc)
    OperationRole.objects.create(user=drc_partner, operation=op, role=Role.PARTNER)
    march = fivew.round
    with at("2026-04-05"):
        save_rows(world.partner, world.amss, line())
        amss = submission_submit(by=world.partner, round=march, organisation=world.amss)
    with at("2026-04-09"):
        save_rows(world.coordinator, world.unhcr, line())
        unhcr = submission_submit(by=world.coordinator, round=march, organisation=world.unhcr)
    with at("2026-04-11"):
        submission_return(by=world.imo, submission=amss, comment="Totaux à revoir")
        submission_return(by=world.imo, submission=unhcr, comment="Lieux manquants")
    with at("2026-04-12"):
        save_rows(drc_partner, world.drc, line())
        submission_submit(by=drc_partner, round=march, organisation=world.drc)
    with at("2026-04-14"):
        amss = submission_submit(by=world.partner, round=march, organisation=world.amss)
    with at("2026-04-15"):
        submission_validate(by=world.imo, submission=amss)
    april = ReportingRound.objects.create(
        operation=op, month=datetime.date(2026, 4, 1), deadline=datetime.date(2026, 5, 10)
    )
    monitoring_seed(operation=op)
    for day in (3, 20):
        incident = make_incident(op, world.amss, fivew.areas["ML0501"], datetime.date(2026, 3, 1))
        incident.reported_on = datetime.date(2026, 3, day)
        incident.save(update_fields=["reported_on"])
    with at("2026-03-16"):
        meeting = meeting_create(
            operation=op,
            by=world.coordinator,
            body=world.cluster,
            title="Réunion mensuelle",
            starts_at=datetime.datetime(2026, 3, 16, 9, 0, tzinfo=datetime.UTC),
        )
        attendance_record(meeting=meeting, by=world.coordinator, organisations=[world.amss])
        alert = alert_create(
            operation=op,
            by=world.coordinator,
            kind="displacement",
            title="Déplacement à Bandiagara",
            occurred_on=datetime.date(2026, 3, 15),
            area=fivew.areas["ML0501"],
        )
        alert_send(alert=alert, by=world.coordinator)
        drc = alert.recipients.get(organisation=world.drc)
        alert_acknowledge(recipient=drc, by=drc_partner, response="Équipe mobile disponible")
    return Season(fivew=fivew, april=april, drc_partner=drc_partner)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def test_states_per_organisation_and_round(season: Season) -> None:
    world = season.fivew.world
    board = compliance.dashboard(world.operation, by_organisation=True)
    states = {
        card.organisation.acronym: [(c.state, c.times_returned) for c in card.cells]
        for card in board.scorecards
    }
    assert states == {
        "AMSS": [("on_time", 1), ("pending", 0)],
        "DRC": [("late", 0), ("pending", 0)],
        "OTHER": [("missing", 0), ("pending", 0)],
        "UNHCR": [("returned", 1), ("pending", 0)],
    }
    march, april = board.summaries
    assert march.counts == {"on_time": 1, "late": 1, "returned": 1, "missing": 1, "pending": 0}
    # On time: AMSS and UNHCR first handed in before the deadline; handed in: all but OTHER.
    assert (march.timeliness, march.completeness) == (50, 75)
    assert april.counts["pending"] == 4
    (drc,) = [c for c in board.scorecards if c.organisation.acronym == "DRC"]
    assert drc.cells[0].days_late == 2


def test_scorecard_counts_incidents_meetings_and_alerts(season: Season) -> None:
    world = season.fivew.world
    amss = compliance.scorecard(world.operation, world.amss)
    march = amss.cells[0].activity
    assert (march.incidents, march.meetings_held, march.meetings_attended) == (2, 1, 1)
    assert (amss.timeliness, amss.completeness, amss.times_returned) == (100, 100, 1)
    assert amss.participation == 100
    other = compliance.scorecard(world.operation, world.other_org)
    assert (other.cells[0].activity.meetings_held, other.cells[0].activity.meetings_attended) == (
        1,
        0,
    )
    assert other.participation == 0
    drc = compliance.scorecard(world.operation, world.drc)
    assert (drc.cells[0].activity.alerts_received, drc.cells[0].activity.alerts_answered) == (1, 1)
    unhcr = compliance.scorecard(world.operation, world.unhcr)
    assert unhcr.alerts_answered == 0


def test_partner_sees_its_own_scorecard_only(season: Season) -> None:
    world = season.fivew.world
    client = client_for(world.partner)
    own = client.get(url("compliance_scorecard", world.amss.pk))
    assert own.status_code == 200
    assert "AMSS" in own.content.decode()
    assert client.get(url("compliance_scorecard", world.drc.pk)).status_code == 404
    assert client.get(api("compliance-scorecard", world.drc.pk)).status_code == 404
    data = client.get(api("compliance-scorecard", world.amss.pk)).json()
    assert data["rounds"][0]["state"] == "on_time"
    # The dashboard gives a partner the aggregates, no organisation; with four organisations,
    # the one missing is a small count, hidden (test_donor_and_partner_get_small_...).
    board = client.get(api("compliance")).json()
    assert "organisations" not in board
    assert board["rounds"][0]["counts"]["missing"] is None
    assert board["rounds"][0]["expected"] == 4


def test_donor_sees_aggregates_without_any_organisation(season: Season) -> None:
    world = season.fivew.world
    client = client_for(world.viewer)
    # The page's text, not its attributes (a random CSRF token can hold "75" or "DRC").
    page = lxml.html.fromstring(client.get(url("compliance")).content).text_content()
    for acronym in ("AMSS", "DRC", "OTHER", "UNHCR"):
        assert not re.search(rf"\b{acronym}\b", page)
    # March's completeness (3 of 4) would give back the one organisation missing: hidden.
    assert not re.search(r"\b75\b", page)
    assert "organisations" not in client.get(api("compliance")).json()
    assert client.get(url("compliance_export", "xlsx")).status_code == 403
    assert client.get(url("compliance_scorecard", world.amss.pk)).status_code == 404


def test_coordinator_exports_xlsx_and_csv_with_hxl_tags(season: Season) -> None:
    world = season.fivew.world
    client = client_for(world.imo)
    response = client.get(url("compliance_export", "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(
            b"".join(response.streaming_content if response.streaming else [response.content])
        )
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("#org+acronym", "#date+month", "#date+deadline", "#status+report")
    march = {r[0]: r for r in rows[2:] if r[1] == "2026-03"}
    assert march["AMSS"][3] == "on_time"
    assert (march["AMSS"][6], march["AMSS"][7]) == (1, 2)
    assert march["DRC"][5] == 2
    text = client.get(url("compliance_export", "csv")).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[1][0] == "#org+acronym"
    assert len(table) == 2 + 4 * 2
    assert_valid_hxl(hxl_dataset(text.encode(), "csv"), min_rows=8)
    assert (
        AuditEntry.objects.filter(
            action="export", entity_type="capacity.compliance", actor=world.imo
        ).count()
        == 2
    )


def test_meetings_count_for_the_members_on_the_meeting_day(season: Season) -> None:
    """The meeting of 16 March counts for an organisation that was a member of the cluster that
    day: not for one that joined after it, nor for one that had already left (issue 17)."""
    from tutela.core.models import Membership

    world = season.fivew.world
    Membership.objects.filter(body=world.cluster, organisation=world.other_org).update(
        since=datetime.date(2026, 3, 20)
    )
    Membership.objects.filter(body=world.cluster, organisation=world.drc).update(
        until=datetime.date(2026, 3, 1)
    )
    Membership.objects.filter(body=world.cluster, organisation=world.unhcr).update(
        since=datetime.date(2026, 1, 1), until=datetime.date(2026, 12, 31)
    )
    held = {
        org.acronym: compliance.scorecard(world.operation, org).cells[0].activity.meetings_held
        for org in (world.other_org, world.drc, world.unhcr, world.amss)
    }
    assert held == {"OTHER": 0, "DRC": 0, "UNHCR": 1, "AMSS": 1}
    other = compliance.scorecard(world.operation, world.other_org)
    # No meeting was expected of OTHER: no participation rate, rather than 0 %.
    assert other.participation is None


def test_donor_and_partner_get_small_state_counts_suppressed(season: Season) -> None:
    """Issue 17: those who do not see organisations get the counts per state like every other
    aggregate leaving an organisation: with four organisations (under the threshold of 5), every
    non-zero count of March is hidden, and the rates with them; the coordinator sees them all."""
    world = season.fivew.world
    for persona in ("viewer", "partner"):
        board = compliance.dashboard(world.operation, by_organisation=False)
        march = board.summaries[0]
        assert march.counts == {
            "on_time": None,
            "late": None,
            "returned": None,
            "missing": None,
            "pending": 0,
        }
        assert (march.timeliness, march.completeness) == (None, None)
        api_data = client_for(getattr(world, persona)).get(api("compliance")).json()
        assert api_data["rounds"][0]["counts"]["late"] is None
        assert api_data["rounds"][0]["timeliness"] is None
        page = client_for(getattr(world, persona)).get(url("compliance"), HTTP_ACCEPT_LANGUAGE="en")
        assert "Small numbers of organisations" in page.content.decode()
    full = compliance.dashboard(world.operation, by_organisation=True).summaries[0]
    assert full.counts["late"] == 1
    assert full.timeliness == 50


def test_suppression_keeps_large_counts_and_hides_a_small_one_with_a_complement() -> None:
    from tutela.capacity.selectors.compliance import RoundSummary, _protected

    def summary(counts: dict[str, int], on_time: int, reported: int) -> RoundSummary:
        return RoundSummary(
            round=None,  # type: ignore[arg-type]
            expected=sum(counts.values()),
            counts=dict(counts),
            on_time=on_time,
            reported=reported,
        )

    large = _protected(
        summary({"on_time": 5, "late": 5, "returned": 0, "missing": 10, "pending": 0}, 5, 10), 5
    )
    assert large.counts == {"on_time": 5, "late": 5, "returned": 0, "missing": 10, "pending": 0}
    assert (large.timeliness, large.completeness) == (25, 50)
    small = _protected(
        summary({"on_time": 6, "late": 1, "returned": 0, "missing": 8, "pending": 0}, 6, 7), 5
    )
    assert small.counts["late"] is None
    # Not the only hidden count of its line, or the total would give it back.
    assert sum(v is None for v in small.counts.values()) >= 2
    assert (small.timeliness, small.completeness) == (None, None)
