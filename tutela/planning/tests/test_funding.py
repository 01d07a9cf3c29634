"""Requirements against funding by organisation, area and activity; flows entered by hand;
the funding pages, chart and exports."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.core.models import AdminArea, AuditEntry
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset
from tutela.planning.models import FundingFlow
from tutela.planning.selectors.funding import funding_coverage
from tutela.planning.services import funding as services
from tutela.planning.services import projects as project_services
from tutela.planning.services.fts_import import funding_import_file
from tutela.planning.tests.plan_fixtures import PlanWorld
from tutela.planning.tests.project_fixtures import sheet

pytestmark = pytest.mark.django_db

FLOWS = Path(__file__).parent / "fixtures" / "fts_flows_mali_2026.csv"


@pytest.fixture
def funded(plan_world: PlanWorld) -> PlanWorld:
    """AMSS's approved project (USD 150,000 over Bandiagara and Djenné, PSS and awareness) and
    the FTS flows of the fixture."""
    world = plan_world.world
    project = sheet(
        world,
        plan=plan_world.plan,
        code="HMLI26-PRO-204518",
        areas=list(AdminArea.objects.filter(pcode__in=["ML0501", "ML0502"])),
        activities=("PRO-PSS", "PRO-AWA"),
    )
    project_services.project_submit(project=project, by=world.partner)
    project_services.project_approve(project=project, by=world.coordinator)
    record = funding_import_file(by=world.imo, operation=world.operation, year=2026, path=FLOWS)
    assert record.status == "imported"
    return plan_world


def test_coverage_by_organisation(funded: PlanWorld) -> None:
    world = funded.world
    coverage = funding_coverage(world.operation, year=2026, by="organisation")
    rows = {r.code: r for r in coverage.rows}
    amss = rows["AMSS"]
    assert (amss.requirements, amss.funded, amss.pledged) == (
        Decimal("150000.00"),
        Decimal("295000.00"),
        Decimal("300000.00"),
    )
    assert amss.pct_funded == 196.7
    assert rows["DRC"].funded == Decimal("270000.00")
    assert rows["DRC"].requirements == 0
    assert rows["OTHER"].funded == Decimal("120000.00")
    # UNHCR's flow names an organisation Tutela does not know.
    assert coverage.unattributed.funded == Decimal("400000.00")
    assert coverage.total.funded == Decimal("1085000.00")
    assert coverage.total.requirements == Decimal("150000.00")


def test_coverage_by_area_spreads_projects_over_their_locations(funded: PlanWorld) -> None:
    world = funded.world
    coverage = funding_coverage(world.operation, year=2026, by="area", level=2)
    rows = {r.code: r for r in coverage.rows}
    assert set(rows) == {"ML0501", "ML0502"}
    assert rows["ML0501"].requirements == Decimal("75000.00")
    assert rows["ML0501"].funded == Decimal("125000.00")
    assert rows["ML0501"].pledged == Decimal("150000.00")
    # Funding that names no project cannot be placed on an area.
    assert coverage.unattributed.funded == Decimal("835000.00")
    assert coverage.total.funded == Decimal("1085000.00")
    by_region = funding_coverage(world.operation, year=2026, by="area", level=1)
    [mopti] = by_region.rows
    assert (mopti.code, mopti.requirements, mopti.funded) == (
        "ML05",
        Decimal("150000.00"),
        Decimal("250000.00"),
    )


def test_coverage_by_activity(funded: PlanWorld) -> None:
    world = funded.world
    coverage = funding_coverage(world.operation, year=2026, by="activity")
    rows = {r.code: r for r in coverage.rows}
    assert set(rows) == {"PRO-PSS", "PRO-AWA"}
    assert rows["PRO-AWA"].requirements == Decimal("75000.00")


def test_manual_funding_is_audited_and_for_managers(plan_world: PlanWorld) -> None:
    world = plan_world.world
    with pytest.raises(PermissionDenied):
        services.funding_flow_record(
            operation=world.operation,
            by=world.partner,
            donor="ECHO",
            amount_usd=Decimal("10"),
            status="paid",
            year=2026,
        )
    flow = services.funding_flow_record(
        operation=world.operation,
        by=world.imo,
        donor="  European Commission's  Humanitarian Aid ",
        amount_usd=Decimal("50000"),
        status="commitment",
        year=2026,
        organisation=world.amss,
    )
    assert flow.donor.name == "European Commission's Humanitarian Aid"
    assert AuditEntry.objects.filter(entity_type="planning.fundingflow", action="create").exists()
    project = sheet(world, by=world.coordinator, organisation=world.drc)
    with pytest.raises(ValidationError):
        services.funding_flow_update(
            flow=flow, by=world.imo, project=project, organisation=world.amss
        )
    services.funding_flow_update(flow=flow, by=world.imo, project=project)
    flow.refresh_from_db()
    assert flow.organisation == world.drc
    services.funding_flow_delete(flow=flow, by=world.imo)
    assert not FundingFlow.objects.exists()


def test_fts_flows_keep_their_amounts_but_can_be_placed(funded: PlanWorld) -> None:
    world = funded.world
    flow = FundingFlow.objects.get(fts_id="1510104")
    with pytest.raises(ValidationError):
        services.funding_flow_update(flow=flow, by=world.imo, amount_usd=Decimal("1"))
    services.funding_flow_update(flow=flow, by=world.imo, organisation=world.unhcr)
    coverage = funding_coverage(world.operation, year=2026, by="organisation")
    assert {r.code: r.funded for r in coverage.rows}["UNHCR"] == Decimal("400000.00")
    assert coverage.unattributed.funded == 0


def test_funding_pages(funded: PlanWorld, as_user) -> None:
    world = funded.world
    viewer = as_user(world.viewer)
    page = viewer.get(reverse("planning:funding", args=["mali"]), {"by": "area", "level": "2"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "ML0501" in body
    assert reverse("planning:fts_upload", args=["mali"]) not in body
    # The chart is in the page (no image request), one bar pair per row with figures.
    assert '<svg class="chart" role="img" aria-label="Bar chart: requirements' in body
    assert '<img class="chart"' not in body
    assert "<title>ML0501" in body
    chart = viewer.get(reverse("planning:funding_chart", args=["mali", "png"]))
    assert chart["Content-Type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    assert (
        as_user(world.partner).get(reverse("planning:fts_upload", args=["mali"])).status_code == 403
    )
    assert (
        as_user(world.partner).get(reverse("planning:flow_create", args=["mali"])).status_code
        == 403
    )
    assert (
        as_user(world.outsider).get(reverse("planning:funding", args=["mali"])).status_code == 404
    )
    manager = as_user(world.imo).get(reverse("planning:funding", args=["mali"]))
    assert reverse("planning:fts_upload", args=["mali"]) in manager.content.decode()


def test_coverage_export_has_hxl_and_totals(funded: PlanWorld, as_user) -> None:
    world = funded.world
    response = as_user(world.coordinator).get(
        reverse("planning:funding_export", args=["mali", "csv"]), {"by": "organisation"}
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1].split(",")[:2] == ["#org+acronym+impl", "#org+name+impl"]
    assert "#value+funding+required+usd" in lines[1]
    assert any(line.startswith("AMSS,") and "295000.0" in line for line in lines)
    assert_valid_hxl(hxl_dataset(response.content, "csv"))
    assert AuditEntry.objects.filter(action="export", summary__contains="funding-2026").exists()
    xlsx = as_user(world.coordinator).get(
        reverse("planning:funding_export", args=["mali", "xlsx"]), {"by": "activity"}
    )
    from openpyxl import load_workbook

    sheet_ = load_workbook(BytesIO(xlsx.content)).active
    assert sheet_["A2"].value == "#activity+code"


def test_flows_export_neutralises_formulas(funded: PlanWorld, as_user) -> None:
    world = funded.world
    response = as_user(world.viewer).get(reverse("planning:flow_export", args=["mali", "csv"]))
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text
    assert_valid_hxl(hxl_dataset(response.content, "csv"))


def test_fts_upload_page_dry_run_then_commit(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    client = as_user(world.imo)
    with FLOWS.open("rb") as handle:
        response = client.post(
            reverse("planning:fts_upload", args=["mali"]),
            {"file": handle, "year": "2026", "dry_run": "on"},
        )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert not FundingFlow.objects.exists()
    record_id = int(response["Location"].rstrip("/").split("/")[-1])
    committed = client.post(reverse("planning:fts_import_commit", args=["mali", record_id]))
    assert committed.status_code == 302
    assert FundingFlow.objects.count() == 7
    annotated = client.get(reverse("planning:fts_import_annotated", args=["mali", record_id]))
    assert annotated.status_code == 200
    assert annotated["Content-Type"].startswith("application/vnd.openxmlformats")
