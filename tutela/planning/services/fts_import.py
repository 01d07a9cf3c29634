"""Funding flows imported from OCHA's Financial Tracking Service (FTS): the flows export (CSV or
XLSX, with FTS's own column names, e.g. from a flow search of the country's plan) or its HXL
version published on HDX (`fts_incoming_funding_<iso3>.csv`: a header row and a hashtag row).

    record = funding_import_file(by=imo, operation=op, year=2026, path="fts_flows.csv")

Read through the shared import code (core.imports: reader, column matching on names, synonyms and
HXL hashtags, row-by-row problems, all or nothing, dry run, one audit entry). Re-imports update
the flow with the same FTS id; flows that disappeared from a later export are left as they are.

What is counted, and why (FTS's own rules for not counting money twice):
- parked flows are left out: they hold no money themselves, their child flows do;
- outgoing flows (money leaving the country) are left out;
- flows to a pooled fund (the fund's income) are left out: the money is counted when the fund
  allocates it to partners, in the fund's own flows to them;
- flows whose usage years (destination) do not include the import's year are left out;
- pledges are kept, and shown apart: a pledge is not funding received;
- a flow FTS shares across several years or places ("shared" on the boundary) counts in full, with
  a warning, as FTS shows it for each of them.
A flow goes to the project whose code is its destination project code, else to the organisation
whose name or acronym is its destination organisation; a flow that matches neither is kept (it
counts in the operation's total) with a warning.
"""

from __future__ import annotations

import os
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.core.imports import uploads
from tutela.core.imports.matching import match_columns
from tutela.core.imports.problems import ERROR, ImportFileError, Problem
from tutela.core.imports.readers import iter_records, read_table
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write
from tutela.planning import access
from tutela.planning.models import Donor, FundingFlow, FundingImport
from tutela.planning.services.fts_rows import (
    FTS_FIELDS,
    REQUIRED,
    FlowChecker,
    FlowRow,
    field_label,
    flow_values,
)

KIND = "fts_import"
STORED_PROBLEMS = uploads.STORED_PROBLEMS


def _require_funding_manager(by: User | None, operation: Operation) -> None:
    if by is not None:
        access.require_funding_manager(by, operation)


def funding_import_start(
    *,
    by: User | None,
    operation: Operation,
    year: int,
    file: Any,
    file_name: str = "",
    dry_run: bool = False,
    background: bool | None = None,
) -> FundingImport:
    """Import an upload now when small, or in the background worker when big."""
    _require_funding_manager(by, operation)

    def queue(upload: uploads.Upload) -> FundingImport:
        record = FundingImport(operation=operation, user=by, year=year, file_name=upload.name)
        return uploads.record_queue(
            record,
            data=upload.data,
            task=import_fts_in_background,
            job_kind="fts_import",
            dry_run=dry_run,
        )

    return uploads.upload_start(
        file,
        file_name,
        background=background,
        caller="funding_import_start",
        import_file=funding_import_file,
        queue=queue,
        by=by,
        operation=operation,
        year=year,
        dry_run=dry_run,
    )


def funding_import_run_recorded(*, record_id: int, dry_run: bool = False) -> FundingImport:
    """The background task's body: import the stored upload of a pending record."""
    record = FundingImport.objects.select_related("operation", "user", "job").get(pk=record_id)
    return uploads.record_run_queued(
        record,
        run=lambda data: funding_import_file(
            by=record.user,
            operation=record.operation,
            year=record.year,
            file=data,
            file_name=record.file_name,
            dry_run=dry_run,
            record=record,
        ),
        failed=lambda failed: _finish(
            failed, FundingImport.Status.REJECTED, [uploads.failed_problem()]
        ),
        counts=("created", "updated", "unchanged"),
        label="FTS import",
    )


def funding_import_file(
    *,
    by: User | None,
    operation: Operation,
    year: int,
    path: str | os.PathLike[str] | None = None,
    file: Any = None,
    file_name: str = "",
    dry_run: bool = False,
    record: FundingImport | None = None,
) -> FundingImport:
    """Import an FTS flows export for `year`. Returns the FundingImport record."""
    _require_funding_manager(by, operation)
    data = uploads.upload_bytes(path, file, caller="funding_import_file")
    file_name = uploads.upload_name(path, file, file_name, default="fts")
    if record is None:
        record = FundingImport(operation=operation, user=by, year=year, file_name=file_name)
        uploads.record_keep_upload(record, data, file_name)
        record.save()
    try:
        table = read_table(data, file_name=file_name)
    except ImportFileError as exc:
        return _finish(record, FundingImport.Status.REJECTED, [exc.as_problem()])
    match = match_columns(table.headers, table.hxl_tags, targets=FTS_FIELDS)
    missing = [name for name in REQUIRED if name not in match.fields]
    if missing:
        problem = uploads.missing_columns_problem(
            match, [field_label(name) for name in missing], can_map=False
        )
        return _finish(record, FundingImport.Status.REJECTED, [problem])
    checker = FlowChecker(operation, year, match.field_headers())
    clean: list[FlowRow] = []
    first: dict[str, int] = {}
    for number, values in iter_records(table, match.columns):
        item = checker.check(number, values)
        if item is None:
            continue
        if item.fts_id in first:
            checker.add(
                "id",
                "duplicate_flow",
                _("Row %(row)s repeats flow %(value)s of row %(other)s."),
                value=item.fts_id,
                other=first[item.fts_id],
            )
            continue
        first[item.fts_id] = number
        clean.append(item)
    problems = checker.problems
    record.rows_read = len(table.rows)
    record.skipped_count = checker.skipped
    if any(p.severity == ERROR for p in problems):
        return _finish(record, FundingImport.Status.REJECTED, problems)
    existing = {
        f.fts_id: f
        for f in FundingFlow.objects.filter(
            operation=operation, fts_id__in=[c.fts_id for c in clean]
        ).select_related("donor")
    }
    new = [c for c in clean if c.fts_id not in existing]
    changed = [
        c
        for c in clean
        if c.fts_id in existing
        and (flow_values(existing[c.fts_id]) != c.values() or existing[c.fts_id].year != year)
    ]
    record.created_count = len(new)
    record.updated_count = len(changed)
    record.unchanged_count = len(clean) - len(new) - len(changed)
    if dry_run:
        return _finish(record, FundingImport.Status.DRY_RUN, problems)
    with transaction.atomic():
        donors = _donors(operation, {c.donor for c in new + changed})
        FundingFlow.objects.bulk_create(
            [
                FundingFlow(
                    operation=operation,
                    year=year,
                    source=FundingFlow.Source.FTS,
                    import_record=record,
                    created_by=by,
                    **_flow_fields(c, donors),
                )
                for c in new
            ],
            batch_size=1000,
        )
        updates = []
        for c in changed:
            flow = existing[c.fts_id]
            for name, value in _flow_fields(c, donors).items():
                setattr(flow, name, value)
            flow.year = year
            flow.import_record = record
            updates.append(flow)
        FundingFlow.objects.bulk_update(
            updates, [*FLOW_FIELDS, "year", "import_record", "updated_at"], batch_size=1000
        )
        _finish(record, FundingImport.Status.IMPORTED, problems)
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE if changed else AuditEntry.Action.CREATE,
            operation=operation,
            entity_type=FundingImport._meta.label_lower,
            entity_id=str(record.pk),
            summary=(
                f"FTS flows {year} imported: {len(new)} created, {len(changed)} updated, "
                f"{record.skipped_count} left out — {record.file_name}"
            ),
            after={
                "year": year,
                "created": len(new),
                "updated": len(changed),
                "unchanged": record.unchanged_count,
                "skipped": record.skipped_count,
                "flows": sorted(c.fts_id for c in new + changed)[:200],
            },
        )
    return record


def _donors(operation: Operation, names: set[str]) -> dict[str, Donor]:
    keys = {name_key(n): n for n in names}
    found = {d.name_key: d for d in Donor.objects.filter(operation=operation, name_key__in=keys)}
    missing = [
        Donor(operation=operation, name=n, name_key=k) for k, n in keys.items() if k not in found
    ]
    Donor.objects.bulk_create(missing, ignore_conflicts=True)
    found = {d.name_key: d for d in Donor.objects.filter(operation=operation, name_key__in=keys)}
    return found


FLOW_FIELDS = (
    "fts_id",
    "amount_usd",
    "status",
    "donor",
    "project_id",
    "organisation_id",
    "description",
    "decision_date",
    "original_amount",
    "original_currency",
    "fts_destination",
    "fts_project_code",
)


def _flow_fields(item: FlowRow, donors: dict[str, Donor]) -> dict[str, Any]:
    return {
        "fts_id": item.fts_id,
        "amount_usd": item.amount_usd,
        "status": item.status,
        "donor": donors[name_key(item.donor)],
        "project_id": item.project_id,
        "organisation_id": item.organisation_id,
        "description": item.description,
        "decision_date": item.decision_date,
        "original_amount": item.original_amount,
        "original_currency": item.original_currency,
        "fts_destination": item.destination,
        "fts_project_code": item.project_code,
    }


def _finish(record: FundingImport, status: str, problems: list[Problem]) -> FundingImport:
    return uploads.record_finish(record, status=status, problems=problems, stored=STORED_PROBLEMS)


def funding_import_annotated(*, record: FundingImport) -> bytes:
    """The stored upload as xlsx with its problem cells highlighted."""
    return uploads.record_annotated_workbook(
        record, read=lambda data: read_table(data, file_name=record.file_name), recheck=None
    )


# Beside the service it runs and the one that queues it (tutela.planning.tasks lists it).
@task()
def import_fts_in_background(*, record_id: int, dry_run: bool = False) -> dict[str, object]:
    """Run a queued FTS import (see funding_import_start)."""
    record = funding_import_run_recorded(record_id=record_id, dry_run=dry_run)
    return {"import_id": record.pk, "status": record.status}
