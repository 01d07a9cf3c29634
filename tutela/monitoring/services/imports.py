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
  `tutela.monitoring.imports.fields` (or a saved MonitoringMapping's);
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

Reading and checking the rows is in tutela.monitoring.imports.rows; the saved mappings in
tutela.monitoring.services.import_mappings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.core.imports import uploads
from tutela.core.imports.engine import Checked, Importer, Mapped, Progress, Written, has_errors
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import ImportFileError, Problem, json_text
from tutela.core.imports.profiles import Profile
from tutela.core.imports.readers import Table
from tutela.core.models import Job, Operation, Organisation, User
from tutela.core.services import files
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.imports.columns import column_problems, match_file, read_file
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.imports.rows import check_table
from tutela.monitoring.imports.vocabulary import fieldset_for
from tutela.monitoring.models import (
    CommunityReport,
    Incident,
    Kind,
    MonitoringImport,
    MonitoringMapping,
)
from tutela.monitoring.services.community import community_reports_save_many
from tutela.monitoring.services.import_profiles import profile_get, profile_mapping
from tutela.monitoring.services.incidents import incidents_save_many

logger = logging.getLogger(__name__)

__all__ = [
    "MonitoringImporter",
    "import_annotated_workbook",
    "import_monitoring_file",
    "import_monitoring_run_recorded",
]

# Problems kept on the record for the page (the annotated workbook has all of them).
STORED_PROBLEMS = uploads.STORED_PROBLEMS


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


def file_content(path: str | os.PathLike[str] | None, file: Any) -> bytes:
    return uploads.upload_bytes(path, file, caller="import_monitoring_file")


def mapping_check(mapping: MonitoringMapping | None, operation: Operation, kind: str) -> None:
    if mapping is not None and (mapping.operation_id != operation.pk or mapping.kind != kind):
        raise PermissionDenied(_("This mapping belongs to another operation or kind of file."))


class MonitoringImporter(Importer[MonitoringImport, MonitoringMapping, Any]):
    """A file of incidents or community monitoring rows (`kind`), checked row by row
    (monitoring.imports.rows), then saved all or nothing. `profile`: the name of an import
    profile (services.import_profiles) to read the file with instead of a saved mapping;
    LookupError when the operation has no such profile. PermissionDenied when the user may not
    import for the organisation (members: their own; managers and the command line, `by=None`:
    any organisation of the operation)."""

    label = "Monitoring import"
    caller = "import_monitoring_file"
    job_kind = "monitoring_import"
    counts = ("created", "updated")
    contain_failures = True

    def __init__(
        self,
        *,
        by: User | None,
        operation: Operation,
        organisation: Organisation | None,
        kind: str = Kind.INCIDENTS,
        mapping: MonitoringMapping | None = None,
        profile: str = "",
        dry_run: bool = False,
        job: Job | None = None,
        corrections: str = "",
    ) -> None:
        if kind not in Kind.values:
            raise ValueError(f"unknown kind {kind!r}")
        organisation = monitoring_access.import_organisation(by, operation, organisation)
        mapping_check(mapping, operation, kind)
        super().__init__(
            by=by,
            operation=operation,
            organisation=organisation,
            mapping=mapping,
            dry_run=dry_run,
            job=job,
            corrections=corrections,
        )
        self.owner: Organisation = organisation
        self.kind = kind
        self.profile = profile_get(operation, kind, profile) if profile else None
        self.fieldset = fieldset_for(operation, kind)

    def new_record(self, file_name: str) -> MonitoringImport:
        return MonitoringImport(
            operation=self.operation,
            organisation=self.owner,
            kind=self.kind,
            user=self.by if getattr(self.by, "is_authenticated", False) else None,
            file_name=file_name,
            mapping=self.mapping,
            profile=self.profile.name if self.profile is not None else "",
            job=self.job,
            corrections=self.corrections,
        )

    def read(self, data: bytes, record: MonitoringImport) -> Table:
        return read_file(
            data, file_name=record.file_name, fieldset=self.fieldset, corrections=record.corrections
        )

    def map(self, table: Table) -> Mapped:
        mapping = self.mapping
        if self.profile is not None:
            mapping = profile_mapping(self.profile, table.headers)
        match = match_file(table, self.fieldset, mapping)
        values = mapping.values if mapping is not None else None
        return Mapped(
            table=table,
            match=match,
            values=values,
            problems=column_problems(match, self.fieldset, values),
        )

    def check(self, mapped: Mapped, progress: Progress | None) -> Checked[Any]:
        return check_table(
            table=mapped.table,
            operation=self.operation,
            fieldset=self.fieldset,
            match=mapped.match,
            values=mapped.values,
            progress=progress,
        )

    def write(
        self, record: MonitoringImport, checked: Checked[Any], progress: Progress | None
    ) -> Written:
        if self.dry_run:
            updated = _would_update(self.operation, self.owner, self.kind, checked.items)
            return Written(
                status=MonitoringImport.Status.DRY_RUN,
                counts={"created_count": len(checked.items) - updated, "updated_count": updated},
            )
        if progress:
            progress(85)
        save_many = (
            incidents_save_many if self.kind == Kind.INCIDENTS else community_reports_save_many
        )
        try:
            with transaction.atomic():
                created, updated = save_many(
                    operation=self.operation,
                    organisation=self.owner,
                    by=self.by,
                    items=checked.items,
                    import_record=record,
                )
                written = Written(
                    status=MonitoringImport.Status.IMPORTED,
                    counts={"created_count": created, "updated_count": updated},
                )
                # The record says "imported" in the rows' transaction: never rows saved without
                # it (the engine finishes it again, the same, once written).
                self.finish(
                    record,
                    status=written.status,
                    problems=checked.problems,
                    checked=checked,
                    written=written,
                )
        except ValidationError as error:
            return Written(
                status=MonitoringImport.Status.REJECTED,
                problems=_save_problems(error, checked.rows),
            )
        except (IntegrityError, DatabaseError) as error:
            logger.warning("Monitoring import refused by the database: %s", error)
            return Written(
                status=MonitoringImport.Status.REJECTED,
                problems=[
                    Problem(
                        row=None,
                        column="",
                        field="",
                        code="conflict",
                        message=_(
                            "The rows could not be saved because records changed in the meantime "
                            "or break a rule of the database; nothing was saved. Please try again."
                        ),
                    )
                ],
            )
        if progress:
            progress(100)
        return written

    def finish(
        self,
        record: MonitoringImport,
        *,
        status: str,
        problems: list[Problem],
        checked: Checked[Any] | None = None,
        written: Written | None = None,
    ) -> MonitoringImport:
        return _finish(record, status=status, problems=problems, checked=checked, written=written)

    def queue(self, record: MonitoringImport, data: bytes) -> MonitoringImport:
        return uploads.record_queue(
            record,
            data=data,
            task=import_monitoring_in_background,
            job_kind=self.job_kind,
            dry_run=self.dry_run,
        )


def _finish(
    record: MonitoringImport,
    *,
    status: str,
    problems: list[Problem],
    checked: Checked[Any] | None = None,
    written: Written | None = None,
) -> MonitoringImport:
    counts = dict(written.counts) if written is not None else {}
    counts.setdefault("created_count", 0)
    counts.setdefault("updated_count", 0)
    if checked is not None:
        counts["rows_read"] = checked.rows_read
        counts["skipped_count"] = checked.skipped
        record.left_out = [
            {"field": name, "value": json_text(value), "rows": rows}
            for (name, value), rows in sorted(
                checked.left_out.items(), key=lambda item: (-item[1], item[0])
            )
        ][:200]
    finished = uploads.record_finish(
        record, status=status, problems=problems, stored=STORED_PROBLEMS, **counts
    )
    # The upload may hold personal data (narratives): not kept once imported, even with
    # warnings (the page lists them).
    if status == MonitoringImport.Status.IMPORTED and finished.file:
        files.file_release(finished.file)
        finished.save()
    return finished


def import_monitoring_file(
    *,
    by: User | None,
    operation: Operation,
    organisation: Organisation | None,
    kind: str = Kind.INCIDENTS,
    path: str | os.PathLike[str] | None = None,
    file: Any = None,
    file_name: str = "",
    mapping: MonitoringMapping | None = None,
    profile: str = "",
    dry_run: bool = False,
    job: Job | None = None,
    record: MonitoringImport | None = None,
    corrections: str = "",
) -> MonitoringImport:
    """Import a file of incidents or community monitoring rows for `organisation` (members: their
    own; managers and the command line, `by=None`: any organisation of the operation).
    `profile`: the name of an import profile (services.import_profiles) to read the file with,
    instead of a saved mapping; LookupError when the operation has no such profile.
    `corrections`: cells corrected in the browser (core.imports.corrections), stored on the new
    record (a given `record` has its own).

    Returns the MonitoringImport: "imported", "dry_run" (nothing saved; counts of what would be)
    or "rejected" (nothing saved; see its problems). Never raises for a bad file; raises
    PermissionDenied when the user may not import for the organisation."""
    importer = MonitoringImporter(
        by=by,
        operation=operation,
        organisation=organisation,
        kind=kind,
        mapping=mapping,
        profile=profile,
        dry_run=dry_run,
        job=job,
        corrections=corrections,
    )
    return importer.import_file(path=path, file=file, file_name=file_name, record=record)


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


def _record_profile(record: MonitoringImport) -> Profile | None:
    """The profile an upload was read with (None when gone since)."""
    if not record.profile:
        return None
    try:
        return profile_get(record.operation, record.kind, record.profile)
    except LookupError:
        return None


def import_monitoring_run_recorded(*, record_id: int, dry_run: bool = False) -> MonitoringImport:
    """The background task's body: import the stored upload of a queued record."""
    record = MonitoringImport.objects.select_related(*uploads.RECORD_RELATIONS).get(pk=record_id)
    return MonitoringImporter.run_stored(
        record,
        lambda: MonitoringImporter(
            by=record.user,
            operation=record.operation,
            organisation=record.organisation,
            kind=record.kind,
            mapping=record.mapping,
            profile=record.profile,
            dry_run=dry_run,
            job=record.job,
        ),
    )


def _check_file(
    data: bytes,
    *,
    operation: Operation,
    kind: str,
    file_name: str,
    mapping: MonitoringMapping | None,
    profile: Profile | None = None,
    corrections: str = "",
) -> Checked[Any]:
    """The import's read, map and check steps again, saving nothing, without an importer (for
    the annotated workbook: no access rule to apply again)."""
    fieldset = fieldset_for(operation, kind)
    try:
        table = read_file(data, file_name=file_name, fieldset=fieldset, corrections=corrections)
    except ImportFileError as error:
        return Checked(problems=[error.as_problem()])
    if profile is not None:
        mapping = profile_mapping(profile, table.headers)
    match = match_file(table, fieldset, mapping)
    values = mapping.values if mapping is not None else None
    problems = column_problems(match, fieldset, values)
    if has_errors(problems):
        return Checked(problems=problems, rows_read=len(table.rows))
    checked = check_table(
        table=table, operation=operation, fieldset=fieldset, match=match, values=values
    )
    checked.problems = problems + checked.problems
    return checked


# Beside the importer that queues it (tutela.monitoring.tasks lists it; services and tasks do not
# import each other). Tasks queued when it lived in services.import_uploads are found there: that
# module re-exports it.
@task()
def import_monitoring_in_background(*, record_id: int, dry_run: bool = False) -> dict[str, object]:
    """Run a queued upload (see import_monitoring_start): the MonitoringImport holds the file,
    the user, the organisation and the mapping; its Job shows the progress."""
    record = import_monitoring_run_recorded(record_id=record_id, dry_run=dry_run)
    return {"import_id": record.pk, "status": record.status}


# --- annotated workbook -------------------------------------------------------


def import_stored_table(record: MonitoringImport) -> tuple[Table, ColumnMatch, FieldSet]:
    """The stored upload of `record` as read, without its corrections, its columns matched (by
    its mapping or profile) and its field set: for the fix table, the file's values beside the
    corrected ones. Raises ImportFileError."""
    if not record.file:
        raise ImportFileError(_("The uploaded file is no longer kept."), code="gone")
    fieldset = fieldset_for(record.operation, record.kind)
    table = read_file(
        uploads.record_upload_bytes(record), file_name=record.file_name, fieldset=fieldset
    )
    mapping = record.mapping
    profile = _record_profile(record)
    if profile is not None:
        mapping = profile_mapping(profile, table.headers)
    return table, match_file(table, fieldset, mapping), fieldset


def import_annotated_workbook(*, record: MonitoringImport) -> bytes:
    """The upload of `record` as xlsx with its problem cells filled and commented. When more
    problems were found than the record keeps, the file is checked again (nothing saved)."""

    def read(data: bytes) -> Table:
        fieldset = fieldset_for(record.operation, record.kind)
        return read_file(
            data, file_name=record.file_name, fieldset=fieldset, corrections=record.corrections
        )

    def recheck(data: bytes, _table: Table, _problems: list[Problem]) -> list[Problem]:
        checked = _check_file(
            data,
            operation=record.operation,
            kind=record.kind,
            file_name=record.file_name,
            mapping=record.mapping,
            profile=_record_profile(record),
            corrections=record.corrections,
        )
        return checked.problems

    return uploads.record_annotated_workbook(record, read=read, recheck=recheck)
