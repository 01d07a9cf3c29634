"""Reading the rows of a monitoring-network file: the fields of each kind of file, the values
the importer recognises (codes, names, other typologies' labels), the matching of a file's
columns (Kobo/ODK group prefixes dropped) and the row-by-row checks that turn cells into
IncidentData / CommunityItem with problems by row and column. Nothing here saves anything:
tutela.monitoring.services.imports does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tutela.core.imports.engine import Checked
from tutela.core.imports.matching import ColumnMatch
from tutela.core.imports.problems import WARNING
from tutela.core.imports.readers import Table
from tutela.core.models import Operation
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.cells import CellReader, SkipRow
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.imports.vocabulary import FORMULA_START
from tutela.monitoring.incidents.data import (
    IncidentData,
    PeopleCount,
    References,
    incident_problems,
)
from tutela.monitoring.incidents.narrative import mask_personal_data
from tutela.monitoring.models import (
    CommunityReport,
    Kind,
)


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


class RowReader(CellReader):
    """Turns a file's rows into IncidentData / CommunityItem, reporting each problem by row and
    column."""

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
        pairs = self._risk_pairs(cells)
        perpetrator = self.code(cells, "perpetrator")
        group = self.code(cells, "population_group")
        people = self._people(cells, group)
        households = self.count(cells, "displaced_households")
        displacement = self.boolean(cells, "displacement_caused")
        if displacement is None:
            displacement = bool(households)
        services = self.tokens(cells, "services")
        source = self.code(cells, "source")
        verification = self.code(cells, "verification")
        narrative = self._narrative(cells)
        external_id = self.text(cells, "external_id")
        if external_id.lower().startswith("uuid:"):
            external_id = external_id[5:]
        source_name = self.text(cells, "source_name")
        fatalities = self.count(cells, "fatalities")
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
            source_name=source_name,
            fatalities=fatalities,
        )
        self._incident_problems(data, derived_from_missing=derived and occurred is None)
        return data

    def _risk_pairs(self, cells: list[Any]) -> list[tuple[str, str | None]]:
        """(risk, violation) pairs from the risks and violations columns, each once; a violation
        completes its risk's pair."""
        pairs: list[tuple[str, str | None]] = []
        for pair in self.tokens(cells, "risks"):
            if pair not in pairs:
                pairs.append(pair)
        for risk, violation in self.tokens(cells, "violations"):
            if (risk, None) in pairs:
                pairs[pairs.index((risk, None))] = (risk, violation)
            elif (risk, violation) not in pairs:
                pairs.append((risk, violation))
        return pairs

    def _people(self, cells: list[Any], group: str | None) -> list[PeopleCount]:
        """The people affected by sex and age band, those with a disability counted apart."""
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
        return people

    def _narrative(self, cells: list[Any]) -> str:
        """The narrative, with a warning when it probably holds personal data (masked at save)."""
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
        return narrative

    def _incident_problems(self, data: IncidentData, *, derived_from_missing: bool) -> None:
        """The incident's own rules (incident_problems), reported on the file's columns, except
        where a cell of the field already failed."""
        skip = set(self.failed)
        if derived_from_missing:
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
        """The row as an item (None when it has errors); raises SkipRow to leave it out."""
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
) -> Checked[Any]:
    """Every row read and checked; nothing saved."""
    refs = References.load(operation)
    reader = RowReader(refs=refs, fieldset=fieldset, match=match, values=values)
    checked: Checked[Any] = Checked(rows_read=len(table.rows))
    seen_ids: dict[str, int] = {}
    seen_keys: dict[tuple[Any, ...], int] = {}
    total = max(1, len(table.rows))
    for position, (number, cells) in enumerate(table.rows):
        if progress is not None and position % 500 == 0:
            progress(int(80 * position / total))
        try:
            item = reader.read(number, cells)
        except SkipRow as rule:
            checked.skipped += 1
            reason = (rule.field, rule.value)
            checked.left_out[reason] = checked.left_out.get(reason, 0) + 1
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
