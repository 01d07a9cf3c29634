"""Reading the rows of a monitoring-network file: the fields of each kind of file, the values
the importer recognises (codes, names, other typologies' labels), the matching of a file's
columns (Kobo/ODK group prefixes dropped) and the row-by-row checks that turn cells into
IncidentData / CommunityItem with problems by row and column. Nothing here saves anything:
tutela.monitoring.services.imports does.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import process

from tutela.core.counts import max_count_text
from tutela.core.imports import uploads
from tutela.core.imports.matching import ColumnMatch, match_columns
from tutela.core.imports.problems import ERROR, WARNING, Problem, display_value
from tutela.core.imports.readers import Table, read_table
from tutela.core.imports.synonyms import POPULATION_SYNONYMS
from tutela.core.imports.values import (
    SKIP,
    ParseError,
    ValueMap,
    is_blank,
    parse_count,
    parse_date,
    parse_month,
)
from tutela.core.imports.values import text as cell_text
from tutela.core.models import Operation
from tutela.core.pcodes import AreaRef, name_key
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.incidents.data import (
    IncidentData,
    PeopleCount,
    References,
    incident_problems,
)
from tutela.monitoring.incidents.narrative import mask_personal_data
from tutela.monitoring.models import (
    AgeBand,
    CommunityReport,
    Kind,
    MonitoringMapping,
    RiskMapping,
)

# A text cell starting so is a formula (or a CSV injection attempt): refused.
FORMULA_START = ("=", "+", "@", "\t", "\r")
SEPARATORS = re.compile(r"[;|\n\r]+")
TRUE = frozenset({"yes", "oui", "true", "vrai", "1", "y", "o", "x", "si"})
FALSE = frozenset({"no", "non", "false", "faux", "0", "n"})
TYPOLOGY_KEY = "_typology"


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
        for kind in refs.violations.values():
            for text in names(kind):
                claim(violation, text, (kind.risk.code, kind.code))
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
            entry: Any
            for entry in items.values():
                for text in names(entry):
                    claim(table, text, entry.code)
                if ref == "population_group":
                    claim(table, getattr(entry, "hxl_attribute", "").lstrip("+"), entry.code)
                    for synonym in POPULATION_SYNONYMS.get(entry.code.upper(), ()):
                        claim(table, synonym, entry.code)
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


def match_file(table: Table, fieldset: FieldSet, mapping: MonitoringMapping | None) -> ColumnMatch:
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
        return float(len(match_file(table, fieldset, None).columns))

    return prefer


def read_file(data: bytes, *, file_name: str, fieldset: FieldSet) -> Table:
    return read_table(data, file_name=file_name, prefer=_prefer_for(fieldset))


def field_label(fieldset: FieldSet, name: str) -> str:
    spec = fieldset.by_name.get(name)
    return str(spec.label) if spec else name


def column_problems(
    match: ColumnMatch, fieldset: FieldSet, values: Mapping[str, Any] | None
) -> list[Problem]:
    """Missing required columns (errors), duplicate and unused columns (warnings)."""
    defaults = {n for n, t in (values or {}).items() if isinstance(t, Mapping) and "" in t}
    present = match.fields | defaults
    missing = [field_label(fieldset, n) for n in fieldset.required if n not in present]
    if not present & set(fields.LOCATION_FIELDS):
        missing.append(_("a location (P-code or admin names)"))
    if fieldset.kind == Kind.INCIDENTS and not present & {"risks", "violations"}:
        missing.append(_("a protection risk or violation type"))
    # Headers quoted shortened: a Kobo export's headers can be whole questions.
    return uploads.column_problems(
        match,
        missing=missing,
        field_label=lambda name: field_label(fieldset, name),
        header_limit=60,
        list_limit=600,
    )


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
                "too_large": _("“%(value)s” is too large (at most %(max)s)."),
            }.get(error.code, _("“%(value)s” is not a number."))
            self.add(name, error.code, message, value=value, max=max_count_text())
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
            field=field_label(self.fieldset, name),
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
        if SEPARATORS.search(raw):
            parts = [p for p in SEPARATORS.split(raw) if p.strip()]
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
        item: Any = (
            self.community(cells) if self.fieldset.kind == Kind.COMMUNITY else self.incident(cells)
        )
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
