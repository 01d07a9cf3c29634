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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from tutela.core.counts import MAX_AMOUNT, max_amount_text
from tutela.core.imports import uploads
from tutela.core.imports.matching import match_columns
from tutela.core.imports.problems import ERROR, WARNING, ImportFileError, Problem, row_problem
from tutela.core.imports.readers import iter_records, read_table
from tutela.core.imports.values import ParseError, is_blank, parse_date, text
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write
from tutela.planning import access
from tutela.planning.models import Donor, FundingFlow, FundingImport, Project

KIND = "fts_import"
STORED_PROBLEMS = uploads.STORED_PROBLEMS


@dataclass(frozen=True)
class FtsField:
    # FTS's own key (the flows API and the HDX files use it as the column name).
    name: str
    label: Promise
    hxl: str = ""
    synonyms: tuple[str, ...] = field(default=())


FTS_FIELDS = (
    FtsField(
        "id",
        gettext_lazy("FTS flow id"),
        "#activity+id+fts_internal",
        ("flow id", "flowid", "fts id", "flow"),
    ),
    FtsField(
        "amountUSD",
        gettext_lazy("Amount (USD)"),
        "#value+funding+total+usd",
        ("amount usd", "amount us", "amount in usd", "usd", "amount"),
    ),
    FtsField("budgetYear", gettext_lazy("Budget year"), "#date+year+budget", ("budget year",)),
    FtsField(
        "description", gettext_lazy("Description"), "#description+notes", ("flow description",)
    ),
    # No hashtag: HDX tags the contribution type and the flow type alike.
    FtsField("flowType", gettext_lazy("Flow type"), "", ("flow type",)),
    FtsField("originalAmount", gettext_lazy("Original amount"), "#value+funding+total"),
    FtsField(
        "originalCurrency",
        gettext_lazy("Original currency"),
        "#value+funding+total+currency",
        ("currency",),
    ),
    FtsField("method", gettext_lazy("Method"), "#financial+method"),
    FtsField(
        "status", gettext_lazy("Status"), "#status+text", ("flow status", "contribution status")
    ),
    FtsField("boundary", gettext_lazy("Boundary"), "#financial+direction", ("flow boundary",)),
    FtsField("onBoundary", gettext_lazy("On boundary"), "", ("on boundary",)),
    FtsField("decisionDate", gettext_lazy("Decision date"), "#date+decision", ("decision date",)),
    FtsField("date", gettext_lazy("Flow date"), "#date", ("flow date",)),
    FtsField(
        "srcOrganization",
        gettext_lazy("Source organisation"),
        "#org+name+funder",
        (
            "source organization",
            "source organisation",
            "source org",
            "donor",
            "source organizations",
        ),
    ),
    FtsField(
        "destOrganization",
        gettext_lazy("Destination organisation"),
        "#org+name+impl",
        (
            "destination organization",
            "destination organisation",
            "destination org",
            "recipient organization",
            "recipient",
        ),
    ),
    FtsField(
        "destOrganizationTypes",
        gettext_lazy("Destination organisation type"),
        "#org+type+impl+list",
        ("destination organization type", "destination organisation type"),
    ),
    FtsField(
        "destProjectCode",
        gettext_lazy("Destination project code"),
        "#activity+project+code+impl",
        ("destination project code", "project code"),
    ),
    FtsField(
        "destProject",
        gettext_lazy("Destination project"),
        "#activity+project+name+impl",
        ("destination project",),
    ),
    FtsField(
        "destPlan",
        gettext_lazy("Destination plan"),
        "#activity+appeal+name+impl",
        ("destination plan",),
    ),
    FtsField(
        "destPlanCode",
        gettext_lazy("Destination plan code"),
        "#activity+appeal+id+external+impl",
        ("destination plan code",),
    ),
    FtsField(
        "destPlanId",
        gettext_lazy("Destination plan id"),
        "#activity+appeal+id+fts_internal+impl",
        ("destination plan id",),
    ),
    FtsField(
        "destGlobalClusters",
        gettext_lazy("Destination global cluster"),
        "#sector+cluster+name+impl+list",
        ("destination global cluster", "destination global clusters", "global cluster"),
    ),
    FtsField(
        "destUsageYearStart",
        gettext_lazy("Destination usage year (start)"),
        "#date+year+start+impl",
        ("destination usage year start", "destination usage year", "usage year"),
    ),
    FtsField(
        "destUsageYearEnd",
        gettext_lazy("Destination usage year (end)"),
        "#date+year+end+impl",
        ("destination usage year end",),
    ),
    FtsField("parentFlowId", gettext_lazy("Parent flow"), "", ("parent flow id", "parent flow")),
)
FTS_BY_NAME = {f.name: f for f in FTS_FIELDS}
REQUIRED = ("id", "amountUSD", "srcOrganization")

STATUSES = {
    "pledge": FundingFlow.Status.PLEDGE,
    "pledged": FundingFlow.Status.PLEDGE,
    "commitment": FundingFlow.Status.COMMITMENT,
    "committed": FundingFlow.Status.COMMITMENT,
    "paid": FundingFlow.Status.PAID,
    "paid contribution": FundingFlow.Status.PAID,
}
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f\u2009'’")
# An amount in its original currency: not added up, only shown; bounded by its column (18 digits
# with 2 decimals would take more, but no currency needs it). Amounts in US dollars, which the
# funding figures add up, are bounded by tutela.core.counts.MAX_AMOUNT.
MAX_ORIGINAL_AMOUNT = Decimal("99999999999999.99")


def parse_money(value: Any, maximum: Decimal = MAX_ORIGINAL_AMOUNT) -> Decimal | None:
    """An amount as FTS and spreadsheets write it ("250000", 250000.0, "1,250,000.50",
    "1 250 000,50"); None when blank; ParseError when not a non-negative amount (code
    "too_large" above `maximum`)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ParseError("not_number")
    try:
        if isinstance(value, int | float):
            amount = Decimal(str(value))
        else:
            raw = str(value).strip().translate(_SEPARATORS).removeprefix("$")
            if _GROUPED.match(raw):
                raw = raw.replace(",", "")
            elif _DECIMAL_COMMA.match(raw):
                raw = raw.replace(",", ".")
            amount = Decimal(raw)
    except InvalidOperation:
        raise ParseError("not_number") from None
    if not amount.is_finite():
        raise ParseError("not_number")
    if amount < 0:
        raise ParseError("negative")
    if amount > maximum:
        raise ParseError("too_large")
    return amount.quantize(Decimal("0.01"))


def _year(value: Any) -> int | None:
    if is_blank(value):
        return None
    raw = text(value)[:4]
    return int(raw) if raw.isdigit() else None


@dataclass
class FlowRow:
    row: int
    fts_id: str
    amount_usd: Decimal
    status: str
    donor: str
    destination: str
    project_code: str
    project_id: int | None
    organisation_id: int | None
    description: str
    decision_date: Any
    original_amount: Decimal | None
    original_currency: str

    def values(self) -> tuple[Any, ...]:
        return (
            self.amount_usd,
            self.status,
            name_key(self.donor),
            self.project_id,
            self.organisation_id,
            self.description,
            self.decision_date,
            self.original_amount,
            self.original_currency,
            self.destination,
            self.project_code,
        )


def _flow_values(flow: FundingFlow) -> tuple[Any, ...]:
    return (
        flow.amount_usd,
        flow.status,
        flow.donor.name_key,
        flow.project_id,
        flow.organisation_id,
        flow.description,
        flow.decision_date,
        flow.original_amount,
        flow.original_currency,
        flow.fts_destination,
        flow.fts_project_code,
    )


class _Checker:
    """Checks one row at a time against the operation's projects and organisations."""

    def __init__(self, operation: Operation, year: int, columns: Mapping[str, str]) -> None:
        self.year = year
        self.columns = columns
        self.problems: list[Problem] = []
        self.row = 0
        self.skipped = 0
        self.projects = {
            code.lower(): (pk, org_id)
            for pk, code, org_id in Project.objects.filter(operation=operation).values_list(
                "pk", "code", "organisation_id"
            )
        }
        self.organisations: dict[str, int] = {}
        for pk, acronym, name in operation.organisations.values_list("pk", "acronym", "name"):
            for key in (name_key(name), name_key(acronym)):
                if key:
                    self.organisations.setdefault(key, pk)

    def add(
        self,
        name: str,
        code: str,
        message: str,
        /,
        *,
        value: Any = "",
        severity: str = ERROR,
        **params: Any,
    ) -> None:
        label = str(FTS_BY_NAME[name].label) if name else ""
        self.problems.append(
            row_problem(
                row=self.row,
                field=name,
                column=(self.columns.get(name) or label) if name else "",
                code=code,
                message=message,
                value=value,
                severity=severity,
                **params,
            )
        )

    def skip(self, code: str, message: str, **params: Any) -> None:
        self.skipped += 1
        self.add("", code, message, severity=WARNING, **params)

    def organisation(self, destination: str) -> int | None:
        key = name_key(destination)
        if key in self.organisations:
            return self.organisations[key]
        # "Association Malienne pour la Survie au Sahel (AMSS)".
        found = re.search(r"\(([^)]+)\)\s*$", destination)
        if found:
            return self.organisations.get(name_key(found.group(1)))
        return None

    def money(
        self, row: Mapping[str, Any], name: str, maximum: Decimal = MAX_ORIGINAL_AMOUNT
    ) -> Decimal | None:
        raw = row.get(name)
        try:
            return parse_money(raw, maximum)
        except ParseError as error:
            if error.code == "too_large":
                self.add(
                    name,
                    "too_large",
                    _(
                        "Row %(row)s, column “%(column)s”: %(value)s is more than %(max)s, "
                        "the largest amount Tutela accepts."
                    ),
                    value=raw,
                    max=(
                        max_amount_text()
                        if maximum == MAX_AMOUNT
                        else number_format(maximum, force_grouping=True)
                    ),
                )
                return None
            self.add(
                name,
                "not_amount",
                _("Row %(row)s, column “%(column)s”: “%(value)s” is not an amount of 0 or more."),
                value=raw,
            )
            return None

    def excluded(self, row: Mapping[str, Any], fts_id: str) -> bool:
        """Flows left out on purpose (see the module's rules), with a warning each."""
        flow_type = name_key(text(row.get("flowType")))
        if flow_type == "parked":
            self.skip(
                "parked",
                _(
                    "Row %(row)s: flow %(flow)s is a parked flow; its money is in its child "
                    "flows. Left out."
                ),
                flow=fts_id,
            )
            return True
        boundary = name_key(text(row.get("boundary")))
        if boundary == "outgoing":
            self.skip(
                "outgoing",
                _("Row %(row)s: flow %(flow)s leaves the country (outgoing). Left out."),
                flow=fts_id,
            )
            return True
        types = name_key(text(row.get("destOrganizationTypes")))
        destination = text(row.get("destOrganization"))
        if "pooled fund" in types or re.search(
            r"humanitarian fund|pooled fund|fonds humanitaire", destination, re.IGNORECASE
        ):
            self.skip(
                "to_pooled_fund",
                _(
                    "Row %(row)s: flow %(flow)s goes to a pooled fund (%(fund)s); it is counted "
                    "when the fund allocates it to partners. Left out."
                ),
                flow=fts_id,
                fund=destination,
            )
            return True
        start = _year(row.get("destUsageYearStart"))
        end = _year(row.get("destUsageYearEnd")) or start
        if start is not None and end is not None and not start <= self.year <= end:
            self.skip(
                "other_year",
                _("Row %(row)s: flow %(flow)s is for %(years)s, not %(year)s. Left out."),
                flow=fts_id,
                years=f"{start}" if start == end else f"{start}-{end}",
                year=self.year,
            )
            return True
        return False

    def check(self, number: int, row: Mapping[str, Any]) -> FlowRow | None:
        self.row = number
        before = len(self.problems)
        fts_id = text(row.get("id"))
        if not fts_id:
            self.add("id", "missing", _("Row %(row)s, column “%(column)s”: the value is missing."))
            return None
        if self.excluded(row, fts_id):
            return None
        amount = self.money(row, "amountUSD", MAX_AMOUNT)
        if amount is None and len(self.problems) == before:
            self.add(
                "amountUSD", "missing", _("Row %(row)s, column “%(column)s”: the value is missing.")
            )
        original = self.money(row, "originalAmount")
        donor = text(row.get("srcOrganization"))
        if not donor:
            self.add(
                "srcOrganization",
                "missing",
                _("Row %(row)s, column “%(column)s”: the value is missing."),
            )
        raw_status = text(row.get("status"))
        status = STATUSES.get(name_key(raw_status)) if raw_status else FundingFlow.Status.PAID
        if status is None:
            self.add(
                "status",
                "unknown_status",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an FTS status "
                    "(pledge, commitment, paid)."
                ),
                value=raw_status,
            )
        decision = None
        for name in ("decisionDate", "date"):
            try:
                decision = parse_date(row.get(name))
            except ParseError:
                self.add(
                    name,
                    "not_date",
                    _("Row %(row)s, column “%(column)s”: “%(value)s” is not a date."),
                    value=row.get(name),
                )
            if decision is not None:
                break
        if any(p.severity == ERROR for p in self.problems[before:]):
            return None
        assert amount is not None
        assert status is not None
        destination = text(row.get("destOrganization"))
        code = text(row.get("destProjectCode"))
        project = self.projects.get(code.lower()) if code else None
        organisation_id = project[1] if project else self.organisation(destination)
        if code and project is None:
            self.add(
                "destProjectCode",
                "unknown_project",
                _(
                    "Row %(row)s, column “%(column)s”: no project of the operation has the code "
                    "“%(value)s”; the flow counts for its organisation only."
                ),
                value=code,
                severity=WARNING,
            )
        if organisation_id is None:
            self.add(
                "destOrganization",
                "unknown_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an organisation of "
                    "the operation; the flow counts in the total only."
                ),
                value=destination,
                severity=WARNING,
            )
        if name_key(text(row.get("onBoundary"))) == "shared":
            self.add(
                "onBoundary",
                "shared",
                _(
                    "Row %(row)s: FTS shares flow %(flow)s across several years or places; its "
                    "whole amount is counted here, as FTS shows it."
                ),
                flow=fts_id,
                severity=WARNING,
            )
        return FlowRow(
            row=number,
            fts_id=fts_id,
            amount_usd=amount,
            status=status,
            donor=donor[:300],
            destination=destination[:300],
            project_code=code[:60],
            project_id=project[0] if project else None,
            organisation_id=organisation_id,
            description=text(row.get("description")),
            decision_date=decision,
            original_amount=original,
            original_currency=text(row.get("originalCurrency"))[:3].upper(),
        )


def _label(name: str) -> str:
    return str(FTS_BY_NAME[name].label)


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
            match, [_label(name) for name in missing], can_map=False
        )
        return _finish(record, FundingImport.Status.REJECTED, [problem])
    checker = _Checker(operation, year, match.field_headers())
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
        and (_flow_values(existing[c.fts_id]) != c.values() or existing[c.fts_id].year != year)
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
