"""Planning figures (HNO/HRP: people in need, targeted, severity) imported from CSV or XLSX.

    record = planning_import_file(by=imo, operation=op, path="hno_2026.xlsx", year=2026)

One row per admin area (any level, by P-code) × cluster/AoR (body code) × population group (code;
blank for all groups). Same rules as 5W uploads: every problem by row and column, all or nothing,
re-import updates by key (area × body × population group for the year), dry run, one audit entry.
Managers only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.activities.models import ImportRecord, PlanningFigure
from tutela.activities.validation import population_group_lookup
from tutela.core import access
from tutela.core.counts import max_count_text
from tutela.core.imports import uploads
from tutela.core.imports.matching import match_columns
from tutela.core.imports.problems import ERROR, WARNING, ImportFileError, Problem, row_problem
from tutela.core.imports.readers import iter_records, read_table
from tutela.core.imports.values import ParseError, is_blank, parse_count, text
from tutela.core.models import AuditEntry, Body, Operation, User
from tutela.core.pcodes import GazetteerIndex, name_key
from tutela.core.services.audit import audit_write

KIND = "planning"
STORED_PROBLEMS = uploads.STORED_PROBLEMS


@dataclass(frozen=True)
class PlanningField:
    name: str
    label: Promise
    hxl: str
    synonyms: tuple[str, ...] = field(default=())


PLANNING_FIELDS = (
    PlanningField(
        "area_pcode",
        gettext_lazy("Admin area P-code"),
        "#loc+code",
        ("pcode", "p code", "area pcode", "admin pcode", "code pcode", "location pcode"),
    ),
    PlanningField(
        "admin1_pcode", gettext_lazy("Admin 1 P-code"), "#adm1+code", ("admin1 pcode", "adm1 pcode")
    ),
    PlanningField(
        "admin2_pcode", gettext_lazy("Admin 2 P-code"), "#adm2+code", ("admin2 pcode", "adm2 pcode")
    ),
    PlanningField(
        "admin3_pcode", gettext_lazy("Admin 3 P-code"), "#adm3+code", ("admin3 pcode", "adm3 pcode")
    ),
    PlanningField(
        "body",
        gettext_lazy("Cluster / AoR code"),
        "#sector+code",
        ("body", "aor", "cluster", "sector", "secteur", "domaine", "aor code", "cluster code"),
    ),
    PlanningField(
        "population_group",
        gettext_lazy("Population group"),
        "#population+type+code",
        ("population group", "groupe de population", "population type", "pop group"),
    ),
    PlanningField(
        "people_in_need",
        gettext_lazy("People in need"),
        "#inneed",
        ("pin", "people in need", "personnes dans le besoin", "in need", "besoin"),
    ),
    PlanningField(
        "targeted",
        gettext_lazy("Targeted"),
        "#targeted",
        ("target", "targeted", "cible", "ciblees", "personnes ciblees", "people targeted"),
    ),
    PlanningField(
        "severity", gettext_lazy("Severity (1-5)"), "#severity", ("severity", "severite", "gravite")
    ),
)
PLANNING_BY_NAME = {f.name: f for f in PLANNING_FIELDS}
AREA_FIELDS = ("admin3_pcode", "admin2_pcode", "admin1_pcode", "area_pcode")


def _label(name: str) -> str:
    return str(PLANNING_BY_NAME[name].label)


@dataclass
class PlanningRow:
    row: int
    area_id: int
    body_id: int
    population_group_id: int | None
    people_in_need: int
    targeted: int
    severity: int | None

    @property
    def key(self) -> tuple[int, int, int | None]:
        return (self.area_id, self.body_id, self.population_group_id)

    def values(self) -> tuple[int, int, int | None]:
        return (self.people_in_need, self.targeted, self.severity)


class _Checker:
    def __init__(self, operation: Operation, columns: Mapping[str, str]) -> None:
        countries = list(operation.countries.values_list("country_pcode", flat=True))
        self.gazetteer = GazetteerIndex.for_countries(countries)
        self.bodies: dict[str, int] = {}
        self.cluster_id: int | None = None
        for body_id, code, name, kind in Body.objects.filter(operation=operation).values_list(
            "id", "code", "name", "kind"
        ):
            if code:
                self.bodies[code.strip().lower()] = body_id
            self.bodies.setdefault("name:" + name_key(name), body_id)
            if kind == Body.Kind.CLUSTER and self.cluster_id is None:
                self.cluster_id = body_id
        self.groups, self.group_codes = population_group_lookup(operation)
        self.columns = columns
        self.problems: list[Problem] = []
        self.row = 0

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
        self.problems.append(
            row_problem(
                row=self.row,
                field=name,
                column=(self.columns.get(name) or _label(name)) if name else "",
                code=code,
                message=message,
                value=value,
                severity=severity,
                **params,
            )
        )

    def count(self, row: Mapping[str, Any], name: str) -> int | None:
        raw = row.get(name)
        try:
            return parse_count(raw)
        except ParseError as error:
            if error.code == "too_large":
                self.add(
                    name,
                    "too_large",
                    _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is too large "
                        "(at most %(max)s)."
                    ),
                    value=raw,
                    max=max_count_text(),
                )
                return None
            self.add(
                name,
                "not_number",
                _("Row %(row)s, column “%(column)s”: “%(value)s” is not a whole, positive number."),
                value=raw,
            )
            return None

    def check(self, number: int, row: Mapping[str, Any]) -> PlanningRow | None:
        self.row = number
        before = len(self.problems)
        area = None
        for name in AREA_FIELDS:
            raw = row.get(name)
            if is_blank(raw):
                continue
            area = self.gazetteer.by_pcode(text(raw))
            if area is None:
                self.add(
                    name,
                    "unknown_pcode",
                    _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a P-code of this "
                        "operation's countries."
                    ),
                    value=raw,
                )
            break
        else:
            self.add(
                "area_pcode",
                "no_location",
                _("Row %(row)s, column “%(column)s”: the P-code is missing."),
            )
        raw_body = row.get("body")
        body_id = self.cluster_id
        if not is_blank(raw_body):
            value = text(raw_body)
            body_id = self.bodies.get(value.lower()) or self.bodies.get("name:" + name_key(value))
            if body_id is None:
                self.add(
                    "body",
                    "unknown_body",
                    _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a cluster or AoR "
                        "code of this operation."
                    ),
                    value=raw_body,
                )
        raw_group = row.get("population_group")
        group_id = None
        if not is_blank(raw_group):
            value = text(raw_group)
            group_id = self.groups.get(value.lower()) or self.groups.get(name_key(value))
            if group_id is None:
                self.add(
                    "population_group",
                    "unknown_population_group",
                    _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a population "
                        "group (use one of %(codes)s)."
                    ),
                    value=raw_group,
                    codes=", ".join(sorted(self.group_codes.values())),
                )
        pin = self.count(row, "people_in_need")
        targeted = self.count(row, "targeted")
        severity = self.count(row, "severity")
        if severity is not None and not 1 <= severity <= 5:
            self.add(
                "severity",
                "severity_range",
                _(
                    "Row %(row)s, column “%(column)s”: the severity %(value)s is not between 1 "
                    "and 5."
                ),
                value=severity,
            )
        if pin is not None and targeted is not None and targeted > pin:
            self.add(
                "targeted",
                "targeted_over_pin",
                _(
                    "Row %(row)s, column “%(column)s”: %(value)s people targeted is more than the "
                    "%(pin)s people in need."
                ),
                value=targeted,
                severity=WARNING,
                pin=pin,
            )
        if any(p.severity == ERROR for p in self.problems[before:]):
            return None
        if area is None or body_id is None:
            return None
        return PlanningRow(
            row=number,
            area_id=area.id,
            body_id=body_id,
            population_group_id=group_id,
            people_in_need=pin or 0,
            targeted=targeted or 0,
            severity=severity,
        )


def _require_manager(by: User | None, operation: Operation) -> None:
    if by is not None and not access.is_manager(by, operation):
        raise PermissionDenied(_("Only the coordination team imports planning figures."))


def planning_import_file(
    *,
    by: User | None,
    operation: Operation,
    year: int,
    path: str | os.PathLike[str] | None = None,
    file: Any = None,
    file_name: str = "",
    dry_run: bool = False,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportRecord:
    """Import planning figures for `year`. Returns the ImportRecord (kind "planning")."""
    _require_manager(by, operation)
    file_name = uploads.upload_name(path, file, file_name, default="planning")
    record = ImportRecord.objects.create(
        operation=operation, kind=KIND, user=by, file_name=file_name
    )
    try:
        data = uploads.upload_bytes(path, file, caller="planning_import_file")
        table = read_table(data, file_name=file_name, sheet=sheet, header_row=header_row)
    except ImportFileError as exc:
        return _finish(record, ImportRecord.Status.REJECTED, [exc.as_problem()])
    match = match_columns(table.headers, table.hxl_tags, targets=PLANNING_FIELDS, mapping=mapping)
    missing = [] if any(name in match.fields for name in AREA_FIELDS) else ["area_pcode"]
    if not {"people_in_need", "targeted"} & match.fields:
        missing.append("people_in_need")
    if missing:
        problem = uploads.missing_columns_problem(
            match, [_label(name) for name in missing], can_map=False
        )
        return _finish(record, ImportRecord.Status.REJECTED, [problem])
    checker = _Checker(operation, match.field_headers())
    clean: list[PlanningRow] = []
    first: dict[tuple[int, int, int | None], int] = {}
    for number, values in iter_records(table, match.columns):
        item = checker.check(number, values)
        if item is None:
            continue
        if item.key in first:
            checker.add(
                "",
                "duplicate_row",
                _(
                    "Row %(row)s repeats row %(other)s: same area, cluster/AoR and "
                    "population group."
                ),
                other=first[item.key],
            )
            continue
        first[item.key] = number
        clean.append(item)
    problems = checker.problems
    record.rows_read = len(table.rows)
    if any(p.severity == ERROR for p in problems):
        return _finish(record, ImportRecord.Status.REJECTED, problems)
    existing = {
        (f.area_id, f.body_id, f.population_group_id): f
        for f in PlanningFigure.objects.filter(operation=operation, year=year)
    }
    new = [c for c in clean if c.key not in existing]
    changed = [
        c
        for c in clean
        if c.key in existing
        and (existing[c.key].people_in_need, existing[c.key].targeted, existing[c.key].severity)
        != c.values()
    ]
    record.created_count = len(new)
    record.updated_count = len(changed)
    record.unchanged_count = len(clean) - len(new) - len(changed)
    if dry_run:
        return _finish(record, ImportRecord.Status.DRY_RUN, problems)
    with transaction.atomic():
        PlanningFigure.objects.bulk_create(
            [
                PlanningFigure(
                    operation=operation,
                    year=year,
                    area_id=c.area_id,
                    body_id=c.body_id,
                    population_group_id=c.population_group_id,
                    people_in_need=c.people_in_need,
                    targeted=c.targeted,
                    severity=c.severity,
                )
                for c in new
            ],
            batch_size=2000,
        )
        updates = []
        for c in changed:
            figure = existing[c.key]
            figure.people_in_need, figure.targeted, figure.severity = c.values()
            updates.append(figure)
        PlanningFigure.objects.bulk_update(
            updates, ["people_in_need", "targeted", "severity", "updated_at"], batch_size=2000
        )
        _finish(record, ImportRecord.Status.IMPORTED, problems)
        audit_write(
            actor=by,
            action=AuditEntry.Action.UPDATE if changed else AuditEntry.Action.CREATE,
            operation=operation,
            entity_type="activities.importrecord",
            entity_id=str(record.pk),
            summary=(
                f"Planning figures {year} imported: {len(new)} created, {len(changed)} updated "
                f"— {record.file_name}"
            ),
            after={
                "year": year,
                "created": len(new),
                "updated": len(changed),
                "unchanged": record.unchanged_count,
            },
        )
    return record


def _finish(record: ImportRecord, status: str, problems: list[Problem]) -> ImportRecord:
    return uploads.record_finish(record, status=status, problems=problems, stored=STORED_PROBLEMS)
