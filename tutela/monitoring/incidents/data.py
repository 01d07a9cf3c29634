"""An incident as entered (web form, API, import), before it is saved, and its checks.

Every way in builds an `IncidentData` with codes (risk "R02", violation "killing", age band
"18-59", P-code "ML0501"...), checks it with `incident_problems(data, refs)` against the
operation's reference data loaded once (`References.load(operation)`), and hands it to the
services in `tutela.monitoring.services.incidents`, which check it again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core.counts import MAX_COUNT, max_count_text
from tutela.core.models import AdminArea, Operation, PopulationGroup, ProtectionRisk
from tutela.core.pcodes import AreaRef, GazetteerIndex
from tutela.core.site_names import site_is_valid, site_problem_message
from tutela.monitoring.models import (
    AgeBand,
    PerpetratorCategory,
    ReferralService,
    Source,
    VerificationStatus,
    ViolationType,
)

SEXES = ("F", "M")
# Incidents before this date are typing mistakes (1900, 0026), not monitoring data.
EARLIEST_DATE = datetime.date(1990, 1, 1)
MAX_NARRATIVE = 20_000
MAX_SITE = 200
MAX_EXTERNAL_ID = 100


@dataclass
class PeopleCount:
    sex: str
    age_band: str
    with_disability: bool
    population_group: str | None
    count: int


@dataclass
class IncidentData:
    occurred_on: datetime.date
    reported_on: datetime.date
    area_pcode: str
    site: str = ""
    # (risk code, violation code or None); the first risk is the incident's main risk.
    risks: list[tuple[str, str | None]] = field(default_factory=list)
    perpetrator: str | None = None
    people: list[PeopleCount] = field(default_factory=list)
    displacement_caused: bool = False
    displaced_households: int | None = None
    services: list[str] = field(default_factory=list)
    source: str = ""
    verification: str = ""
    narrative: str = ""
    external_id: str = ""
    # Who published it (a secondary source's own sources) and the deaths it reports.
    source_name: str = ""
    fatalities: int | None = None


def _key(code: Any) -> str:
    return str(code or "").strip().lower()


@dataclass
class References:
    """The operation's reference data by (lower-case) code, and its areas, loaded once."""

    operation: Operation
    risks: dict[str, ProtectionRisk]
    violations: dict[str, ViolationType]
    perpetrators: dict[str, PerpetratorCategory]
    age_bands: dict[str, AgeBand]
    sources: dict[str, Source]
    verifications: dict[str, VerificationStatus]
    services: dict[str, ReferralService]
    population_groups: dict[str, PopulationGroup]
    gazetteer: GazetteerIndex
    today: datetime.date

    @classmethod
    def load(cls, operation: Operation) -> References:
        def by_code(model: Any) -> dict[str, Any]:
            return {_key(item.code): item for item in model.objects.filter(operation=operation)}

        risks = by_code(ProtectionRisk)
        violations = {
            _key(v.code): v
            for v in ViolationType.objects.filter(operation=operation).select_related("risk")
        }
        return cls(
            operation=operation,
            risks=risks,
            violations=violations,
            perpetrators=by_code(PerpetratorCategory),
            age_bands=by_code(AgeBand),
            sources=by_code(Source),
            verifications=by_code(VerificationStatus),
            services=by_code(ReferralService),
            population_groups=by_code(PopulationGroup),
            gazetteer=GazetteerIndex.for_operation(operation),
            today=timezone.localdate(),
        )

    # --- lookups (None when unknown) -------------------------------------------------------------

    def risk(self, code: Any) -> ProtectionRisk | None:
        return self.risks.get(_key(code))

    def violation(self, code: Any) -> ViolationType | None:
        return self.violations.get(_key(code))

    def area(self, pcode: Any) -> AreaRef | None:
        return self.gazetteer.by_pcode(str(pcode or ""))

    def ancestors(self, area: AreaRef) -> dict[int, AreaRef]:
        """level -> the area or its ancestor at that level."""
        found: dict[int, AreaRef] = {}
        current: AreaRef | None = area
        while current is not None:
            found[current.level] = current
            current = (
                self.gazetteer.by_pcode(current.parent_pcode) if current.parent_pcode else None
            )
        return found

    def risk_pairs(self, data: IncidentData) -> list[tuple[ProtectionRisk, ViolationType | None]]:
        """The incident's (risk, violation) pairs, in order, without repeats; a violation given
        without its risk brings its own risk. Unknown codes are left out (see the problems)."""
        pairs: list[tuple[ProtectionRisk, ViolationType | None]] = []
        for risk_code, violation_code in data.risks:
            violation = self.violation(violation_code) if violation_code else None
            risk = (
                self.risk(risk_code) if _key(risk_code) else (violation.risk if violation else None)
            )
            if risk is None or (violation_code and violation is None):
                continue
            if (risk, violation) not in pairs:
                pairs.append((risk, violation))
        return pairs

    def is_gbv(self, data: IncidentData) -> bool:
        return any(
            risk.is_gbv or (violation is not None and violation.family == ViolationType.Family.GBV)
            for risk, violation in self.risk_pairs(data)
        )


class _Problems:
    """Collects (field, code, message) triples, the message made with its parameters."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str]] = []

    def add(self, field_name: str, problem: str, message: str, **params: Any) -> None:
        self.found.append((field_name, problem, message % params if params else message))


class _Add(Protocol):
    def __call__(self, field_name: str, problem: str, message: str, **params: Any) -> None: ...


def incident_problems(data: IncidentData, refs: References) -> list[tuple[str, str, str]]:
    """What is wrong with `data`: (field, code, message) triples; empty when it can be saved.
    Checked in the order of the form: dates, location, risks, people, displacement, the other
    codes, lengths."""
    problems = _Problems()
    for step in (
        _date_problems,
        _location_problems,
        _risk_problems,
        _people_problems,
        _displacement_problems,
        _code_problems,
        _length_problems,
    ):
        step(data, refs, problems.add)
    return problems.found


def _date_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """The dates: given, not in the future, not before EARLIEST_DATE, reported after occurred."""
    today = refs.today
    occurred: datetime.date | None = data.occurred_on
    reported: datetime.date | None = data.reported_on
    if not isinstance(occurred, datetime.date):
        add("occurred_on", "required", _("Give the date of the incident."))
        occurred = None
    elif occurred > today:
        add(
            "occurred_on",
            "future",
            _("The date of the incident (%(date)s) is in the future."),
            date=occurred.isoformat(),
        )
    elif occurred < EARLIEST_DATE:
        add(
            "occurred_on",
            "too_early",
            _("The date of the incident (%(date)s) is before %(earliest)s: check the year."),
            date=occurred.isoformat(),
            earliest=EARLIEST_DATE.isoformat(),
        )
    if not isinstance(reported, datetime.date):
        add("reported_on", "required", _("Give the date the incident was reported."))
        reported = None
    elif reported > today:
        add(
            "reported_on",
            "future",
            _("The date reported (%(date)s) is in the future."),
            date=reported.isoformat(),
        )
    elif reported < EARLIEST_DATE:
        add(
            "reported_on",
            "too_early",
            _("The date reported (%(date)s) is before %(earliest)s: check the year."),
            date=reported.isoformat(),
            earliest=EARLIEST_DATE.isoformat(),
        )
    if occurred and reported and reported < occurred:
        add(
            "reported_on",
            "reported_before_occurred",
            _("The incident was reported (%(reported)s) before it occurred (%(occurred)s)."),
            reported=reported.isoformat(),
            occurred=occurred.isoformat(),
        )


def _location_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """The location (a known P-code of the operation, below country level) and the site."""
    pcode = str(data.area_pcode or "").strip()
    if not pcode:
        add("area_pcode", "required", _("Give the location's P-code."))
    else:
        area = refs.area(pcode)
        if area is None:
            if AdminArea.objects.filter(pcode__iexact=pcode).exists():
                add(
                    "area_pcode",
                    "outside_operation",
                    _("%(pcode)s is not in this operation's countries."),
                    pcode=pcode,
                )
            else:
                add("area_pcode", "unknown", _("%(pcode)s is not a known P-code."), pcode=pcode)
        elif area.level < 1:
            add(
                "area_pcode",
                "too_broad",
                _("%(pcode)s (%(name)s) is a whole country: give at least the admin 1 area."),
                pcode=area.pcode,
                name=area.name,
            )
    if len(data.site or "") > MAX_SITE:
        add("site", "too_long", _("The site has more than %(max)s characters."), max=MAX_SITE)
    elif not site_is_valid((data.site or "").strip()):
        add("site", "invalid", site_problem_message())


def _risk_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """The risks and their violation types (codes of the operation, consistent, not repeated), and
    the perpetrator category."""
    if not data.risks:
        add("risks", "required", _("Give at least one protection risk."))
    seen: set[tuple[str, str]] = set()
    for risk_code, violation_code in data.risks:
        violation = refs.violation(violation_code) if violation_code else None
        if violation_code and violation is None:
            add(
                "risks",
                "unknown_violation",
                _("“%(code)s” is not a violation type of this operation."),
                code=violation_code,
            )
        if not _key(risk_code):
            if violation is None:
                add("risks", "required", _("A risk is missing its code."))
            continue
        risk = refs.risk(risk_code)
        if risk is None:
            add(
                "risks",
                "unknown_risk",
                _("“%(code)s” is not a protection risk of this operation."),
                code=risk_code,
            )
            continue
        if violation is not None and violation.risk_id != risk.pk:
            if violation.family == ViolationType.Family.GBV and not risk.is_gbv:
                add(
                    "risks",
                    "gbv_violation_outside_gbv",
                    _(
                        "“%(violation)s” is a form of gender-based violence: record it under "
                        "the GBV risk, not under “%(risk)s”."
                    ),
                    violation=violation.name,
                    risk=risk.name,
                )
            else:
                add(
                    "risks",
                    "violation_not_in_risk",
                    _("“%(violation)s” is not a violation type of the risk “%(risk)s”."),
                    violation=violation.name,
                    risk=risk.name,
                )
        pair = (_key(risk_code), _key(violation_code))
        if pair in seen:
            add(
                "risks",
                "repeated",
                _("The risk “%(risk)s” is given twice with the same violation type."),
                risk=risk.name,
            )
        seen.add(pair)

    if data.perpetrator and _key(data.perpetrator) not in refs.perpetrators:
        add(
            "perpetrator",
            "unknown",
            _("“%(code)s” is not a perpetrator category of this operation."),
            code=data.perpetrator,
        )


def _people_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """The people affected: sex, age band, population group, counts within bounds."""
    for number, line in enumerate(data.people, start=1):
        if line.sex not in SEXES:
            add(
                "people",
                "unknown_sex",
                _("People, line %(line)s: the sex must be F or M, not “%(value)s”."),
                line=number,
                value=line.sex,
            )
        if _key(line.age_band) not in refs.age_bands:
            add(
                "people",
                "unknown_age_band",
                _("People, line %(line)s: “%(value)s” is not an age band of this operation."),
                line=number,
                value=line.age_band,
            )
        if line.population_group and _key(line.population_group) not in refs.population_groups:
            add(
                "people",
                "unknown_population_group",
                _(
                    "People, line %(line)s: “%(value)s” is not a population group of this "
                    "operation."
                ),
                line=number,
                value=line.population_group,
            )
        if not isinstance(line.count, int) or isinstance(line.count, bool) or line.count <= 0:
            add(
                "people",
                "not_positive",
                _("People, line %(line)s: the number of people must be a whole number above 0."),
                line=number,
            )
        elif line.count > MAX_COUNT:
            add(
                "people",
                "too_large",
                _("People, line %(line)s: the number of people cannot be more than %(max)s."),
                line=number,
                max=max_count_text(),
            )
    counted = [
        line.count
        for line in data.people
        if isinstance(line.count, int) and not isinstance(line.count, bool)
    ]
    if sum(counted) > MAX_COUNT and all(0 < n <= MAX_COUNT for n in counted):
        add(
            "people",
            "too_large",
            _("The people affected add up to more than %(max)s."),
            max=max_count_text(),
        )


def _displacement_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """Households displaced: only with a displacement, a count within bounds."""
    households = data.displaced_households
    if households is not None:
        if not data.displacement_caused:
            add(
                "displaced_households",
                "without_displacement",
                _("Households displaced are given but the incident caused no displacement."),
            )
        if not isinstance(households, int) or isinstance(households, bool) or households <= 0:
            add(
                "displaced_households",
                "not_positive",
                _("The number of households displaced must be a whole number above 0."),
            )
        elif households > MAX_COUNT:
            add(
                "displaced_households",
                "too_large",
                _("The number of households displaced cannot be more than %(max)s."),
                max=max_count_text(),
            )


def _code_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """Services, source and verification status: codes of the operation."""
    for code in data.services:
        if _key(code) not in refs.services:
            add(
                "services",
                "unknown",
                _("“%(code)s” is not a service of this operation."),
                code=code,
            )
    if not _key(data.source):
        add("source", "required", _("Give the source of the information."))
    elif _key(data.source) not in refs.sources:
        add(
            "source",
            "unknown",
            _("“%(code)s” is not a source of this operation."),
            code=data.source,
        )
    if not _key(data.verification):
        add("verification", "required", _("Give the verification status."))
    elif _key(data.verification) not in refs.verifications:
        add(
            "verification",
            "unknown",
            _("“%(code)s” is not a verification status of this operation."),
            code=data.verification,
        )


def _length_problems(data: IncidentData, refs: References, add: _Add) -> None:
    """Free text within its maximum length."""
    if len(data.narrative or "") > MAX_NARRATIVE:
        add(
            "narrative",
            "too_long",
            _("The narrative has more than %(max)s characters."),
            max=MAX_NARRATIVE,
        )
    if len(data.external_id or "") > MAX_EXTERNAL_ID:
        add(
            "external_id",
            "too_long",
            _("The external identifier has more than %(max)s characters."),
            max=MAX_EXTERNAL_ID,
        )
