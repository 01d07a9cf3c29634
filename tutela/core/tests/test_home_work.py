"""The operation's home page shows each signed-in user their work first (issue 14): a partner
focal point their organisation's 5W (due, returned with the reviewer's comment), action points and
alerts; the IMO and coordinator what waits for the cluster (reports to review, documents to clear,
alerts not acknowledged, new signals, overdue action points); a donor the latest products. Every
panel follows the rules of the page it links to: a partner never sees another organisation's
items, nor a draft."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tutela.activities.models import Submission
from tutela.activities.services.submissions import submission_return, submission_submit
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.conftest import client_for
from tutela.coordination.models import ActionPoint, Alert, AlertRecipient, ClearanceDocument
from tutela.core.models import AdminArea, ProtectionRisk
from tutela.core.services.reference import reference_seed
from tutela.core.tests.home_pages import home_html as _home
from tutela.core.tests.home_pages import panel_html as _panel
from tutela.monitoring.models import AnalysisUpdate, EarlyWarningSignal

pytestmark = pytest.mark.django_db

# Before the March round's deadline (10 April 2026).
BEFORE_DEADLINE = datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC)
AFTER_DEADLINE = datetime.datetime(2026, 4, 15, 9, tzinfo=datetime.UTC)


def _figure(panel: str) -> int:
    start = panel.index('<p class="figure">') + len('<p class="figure">')
    return int(panel[start:].split("<", 1)[0].split()[0].replace(",", ""))


@pytest.fixture
def frozen():
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        yield


# --- The partner focal point's 5W -----------------------------------------------------------------


def test_partner_home_shows_the_report_the_imo_returned(fivew, frozen):
    """The scenario of issue 14: the IMO returns a partner's 5W; the partner's home says so, with
    the comment and a link to the report, and the IMO's home no longer lists it for review."""
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    submitted = client_for(world.partner).post("/o/mali/5w/2026-03/submit/", {"org": "AMSS"})
    assert submitted.status_code == 302
    review = _panel(_home(world.imo), "5w-review")
    assert _figure(review) == 1
    assert "/o/mali/5w/2026-03/submissions/AMSS/" in review
    assert "Please split by commune" not in _home(world.partner)

    with TestCase.captureOnCommitCallbacks(execute=True):
        returned = client_for(world.imo).post(
            "/o/mali/5w/2026-03/submissions/AMSS/review/",
            {"action": "return", "comment": "Please split by commune."},
        )
    assert returned.status_code == 302
    assert Submission.objects.get(organisation=world.amss).status == "returned"

    panel = _panel(_home(world.partner), "5w-report")
    assert _figure(panel) == 1
    assert "returned for correction" in panel
    assert "Please split by commune." in panel
    assert 'href="/o/mali/5w/2026-03/submissions/AMSS/"' in panel
    assert _figure(_panel(_home(world.imo), "5w-review")) == 0


def test_partner_home_shows_the_open_round_and_its_deadline(fivew, frozen):
    world = fivew.world
    panel = _panel(_home(world.partner), "5w-report")
    assert _figure(panel) == 1
    assert "to submit" in panel
    assert "April 10, 2026" in panel
    assert 'href="/o/mali/5w/2026-03/rows/"' in panel
    assert "Overdue" not in panel


def test_a_report_still_due_after_the_deadline_is_overdue(fivew):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        panel = _panel(_home(fivew.world.partner), "5w-report")
    assert "Overdue" in panel


def test_a_submitted_report_leaves_nothing_to_do(fivew, frozen):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    submission_submit(by=world.partner, round=fivew.round, organisation=world.amss)
    panel = _panel(_home(world.partner), "5w-report")
    assert _figure(panel) == 0
    assert "AMSS has submitted its 5W reports" in panel


def test_without_an_open_round_the_partner_is_told_what_to_expect(world):
    panel = _panel(_home(world.partner), "5w-report")
    assert _figure(panel) == 0
    assert "No 5W round is open" in panel


# --- Access: a partner sees only its own organisation's items -------------------------------------


@pytest.fixture
def other_organisations_work(fivew, frozen):
    """Work of the OTHER organisation, and the cluster's drafts."""
    world = fivew.world
    save_rows(world.other_partner, world.other_org, line())
    submission = submission_submit(
        by=world.other_partner, round=fivew.round, organisation=world.other_org
    )
    submission_return(by=world.imo, submission=submission, comment="OTHER: rows duplicated.")
    ActionPoint.objects.create(
        operation=world.operation,
        title="OTHER distributes dignity kits",
        owner_organisation=world.other_org,
    )
    alert = Alert.objects.create(
        operation=world.operation,
        kind="displacement",
        title="Displacement towards Sévaré",
        occurred_on=datetime.date(2026, 4, 1),
        area=AdminArea.objects.get(pcode="ML05"),
        status=Alert.Status.SENT,
    )
    AlertRecipient.objects.create(alert=alert, organisation=world.other_org, reason="manual")
    ClearanceDocument.objects.create(
        operation=world.operation,
        kind="briefing_note",
        title="Draft briefing note on Ménaka",
        status=ClearanceDocument.Status.SUBMITTED,
        approver=world.coordinator,
        created_by=world.imo,
    )
    return world


def test_partner_never_sees_another_organisations_items(other_organisations_work):
    world = other_organisations_work
    page = _home(world.partner)
    for text in (
        "OTHER: rows duplicated.",
        "OTHER distributes dignity kits",
        "Displacement towards Sévaré",
        "Draft briefing note on Ménaka",
        "/submissions/OTHER/",
    ):
        assert text not in page
    assert _figure(_panel(page, "action-points-mine")) == 0
    assert _figure(_panel(page, "alerts-acknowledge")) == 0
    assert 'id="work-5w-review"' not in page
    assert 'id="work-documents-clearance"' not in page


def test_the_other_organisations_partner_sees_its_own_items(other_organisations_work):
    """The positive control of the test above: the same items reach their own organisation."""
    world = other_organisations_work
    page = _home(world.other_partner)
    assert "OTHER: rows duplicated." in _panel(page, "5w-report")
    assert "OTHER distributes dignity kits" in _panel(page, "action-points-mine")
    assert "Displacement towards Sévaré" in _panel(page, "alerts-acknowledge")
    assert "Draft briefing note on Ménaka" not in page


def test_an_acknowledged_alert_leaves_the_list(other_organisations_work):
    world = other_organisations_work
    AlertRecipient.objects.update(
        acknowledged_at=timezone.now(), acknowledged_by=world.other_partner
    )
    assert _figure(_panel(_home(world.other_partner), "alerts-acknowledge")) == 0


# --- The IMO and the coordinator ------------------------------------------------------------------


@pytest.fixture
def cluster_work(other_organisations_work):
    world = other_organisations_work
    ActionPoint.objects.create(
        operation=world.operation,
        title="Update the referral pathway",
        owner_organisation=world.drc,
        due_date=datetime.date(2026, 3, 20),
    )
    reference_seed(operation=world.operation)
    EarlyWarningSignal.objects.create(
        operation=world.operation,
        area=AdminArea.objects.get(pcode="ML05"),
        risk=ProtectionRisk.objects.filter(operation=world.operation).order_by("code").first(),
        month=datetime.date(2026, 3, 1),
        observed=9,
        expected=1.5,
        p_value=0.001,
    )
    return world


def test_imo_home_lists_what_waits_for_the_cluster(cluster_work):
    world = cluster_work
    page = _home(world.imo)
    overdue = _panel(page, "action-points-overdue")
    assert _figure(overdue) == 1
    assert "Update the referral pathway" in overdue
    assert "Overdue" in overdue
    documents = _panel(page, "documents-clearance")
    assert _figure(documents) == 1
    assert "Draft briefing note on Ménaka" in documents
    alerts = _panel(page, "alerts-tracking")
    assert _figure(alerts) == 1
    assert "1 of 1 recipients have not acknowledged it" in alerts
    signals = _panel(page, "signals")
    assert _figure(signals) == 1
    assert "/o/mali/monitoring/signals/" in signals
    # The returned report is the partner's to correct, not the IMO's to review.
    assert _figure(_panel(page, "5w-review")) == 0
    # The work comes before the directory.
    assert page.index('id="work-title"') < page.index('id="summary-title"')


def test_coordinator_is_told_the_document_is_theirs_to_clear(cluster_work):
    panel = _panel(_home(cluster_work.coordinator), "documents-clearance")
    assert "Draft briefing note on Ménaka" in panel
    assert "You clear it." in panel


def test_imo_home_queries_do_not_grow_with_the_records(cluster_work):
    world = cluster_work
    _home(world.imo)
    with CaptureQueriesContext(connection) as before:
        _home(world.imo)
    for i in range(10):
        ActionPoint.objects.create(
            operation=world.operation,
            title=f"Point {i}",
            owner_organisation=world.unhcr,
            due_date=datetime.date(2026, 3, 1),
        )
    with CaptureQueriesContext(connection) as after:
        _home(world.imo)
    assert len(after.captured_queries) == len(before.captured_queries)
    # 67: the signals card reads its evidence (count, baseline) through the same disclosure-
    # controlled atoms as the signals page, a constant 5 queries more than the names alone, the
    # incident data version its atoms are cached under (monitoring.selectors.atoms), and whether
    # the months between its period's ends and their quarters' hold incidents (periods.held_period).
    assert len(after.captured_queries) <= 67


# --- The donor / viewer ---------------------------------------------------------------------------


def test_viewer_home_shows_the_latest_published_products(cluster_work):
    world = cluster_work
    ClearanceDocument.objects.create(
        operation=world.operation,
        kind="statement",
        title="Statement on attacks on schools",
        status=ClearanceDocument.Status.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=3),
    )
    AnalysisUpdate.objects.create(
        operation=world.operation,
        period="2026Q1",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        title="Protection Analysis Update Q1 2026",
        status=AnalysisUpdate.Status.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=1),
    )
    AnalysisUpdate.objects.create(
        operation=world.operation,
        period="2026Q2",
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 6, 30),
        title="Draft PAU Q2",
    )
    page = _home(world.viewer)
    products = _panel(page, "products")
    assert _figure(products) == 2
    # Latest first, from both apps.
    assert products.index("Protection Analysis Update Q1 2026") < products.index(
        "Statement on attacks on schools"
    )
    assert "Draft PAU Q2" not in page
    for key in ("5w-report", "5w-review", "action-points-mine", "documents-clearance", "signals"):
        assert f'id="work-{key}"' not in page


def test_viewer_without_products_is_told_nothing_is_published(world):
    products = _panel(_home(world.viewer), "products")
    assert "Nothing has been published yet." in products
