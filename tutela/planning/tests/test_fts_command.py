"""`tutela import_fts`: the FTS flows export from the command line, through the same service as
the funding page (report printed, all or nothing, non-zero exit when rejected)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tutela.core.models import AuditEntry
from tutela.planning.models import FundingFlow, FundingImport
from tutela.planning.tests.plan_fixtures import PlanWorld

FLOWS = Path(__file__).parent / "fixtures" / "fts_flows_mali_2026.csv"
HDX = Path(__file__).parent / "fixtures" / "fts_incoming_funding_mli_hxl.csv"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_fts", *args, stdout=out)
    return out.getvalue()


def test_the_flows_export_is_imported_and_reported(plan_world: PlanWorld) -> None:
    world = plan_world.world
    slug = world.operation.slug
    as_imo = ("--as", world.imo.email)
    dry = run(str(FLOWS), "--operation", slug, "--year", "2026", "--dry-run", *as_imo)
    assert "Rows read: 11" in dry
    assert "created: 7" in dry
    assert "skipped: 4" in dry
    assert not FundingFlow.objects.exists()
    out = run(str(FLOWS), "--operation", slug, "--year", "2026", *as_imo)
    assert "Status: Imported" in out
    assert FundingFlow.objects.filter(year=2026).count() == 7
    # Every problem by row: a flow of another year, left out.
    assert "[warning] row 11: Row 11: flow 1510110 is for 2025, not 2026. Left out." in out
    record = FundingImport.objects.get(status=FundingImport.Status.IMPORTED)
    assert record.user == world.imo
    assert AuditEntry.objects.filter(entity_type="planning.fundingimport").exists()


def test_the_hdx_hxl_version_is_read_by_its_hashtags(plan_world: PlanWorld) -> None:
    slug = plan_world.world.operation.slug
    out = run(str(HDX), "--operation", slug, "--year", "2026")
    assert "Status: Imported" in out
    assert "skipped: 2" in out


def test_a_rejected_file_saves_nothing_and_fails(plan_world: PlanWorld, tmp_path: Path) -> None:
    bad = tmp_path / "flows.csv"
    bad.write_text("Donor,Recipient\nECHO,DRC\n", encoding="utf-8")
    slug = plan_world.world.operation.slug
    with pytest.raises(CommandError, match="rejected"):
        run(str(bad), "--operation", slug, "--year", "2026")
    assert not FundingFlow.objects.exists()
    with pytest.raises(CommandError, match="No file"):
        run(str(tmp_path / "missing.csv"), "--operation", slug, "--year", "2026")
    with pytest.raises(CommandError, match="No operation"):
        run(str(FLOWS), "--operation", "nowhere", "--year", "2026")
    with pytest.raises(CommandError, match="plan year"):
        run(str(FLOWS), "--operation", slug, "--year", "1999")
