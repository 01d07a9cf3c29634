"""Importing FTS flows: the flows export (CSV and XLSX) and its HXL version on HDX, with FTS's
rules for not counting money twice, re-imports by FTS id, and bad files refused whole."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import Workbook

from tutela.core import workers
from tutela.core.models import AuditEntry
from tutela.core.services import files
from tutela.planning.models import FundingFlow, FundingImport
from tutela.planning.services import projects as project_services
from tutela.planning.services.fts_import import funding_import_file, funding_import_start
from tutela.planning.services.fts_rows import parse_money
from tutela.planning.tests.plan_fixtures import PlanWorld
from tutela.planning.tests.project_fixtures import sheet

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
FLOWS = FIXTURES / "fts_flows_mali_2026.csv"
HDX = FIXTURES / "fts_incoming_funding_mli_hxl.csv"


def approved_project(plan_world: PlanWorld, code: str = "HMLI26-PRO-204518") -> object:
    world = plan_world.world
    project = sheet(world, plan=plan_world.plan, code=code)
    project_services.project_submit(project=project, by=world.partner)
    return project_services.project_approve(project=project, by=world.coordinator)


def run(plan_world: PlanWorld, **kwargs: object) -> FundingImport:
    world = plan_world.world
    kwargs.setdefault("path", FLOWS)
    return funding_import_file(by=world.imo, operation=world.operation, year=2026, **kwargs)


def codes(record: FundingImport) -> list[tuple[int | None, str]]:
    return [(p["row"], p["code"]) for p in record.problems]


def test_flows_export_imports_what_counts(plan_world: PlanWorld) -> None:
    project = approved_project(plan_world)
    record = run(plan_world)
    assert record.status == FundingImport.Status.IMPORTED, record.problems
    assert (record.rows_read, record.created_count, record.skipped_count) == (11, 7, 4)
    skipped = {code for _row, code in codes(record)}
    assert {"parked", "to_pooled_fund", "outgoing", "other_year"} <= skipped
    # Warnings, not errors: the flows are kept.
    assert (5, "unknown_organisation") in codes(record)
    assert (8, "unknown_project") in codes(record)
    assert (10, "shared") in codes(record)
    flows = {f.fts_id: f for f in FundingFlow.objects.all()}
    assert set(flows) == {
        "1510101",
        "1510102",
        "1510104",
        "1510105",
        "1510107",
        "1510109",
        "1510111",
    }
    world = plan_world.world
    assert flows["1510101"].project == project
    assert flows["1510101"].organisation == world.amss
    assert flows["1510101"].amount_usd == Decimal("250000.00")
    assert (flows["1510101"].original_amount, flows["1510101"].original_currency) == (
        Decimal("230000.00"),
        "EUR",
    )
    assert flows["1510102"].organisation == world.drc
    assert flows["1510102"].amount_usd == Decimal("180000.00")
    assert flows["1510104"].organisation is None
    assert flows["1510104"].fts_destination.startswith("Office of the United Nations")
    assert flows["1510105"].status == FundingFlow.Status.PLEDGE
    assert flows["1510107"].organisation == world.other_org
    assert flows["1510107"].project is None
    assert flows["1510107"].donor.name == "Mali Humanitarian Fund"
    assert all(f.year == 2026 and f.source == FundingFlow.Source.FTS for f in flows.values())
    entry = AuditEntry.objects.get(entity_type="planning.fundingimport")
    assert entry.after["created"] == 7
    assert entry.after["skipped"] == 4


def test_reimport_updates_by_fts_id(plan_world: PlanWorld) -> None:
    run(plan_world)
    again = run(plan_world)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 7)
    text = FLOWS.read_text(encoding="utf-8").replace('"180,000.00"', '"185,500.00"')
    changed = run(plan_world, path=None, file=text.encode(), file_name="fts.csv")
    assert (changed.created_count, changed.updated_count, changed.unchanged_count) == (0, 1, 6)
    assert FundingFlow.objects.get(fts_id="1510102").amount_usd == Decimal("185500.00")
    assert FundingFlow.objects.count() == 7


def test_dry_run_saves_nothing(plan_world: PlanWorld) -> None:
    record = run(plan_world, dry_run=True)
    assert record.status == FundingImport.Status.DRY_RUN
    assert record.created_count == 7
    assert not FundingFlow.objects.exists()


def test_hdx_hxl_version(plan_world: PlanWorld) -> None:
    approved_project(plan_world)
    record = run(plan_world, path=HDX)
    assert record.status == FundingImport.Status.IMPORTED, record.problems
    # The parked flow is recognised by its flowType column, although HDX tags it like the
    # contribution type; the flow to the pooled fund is left out too.
    assert (record.created_count, record.skipped_count) == (3, 2)
    assert sorted(FundingFlow.objects.values_list("fts_id", flat=True)) == [
        "1510101",
        "1510102",
        "1510104",
    ]
    assert FundingFlow.objects.get(fts_id="1510101").project is not None


def test_hdx_file_with_only_hashtags(plan_world: PlanWorld) -> None:
    lines = HDX.read_text(encoding="utf-8").splitlines()
    # Some HXL tools drop the header row and keep the hashtags only.
    record = run(plan_world, path=None, file="\n".join(lines[1:]).encode(), file_name="hxl.csv")
    assert record.status == FundingImport.Status.IMPORTED, record.problems
    assert FundingFlow.objects.filter(fts_id="1510104", amount_usd=400000).exists()
    # Without a flowType column the parked parent cannot be told apart: it holds 0 USD and
    # adds nothing.
    assert sum(FundingFlow.objects.values_list("amount_usd", flat=True)) == Decimal("830000.00")


def test_xlsx_export(plan_world: PlanWorld) -> None:
    workbook = Workbook()
    sheet_ = workbook.active
    assert sheet_ is not None
    sheet_.title = "Flows"
    with FLOWS.open(encoding="utf-8") as handle:
        for number, line in enumerate(csv.reader(handle)):
            if number == 0:
                sheet_.append(line)
                continue
            # Numbers as Excel keeps them.
            values: list[object] = list(line)
            values[1] = float(str(values[1]).replace(",", ""))
            sheet_.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = run(plan_world, path=None, file=buffer.getvalue(), file_name="fts.xlsx")
    assert record.status == FundingImport.Status.IMPORTED, record.problems
    assert record.created_count == 7
    assert FundingFlow.objects.get(fts_id="1510102").amount_usd == Decimal("180000.00")


def test_bad_rows_reject_the_whole_file(plan_world: PlanWorld) -> None:
    text = FLOWS.read_text(encoding="utf-8")
    text = text.replace('1510102,"180,000.00"', "1510102,lots")
    text = text.replace("1510111,45000", "1510101,45000")
    text = text.replace(",commitment,internal,", ",promised,internal,")
    record = run(plan_world, path=None, file=text.encode(), file_name="bad.csv")
    assert record.status == FundingImport.Status.REJECTED
    errors = [(p["row"], p["code"]) for p in record.problems if p["severity"] == "error"]
    assert (3, "not_amount") in errors
    assert (12, "duplicate_flow") in errors
    assert (8, "unknown_status") in errors
    assert not FundingFlow.objects.exists()
    assert "lots" in next(p["message"] for p in record.problems if p["code"] == "not_amount")


def test_file_without_amounts_is_refused(plan_world: PlanWorld) -> None:
    content = b"id,description\n1,Something\n"
    record = run(plan_world, path=None, file=content, file_name="wrong.csv")
    assert record.status == FundingImport.Status.REJECTED
    assert record.problems[0]["code"] == "missing_columns"
    assert record.rows_read == 1  # the engine says how many rows the refused file held


def test_an_fts_upload_abandoned_by_a_killed_web_request_is_rejected(
    plan_world: PlanWorld,
) -> None:
    """FTS uploads are upload records like the 5W's (core.models.imports.UploadRecordBase): one
    left pending by a web process that died is rejected by the workers' sweep, not left
    pending for ever."""
    world = plan_world.world
    record = FundingImport.objects.create(
        operation=world.operation, user=world.imo, year=2026, file_name="fts.csv"
    )
    FundingImport.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert workers.uploads_reap_abandoned() == 1
    record.refresh_from_db()
    assert record.status == FundingImport.Status.REJECTED
    assert "The server stopped while importing this file" in record.problems[0]["message"]


def test_a_rejected_fts_upload_keeps_its_file_until_it_expires(
    plan_world: PlanWorld, django_capture_on_commit_callbacks: Any
) -> None:
    content = b"id,description\n1,Something\n"
    record = run(plan_world, path=None, file=content, file_name="wrong.csv")
    assert record.status == FundingImport.Status.REJECTED
    assert record.file  # kept for the annotated workbook
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=49)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        files.stored_files_clean()
    record.refresh_from_db()
    assert not record.file


def test_not_a_spreadsheet_is_refused(plan_world: PlanWorld) -> None:
    record = run(plan_world, path=None, file=b"PK\x03\x04garbage", file_name="x.xlsx")
    assert record.status == FundingImport.Status.REJECTED
    assert not FundingFlow.objects.exists()


def test_partner_cannot_import(plan_world: PlanWorld) -> None:
    world = plan_world.world
    with pytest.raises(PermissionDenied):
        funding_import_file(by=world.partner, operation=world.operation, year=2026, path=FLOWS)


def test_large_upload_is_imported_in_the_background(
    plan_world: PlanWorld, django_capture_on_commit_callbacks
) -> None:
    world = plan_world.world
    with django_capture_on_commit_callbacks(execute=True):
        record = funding_import_start(
            by=world.imo,
            operation=world.operation,
            year=2026,
            file=io.BytesIO(FLOWS.read_bytes()),
            file_name="fts.csv",
            background=True,
        )
    assert record.job is not None
    record.refresh_from_db()
    assert record.status == FundingImport.Status.IMPORTED
    assert FundingFlow.objects.count() == 7


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("250000", Decimal("250000.00")),
        (250000.5, Decimal("250000.50")),
        ("1,250,000.50", Decimal("1250000.50")),
        ("1 250 000,50", Decimal("1250000.50")),
        ("", None),
    ],
)
def test_amounts_as_written(raw: object, expected: Decimal | None) -> None:
    assert parse_money(raw) == expected
