"""Bulk import of protection incidents and community monitoring rows from monitoring-network
files (CSV, XLSX, KoboToolbox/ODK exports), all or nothing, on the 5W importer's machinery
(tutela.core.imports: reading, column matching, problems by row and column, annotated workbook;
and the 5W value maps).

    record = import_monitoring_file(by=user, operation=op, organisation=org, kind="incidents",
                                    file=upload, file_name=upload.name, dry_run=True)
    record.status       -> "imported" | "rejected" | "dry_run"
    record.problems     -> the first 500 problems, by row and column
    import_annotated_workbook(record=record) -> the upload with its problem cells marked (xlsx)

Files:
- one row per incident (or per community × month × respondent type); the columns are those of
  `tutela.monitoring.import_fields` (or a saved MonitoringMapping's);
- Kobo/ODK exports are read as they come: "group_x/field" headers are read as "field", the 0/1
  columns of each select_multiple option are left out, select_multiple cells are space-separated
  codes, and `_uuid` (or instanceID) is the record's external identifier;
- coded values are our codes, or their English/French names, or a label of another typology
  (RiskMapping: ACLED event types, Sahel monitoring labels) for risks, or what the mapping's value
  table says (`MonitoringMapping.values` = {field: {value in the file: code}}, "" for blank cells
  and missing columns, "*" for any other value, null to skip the row — the 5W conventions; an
  optional "_typology" key names the RiskMapping typology looked up first);
- locations by P-code (any level, or admin 1-3 P-code columns) or by admin 1-3 names.

Re-importing the same file updates the records with the same external identifier (incidents) or
the same external identifier / community, month and respondent type (community rows): no
duplicates. The stored upload is deleted once imported (it may hold personal data).

Reading and checking the rows is in tutela.monitoring.import_rows; the saved mappings in
tutela.monitoring.services.import_mappings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.imports import uploads
from tutela.core.imports.bulk import collector_paused
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ERROR, ImportFileError, Problem
from tutela.core.imports.readers import Table
from tutela.core.imports.values import is_blank
from tutela.core.imports.values import text as cell_text
from tutela.core.models import AuditEntry, Job, Operation, Organisation
from tutela.core.services import files
from tutela.core.services.audit import audit_write
from tutela.monitoring import access as monitoring_access
from tutela.monitoring import import_fields as fields
from tutela.monitoring.import_fields import FieldSet
from tutela.monitoring.import_rows import (
    SEPARATORS,
    Checked,
    CommunityItem,
    RowReader,
    check_table,
    column_problems,
    fieldset_for,
    match_file,
    read_file,
)
from tutela.monitoring.incident_data import (
    References,
)
from tutela.monitoring.models import (
    CommunityReport,
    CommunityRisk,
    Incident,
    Kind,
    MonitoringImport,
    MonitoringMapping,
)

logger = logging.getLogger(__name__)

__all__ = [
    "can_import",
    "community_reports_save_many",
    "import_annotated_workbook",
    "import_get_for_user",
    "import_inspect",
    "import_monitoring_file",
    "import_monitoring_start",
    "import_organisation",
    "import_organisations",
    "imports_for_user",
]

# Problems kept on the record for the page (the annotated workbook has all of them).
STORED_PROBLEMS = uploads.STORED_PROBLEMS


# --- access --------------------------------------------------------------------------------------


def can_import(user: Any, operation: Operation) -> bool:
    """Members of an organisation of the operation import for it; managers see the imports and
    import for organisations that delegated monitoring imports to them."""
    return access.is_manager(user, operation) or monitoring_access.can_record(user, operation)


def import_organisations(user: Any, operation: Operation) -> QuerySet[Organisation]:
    """The organisations the user may import for (the upload form's choices)."""
    return monitoring_access.writable_organisations(user, operation)


def import_organisation(
    user: Any, operation: Operation, chosen: Organisation | None
) -> Organisation:
    """The organisation an upload is for: the user's own by default; another one only for a
    manager it delegated monitoring imports to (and the command line, `user=None`).
    PermissionDenied when not allowed: an import updates the organisation's records matched by
    their identifier, so nobody outside it may run one without its consent."""
    in_operation = operation.organisations.all()
    if user is None:
        if chosen is None or not in_operation.filter(pk=chosen.pk).exists():
            raise PermissionDenied(_("Choose an organisation of the operation."))
        return chosen
    if chosen is None:
        if not monitoring_access.can_record(user, operation):
            raise PermissionDenied(_("Choose an organisation of the operation."))
        organisation: Organisation = user.organisation
        return organisation
    if not in_operation.filter(pk=chosen.pk).exists():
        raise PermissionDenied(_("Choose an organisation of the operation."))
    if not monitoring_access.can_write_for(user, operation, chosen):
        if access.is_manager(user, operation):
            raise PermissionDenied(
                _(
                    "%(org)s has not authorised the operation's coordinators and information "
                    "management officers to import its monitoring data."
                )
                % {"org": chosen.acronym}
            )
        raise PermissionDenied(_("You may only import for your own organisation."))
    return chosen


def imports_for_user(user: Any, operation: Operation) -> QuerySet[MonitoringImport]:
    """Uploads the user may see listed: all of the operation's for managers, their own
    organisation's for its members, none otherwise."""
    records = MonitoringImport.objects.filter(operation=operation).select_related(
        "organisation", "user", "mapping", "job"
    )
    if access.is_manager(user, operation):
        return records
    if monitoring_access.can_record(user, operation):
        return records.filter(organisation_id=user.organisation_id)
    return records.none()


def import_get_for_user(user: Any, operation: Operation, pk: Any) -> MonitoringImport:
    from django.http import Http404

    found = imports_for_user(user, operation).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def can_see_content(user: Any, record: MonitoringImport) -> bool:
    """The file's rows and their problems (cell values) are for the uploader and the members of
    the organisation the file is for: records belong to the reporting organisation, so a
    coordinator who imported for a partner sees the rows, other managers only the counts."""
    if record.user_id is not None and record.user_id == getattr(user, "pk", None):
        return True
    return record.organisation_id == getattr(
        user, "organisation_id", None
    ) and monitoring_access.can_record(user, record.operation)


# --- saving community rows -----------------------------------------------------------------------


@transaction.atomic
def community_reports_save_many(
    *,
    operation: Operation,
    organisation: Organisation,
    by: Any,
    items: Sequence[CommunityItem],
    import_record: MonitoringImport | None = None,
) -> tuple[int, int]:
    """Save community monitoring rows all or nothing. A row updates the organisation's report
    with the same external identifier, or else the same month, area, community and respondent
    type; the others are created. Returns (created, updated). Raises ValidationError for codes
    the operation does not have."""
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            _("%(org)s is not an organisation of this operation.") % {"org": organisation.acronym}
        )
    if by is not None and not monitoring_access.can_write_for(by, operation, organisation):
        raise PermissionDenied(
            _("Only %(org)s's members change its records.") % {"org": organisation.acronym}
        )
    refs = References.load(operation)
    user = by if getattr(by, "is_authenticated", False) else None
    ours = CommunityReport.objects.filter(operation=operation, organisation=organisation)
    by_id = {
        r.external_id: r
        for r in ours.filter(external_id__in=[i.external_id for i in items if i.external_id])
    }
    months = {i.month for i in items}
    by_key = {
        (r.month, r.area_id, r.community.casefold(), r.respondent): r
        for r in ours.filter(month__in=months)
    }
    new: list[tuple[CommunityReport, CommunityItem]] = []
    changed: list[tuple[CommunityReport, CommunityItem]] = []
    try:
        for item in items:
            area = refs.area(item.area_pcode)
            if area is None or area.level < 1:
                raise ValidationError(
                    _("%(pcode)s is not a known P-code.") % {"pcode": item.area_pcode}
                )
            levels = refs.ancestors(area)
            key = (item.month, area.id, item.community.casefold(), item.respondent)
            report = by_id.get(item.external_id) if item.external_id else None
            report = report or by_key.get(key)
            if report is None:
                report = CommunityReport(
                    operation=operation, organisation=organisation, created_by=user
                )
                new.append((report, item))
            else:
                changed.append((report, item))
            report.month = item.month
            report.area_id = area.id
            report.admin1_id = levels[1].id
            report.admin2_id = levels[2].id if 2 in levels else None
            report.community = item.community
            report.respondent = item.respondent
            report.interviews = item.interviews
            report.coping = item.coping
            report.access_to_services = item.access_to_services
            report.import_record = import_record
            if item.external_id:
                report.external_id = item.external_id
            report.full_clean(
                exclude=[
                    "operation",
                    "organisation",
                    "area",
                    "admin1",
                    "admin2",
                    "import_record",
                    "created_by",
                ],
                validate_unique=False,
                validate_constraints=False,
            )
            by_key[key] = report
        risks = {item_key: refs.risks[item_key] for item_key in refs.risks}
        CommunityReport.objects.bulk_create([r for r, _i in new])
        CommunityReport.objects.bulk_update(
            [r for r, _i in changed],
            [
                "month",
                "area",
                "admin1",
                "admin2",
                "community",
                "respondent",
                "interviews",
                "coping",
                "access_to_services",
                "import_record",
                "external_id",
                "updated_at",
            ],
        )
        CommunityRisk.objects.filter(report__in=[r for r, _i in changed]).delete()
        lines: list[tuple[CommunityRisk, CommunityItem]] = []
        for report, item in (*new, *changed):
            for code in item.risks:
                lines.append((CommunityRisk(report=report, risk=risks[code.lower()]), item))
        CommunityRisk.objects.bulk_create([line for line, _i in lines])
        perpetrator_rows = []
        group_rows = []
        Perpetrators = CommunityRisk.perpetrators.through
        Groups = CommunityRisk.population_groups.through
        for line, item in lines:
            for code in dict.fromkeys(item.perpetrators):
                perpetrator_rows.append(
                    Perpetrators(
                        communityrisk_id=line.pk,
                        perpetratorcategory_id=refs.perpetrators[code.lower()].pk,
                    )
                )
            for code in dict.fromkeys(item.population_groups):
                group_rows.append(
                    Groups(
                        communityrisk_id=line.pk,
                        populationgroup_id=refs.population_groups[code.lower()].pk,
                    )
                )
        Perpetrators.objects.bulk_create(perpetrator_rows)
        Groups.objects.bulk_create(group_rows)
    except KeyError as error:
        raise ValidationError(_("Unknown code %(code)s.") % {"code": error}) from None
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        operation=operation,
        entity_type="monitoring.communityreport",
        entity_id=str(import_record.pk) if import_record is not None else "",
        summary=(
            f"Community monitoring rows imported for {organisation.acronym}: "
            f"{len(new)} created, {len(changed)} updated"
        ),
    )
    return len(new), len(changed)


def _would_update(
    operation: Operation, organisation: Organisation, kind: str, items: Sequence[Any]
) -> int:
    """How many items a save would update (the others would be created)."""
    if kind == Kind.INCIDENTS:
        ids = [i.external_id for i in items if i.external_id]
        return Incident.objects.filter(
            operation=operation, organisation=organisation, external_id__in=ids
        ).count()
    ours = CommunityReport.objects.filter(operation=operation, organisation=organisation)
    known_ids = set(ours.exclude(external_id="").values_list("external_id", flat=True))
    keys = {
        (m, p.upper(), c.casefold(), r)
        for m, p, c, r in ours.filter(month__in={i.month for i in items}).values_list(
            "month", "area__pcode", "community", "respondent"
        )
    }
    return sum(
        1
        for i in items
        if (i.external_id and i.external_id in known_ids)
        or (i.month, i.area_pcode.upper(), i.community.casefold(), i.respondent) in keys
    )


# --- the import ----------------------------------------------------------------------------------


def _content(path: str | os.PathLike[str] | None, file: Any) -> bytes:
    return uploads.upload_bytes(path, file, caller="import_monitoring_file")


def _finish(
    record: MonitoringImport,
    *,
    status: str,
    problems: list[Problem],
    checked: Checked | None = None,
    created: int = 0,
    updated: int = 0,
) -> MonitoringImport:
    counts = {"rows_read": checked.rows_read} if checked is not None else {}
    return uploads.record_finish(
        record,
        status=status,
        problems=problems,
        stored=STORED_PROBLEMS,
        created_count=created,
        updated_count=updated,
        **counts,
    )


def _mapping_check(mapping: MonitoringMapping | None, operation: Operation, kind: str) -> None:
    if mapping is not None and (mapping.operation_id != operation.pk or mapping.kind != kind):
        raise PermissionDenied(_("This mapping belongs to another operation or kind of file."))


def import_monitoring_file(
    *,
    by: Any,
    operation: Operation,
    organisation: Organisation | None,
    kind: str = Kind.INCIDENTS,
    path: str | os.PathLike[str] | None = None,
    file: Any = None,
    file_name: str = "",
    mapping: MonitoringMapping | None = None,
    dry_run: bool = False,
    job: Job | None = None,
    record: MonitoringImport | None = None,
) -> MonitoringImport:
    """Import a file of incidents or community monitoring rows for `organisation` (members: their
    own; managers and the command line, `by=None`: any organisation of the operation).

    Returns the MonitoringImport: "imported", "dry_run" (nothing saved; counts of what would be)
    or "rejected" (nothing saved; see its problems). Never raises for a bad file; raises
    PermissionDenied when the user may not import for the organisation."""
    if kind not in Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    organisation = import_organisation(by, operation, organisation)
    _mapping_check(mapping, operation, kind)
    file_name = uploads.upload_name(path, file, file_name)
    refused: ImportFileError | None = None
    try:
        data = _content(path, file)
    except ImportFileError as exc:
        # Too big to read: rejected, and not kept.
        data, refused = b"", exc
    if record is None:
        record = MonitoringImport(
            operation=operation,
            organisation=organisation,
            kind=kind,
            user=by if getattr(by, "is_authenticated", False) else None,
            file_name=file_name,
            mapping=mapping,
            job=job,
        )
        if refused is None:
            uploads.record_keep_upload(record, data, file_name)
        record.save()
    if refused is not None:
        return _finish(
            record, status=MonitoringImport.Status.REJECTED, problems=[refused.as_problem()]
        )
    with collector_paused():
        try:
            return _import(
                by=by,
                operation=operation,
                organisation=organisation,
                kind=kind,
                data=data,
                file_name=file_name,
                mapping=mapping,
                dry_run=dry_run,
                job=job,
                record=record,
            )
        except PermissionDenied:
            raise
        except Exception:
            # A bug must not leave half a file: the save is one transaction, rolled back.
            logger.exception("Monitoring import %s failed", record.pk)
            return _finish(
                record, status=MonitoringImport.Status.REJECTED, problems=[uploads.failed_problem()]
            )


def _check_file(
    data: bytes,
    *,
    operation: Operation,
    kind: str,
    file_name: str,
    mapping: MonitoringMapping | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Table | None, Checked]:
    fieldset = fieldset_for(operation, kind)
    try:
        table = read_file(data, file_name=file_name, fieldset=fieldset)
    except ImportFileError as error:
        return None, Checked(problems=[error.as_problem()])
    match = match_file(table, fieldset, mapping)
    values = mapping.values if mapping is not None else None
    problems = column_problems(match, fieldset, values)
    if any(p.severity == ERROR for p in problems):
        return table, Checked(problems=problems, rows_read=len(table.rows))
    checked = check_table(
        table=table,
        operation=operation,
        fieldset=fieldset,
        match=match,
        values=values,
        progress=progress,
    )
    checked.problems = problems + checked.problems
    return table, checked


def _import(
    *,
    by: Any,
    operation: Operation,
    organisation: Organisation,
    kind: str,
    data: bytes,
    file_name: str,
    mapping: MonitoringMapping | None,
    dry_run: bool,
    job: Job | None,
    record: MonitoringImport,
) -> MonitoringImport:
    progress = uploads.progress_reporter(job)
    if progress:
        progress(1)
    _table, checked = _check_file(
        data,
        operation=operation,
        kind=kind,
        file_name=file_name,
        mapping=mapping,
        progress=progress,
    )
    problems = checked.problems
    if checked.errors:
        return _finish(
            record, status=MonitoringImport.Status.REJECTED, problems=problems, checked=checked
        )
    if dry_run:
        updated = _would_update(operation, organisation, kind, checked.items)
        return _finish(
            record,
            status=MonitoringImport.Status.DRY_RUN,
            problems=problems,
            checked=checked,
            created=len(checked.items) - updated,
            updated=updated,
        )
    if progress:
        progress(85)
    try:
        with transaction.atomic():
            if kind == Kind.INCIDENTS:
                from tutela.monitoring.services.incidents import incidents_save_many

                created, updated = incidents_save_many(
                    operation=operation,
                    organisation=organisation,
                    by=by,
                    items=checked.items,
                    import_record=record,
                )
            else:
                created, updated = community_reports_save_many(
                    operation=operation,
                    organisation=organisation,
                    by=by,
                    items=checked.items,
                    import_record=record,
                )
            _finish(
                record,
                status=MonitoringImport.Status.IMPORTED,
                problems=problems,
                checked=checked,
                created=created,
                updated=updated,
            )
    except ValidationError as error:
        problems = problems + _save_problems(error, checked.rows)
        return _finish(
            record, status=MonitoringImport.Status.REJECTED, problems=problems, checked=checked
        )
    except (IntegrityError, DatabaseError) as error:
        logger.warning("Monitoring import refused by the database: %s", error)
        problems = problems + [
            Problem(
                row=None,
                column="",
                field="",
                code="conflict",
                message=_(
                    "The rows could not be saved because records changed in the meantime or "
                    "break a rule of the database; nothing was saved. Please try again."
                ),
            )
        ]
        return _finish(
            record, status=MonitoringImport.Status.REJECTED, problems=problems, checked=checked
        )
    # The upload may hold personal data (narratives): not kept once imported, even with
    # warnings (the page lists them).
    if record.file:
        files.file_release(record.file)
        record.save()
    if progress:
        progress(100)
    return record


def _save_problems(error: ValidationError, rows: list[int]) -> list[Problem]:
    """The service's ValidationError as problems on the spreadsheet's rows."""
    found: list[Problem] = []
    for item in error.error_list:
        params = item.params or {}
        position = params.get("row")
        row = (
            rows[position - 1] if isinstance(position, int) and 0 < position <= len(rows) else None
        )
        message = str(params.get("message") or (item.message % params if params else item.message))
        found.append(
            Problem(
                row=row,
                column="",
                field=str(params.get("field", "")),
                code=item.code or "invalid",
                message=_("Row %(row)s: %(message)s") % {"row": row, "message": message}
                if row
                else message,
            )
        )
    return found


def import_monitoring_start(
    *,
    by: Any,
    operation: Operation,
    organisation: Organisation | None,
    kind: str,
    file: Any,
    file_name: str = "",
    mapping: MonitoringMapping | None = None,
    dry_run: bool = False,
    background: bool | None = None,
) -> MonitoringImport:
    """Import an upload now when small, or in the background worker when big (or when
    `background` says so): a queued import returns its record "pending" with a Job whose
    progress the page polls."""
    organisation = import_organisation(by, operation, organisation)
    _mapping_check(mapping, operation, kind)

    def queue(upload: uploads.Upload) -> MonitoringImport:
        from tutela.monitoring.tasks_imports import import_monitoring_in_background

        record = MonitoringImport(
            operation=operation,
            organisation=organisation,
            kind=kind,
            user=by if getattr(by, "is_authenticated", False) else None,
            file_name=upload.name,
            mapping=mapping,
        )
        return uploads.record_queue(
            record,
            data=upload.data,
            task=import_monitoring_in_background,
            job_kind="monitoring_import",
            dry_run=dry_run,
        )

    return uploads.upload_start(
        file,
        file_name,
        background=background,
        caller="import_monitoring_start",
        import_file=import_monitoring_file,
        queue=queue,
        by=by,
        operation=operation,
        organisation=organisation,
        kind=kind,
        mapping=mapping,
        dry_run=dry_run,
    )


def import_monitoring_run_recorded(*, record_id: int, dry_run: bool = False) -> MonitoringImport:
    """The background task's body: import the stored upload of a queued record."""
    record = MonitoringImport.objects.select_related(*uploads.RECORD_RELATIONS).get(pk=record_id)
    return uploads.record_run_stored(
        record,
        import_file=import_monitoring_file,
        finish=_finish,
        counts=("created", "updated"),
        label="Monitoring import",
        kind=record.kind,
        dry_run=dry_run,
    )


# --- looking at a file, annotated workbook -------------------------------------------------------


@dataclass
class Inspection:
    table: Table
    match: ColumnMatch
    fieldset: FieldSet
    problems: list[Problem]
    sample: list[tuple[int, list[Any]]] = field(default_factory=list)
    # field -> distinct values of its column the importer does not recognise
    unknown: dict[str, list[str]] = field(default_factory=dict)


def import_inspect(
    *,
    operation: Operation,
    kind: str,
    file: Any,
    file_name: str = "",
    mapping: MonitoringMapping | None = None,
    columns: Mapping[str, str] | None = None,
    sample_rows: int = 5,
    distinct_limit: int = 30,
) -> Inspection:
    """Read a file and match its columns (with `columns`, {header: field}, when given) without
    checking or saving anything; list the values of coded columns that are not recognised.
    Raises ImportFileError for an unreadable file."""
    fieldset = fieldset_for(operation, kind)
    table = read_file(_content(None, file), file_name=file_name, fieldset=fieldset)
    if columns is not None:
        chosen = MonitoringMapping(columns=dict(columns), values={})
        match = match_file(table, fieldset, chosen)
    else:
        match = match_file(table, fieldset, mapping)
    values = mapping.values if mapping is not None else None
    problems = column_problems(match, fieldset, values)
    refs = References.load(operation)
    reader = RowReader(refs=refs, fieldset=fieldset, match=match, values=None)
    unknown: dict[str, list[str]] = {}
    for index, name in match.columns.items():
        spec = fieldset.by_name[name]
        if not spec.ref or spec.ref == "coping":
            continue
        seen: dict[str, None] = {}
        for _number, cells in table.rows:
            value = cells[index] if index < len(cells) else None
            if is_blank(value):
                continue
            raw = value if isinstance(value, str) else cell_text(value)
            parts = [raw]
            if spec.kind == fields.MULTI and reader.vocab.lookup(spec.ref, raw) is None:
                if SEPARATORS.search(raw):
                    parts = SEPARATORS.split(raw)
                elif "," in raw:
                    parts = raw.split(",")
                else:
                    parts = raw.split()
            for part in parts:
                part = " ".join(part.split())[:200]
                if part and reader.vocab.lookup(spec.ref, part) is None and part not in seen:
                    seen[part] = None
            if len(seen) >= distinct_limit:
                break
        if seen:
            unknown[name] = list(seen)[:distinct_limit]
    return Inspection(
        table=table,
        match=match,
        fieldset=fieldset,
        problems=problems,
        sample=table.rows[:sample_rows],
        unknown=unknown,
    )


def import_annotated_workbook(*, record: MonitoringImport) -> bytes:
    """The upload of `record` as xlsx with its problem cells filled and commented. When more
    problems were found than the record keeps, the file is checked again (nothing saved)."""

    def read(data: bytes) -> Table:
        fieldset = fieldset_for(record.operation, record.kind)
        return read_file(data, file_name=record.file_name, fieldset=fieldset)

    def recheck(data: bytes, _table: Table, _problems: list[Problem]) -> list[Problem]:
        _checked_table, checked = _check_file(
            data,
            operation=record.operation,
            kind=record.kind,
            file_name=record.file_name,
            mapping=record.mapping,
        )
        return checked.problems

    return uploads.record_annotated_workbook(record, read=read, recheck=recheck)
