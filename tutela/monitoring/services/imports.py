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
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rapidfuzz import process

from tutela.activities.services.imports import SKIP, ValueMap
from tutela.activities.validation import POPULATION_SYNONYMS
from tutela.core import access
from tutela.core.imports.annotate import annotated_workbook
from tutela.core.imports.bulk import collector_paused
from tutela.core.imports.matching import ColumnMatch, match_columns
from tutela.core.imports.problems import ERROR, WARNING, ImportFileError, Problem, display_value
from tutela.core.imports.readers import Table, read_table
from tutela.core.imports.values import ParseError, is_blank, parse_count, parse_date, parse_month
from tutela.core.imports.values import text as cell_text
from tutela.core.models import AuditEntry, Job, Operation, Organisation
from tutela.core.pcodes import AreaRef, name_key
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.jobs import job_create, job_fail, job_progress, job_succeed
from tutela.monitoring import access as monitoring_access
from tutela.monitoring import import_fields as fields
from tutela.monitoring.import_fields import FieldSet
from tutela.monitoring.incident_data import (
    IncidentData,
    PeopleCount,
    References,
    incident_problems,
)
from tutela.monitoring.models import (
    AgeBand,
    CommunityReport,
    CommunityRisk,
    Incident,
    Kind,
    MonitoringImport,
    MonitoringMapping,
    RiskMapping,
)
from tutela.monitoring.narrative import mask_personal_data

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
    "imports_for_user",
    "mapping_save",
    "mappings_for",
]

# Problems kept on the record for the page (the annotated workbook has all of them).
STORED_PROBLEMS = 500
# Files bigger than this are imported by the background worker.
BACKGROUND_BYTES = 512 * 1024
# A text cell starting so is a formula (or a CSV injection attempt): refused.
FORMULA_START = ("=", "+", "@", "\t", "\r")
_SEPARATORS = re.compile(r"[;|\n\r]+")
TRUE = frozenset({"yes", "oui", "true", "vrai", "1", "y", "o", "x", "si"})
FALSE = frozenset({"no", "non", "false", "faux", "0", "n"})
TYPOLOGY_KEY = "_typology"


# --- access --------------------------------------------------------------------------------------


def can_import(user: Any, operation: Operation) -> bool:
    """Members of an organisation of the operation import for it; managers for any."""
    return access.is_manager(user, operation) or monitoring_access.can_record(user, operation)


def import_organisation(
    user: Any, operation: Operation, chosen: Organisation | None
) -> Organisation:
    """The organisation an upload is for: the chosen one for managers (and the command line,
    `user=None`), the user's own otherwise. PermissionDenied when not allowed."""
    in_operation = operation.organisations.all()
    if user is None:
        if chosen is None or not in_operation.filter(pk=chosen.pk).exists():
            raise PermissionDenied(_("Choose an organisation of the operation."))
        return chosen
    if access.is_manager(user, operation):
        target = chosen or (user.organisation if user.organisation_id else None)
        if target is None or not in_operation.filter(pk=target.pk).exists():
            raise PermissionDenied(_("Choose an organisation of the operation."))
        return target
    if not monitoring_access.can_record(user, operation):
        raise PermissionDenied(_("You may not import monitoring data in this operation."))
    if chosen is not None and chosen.pk != user.organisation_id:
        raise PermissionDenied(_("You may only import for your own organisation."))
    organisation: Organisation = user.organisation
    return organisation


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


# --- fields, vocabulary, matching ----------------------------------------------------------------


def fieldset_for(operation: Operation, kind: str) -> FieldSet:
    if kind == Kind.COMMUNITY:
        return FieldSet(kind, fields.COMMUNITY_FIELDS, fields.COMMUNITY_REQUIRED)
    bands = list(AgeBand.objects.filter(operation=operation, is_active=True).order_by("min_age"))
    return FieldSet(kind, fields.incident_fields(bands), fields.INCIDENT_REQUIRED)


class Vocabulary:
    """The values the importer recognises for each reference list, by comparison key
    (core.pcodes.name_key): codes, names in every language, numbers of the GPC risks, and the
    labels of other typologies (RiskMapping) for risks."""

    def __init__(self, refs: References, *, typology: str = "") -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        risk: dict[str, Any] = {}
        violation: dict[str, Any] = {}

        def claim(table: dict[str, Any], text: Any, value: Any) -> None:
            key = name_key(str(text or ""))
            if key:
                table.setdefault(key, value)

        def names(item: Any) -> list[str]:
            return [item.code, item.name_en, item.name_fr, getattr(item, "name_es", "")]

        for item in refs.risks.values():
            for text in names(item):
                claim(risk, text, (item.code, None))
            if item.number:
                for text in (
                    str(item.number),
                    f"{item.number:02d}",
                    f"risk {item.number}",
                    f"risque {item.number}",
                ):
                    claim(risk, text, (item.code, None))
        for item in refs.violations.values():
            for text in names(item):
                claim(violation, text, (item.risk.code, item.code))
        mappings = list(
            RiskMapping.objects.filter(operation=refs.operation).select_related("risk", "violation")
        )
        # The mapping's typology first: its labels win over another typology's.
        mappings.sort(key=lambda m: (m.typology != typology, m.typology, m.pk))
        labels: dict[str, Any] = {}
        for mapping in mappings:
            claim(
                labels,
                mapping.label,
                (mapping.risk.code, mapping.violation.code if mapping.violation else None),
            )
        # Risks: a risk, else a violation type (which brings its risk), else another typology's.
        for key, value in violation.items():
            risk.setdefault(key, value)
        for key, value in labels.items():
            risk.setdefault(key, value)
        for key, value in labels.items():
            if value[1]:
                violation.setdefault(key, value)
        self.tables["risk"] = risk
        self.tables["violation"] = violation
        for ref, items in (
            ("perpetrator", refs.perpetrators),
            ("service", refs.services),
            ("source", refs.sources),
            ("verification", refs.verifications),
            ("population_group", refs.population_groups),
        ):
            table: dict[str, Any] = {}
            for item in items.values():
                for text in names(item):
                    claim(table, text, item.code)
                if ref == "population_group":
                    claim(table, getattr(item, "hxl_attribute", "").lstrip("+"), item.code)
                    for synonym in POPULATION_SYNONYMS.get(item.code.upper(), ()):
                        claim(table, synonym, item.code)
            self.tables[ref] = table
        for ref, rows in (("respondent", fields.RESPONDENTS), ("access", fields.ACCESS)):
            table = {}
            for code, en, fr, synonyms in rows:
                for text in (code, en, fr, *synonyms):
                    claim(table, text, code)
            self.tables[ref] = table
        coping: dict[str, Any] = {}
        for code, en, fr in fields.COPING:
            for text in (code, en, fr):
                claim(coping, text, code)
        self.tables["coping"] = coping

    def lookup(self, ref: str, value: Any) -> Any:
        return self.tables.get(ref, {}).get(name_key(cell_text(value)))

    def suggest(self, ref: str, value: Any) -> str:
        """The closest known value, as a hint."""
        table = self.tables.get(ref, {})
        key = name_key(cell_text(value))[:200]
        if not key or not table:
            return ""
        found = process.extractOne(key, list(table), score_cutoff=80.0)
        if not found:
            return ""
        resolved = table[found[0]]
        code = resolved[1] or resolved[0] if isinstance(resolved, tuple) else resolved
        return _("Did you mean “%(code)s”?") % {"code": code}


def kobo_header(header: str, multi: set[str]) -> tuple[str, bool]:
    """ "group_x/field" -> ("field", False); "group/risks/R01" (the 0/1 column of an option of a
    select_multiple) -> ("R01", True)."""
    parts = [p.strip() for p in str(header).split("/") if p.strip()]
    if len(parts) <= 1:
        return str(header), False
    return parts[-1], parts[-2] in multi


def _normalised_headers(
    table: Table, fieldset: FieldSet
) -> tuple[list[str], list[str] | None, set[int]]:
    """Headers as compared (group prefixes dropped), hashtags, and the columns left out on
    purpose (Kobo/ODK metadata, select_multiple option columns)."""
    names: list[str] = []
    hidden: set[int] = set()
    has_uuid = any(h.strip().lower() == "_uuid" for h in table.headers)
    for index, header in enumerate(table.headers):
        low = header.strip().lower()
        short, option = kobo_header(header, fieldset.multi)
        meta = low in fields.KOBO_META or short.lower() in fields.KOBO_META
        # A Kobo export has both: `_uuid` is instanceID without its "uuid:" prefix.
        meta = meta or (has_uuid and short.lower() == "instanceid")
        if option or (meta and low not in ("_uuid",)):
            hidden.add(index)
            names.append("")
            continue
        names.append(short)
    tags = None
    if table.hxl_tags:
        tags = ["" if i in hidden else tag for i, tag in enumerate(table.hxl_tags)]
    return names, tags, hidden


def _match(table: Table, fieldset: FieldSet, mapping: MonitoringMapping | None) -> ColumnMatch:
    names, tags, hidden = _normalised_headers(table, fieldset)
    columns = None
    if mapping is not None and isinstance(mapping.columns, Mapping):
        columns = {kobo_header(str(k), fieldset.multi)[0]: v for k, v in mapping.columns.items()}
    match = match_columns(names, tags, targets=fieldset.fields, mapping=columns)
    # Report the file's own headers, not the shortened ones.
    first_of = {}
    for index, name in match.columns.items():
        first_of[name] = table.headers[index]
    duplicates = []
    for index, how in match.how.items():
        if how == "duplicate":
            for short, name, _first in match.duplicates:
                if short == names[index]:
                    duplicates.append((table.headers[index], name, first_of.get(name, _first)))
                    break
    match.headers = list(table.headers)
    match.duplicates = duplicates
    match.unmatched = [
        table.headers[i]
        for i, name in enumerate(names)
        if name
        and i not in match.columns
        and match.how.get(i) not in ("ignored", "duplicate")
        and i not in hidden
    ]
    return match


def _prefer_for(fieldset: FieldSet) -> Callable[[list[str], list[str] | None], float]:
    def prefer(headers: list[str], hxl_tags: list[str] | None) -> float:
        table = Table(headers=headers, hxl_tags=hxl_tags, rows=[])
        return float(len(_match(table, fieldset, None).columns))

    return prefer


def _read(data: bytes, *, file_name: str, fieldset: FieldSet) -> Table:
    return read_table(data, file_name=file_name, prefer=_prefer_for(fieldset))


def _label(fieldset: FieldSet, name: str) -> str:
    spec = fieldset.by_name.get(name)
    return str(spec.label) if spec else name


def column_problems(
    match: ColumnMatch, fieldset: FieldSet, values: Mapping[str, Any] | None
) -> list[Problem]:
    """Missing required columns (errors), duplicate and unused columns (warnings)."""
    problems: list[Problem] = []
    defaults = {n for n, t in (values or {}).items() if isinstance(t, Mapping) and "" in t}
    present = match.fields | defaults
    missing = [_label(fieldset, n) for n in fieldset.required if n not in present]
    if not present & set(fields.LOCATION_FIELDS):
        missing.append(_("a location (P-code or admin names)"))
    if fieldset.kind == Kind.INCIDENTS and not present & {"risks", "violations"}:
        missing.append(_("a protection risk or violation type"))
    if missing:
        found = [" ".join(h.split()) for h in match.headers if h] or [_("(none)")]
        problems.append(
            Problem(
                row=None,
                column="",
                field="",
                code="missing_columns",
                message=_(
                    "The file has no column for: %(missing)s. Columns found: %(found)s. Rename "
                    "the columns or choose a column mapping."
                )
                % {"missing": ", ".join(missing), "found": display_value(", ".join(found), 600)},
            )
        )
    for header, name, first in match.duplicates:
        problems.append(
            Problem(
                row=None,
                column=header,
                field=name,
                code="duplicate_column",
                message=_("Column “%(header)s” is ignored: “%(first)s” already gives %(field)s.")
                % {
                    "header": display_value(header),
                    "first": display_value(first),
                    "field": _label(fieldset, name),
                },
                severity=WARNING,
            )
        )
    if match.unmatched:
        problems.append(
            Problem(
                row=None,
                column="",
                field="",
                code="unused_columns",
                message=_("Columns not used: %(columns)s.")
                % {"columns": display_value(", ".join(match.unmatched), 600)},
                severity=WARNING,
            )
        )
    return problems


# --- reading the rows ----------------------------------------------------------------------------


@dataclass
class CommunityItem:
    month: datetime.date
    area_pcode: str
    community: str
    respondent: str
    interviews: int = 1
    risks: list[str] = field(default_factory=list)
    perpetrators: list[str] = field(default_factory=list)
    population_groups: list[str] = field(default_factory=list)
    coping: str = ""
    access_to_services: str = CommunityReport.Access.UNKNOWN
    external_id: str = ""


@dataclass
class Checked:
    """A file read and checked: the items to save (with their row numbers) and the problems."""

    items: list[Any] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    skipped: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)


class _Skip(Exception):
    """A value mapping says to leave the row out."""


class RowReader:
    """Turns a file's rows into IncidentData / CommunityItem, reporting each problem by row and
    column."""

    def __init__(
        self,
        *,
        refs: References,
        fieldset: FieldSet,
        match: ColumnMatch,
        values: Mapping[str, Any] | None,
    ) -> None:
        self.refs = refs
        self.fieldset = fieldset
        self.match = match
        values = values if isinstance(values, Mapping) else {}
        typology = values.get(TYPOLOGY_KEY)
        self.vocab = Vocabulary(refs, typology=typology if isinstance(typology, str) else "")
        self.maps = {
            name: ValueMap(table)
            for name, table in values.items()
            if isinstance(table, Mapping) and name in fieldset.by_name
        }
        self.headers = match.field_headers()
        self.index = {name: index for index, name in match.columns.items()}
        # Fields the file lacks but the mapping gives a default for.
        self.defaults = {
            name: vmap.default
            for name, vmap in self.maps.items()
            if vmap.has_default and vmap.default is not None and name not in self.index
        }
        self.problems: list[Problem] = []
        self.row = 0
        self.failed: set[str] = set()
        self._area_cache: dict[
            tuple[str, ...], tuple[AreaRef | None, list[tuple[str, str, str, str]]]
        ] = {}

    # --- reporting ---

    def column(self, name: str) -> str:
        return self.headers.get(name, "")

    def add(
        self,
        name: str,
        code: str,
        message: str,
        *,
        value: Any = None,
        severity: str = ERROR,
        suggestion: str = "",
        **params: Any,
    ) -> None:
        column = self.column(name)
        shown = display_value(cell_text(value)) if value is not None else ""
        body = message % {"value": shown, **params}
        if column:
            full = _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": display_value(column),
                "message": body,
            }
        else:
            full = _("Row %(row)s: %(message)s") % {"row": self.row, "message": body}
        self.problems.append(
            Problem(
                row=self.row,
                column=column,
                field=name,
                code=code,
                message=full,
                severity=severity,
                suggestion=suggestion,
                value=shown,
            )
        )
        if severity == ERROR:
            self.failed.add(name)

    # --- raw values ---

    def raw(self, cells: list[Any], name: str) -> Any:
        index = self.index.get(name)
        if index is None:
            return self.defaults.get(name)
        value = cells[index] if index < len(cells) else None
        vmap = self.maps.get(name)
        if vmap is not None and self.fieldset.by_name[name].kind != fields.MULTI:
            value = vmap.apply(value)
            if value is SKIP:
                raise _Skip
        return value

    def text(self, cells: list[Any], name: str, *, limit: int = 0) -> str:
        value = self.raw(cells, name)
        if is_blank(value):
            return ""
        result = cell_text(value) if not isinstance(value, str) else value.strip()
        if result.startswith(FORMULA_START):
            self.add(
                name,
                "formula",
                _("“%(value)s” looks like a spreadsheet formula; formulas are not accepted."),
                value=result,
            )
            return ""
        limit = limit or self.fieldset.by_name[name].max_length
        if limit and len(result) > limit:
            self.add(
                name,
                "too_long",
                _("the text has more than %(max)s characters."),
                max=limit,
            )
            return ""
        return result

    def date(self, cells: list[Any], name: str, *, month: bool = False) -> datetime.date | None:
        value = self.raw(cells, name)
        try:
            return parse_month(value) if month else parse_date(value)
        except ParseError as error:
            message = {
                "no_year": _("“%(value)s” has no year (write e.g. 2026-03)."),
                "not_month": _("“%(value)s” is not a month (write e.g. 2026-03)."),
            }.get(error.code, _("“%(value)s” is not a date (write e.g. 2026-03-15)."))
            self.add(name, error.code, message, value=value)
            return None

    def count(self, cells: list[Any], name: str) -> int | None:
        value = self.raw(cells, name)
        try:
            return parse_count(value)
        except ParseError as error:
            message = {
                "negative": _("“%(value)s” is negative."),
                "not_whole": _("“%(value)s” is not a whole number."),
                "too_large": _("“%(value)s” is too large."),
            }.get(error.code, _("“%(value)s” is not a number."))
            self.add(name, error.code, message, value=value)
            return None

    def boolean(self, cells: list[Any], name: str) -> bool | None:
        value = self.raw(cells, name)
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        key = name_key(cell_text(value))
        if key in TRUE:
            return True
        if key in FALSE:
            return False
        self.add(name, "not_yes_no", _("“%(value)s” is not yes or no."), value=value)
        return None

    def code(self, cells: list[Any], name: str) -> Any:
        value = self.raw(cells, name)
        if is_blank(value):
            return None
        ref = self.fieldset.by_name[name].ref
        found = self.vocab.lookup(ref, value)
        if found is None:
            self.unknown(name, ref, value)
        return found

    def unknown(self, name: str, ref: str, value: Any) -> None:
        self.add(
            name,
            "unknown_value",
            _(
                "“%(value)s” is not known for %(field)s. Use one of the operation's codes or "
                "say what it means in the column mapping."
            ),
            value=value,
            field=_label(self.fieldset, name),
            suggestion=self.vocab.suggest(ref, value),
        )

    def tokens(self, cells: list[Any], name: str) -> list[Any]:
        """The values of a multiple-choice cell, each resolved (unknown ones reported)."""
        index = self.index.get(name)
        value = cells[index] if index is not None and index < len(cells) else None
        if index is None:
            value = self.defaults.get(name)
        if is_blank(value):
            vmap = self.maps.get(name)
            if vmap is not None and vmap.has_default:
                value = vmap.apply(value)
                if value is SKIP:
                    raise _Skip
            if is_blank(value):
                return []
        ref = self.fieldset.by_name[name].ref
        vmap = self.maps.get(name)
        raw = value if isinstance(value, str) else cell_text(value)

        def resolve(token: str) -> tuple[bool, Any]:
            if vmap is not None:
                mapped = vmap.apply(token)
                if mapped is SKIP:
                    raise _Skip
                token = mapped if isinstance(mapped, str) else cell_text(mapped)
            found = self.vocab.lookup(ref, token)
            return found is not None, found if found is not None else token

        whole = " ".join(raw.split())
        known, found = resolve(whole)
        if known:
            return [found]
        if _SEPARATORS.search(raw):
            parts = [p for p in _SEPARATORS.split(raw) if p.strip()]
        elif "," in raw:
            parts = [p for p in raw.split(",") if p.strip()]
        else:
            parts = whole.split()
        results: list[Any] = []
        for part in parts[:200]:
            part = " ".join(part.split())
            known, found = resolve(part)
            if known:
                if found not in results:
                    results.append(found)
            elif ref == "coping":
                results.append(part)
            else:
                self.unknown(name, ref, part)
        return results

    # --- location ---

    def location(self, cells: list[Any]) -> AreaRef | None:
        raw = tuple(
            "" if is_blank(v) else cell_text(v)
            for v in (self.raw(cells, name) for name in fields.LOCATION_FIELDS)
        )
        if raw not in self._area_cache:
            self._area_cache[raw] = self._resolve_location(raw)
        area, issues = self._area_cache[raw]
        for name, code, message, value in issues:
            self.add(name, code, message, value=value)
        return area

    def _resolve_location(
        self, raw: tuple[str, ...]
    ) -> tuple[AreaRef | None, list[tuple[str, str, str, str]]]:
        gazetteer = self.refs.gazetteer
        issues: list[tuple[str, str, str, str]] = []
        values = dict(zip(fields.LOCATION_FIELDS, raw, strict=True))
        parent: AreaRef | None = None
        for level in (1, 2, 3):
            pcode, place = values[f"admin{level}_pcode"], values[f"admin{level}_name"]
            pfield, nfield = f"admin{level}_pcode", f"admin{level}_name"
            area: AreaRef | None = None
            if pcode:
                area = gazetteer.by_pcode(pcode[:50])
                if area is None:
                    issues.append(
                        (
                            pfield,
                            "unknown_pcode",
                            _("“%(value)s” is not a P-code of this operation's countries."),
                            pcode,
                        )
                    )
                    return None, issues
                if area.level != level or (
                    parent is not None and not gazetteer.is_within(area, parent.pcode)
                ):
                    issues.append(
                        (
                            pfield,
                            "wrong_pcode",
                            _("“%(value)s” does not fit the other location columns."),
                            pcode,
                        )
                    )
                    return None, issues
            elif place:
                matches = gazetteer.match_name(
                    place[:200],
                    level=level,
                    parent_pcode=parent.pcode
                    if parent is not None and parent.level == level - 1
                    else None,
                    limit=3,
                )
                exact = [m for m in matches if m.exact]
                if len(exact) == 1:
                    area = exact[0].area
                elif len(exact) > 1:
                    issues.append(
                        (
                            nfield,
                            "ambiguous_name",
                            _("several places are called “%(value)s”; give the P-code."),
                            place,
                        )
                    )
                    return None, issues
                else:
                    hint = ""
                    if matches:
                        guess = f" ({matches[0].area.name}, {matches[0].area.pcode}?)"
                        hint = guess.replace("%", "%%")
                    issues.append(
                        (
                            nfield,
                            "unknown_name",
                            _("“%(value)s” is not a known place name.") + hint,
                            place,
                        )
                    )
                    return None, issues
            if area is not None:
                parent = area
        pcode = values["area_pcode"]
        if pcode:
            area = gazetteer.by_pcode(pcode[:50])
            if area is None:
                issues.append(
                    (
                        "area_pcode",
                        "unknown_pcode",
                        _("“%(value)s” is not a P-code of this operation's countries."),
                        pcode,
                    )
                )
                return None, issues
            if parent is not None and not (
                gazetteer.is_within(area, parent.pcode) or gazetteer.is_within(parent, area.pcode)
            ):
                issues.append(
                    (
                        "area_pcode",
                        "wrong_pcode",
                        _("“%(value)s” does not fit the other location columns."),
                        pcode,
                    )
                )
                return None, issues
            if parent is None or area.level > parent.level:
                parent = area
        if parent is not None and parent.level < 1:
            name = next(n for n in fields.LOCATION_FIELDS if values[n])
            issues.append(
                (
                    name,
                    "too_broad",
                    _("“%(value)s” is a whole country: give at least the admin 1 area."),
                    values[name],
                )
            )
            return None, issues
        return parent, issues

    def location_column(self) -> str:
        for name in (
            "area_pcode",
            "admin3_pcode",
            "admin3_name",
            "admin2_pcode",
            "admin2_name",
            "admin1_pcode",
            "admin1_name",
        ):
            if name in self.index:
                return name
        return ""

    # --- incidents ---

    def incident(self, cells: list[Any]) -> IncidentData | None:
        occurred = self.date(cells, "occurred_on")
        reported = self.date(cells, "reported_on")
        derived = reported is None and "reported_on" not in self.failed
        if derived:
            # No date reported: the incident is taken as reported when it occurred.
            reported = occurred
        area = self.location(cells)
        site = self.text(cells, "site")
        pairs: list[tuple[str, str | None]] = []
        for pair in self.tokens(cells, "risks"):
            if pair not in pairs:
                pairs.append(pair)
        for risk, violation in self.tokens(cells, "violations"):
            if (risk, None) in pairs:
                pairs[pairs.index((risk, None))] = (risk, violation)
            elif (risk, violation) not in pairs:
                pairs.append((risk, violation))
        perpetrator = self.code(cells, "perpetrator")
        group = self.code(cells, "population_group")
        people: list[PeopleCount] = []
        for spec in self.fieldset.fields:
            if spec.kind != fields.PEOPLE:
                continue
            total = self.count(cells, spec.name)
            disabled = self.count(cells, f"{spec.name}_disability") or 0
            if total is None:
                total = disabled
            if disabled > total:
                self.add(
                    f"{spec.name}_disability",
                    "more_than_total",
                    _("%(disabled)s people with a disability, more than the %(total)s counted."),
                    disabled=disabled,
                    total=total,
                )
                continue
            for count, with_disability in ((total - disabled, False), (disabled, True)):
                if count > 0:
                    people.append(
                        PeopleCount(
                            sex=spec.sex,
                            age_band=spec.age_band,
                            with_disability=with_disability,
                            population_group=group,
                            count=count,
                        )
                    )
        households = self.count(cells, "displaced_households")
        displacement = self.boolean(cells, "displacement_caused")
        if displacement is None:
            displacement = bool(households)
        services = self.tokens(cells, "services")
        source = self.code(cells, "source")
        verification = self.code(cells, "verification")
        narrative = self.text(cells, "narrative")
        if narrative:
            _masked, findings = mask_personal_data(narrative)
            if findings:
                kinds = sorted({f.label for f in findings})
                self.add(
                    "narrative",
                    "personal_data",
                    _("probable personal data (%(kinds)s) will be masked before saving."),
                    kinds=", ".join(kinds),
                    severity=WARNING,
                )
        external_id = self.text(cells, "external_id")
        if external_id.lower().startswith("uuid:"):
            external_id = external_id[5:]
        data = IncidentData(
            occurred_on=occurred,  # type: ignore[arg-type]
            reported_on=reported,  # type: ignore[arg-type]
            area_pcode=area.pcode if area is not None else "",
            site=site,
            risks=pairs,
            perpetrator=perpetrator,
            people=people,
            displacement_caused=displacement,
            displaced_households=households if displacement else None,
            services=services,
            source=source or "",
            verification=verification or "",
            narrative=narrative,
            external_id=external_id,
        )
        skip = set(self.failed)
        if derived and occurred is None:
            # The date reported was taken from the missing date of the incident.
            skip.add("reported_on")
        if skip & set(fields.LOCATION_FIELDS):
            skip.add("area_pcode")
        if skip & {"risks", "violations"}:
            skip.add("risks")
        if skip & {
            f.name for f in self.fieldset.fields if f.kind in (fields.PEOPLE, fields.DISABILITY)
        }:
            skip.add("people")
        column_of = {
            "area_pcode": self.location_column(),
            "risks": "risks" if "risks" in self.index else "violations",
            "people": next(
                (
                    f.name
                    for f in self.fieldset.fields
                    if f.kind == fields.PEOPLE and f.name in self.index
                ),
                "",
            ),
        }
        for name, code, message in incident_problems(data, self.refs):
            if name in skip:
                continue
            self.add(column_of.get(name, name), code, message.replace("%", "%%"))
        return data

    # --- community ---

    def community(self, cells: list[Any]) -> CommunityItem | None:
        month = self.date(cells, "month", month=True)
        if month is None and "month" not in self.failed:
            self.add("month", "required", _("Give the month monitored."))
        elif month is not None and month > self.refs.today:
            self.add(
                "month",
                "future",
                _("the month %(month)s is in the future."),
                month=f"{month:%Y-%m}",
            )
        area = self.location(cells)
        if area is None and not self.failed & set(fields.LOCATION_FIELDS):
            self.add(
                self.location_column(), "required", _("Give the location (P-code or admin names).")
            )
        community = self.text(cells, "community")
        if not community and "community" not in self.failed:
            self.add("community", "required", _("Give the community monitored."))
        respondent = self.code(cells, "respondent")
        if respondent is None and "respondent" not in self.failed:
            self.add("respondent", "required", _("Give the respondent type."))
        interviews = self.count(cells, "interviews")
        if interviews == 0:
            self.add("interviews", "not_positive", _("the number of interviews must be above 0."))
        risks: list[str] = []
        for risk, _violation in self.tokens(cells, "risks"):
            if risk not in risks:
                risks.append(risk)
        perpetrators = self.tokens(cells, "perpetrators")
        groups = self.tokens(cells, "affected_groups")
        coping = ", ".join(str(c) for c in self.tokens(cells, "coping"))
        if coping.startswith(FORMULA_START):
            self.add(
                "coping",
                "formula",
                _("“%(value)s” looks like a spreadsheet formula; formulas are not accepted."),
                value=coping,
            )
        elif len(coping) > 500:
            self.add("coping", "too_long", _("the text has more than %(max)s characters."), max=500)
        access_code = self.code(cells, "access_to_services") or CommunityReport.Access.UNKNOWN
        external_id = self.text(cells, "external_id")
        if external_id.lower().startswith("uuid:"):
            external_id = external_id[5:]
        if (perpetrators or groups) and not risks and not self.failed & {"risks"}:
            self.add(
                "perpetrators" if perpetrators else "affected_groups",
                "without_risk",
                _("perpetrators and groups are kept only with the risks reported; none is given."),
                severity=WARNING,
            )
        if month is None or area is None or not community or respondent is None:
            return None
        return CommunityItem(
            month=month,
            area_pcode=area.pcode,
            community=community,
            respondent=respondent,
            interviews=interviews or 1,
            risks=risks,
            perpetrators=perpetrators,
            population_groups=groups,
            coping=coping,
            access_to_services=access_code,
            external_id=external_id,
        )

    def read(self, number: int, cells: list[Any]) -> Any:
        """The row as an item (None when it has errors); raises _Skip to leave it out."""
        self.row = number
        self.failed = set()
        if self.fieldset.kind == Kind.COMMUNITY:
            item = self.community(cells)
        else:
            item = self.incident(cells)
        return None if self.failed else item


def check_table(
    *,
    table: Table,
    operation: Operation,
    fieldset: FieldSet,
    match: ColumnMatch,
    values: Mapping[str, Any] | None,
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Every row read and checked; nothing saved."""
    refs = References.load(operation)
    reader = RowReader(refs=refs, fieldset=fieldset, match=match, values=values)
    checked = Checked(rows_read=len(table.rows))
    seen_ids: dict[str, int] = {}
    seen_keys: dict[tuple[Any, ...], int] = {}
    total = max(1, len(table.rows))
    for position, (number, cells) in enumerate(table.rows):
        if progress is not None and position % 500 == 0:
            progress(int(80 * position / total))
        try:
            item = reader.read(number, cells)
        except _Skip:
            checked.skipped += 1
            continue
        if item is None:
            continue
        external_id = item.external_id
        if external_id:
            if external_id in seen_ids:
                reader.add(
                    "external_id",
                    "repeated",
                    _("the identifier %(value)s is also on row %(first)s."),
                    value=external_id,
                    first=seen_ids[external_id],
                )
                continue
            seen_ids[external_id] = number
        if isinstance(item, CommunityItem):
            key = (item.month, item.area_pcode, item.community.casefold(), item.respondent)
            if key in seen_keys:
                reader.add(
                    "community",
                    "repeated",
                    _("this community, month and respondent type are also on row %(first)s."),
                    first=seen_keys[key],
                )
                continue
            seen_keys[key] = number
        checked.items.append(item)
        checked.rows.append(number)
    checked.problems = reader.problems
    return checked


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
    ids = {r for r in ours.exclude(external_id="").values_list("external_id", flat=True)}
    keys = {
        (m, p.upper(), c.casefold(), r)
        for m, p, c, r in ours.filter(month__in={i.month for i in items}).values_list(
            "month", "area__pcode", "community", "respondent"
        )
    }
    return sum(
        1
        for i in items
        if (i.external_id and i.external_id in ids)
        or (i.month, i.area_pcode.upper(), i.community.casefold(), i.respondent) in keys
    )


# --- the import ----------------------------------------------------------------------------------


def _content(path: str | os.PathLike[str] | None, file: Any) -> bytes:
    if file is not None:
        if hasattr(file, "seek"):
            with contextlib.suppress(OSError, ValueError):
                file.seek(0)
        if hasattr(file, "chunks"):
            return b"".join(file.chunks())
        data = file.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if path is not None:
        return Path(path).read_bytes()
    raise ValueError("import_monitoring_file needs a path or a file")


def _finish(
    record: MonitoringImport,
    *,
    status: str,
    problems: list[Problem],
    checked: Checked | None = None,
    created: int = 0,
    updated: int = 0,
) -> MonitoringImport:
    errors = sum(1 for p in problems if p.severity == ERROR)
    record.status = status
    record.error_count = errors
    record.warning_count = len(problems) - errors
    ordered = sorted(problems, key=lambda p: (p.severity != ERROR, p.row is not None, p.row or 0))
    record.problems = [p.as_dict() for p in ordered[:STORED_PROBLEMS]]
    if checked is not None:
        record.rows_read = checked.rows_read
    record.created_count = created
    record.updated_count = updated
    record.save()
    return record


def _progress_for(job: Job | None) -> Callable[[int], None] | None:
    if job is None:
        return None
    last = [-10]

    def report(percent: int) -> None:
        if percent - last[0] >= 5 or percent == 100:
            last[0] = percent
            job_progress(job=job, progress=percent, message=_("Checking and saving rows"))

    return report


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
    data = _content(path, file)
    file_name = file_name or (Path(path).name if path is not None else getattr(file, "name", ""))
    file_name = os.path.basename(str(file_name))[:255] or "upload"
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
        record.file.save(file_name, ContentFile(data), save=False)
        record.save()
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
                record,
                status=MonitoringImport.Status.REJECTED,
                problems=[
                    Problem(
                        row=None,
                        column="",
                        field="",
                        code="failed",
                        message=_("The import failed unexpectedly; nothing was saved."),
                    )
                ],
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
        table = _read(data, file_name=file_name, fieldset=fieldset)
    except ImportFileError as error:
        return None, Checked(problems=[error.as_problem()])
    match = _match(table, fieldset, mapping)
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
    progress = _progress_for(job)
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
    # The upload may hold personal data (narratives): not kept once imported.
    if record.file:
        record.file.delete(save=True)
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
    data = _content(None, file)
    file_name = os.path.basename(file_name or getattr(file, "name", "") or "upload")[:255]
    if background is None:
        background = len(data) > BACKGROUND_BYTES
    if not background:
        return import_monitoring_file(
            by=by,
            operation=operation,
            organisation=organisation,
            kind=kind,
            file=io.BytesIO(data),
            file_name=file_name,
            mapping=mapping,
            dry_run=dry_run,
        )
    from tutela.core.services.jobs import job_attach_task
    from tutela.monitoring.tasks_imports import import_monitoring_in_background

    job = job_create(
        user=by if getattr(by, "is_authenticated", False) else None,
        operation=operation,
        kind="monitoring_import",
        label=file_name,
    )
    record = MonitoringImport(
        operation=operation,
        organisation=organisation,
        kind=kind,
        user=by if getattr(by, "is_authenticated", False) else None,
        file_name=file_name,
        mapping=mapping,
        job=job,
    )
    record.file.save(file_name or "upload", ContentFile(data), save=False)
    record.save()

    def enqueue() -> None:
        result = import_monitoring_in_background.enqueue(record_id=record.pk, dry_run=dry_run)
        job_attach_task(job=job, task_result_id=str(result.id))

    # The worker must find the record: queue once it is committed.
    transaction.on_commit(enqueue, robust=False)
    return record


def import_monitoring_run_recorded(*, record_id: int, dry_run: bool = False) -> MonitoringImport:
    """The background task's body: import the stored upload of a queued record."""
    record = MonitoringImport.objects.select_related(
        "operation", "organisation", "mapping", "user", "job"
    ).get(pk=record_id)
    job = record.job
    try:
        with record.file.open("rb") as handle:
            data = handle.read()
        record = import_monitoring_file(
            by=record.user,
            operation=record.operation,
            organisation=record.organisation,
            kind=record.kind,
            file=io.BytesIO(data),
            file_name=record.file_name,
            mapping=record.mapping,
            dry_run=dry_run,
            job=job,
            record=record,
        )
    except Exception as exc:
        logger.exception("Monitoring import %s failed", record_id)
        _finish(
            record,
            status=MonitoringImport.Status.REJECTED,
            problems=[
                Problem(
                    row=None,
                    column="",
                    field="",
                    code="failed",
                    message=_("The import failed unexpectedly; nothing was saved."),
                )
            ],
        )
        if job is not None:
            job_fail(job=job, message=str(exc)[:500] or exc.__class__.__name__)
        raise
    if job is not None:
        job_succeed(
            job=job,
            result={
                "import_id": record.pk,
                "status": record.status,
                "created": record.created_count,
                "updated": record.updated_count,
                "errors": record.error_count,
                "warnings": record.warning_count,
            },
        )
    return record


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
    table = _read(_content(None, file), file_name=file_name, fieldset=fieldset)
    if columns is not None:
        chosen = MonitoringMapping(columns=dict(columns), values={})
        match = _match(table, fieldset, chosen)
    else:
        match = _match(table, fieldset, mapping)
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
                if _SEPARATORS.search(raw):
                    parts = _SEPARATORS.split(raw)
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
    if not record.file:
        raise ImportFileError(_("The uploaded file is no longer kept."), code="gone")
    with record.file.open("rb") as handle:
        data = handle.read()
    fieldset = fieldset_for(record.operation, record.kind)
    table = _read(data, file_name=record.file_name, fieldset=fieldset)
    problems = [Problem.from_dict(p) for p in record.problems]
    if record.error_count + record.warning_count > len(problems):
        _table, checked = _check_file(
            data,
            operation=record.operation,
            kind=record.kind,
            file_name=record.file_name,
            mapping=record.mapping,
        )
        problems = checked.problems
    return annotated_workbook(table, problems)


# --- saved mappings ------------------------------------------------------------------------------


def mappings_for(
    operation: Operation, organisation: Organisation | None, kind: str
) -> QuerySet[MonitoringMapping]:
    """Mappings usable for an organisation's uploads: its own and the operation's shared ones."""
    usable = Q(organisation__isnull=True)
    if organisation is not None:
        usable |= Q(organisation=organisation)
    return MonitoringMapping.objects.filter(usable, operation=operation, kind=kind).order_by("name")


def mappings_for_user(
    user: Any, operation: Operation, kind: str | None = None
) -> QuerySet[MonitoringMapping]:
    mappings = MonitoringMapping.objects.filter(operation=operation).select_related("organisation")
    if kind:
        mappings = mappings.filter(kind=kind)
    if access.is_manager(user, operation):
        return mappings
    if monitoring_access.can_record(user, operation):
        return mappings.filter(
            Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
        )
    return mappings.none()


def _clean_mapping(
    fieldset: FieldSet, columns: Any, values: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    errors: list[str] = []
    if not isinstance(columns, Mapping):
        raise ValidationError({"columns": _("The columns must map headers to fields.")})
    if not isinstance(values, Mapping):
        raise ValidationError({"values": _("The values must map fields to value tables.")})
    clean_columns: dict[str, str] = {}
    for header, target in columns.items():
        target = "" if target is None else str(target)
        if target and target not in fieldset.by_name:
            errors.append(
                _("“%(target)s” (for column “%(header)s”) is not a field.")
                % {"target": display_value(target), "header": display_value(header)}
            )
        clean_columns[str(header)[:300]] = target
    clean_values: dict[str, Any] = {}
    for target, table in values.items():
        if target == TYPOLOGY_KEY:
            if table:
                clean_values[TYPOLOGY_KEY] = str(table)[:40]
            continue
        spec = fieldset.by_name.get(target)
        if spec is None:
            errors.append(_("“%(target)s” is not a field.") % {"target": display_value(target)})
            continue
        if not isinstance(table, Mapping):
            errors.append(_("The values of %(target)s must be a table.") % {"target": target})
            continue
        clean_values[target] = {
            str(k)[:300]: (None if v is None else str(v)[:100]) for k, v in table.items()
        }
    if not errors and not set(clean_columns.values()) - {""} and not clean_values:
        errors.append(_("The mapping maps no column."))
    if errors:
        raise ValidationError({"columns": errors})
    return clean_columns, clean_values


@transaction.atomic
def mapping_save(
    *,
    by: Any,
    operation: Operation,
    organisation: Organisation | None,
    kind: str,
    name: str,
    columns: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    request: Any = None,
) -> MonitoringMapping:
    """Create or update (by name) a column and value mapping; `organisation=None` shares it with
    the whole operation (managers only). Members save their own organisation's."""
    manager = by is None or access.is_manager(by, operation)
    if by is not None and not can_import(by, operation):
        raise PermissionDenied
    if not manager and (organisation is None or organisation.pk != by.organisation_id):
        raise PermissionDenied(_("You may only save mappings for your own organisation."))
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Give the mapping a name.")})
    clean_columns, clean_values = _clean_mapping(
        fieldset_for(operation, kind), columns, values or {}
    )
    existing = MonitoringMapping.objects.filter(operation=operation, kind=kind, name=name).first()
    if (
        existing is not None
        and existing.organisation_id != (organisation.pk if organisation else None)
        and not manager
    ):
        raise ValidationError({"name": _("Another organisation's mapping has this name.")})
    before = snapshot(existing) if existing is not None else None
    mapping = existing or MonitoringMapping(operation=operation, kind=kind, name=name)
    mapping.organisation = organisation
    mapping.columns = clean_columns
    mapping.values = clean_values
    mapping.full_clean(validate_constraints=False)
    mapping.save()
    if before is None:
        audit_create(actor=by, instance=mapping, operation=operation, request=request)
    else:
        audit_update(
            actor=by, instance=mapping, operation=operation, before=before, request=request
        )
    return mapping
