"""Funding flows imported from OCHA's Financial Tracking Service (FTS): the flows export (CSV or
XLSX, with FTS's own column names, e.g. from a flow search of the country's plan) or its HXL
version published on HDX (`fts_incoming_funding_<iso3>.csv`: a header row and a hashtag row).

    record = funding_import_file(by=imo, operation=op, year=2026, path="fts_flows.csv")

Imported on the import engine (`FundingImporter`, a tutela.core.imports.engine.Importer: reader,
column matching on names, synonyms and HXL hashtags, row-by-row problems, all or nothing, dry run,
big files in the background worker; one audit entry). Re-imports update the flow with the same
FTS id; flows that disappeared from a later export are left as they are.

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
from typing import Any, Never

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.core.imports import uploads
from tutela.core.imports.engine import Checked, Importer, Mapped, Progress, Written
from tutela.core.imports.matching import match_columns
from tutela.core.imports.problems import Problem
from tutela.core.imports.readers import Table, iter_records, read_table
from tutela.core.models import AuditEntry, Job, Operation, User
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


# FTS exports have fixed columns, matched on FTS's names and HXL hashtags: no saved mapping
# (`Never`: the engine's `mapping` is always None) and no organisation (FundingImport has none).
class FundingImporter(Importer[FundingImport, Never, FlowRow]):
    """An FTS flows export for `year`, checked flow by flow (fts_rows.FlowChecker) and saved all
    or nothing, with one audit entry. PermissionDenied when `by` may not manage the operation's
    funding (`by=None`: the command line)."""

    label = "FTS import"
    caller = "funding_import_file"
    default_name = "fts"
    job_kind = KIND
    counts = ("created", "updated", "unchanged")

    def __init__(
        self,
        *,
        by: User | None,
        operation: Operation,
        year: int,
        dry_run: bool = False,
        job: Job | None = None,
    ) -> None:
        _require_funding_manager(by, operation)
        super().__init__(by=by, operation=operation, organisation=None, dry_run=dry_run, job=job)
        self.year = year

    def new_record(self, file_name: str) -> FundingImport:
        return FundingImport(
            operation=self.operation,
            user=self.by,
            year=self.year,
            file_name=file_name,
            job=self.job,
        )

    def read(self, data: bytes, record: FundingImport) -> Table:
        return read_table(data, file_name=record.file_name)

    def map(self, table: Table) -> Mapped:
        match = match_columns(table.headers, table.hxl_tags, targets=FTS_FIELDS)
        missing = [name for name in REQUIRED if name not in match.fields]
        problems: list[Problem] = []
        if missing:
            problems.append(
                uploads.missing_columns_problem(
                    match, [field_label(name) for name in missing], can_map=False
                )
            )
        return Mapped(table=table, match=match, values=None, problems=problems)

    def check(self, mapped: Mapped, progress: Progress | None) -> Checked[FlowRow]:
        checker = FlowChecker(self.operation, self.year, mapped.match.field_headers())
        checked: Checked[FlowRow] = Checked(rows_read=len(mapped.table.rows))
        first: dict[str, int] = {}
        for number, values in iter_records(mapped.table, mapped.match.columns):
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
            checked.items.append(item)
            checked.rows.append(number)
        checked.problems = checker.problems
        checked.skipped = checker.skipped
        return checked

    def write(
        self, record: FundingImport, checked: Checked[FlowRow], progress: Progress | None
    ) -> Written:
        clean = checked.items
        existing = {
            f.fts_id: f
            for f in FundingFlow.objects.filter(
                operation=self.operation, fts_id__in=[c.fts_id for c in clean]
            ).select_related("donor")
        }
        new = [c for c in clean if c.fts_id not in existing]
        changed = [
            c
            for c in clean
            if c.fts_id in existing
            and (
                flow_values(existing[c.fts_id]) != c.values()
                or existing[c.fts_id].year != self.year
            )
        ]
        counts = {
            "created_count": len(new),
            "updated_count": len(changed),
            "unchanged_count": len(clean) - len(new) - len(changed),
        }
        if self.dry_run:
            return Written(status=FundingImport.Status.DRY_RUN, counts=counts)
        written = Written(status=FundingImport.Status.IMPORTED, counts=counts)
        with transaction.atomic():
            self._save(record, new, changed, existing)
            # The record says "imported" in the flows' transaction: never flows saved without
            # it (the engine finishes it again, the same, once written).
            self.finish(
                record,
                status=written.status,
                problems=checked.problems,
                checked=checked,
                written=written,
            )
            self._audit(record, new, changed)
        return written

    def _save(
        self,
        record: FundingImport,
        new: list[FlowRow],
        changed: list[FlowRow],
        existing: dict[str, FundingFlow],
    ) -> None:
        donors = _donors(self.operation, {c.donor for c in new + changed})
        FundingFlow.objects.bulk_create(
            [
                FundingFlow(
                    operation=self.operation,
                    year=self.year,
                    source=FundingFlow.Source.FTS,
                    import_record=record,
                    created_by=self.by,
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
            flow.year = self.year
            flow.import_record = record
            updates.append(flow)
        FundingFlow.objects.bulk_update(
            updates, [*FLOW_FIELDS, "year", "import_record", "updated_at"], batch_size=1000
        )

    def _audit(self, record: FundingImport, new: list[FlowRow], changed: list[FlowRow]) -> None:
        year = self.year
        audit_write(
            actor=self.by,
            action=AuditEntry.Action.UPDATE if changed else AuditEntry.Action.CREATE,
            operation=self.operation,
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

    def finish(
        self,
        record: FundingImport,
        *,
        status: str,
        problems: list[Problem],
        checked: Checked[FlowRow] | None = None,
        written: Written | None = None,
    ) -> FundingImport:
        counts = dict(written.counts) if written is not None else {}
        if checked is not None:
            counts["rows_read"] = checked.rows_read
            counts["skipped_count"] = checked.skipped
        return uploads.record_finish(
            record, status=status, problems=problems, stored=STORED_PROBLEMS, **counts
        )

    def queue(self, record: FundingImport, data: bytes) -> FundingImport:
        return uploads.record_queue(
            record,
            data=data,
            task=import_fts_in_background,
            job_kind=self.job_kind,
            dry_run=self.dry_run,
        )


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
    importer = FundingImporter(by=by, operation=operation, year=year, dry_run=dry_run)
    return importer.start(file=file, file_name=file_name, background=background)


def funding_import_run_recorded(*, record_id: int, dry_run: bool = False) -> FundingImport:
    """The background task's body: import the stored upload of a pending record."""
    record = FundingImport.objects.select_related("operation", "user", "job").get(pk=record_id)
    return FundingImporter.run_stored(
        record,
        lambda: FundingImporter(
            by=record.user,
            operation=record.operation,
            year=record.year,
            dry_run=dry_run,
            job=record.job,
        ),
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
    importer = FundingImporter(by=by, operation=operation, year=year, dry_run=dry_run)
    return importer.import_file(path=path, file=file, file_name=file_name, record=record)


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
