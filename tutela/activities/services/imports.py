"""5W uploads: a partner's or the IMO's file read, its columns matched, its values mapped, its rows
checked and saved all or nothing; and the saved column mappings that make next month's upload of
the same Kobo export or home-made sheet a single click.

    record = import_5w_file(by=user, operation=op, file=upload, file_name=upload.name)
    record.status               -> "imported" | "rejected" | "dry_run"
    record.problems             -> the first 500 problems, by row and column
    import_annotated_workbook(record=record) -> the upload with its problem cells marked (xlsx)

Big files go to the background worker: `import_5w_start` runs small files at once and queues the
others (task import_5w_in_background), with progress on the record's Job.

Several columns can be added into one count (`ColumnMapping.columns` naming the same field for
each: the file's age bands 0-3, 4-11 and 12-17 into girls); a numeric column left unused is
warned about, never dropped silently.

Value mappings (`ColumnMapping.values`, {field: {value in the file: value for Tutela}}) translate
a file's own words ("Déplacés" -> "IDP", "June" -> "2014-06"). Two special keys: "" gives the value
for blank cells and for a column the file lacks (a default: for a field the file has no column
for, a constant that every row gets, "every row: ongoing"), "*" any value not listed. Mapping a
value to null skips the row (e.g. the rows of other clusters in a multi-cluster 3W): skipped rows
are counted, not checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.activities.access import reports_for_whole_operation
from tutela.activities.models import ColumnMapping, ImportRecord
from tutela.activities.models.fields import BY_NAME, FIELDS, REQUIRED
from tutela.activities.services.import_columns import (
    SUMMABLE,
    field_label,
    mapped_column_problems,
    unused_numbers_problems,
)
from tutela.activities.services.import_profiles import profile_mapping
from tutela.activities.services.planning_import import planning_import_file
from tutela.activities.services.rows import (
    SaveResult,
    _check_access,
    report_rows_save,
)
from tutela.core import access
from tutela.core.imports import uploads
from tutela.core.imports.bulk import collector_paused
from tutela.core.imports.corrections import corrections_apply, corrections_load
from tutela.core.imports.mappings import mapping_save_check, mapping_write
from tutela.core.imports.matching import ColumnMatch, match_columns, match_score
from tutela.core.imports.problems import ERROR, ImportFileError, Problem
from tutela.core.imports.profiles import Profile
from tutela.core.imports.readers import Table, read_table
from tutela.core.imports.values import (
    SKIP,
    ValueMap,
    sum_counts,
    text,
)
from tutela.core.models import Body, Job, Operation, Organisation, User

__all__ = [
    "import_5w_file",
    "import_5w_start",
    "import_annotated_workbook",
    "import_inspect",
    "import_list_for_user",
    "mapping_save",
    "mappings_for",
    "planning_import_file",
]

KIND = "5w"
# Problems kept on the ImportRecord for the page (all of them go into the annotated workbook).
STORED_PROBLEMS = uploads.STORED_PROBLEMS
LOCATION_FIELDS = (
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "admin3_pcode",
    "admin3_name",
)


def _value_maps(values: Mapping[str, Any] | None) -> dict[str, ValueMap]:
    return {
        name: ValueMap(table)
        for name, table in (values or {}).items()
        if isinstance(table, Mapping) and name in BY_NAME
    }


def mapped_rows(
    table: Table, match: ColumnMatch, values: Mapping[str, Any] | None
) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """The table's rows as {field: value} through the column match and value mappings, and the
    number of rows skipped by the value mappings."""
    maps = _value_maps(values)
    pairs = list(match.columns.items())
    # Defaults for fields the file has no column for.
    defaults = {
        name: vmap.default
        for name, vmap in maps.items()
        if vmap.has_default and vmap.default is not None and name not in match.fields
    }
    rows: list[tuple[int, dict[str, Any]]] = []
    skipped = 0
    if not pairs:
        return [(number, dict(defaults)) for number, _cells in table.rows], 0
    names = [name for _index, name in pairs]
    # Fields added up from several columns: (position in `names`, the further columns).
    sums = [(names.index(name), extra) for name, extra in match.summed.items() if name in names]
    # Rows are padded to the header's width by the reader, so every index exists.
    getter = itemgetter(*[index for index, _name in pairs])
    mapped = [(position, maps[name]) for position, name in enumerate(names) if name in maps]
    single = len(pairs) == 1
    for number, cells in table.rows:
        picked = getter(cells)
        if single:
            picked = (picked,)
        if sums:
            picked = list(picked)
            for position, extra in sums:
                picked[position] = sum_counts([picked[position], *(cells[i] for i in extra)])
        if mapped:
            picked = list(picked)
            for position, vmap in mapped:
                value = vmap.apply(picked[position])
                if value is SKIP:
                    break
                picked[position] = value
            else:
                value = None
            if value is SKIP:
                skipped += 1
                continue
        record = dict(zip(names, picked, strict=True))
        if defaults:
            record = {**defaults, **record}
        rows.append((number, record))
    return rows, skipped


# --- reading and matching ------------------------------------------------------------------------


def _prefer(headers: list[str], hxl_tags: list[str] | None) -> float:
    return match_score(headers, hxl_tags, targets=FIELDS)


def _read(
    data: bytes,
    *,
    file_name: str,
    mapping: ColumnMapping | None,
    sheet: str | None,
    header_row: int | None,
    corrections: str = "",
) -> Table:
    """The file's table, with the cells corrected in the browser (`corrections`, as stored on the
    record) applied: the one place they are, before anything reads a value."""
    if mapping is not None:
        sheet = sheet or mapping.sheet or None
        header_row = header_row or mapping.header_row or None
    table = read_table(
        data, file_name=file_name, sheet=sheet, header_row=header_row, prefer=_prefer
    )
    return corrections_apply(table, corrections_load(corrections))


def _match(table: Table, mapping: ColumnMapping | None) -> ColumnMatch:
    return match_columns(
        table.headers,
        table.hxl_tags,
        targets=FIELDS,
        mapping=mapping.columns if mapping is not None else None,
        summable=SUMMABLE,
    )


def column_problems(
    match: ColumnMatch,
    *,
    values: Mapping[str, Any] | None,
    need_organisation: bool,
) -> list[Problem]:
    """Missing required columns (errors), duplicate and unused columns (warnings)."""
    defaults = {n for n, t in (values or {}).items() if isinstance(t, Mapping) and "" in t}
    required = list(REQUIRED) + (["organisation"] if need_organisation else [])
    missing = [n for n in required if n not in match.fields and n not in defaults]
    has_location = any(n in match.fields or n in defaults for n in LOCATION_FIELDS)
    missing_labels = [field_label(n) for n in missing]
    if not has_location:
        missing_labels.append(_("a location (admin P-code or name)"))
    return uploads.column_problems(match, missing=missing_labels, field_label=field_label)


# --- the import ----------------------------------------------------------------------------------


def _content(path: str | os.PathLike[str] | None, file: Any) -> bytes:
    return uploads.upload_bytes(path, file, caller="import_5w_file")


def _finish(
    record: ImportRecord,
    *,
    status: str,
    problems: list[Problem],
    result: SaveResult | None = None,
) -> ImportRecord:
    counts = {}
    if result is not None:
        counts = {
            "rows_read": result.rows_read,
            "created_count": result.created,
            "updated_count": result.updated,
            "unchanged_count": result.unchanged,
        }
    return uploads.record_finish(
        record, status=status, problems=problems, stored=STORED_PROBLEMS, **counts
    )


def import_5w_file(
    *,
    by: User | None,
    operation: Operation,
    path: str | os.PathLike[str] | None = None,
    file: Any = None,
    file_name: str = "",
    organisation: Organisation | None = None,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    job: Job | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    record: ImportRecord | None = None,
    keep_file: bool = True,
    body: Body | None = None,
    profile: Profile | None = None,
    corrections: str = "",
) -> ImportRecord:
    """Import a 5W file (xlsx, xls, ods, csv) for `organisation` (partners: their own).
    `profile`: read the file with this import profile (services.import_profiles) instead of a
    saved mapping. `corrections`: cells corrected in the browser (core.imports.corrections,
    stored on the new record; a given `record` has its own).

    Returns the ImportRecord: "imported" (rows saved), "dry_run" (nothing saved, counts of what
    would be) or "rejected" (nothing saved; see its problems). Never raises for a bad file;
    raises PermissionDenied when the user may not import for the organisation. `body`: accept
    only activities of this cluster/AoR. `sheet`/`header_row` override the mapping's."""
    _check_access(by, operation, organisation)
    if mapping is not None and mapping.operation_id != operation.pk:
        raise PermissionDenied(_("This column mapping belongs to another operation."))
    if organisation is None and by is not None and not reports_for_whole_operation(by, operation):
        organisation = by.organisation
    file_name = uploads.upload_name(path, file, file_name)
    refused: ImportFileError | None = None
    try:
        data = _content(path, file)
    except ImportFileError as exc:
        # Too big to read: rejected, and not kept.
        data, refused, keep_file = b"", exc, False
    if record is None:
        record = ImportRecord(
            operation=operation,
            organisation=organisation,
            kind=KIND,
            user=by,
            file_name=file_name,
            mapping=mapping,
            job=job,
            corrections=corrections,
        )
        if keep_file:
            uploads.record_keep_upload(record, data, file_name)
        record.save()
    if refused is not None:
        return _finish(record, status=ImportRecord.Status.REJECTED, problems=[refused.as_problem()])
    with collector_paused():
        return _import(
            by=by,
            operation=operation,
            data=data,
            file_name=file_name,
            organisation=organisation,
            mapping=mapping,
            dry_run=dry_run,
            job=job,
            sheet=sheet,
            header_row=header_row,
            record=record,
            body=body,
            profile=profile,
        )


def _import(
    *,
    by: User | None,
    operation: Operation,
    data: bytes,
    file_name: str,
    organisation: Organisation | None,
    mapping: ColumnMapping | None,
    dry_run: bool,
    job: Job | None,
    sheet: str | None,
    header_row: int | None,
    record: ImportRecord,
    body: Body | None,
    profile: Profile | None = None,
) -> ImportRecord:
    progress = uploads.progress_reporter(job)
    if progress:
        progress(1)
    try:
        table = _read(
            data,
            file_name=file_name,
            mapping=mapping,
            sheet=sheet,
            header_row=header_row,
            corrections=record.corrections,
        )
    except ImportFileError as exc:
        return _finish(record, status=ImportRecord.Status.REJECTED, problems=[exc.as_problem()])
    if profile is not None:
        # The profile names columns by header or hashtag: resolved once the file is read.
        mapping = profile_mapping(operation, profile, table.headers, table.hxl_tags)
    match = _match(table, mapping)
    values = mapping.values if mapping is not None else None
    problems = column_problems(
        match,
        values=values,
        need_organisation=organisation is None,
    )
    problems += unused_numbers_problems(table, match)
    problems += mapped_column_problems(table, match)
    if any(p.severity == ERROR for p in problems):
        return _finish(record, status=ImportRecord.Status.REJECTED, problems=problems)
    rows, skipped = mapped_rows(table, match, values)
    # The rows are copied into `rows`: let the sheet go.
    del table
    if progress:
        progress(10)
    result = report_rows_save(
        by=by,
        operation=operation,
        organisation=organisation,
        rows=rows,
        dry_run=dry_run,
        source="import",
        progress=(lambda p: progress(10 + int(p * 0.9))) if progress else None,
        columns=match.field_headers(),
        record=None if dry_run else record,
        skipped=skipped,
        body=body,
    )
    problems += result.problems
    if result.rejected:
        status = ImportRecord.Status.REJECTED
    elif dry_run:
        status = ImportRecord.Status.DRY_RUN
    else:
        # Rows created or updated made the analysis summaries stale: report_rows_save queued
        # their rebuild (summaries_invalidate).
        status = ImportRecord.Status.IMPORTED
    return _finish(record, status=status, problems=problems, result=result)


def import_5w_start(
    *,
    by: User | None,
    operation: Operation,
    file: Any,
    file_name: str = "",
    organisation: Organisation | None = None,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    header_row: int | None = None,
    background: bool | None = None,
    corrections: str = "",
) -> ImportRecord:
    """Import an upload now when small, or in the background worker when big (or when
    `background` says so). A queued import returns its record in status "pending" with a `job`
    whose progress the page can poll."""
    _check_access(by, operation, organisation)

    def queue(upload: uploads.Upload) -> ImportRecord:
        owner = organisation
        if owner is None and by is not None and not reports_for_whole_operation(by, operation):
            owner = by.organisation
        record = ImportRecord(
            operation=operation,
            organisation=owner,
            kind=KIND,
            user=by,
            file_name=upload.name,
            mapping=mapping,
            corrections=corrections,
        )
        return uploads.record_queue(
            record,
            data=upload.data,
            task=import_5w_in_background,
            job_kind="5w_import",
            dry_run=dry_run,
            sheet=sheet or "",
            header_row=header_row or 0,
        )

    return uploads.upload_start(
        file,
        file_name,
        background=background,
        caller="import_5w_start",
        import_file=import_5w_file,
        queue=queue,
        by=by,
        operation=operation,
        organisation=organisation,
        mapping=mapping,
        dry_run=dry_run,
        sheet=sheet,
        header_row=header_row,
        corrections=corrections,
    )


def import_5w_run_recorded(
    *, record_id: int, dry_run: bool = False, sheet: str = "", header_row: int = 0
) -> ImportRecord:
    """Run a queued import (the background task's body): reads the stored upload, imports it and
    finishes the record's job. An unexpected failure marks the job failed and the record
    rejected."""
    record = ImportRecord.objects.select_related(*uploads.RECORD_RELATIONS).get(pk=record_id)
    return uploads.record_run_stored(
        record,
        import_file=import_5w_file,
        finish=_finish,
        counts=("created", "updated", "unchanged"),
        label="5W import",
        dry_run=dry_run,
        sheet=sheet or None,
        header_row=header_row or None,
    )


# Beside the service it runs and the one that queues it (tutela.activities.tasks lists it).
@task()
def import_5w_in_background(
    *, record_id: int, dry_run: bool = False, sheet: str = "", header_row: int = 0
) -> dict[str, object]:
    """Run a queued 5W upload (see import_5w_start): the ImportRecord holds the file, the user,
    the organisation and the mapping; its Job shows the progress."""
    record = import_5w_run_recorded(
        record_id=record_id, dry_run=dry_run, sheet=sheet, header_row=header_row
    )
    return {"import_id": record.pk, "status": record.status}


# --- looking at a file before importing it ---------------------------------------------------


@dataclass
class Inspection:
    """What the mapping page shows: the sheets, the header row, how each column matched, a few
    rows, and the distinct values of the columns whose values may need mapping."""

    table: Table
    match: ColumnMatch
    problems: list[Problem]
    sample: list[tuple[int, list[Any]]] = field(default_factory=list)
    distinct: dict[str, list[str]] = field(default_factory=dict)


CODE_FIELDS = ("organisation", "activity", "indicator", "population_group", "status", "modality")


def import_inspect(
    *,
    file: Any,
    file_name: str = "",
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    need_organisation: bool = False,
    sample_rows: int = 5,
    distinct_limit: int = 50,
) -> Inspection:
    """Read a file and match its columns without checking or saving anything. Raises
    ImportFileError for an unreadable file."""
    data = _content(None, file)
    table = _read(
        data,
        file_name=file_name or getattr(file, "name", ""),
        mapping=mapping,
        sheet=sheet,
        header_row=header_row,
    )
    match = _match(table, mapping)
    problems = column_problems(
        match,
        values=mapping.values if mapping is not None else None,
        need_organisation=need_organisation,
    )
    problems += unused_numbers_problems(table, match)
    problems += mapped_column_problems(table, match)
    distinct: dict[str, list[str]] = {}
    for index, name in match.columns.items():
        if name not in CODE_FIELDS and name != "month":
            continue
        seen: dict[str, None] = {}
        for _number, cells in table.rows:
            value = text(cells[index]) if index < len(cells) else ""
            if value and value not in seen:
                seen[value] = None
                if len(seen) >= distinct_limit:
                    break
        distinct[name] = list(seen)
    return Inspection(
        table=table,
        match=match,
        problems=problems,
        sample=table.rows[:sample_rows],
        distinct=distinct,
    )


@dataclass
class PreviewLine:
    """One field of a mapping as it reads the first rows: the column(s) it comes from and, per
    row, the cells and what they become (their sum for several columns)."""

    field: str
    label: str
    headers: list[str]
    samples: list[tuple[int, list[str], str]]

    @property
    def summed(self) -> bool:
        return len(self.headers) > 1


def mapping_preview(
    table: Table,
    columns: Mapping[str, str],
    values: Mapping[str, Any] | None,
    *,
    rows: int = 5,
) -> list[PreviewLine]:
    """What the mapping `columns` ({header: field}) and `values` make of the first `rows` rows,
    field by field in the 5W's order (nothing is checked or saved): shown on the mapping page
    before anything is written, so that a column mapped to the wrong field is seen."""
    match = match_columns(
        table.headers,
        table.hxl_tags,
        targets=FIELDS,
        mapping=columns,
        auto=False,
        summable=SUMMABLE,
    )
    head = replace(table, rows=table.rows[:rows])
    mapped = dict(mapped_rows(head, match, values)[0])
    by_field = {name: index for index, name in match.columns.items()}
    lines = []
    for spec in FIELDS:
        if spec.name not in by_field:
            continue
        indexes = [by_field[spec.name], *match.summed.get(spec.name, [])]
        samples = []
        for number, cells in head.rows:
            shown = [text(cells[i]) for i in indexes]
            if number in mapped:
                result = text(mapped[number].get(spec.name))
            else:
                result = _("(row left out)")
            samples.append((number, shown, result))
        lines.append(
            PreviewLine(
                field=spec.name,
                label=str(spec.label),
                headers=[table.headers[i] for i in indexes],
                samples=samples,
            )
        )
    return lines


def import_annotated_workbook(*, record: ImportRecord) -> bytes:
    """The uploaded file of `record` as xlsx, its problem cells filled and commented. When more
    problems were found than the record keeps, the file is checked again (nothing is saved)."""

    def read(data: bytes) -> Table:
        return _read(
            data,
            file_name=record.file_name,
            mapping=record.mapping,
            sheet=None,
            header_row=None,
            corrections=record.corrections,
        )

    def recheck(_data: bytes, table: Table, problems: list[Problem]) -> list[Problem]:
        assert record.user is not None
        match = _match(table, record.mapping)
        values = record.mapping.values if record.mapping is not None else None
        rows, skipped = mapped_rows(table, match, values)
        result = report_rows_save(
            by=record.user,
            operation=record.operation,
            organisation=record.organisation,
            rows=rows,
            dry_run=True,
            source="import",
            columns=match.field_headers(),
            skipped=skipped,
        )
        return [p for p in problems if p.row is None] + result.problems

    return uploads.record_annotated_workbook(
        record, read=read, recheck=recheck if record.user is not None else None
    )


def import_stored_table(record: ImportRecord) -> tuple[Table, ColumnMatch]:
    """The stored upload of `record` as read, without its corrections, and its columns matched
    (for the fix table: the file's values beside the corrected ones). Raises ImportFileError."""
    if not record.file:
        raise ImportFileError(_("The uploaded file is no longer kept."), code="gone")
    data = uploads.record_upload_bytes(record)
    table = _read(
        data, file_name=record.file_name, mapping=record.mapping, sheet=None, header_row=None
    )
    return table, _match(table, record.mapping)


def import_list_for_user(user: User, operation: Operation) -> QuerySet[ImportRecord]:
    """Uploads the user may see: all of the operation's for cluster-wide roles, their own
    organisation's otherwise."""
    return access.scope_by_organisation(
        user, operation, ImportRecord.objects.filter(kind=KIND)
    ).select_related("organisation", "user", "mapping", "job")


# --- saved column mappings -----------------------------------------------------------------------


def mappings_for(
    operation: Operation, organisation: Organisation | None, kind: str = KIND
) -> QuerySet[ColumnMapping]:
    """Mappings usable for an organisation's uploads: its own and the operation's shared ones."""
    shared = Q(organisation__isnull=True)
    if organisation is not None:
        shared |= Q(organisation=organisation)
    return ColumnMapping.objects.filter(shared, operation=operation, kind=kind).order_by("name")


def _check_mapping(
    columns: Mapping[str, Any],
    values: Mapping[str, Any],
    targets: Iterable[str],
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    known = set(targets)
    errors: list[str] = []
    if not isinstance(columns, Mapping):
        raise ValidationError({"columns": _("The columns must map headers to fields.")})
    if not isinstance(values, Mapping):
        raise ValidationError({"values": _("The values must map fields to value tables.")})
    clean_columns: dict[str, str] = {}
    for header, target in columns.items():
        target = "" if target is None else str(target)
        if target and target not in known:
            errors.append(
                _("“%(target)s” (for column “%(header)s”) is not a field.")
                % {"target": target, "header": header}
            )
        clean_columns[str(header)] = target
    used = set(clean_columns.values())
    clean_values: dict[str, dict[str, Any]] = {}
    for target, table in values.items():
        if target not in known:
            errors.append(_("“%(target)s” is not a field.") % {"target": target})
            continue
        if not isinstance(table, Mapping):
            errors.append(_("The values of %(target)s must be a table.") % {"target": target})
            continue
        clean_values[target] = {str(k): (None if v is None else str(v)) for k, v in table.items()}
    if not errors and not used - {""} and not clean_values:
        errors.append(_("The mapping maps no column."))
    if errors:
        raise ValidationError({"columns": errors})
    return clean_columns, clean_values


@transaction.atomic
def mapping_save(
    *,
    by: User | None,
    operation: Operation,
    organisation: Organisation | None,
    name: str,
    columns: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    sheet: str = "",
    header_row: int = 1,
    kind: str = KIND,
    targets: Iterable[str] | None = None,
    request: Any = None,
) -> ColumnMapping:
    """Create or update (by name) an organisation's column mapping; `organisation=None` makes a
    mapping shared by the whole operation (managers only). Targets must be field names (or "" to
    ignore a column)."""
    mapping_save_check(
        by=by,
        operation=operation,
        organisation=organisation,
        may_save=lambda user, op: bool(access.roles_in(user, op) - {"viewer"}),
    )
    clean_columns, clean_values = _check_mapping(
        columns, values or {}, targets if targets is not None else BY_NAME
    )
    name = name.strip()
    existing = ColumnMapping.objects.filter(
        operation=operation, organisation=organisation, kind=kind, name=name
    ).first()
    return mapping_write(
        by=by,
        operation=operation,
        existing=existing,
        new=lambda: ColumnMapping(
            operation=operation, organisation=organisation, kind=kind, name=name
        ),
        fields={
            "columns": clean_columns,
            "values": clean_values,
            "sheet": sheet.strip(),
            "header_row": header_row,
        },
        request=request,
    )
