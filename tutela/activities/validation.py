"""Checking 5W rows before they are saved, from the web grid or an uploaded file.

    context = ReportContext.build(operation=operation, organisation=amss, by=user)
    clean, problems = validate(context, rows, columns={"month": "Mois", ...})

`rows`: (row number, {field: raw value}) pairs (or dicts with a "_row" key). `columns`: the header
each field came from, so that problems name the column the user sees.

Everything validation needs is loaded once by `ReportContext.build` (plus one query for the
existing rows of the organisations and months in the rows), so a 100,000-row file makes no query
per row. Values repeated from row to row (the same P-codes, activity codes, months) are parsed
once and cached.

Every problem names the row, the column and the bad value, in the active language. Errors reject
the whole upload; warnings (a name that does not match its P-code, an outlier) do not.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg
from django.utils import translation
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from tutela.activities.fields import BY_NAME, SEX_AGE
from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    Indicator,
    PopulationGroup,
    ReportingRound,
)
from tutela.core import access
from tutela.core.imports.problems import ERROR, WARNING, Problem, display_value
from tutela.core.imports.values import (
    MAX_COUNT,
    ParseError,
    is_blank,
    month_end,
    parse_count,
    parse_date,
    parse_month,
    text,
)
from tutela.core.models import Body, Operation, Organisation
from tutela.core.models.roles import Role
from tutela.core.pcodes import AreaRef, GazetteerIndex, name_key

# Fields compared to decide whether an existing row changes (the natural key aside).
VALUE_FIELDS = (
    "submission_id",
    "implementing_partner_id",
    "indicator_id",
    "body_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "site",
    "status",
    "modality",
    "start_date",
    "end_date",
    *SEX_AGE,
    "total",
    "with_disability",
    "quantity",
    "project_code",
)
# Population group names seen in real files, by code (compared with name_key).
POPULATION_SYNONYMS = {
    "IDP": (
        "idp",
        "idps",
        "pdi",
        "deplaces",
        "deplace",
        "deplaces internes",
        "personnes deplacees",
        "displaced",
        "internally displaced",
        "internally displaced people",
        "internally displaced persons",
        "desplazados",
        "desplazados internos",
    ),
    "REF": ("refugies", "refugie", "refugees", "refugee", "refugiados"),
    "ASY": ("demandeurs d asile", "asylum seekers", "solicitantes de asilo"),
    "RET": ("retournes", "retourne", "returnees", "returnee", "retornados", "rapatries"),
    "HST": (
        "hote",
        "host",
        "host community",
        "host communities",
        "communaute hote",
        "communautes hotes",
        "population hote",
        "population locale",
        "communaute d accueil",
        "familles d accueil",
        "comunidad de acogida",
        "residents",
    ),
    "STA": ("apatrides", "stateless", "apatridas"),
    "OOC": ("autres", "other", "others", "otros"),
}
STATUS_SYNONYMS = {
    ActivityReport.Status.PLANNED: ("planifie", "prevu", "pipeline", "a venir", "planificado"),
    ActivityReport.Status.ONGOING: (
        "en cours",
        "in progress",
        "active",
        "en cours d execution",
        "mise en oeuvre",
        "en curso",
    ),
    ActivityReport.Status.COMPLETED: (
        "termine",
        "terminee",
        "acheve",
        "complete",
        "cloture",
        "finalise",
        "done",
        "finished",
        "closed",
        "finalizado",
    ),
}
MODALITY_SYNONYMS = {
    ActivityReport.Modality.IN_PERSON: ("en personne", "presentiel", "face to face", "direct"),
    ActivityReport.Modality.MOBILE: ("mobile", "equipe mobile", "clinique mobile"),
    ActivityReport.Modality.REMOTE: ("a distance", "telephone", "online", "en ligne"),
    ActivityReport.Modality.CASH: ("especes", "monetaire", "cash transfer", "transfert monetaire"),
    ActivityReport.Modality.IN_KIND: ("en nature", "en vivre", "in kind", "en vivre in kind"),
    ActivityReport.Modality.VOUCHER: ("coupon", "coupons", "bon", "bons"),
}
TEXT_LIMITS = {"site": 200, "project_code": 60}
NUMBER_FIELDS = (*SEX_AGE, "total", "with_disability", "quantity")
# Past months an organisation's usual figure is computed over, and how many it needs.
HISTORY_MONTHS = 12
HISTORY_MIN_MONTHS = 3


@dataclass(frozen=True, slots=True)
class ActivityRef:
    id: int
    code: str
    body_id: int
    is_active: bool
    by_sex_age: bool
    by_disability: bool
    modalities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndicatorRef:
    id: int
    code: str
    counts_people: bool


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    id: int
    acronym: str


@dataclass(slots=True)
class CleanRow:
    """A checked row, with ids resolved, ready to be written."""

    row: int
    organisation_id: int
    activity_id: int
    area_id: int
    month: datetime.date
    population_group_id: int
    round_id: int
    body_id: int
    indicator_id: int | None = None
    implementing_partner_id: int | None = None
    admin1_id: int | None = None
    admin2_id: int | None = None
    admin3_id: int | None = None
    site: str = ""
    status: str = ActivityReport.Status.ONGOING
    modality: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    girls: int = 0
    boys: int = 0
    women: int = 0
    men: int = 0
    older_women: int = 0
    older_men: int = 0
    total: int = 0
    with_disability: int = 0
    quantity: int | None = None
    project_code: str = ""
    # Filled when the key matches a saved row: its id, and whether any value differs.
    submission_id: int | None = None
    existing_id: int | None = None
    changed: bool = True

    @property
    def key(self) -> tuple[int, int, int, datetime.date, int]:
        return (
            self.organisation_id,
            self.activity_id,
            self.area_id,
            self.month,
            self.population_group_id,
        )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in VALUE_FIELDS)


@dataclass
class Existing:
    id: int
    values: tuple[Any, ...]


@dataclass
class ReportContext:
    """What validation needs, loaded once per upload."""

    operation: Operation
    organisation: Organisation | None
    user: Any
    is_manager: bool
    user_organisation_id: int | None
    gazetteer: GazetteerIndex
    activities: dict[str, ActivityRef]
    activity_names: dict[str, ActivityRef]
    activity_codes: dict[int, str]
    indicators: dict[int, dict[str, IndicatorRef]]
    population_groups: dict[str, int]
    population_codes: dict[int, str]
    organisations: dict[str, OrganisationRef]
    partners: dict[str, OrganisationRef]
    rounds: dict[datetime.date, tuple[int, str]]
    outlier_factor: int
    medians: dict[tuple[int, int], float]
    body: Body | None = None
    bodies: dict[int, str] = field(default_factory=dict)
    existing: dict[tuple[int, int, int, datetime.date, int], Existing] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    modalities: dict[str, str] = field(default_factory=dict)
    _history: dict[tuple[int, int], list[tuple[datetime.date, float]]] = field(default_factory=dict)
    _loaded: set[tuple[int, datetime.date]] = field(default_factory=set)
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        operation: Operation,
        organisation: Organisation | None = None,
        by: Any = None,
        body: Body | None = None,
    ) -> ReportContext:
        countries = list(operation.countries.values_list("country_pcode", flat=True))
        gazetteer = GazetteerIndex.for_countries(countries)

        activities: dict[str, ActivityRef] = {}
        activity_names: dict[str, ActivityRef] = {}
        activity_codes: dict[int, str] = {}
        for row in Activity.objects.filter(operation=operation).values(
            "id",
            "code",
            "body_id",
            "is_active",
            "by_sex_age",
            "by_disability",
            "modalities",
            "name_en",
            "name_fr",
            "name_es",
        ):
            ref = ActivityRef(
                id=row["id"],
                code=row["code"],
                body_id=row["body_id"],
                is_active=row["is_active"],
                by_sex_age=row["by_sex_age"],
                by_disability=row["by_disability"],
                modalities=tuple(row["modalities"] or ()),
            )
            activities[row["code"].strip().lower()] = ref
            activity_codes[ref.id] = ref.code
            for name in (row["name_en"], row["name_fr"], row["name_es"]):
                if name_key(name or ""):
                    activity_names.setdefault(name_key(name), ref)
        indicators: dict[int, dict[str, IndicatorRef]] = {}
        for ind in Indicator.objects.filter(activity__operation=operation).values(
            "id", "code", "unit", "activity_id", "name_en", "name_fr", "name_es"
        ):
            iref = IndicatorRef(
                id=ind["id"], code=ind["code"], counts_people=ind["unit"] == Activity.Unit.PEOPLE
            )
            table = indicators.setdefault(ind["activity_id"], {})
            table[ind["code"].strip().lower()] = iref
            for name in (ind["name_en"], ind["name_fr"], ind["name_es"]):
                if name_key(name or ""):
                    table.setdefault("name:" + name_key(name), iref)

        groups, group_codes = population_group_lookup(operation)

        organisations: dict[str, OrganisationRef] = {}
        for org_id, acronym, name in operation.organisations.values_list("id", "acronym", "name"):
            ref_org = OrganisationRef(id=org_id, acronym=acronym)
            organisations[acronym.strip().lower()] = ref_org
            for key in (name_key(acronym), name_key(name)):
                if key:
                    organisations.setdefault("key:" + key, ref_org)
        partners: dict[str, OrganisationRef] = {}
        for org_id, acronym in Organisation.objects.values_list("id", "acronym"):
            partners[acronym.strip().lower()] = OrganisationRef(id=org_id, acronym=acronym)

        rounds = {
            month: (pk, status)
            for pk, month, status in ReportingRound.objects.filter(operation=operation).values_list(
                "id", "month", "status"
            )
        }
        settings_row = ActivitySettings.objects.filter(operation=operation).first()
        is_manager = bool(by is not None and access.is_manager(by, operation))
        user_org = getattr(by, "organisation_id", None) if by is not None else None
        context = cls(
            operation=operation,
            organisation=organisation,
            user=by,
            is_manager=is_manager or by is None,
            user_organisation_id=user_org,
            gazetteer=gazetteer,
            activities=activities,
            activity_names=activity_names,
            activity_codes=activity_codes,
            indicators=indicators,
            population_groups=groups,
            population_codes=group_codes,
            organisations=organisations,
            partners=partners,
            rounds=rounds,
            outlier_factor=settings_row.outlier_factor if settings_row else 5,
            medians={},
            body=body,
            bodies=dict(Body.objects.filter(operation=operation).values_list("id", "code")),
        )
        context.statuses = _choice_lookup(ActivityReport.Status.choices, STATUS_SYNONYMS)
        context.modalities = _choice_lookup(ActivityReport.Modality.choices, MODALITY_SYNONYMS)
        context._load_medians()
        return context

    # --- loading -------------------------------------------------------------------------------

    def _load_medians(self) -> None:
        """The organisation's usual row total per activity: the median, over past months, of
        its average row total in the month."""
        rows = ActivityReport.objects.filter(operation=self.operation)
        if self.organisation is not None:
            rows = rows.filter(organisation=self.organisation)
        elif not self.is_manager and self.user_organisation_id:
            rows = rows.filter(organisation_id=self.user_organisation_id)
        per_month: dict[tuple[int, int], list[tuple[datetime.date, float]]] = {}
        for org_id, activity_id, month, average in (
            rows.values("organisation_id", "activity_id", "month")
            .annotate(average=Avg("total"))
            .values_list("organisation_id", "activity_id", "month", "average")
        ):
            per_month.setdefault((org_id, activity_id), []).append((month, float(average or 0)))
        self._history = per_month

    def median_for(self, organisation_id: int, activity_id: int, month: datetime.date) -> float:
        """Median of the months before `month` (up to HISTORY_MONTHS); 0 without enough."""
        history = self._history.get((organisation_id, activity_id))
        if not history:
            return 0.0
        past = sorted((m, v) for m, v in history if m < month)[-HISTORY_MONTHS:]
        if len(past) < HISTORY_MIN_MONTHS:
            return 0.0
        key = ("median", (organisation_id, activity_id, month))
        if key not in self._cache:
            self._cache[key] = statistics.median(v for _m, v in past)
        return float(self._cache[key])

    def load_existing(self, pairs: Iterable[tuple[int, datetime.date]]) -> None:
        """Saved rows of these (organisation, month) pairs, by natural key: one query per
        organisation at most."""
        wanted = {p for p in pairs if p not in self._loaded}
        if not wanted:
            return
        months_by_org: dict[int, set[datetime.date]] = {}
        for org_id, month in wanted:
            months_by_org.setdefault(org_id, set()).add(month)
        columns = ["id", "organisation_id", "activity_id", "area_id", "month"]
        columns += ["population_group_id", *VALUE_FIELDS]
        for org_id, months in months_by_org.items():
            for record in (
                ActivityReport.objects.filter(
                    operation=self.operation, organisation_id=org_id, month__in=sorted(months)
                )
                .values_list(*columns)
                .iterator(chunk_size=5000)
            ):
                key = (record[1], record[2], record[3], record[4], record[5])
                self.existing[key] = Existing(id=record[0], values=tuple(record[6:]))
        self._loaded |= wanted


def population_group_lookup(operation: Operation) -> tuple[dict[str, int], dict[int, str]]:
    """({code, name in any language, HXL attribute or common synonym (compared with name_key):
    group id}, {group id: code}) for the operation's population groups."""
    groups: dict[str, int] = {}
    group_codes: dict[int, str] = {}
    for group in PopulationGroup.objects.filter(operation=operation):
        group_codes[group.pk] = group.code
        groups[group.code.strip().lower()] = group.pk
        for name in (group.name_en, group.name_fr, group.name_es, group.hxl_attribute):
            if name_key(name or ""):
                groups.setdefault(name_key(name), group.pk)
    by_code = {code.upper(): pk for pk, code in group_codes.items()}
    for code, synonyms in POPULATION_SYNONYMS.items():
        if code in by_code:
            for synonym in synonyms:
                groups.setdefault(name_key(synonym), by_code[code])
    return groups, group_codes


def _choice_lookup(choices: Any, synonyms: Mapping[Any, tuple[str, ...]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[name_key(value)] = value
        lookup[name_key(value.replace("_", " "))] = value
        for language in ("en", "fr", "es"):
            with translation.override(language):
                lookup.setdefault(name_key(str(label)), value)
    for value, names in synonyms.items():
        for name in names:
            lookup.setdefault(name_key(name), value)
    return lookup


def _numbered(rows: Iterable[Any]) -> Iterable[tuple[int, Mapping[str, Any]]]:
    for position, item in enumerate(rows, start=1):
        if isinstance(item, tuple):
            yield int(item[0]), item[1]
        else:
            yield int(item.get("_row") or position), item


class _RowChecker:
    """Checks one batch of rows against a context; collects problems."""

    def __init__(self, context: ReportContext, columns: Mapping[str, str] | None) -> None:
        self.c = context
        self.columns = dict(columns or {})
        self.problems: list[Problem] = []
        self.row = 0
        self._recording: list[tuple[Any, ...]] | None = None
        self._memo: dict[str, dict[Any, Any]] = {}

    # --- problems ----------------------------------------------------------------------------

    def column(self, name: str) -> str:
        if name in self.columns:
            return self.columns[name]
        spec = BY_NAME.get(name)
        return str(spec.label) if spec else name

    def add(
        self,
        name: str,
        code: str,
        message: str,
        /,
        *,
        value: Any = "",
        severity: str = ERROR,
        suggestion: str = "",
        **params: Any,
    ) -> None:
        """Record a problem of the current row. `message` is translated, with %(row)s,
        %(column)s, %(value)s and the other `params` filled in here."""
        spec = (name, code, message, value, severity, suggestion, params)
        if self._recording is not None:
            self._recording.append(spec)
        else:
            self._emit(spec)

    def _emit(self, spec: tuple[Any, ...]) -> None:
        name, code, message, value, severity, suggestion, params = spec
        column = self.column(name) if name else ""
        shown = display_value(value if isinstance(value, str) else text(value))
        values = {"row": self.row, "column": column, "value": shown, **params}
        self.problems.append(
            Problem(
                row=self.row,
                column=column,
                field=name,
                code=code,
                message=message % values,
                severity=severity,
                suggestion=suggestion,
                value=shown,
            )
        )

    def memo(self, kind: str, key: Any, compute: Any, *args: Any) -> Any:
        """compute(*args), computed once per distinct key: the result and the problems it
        raised are replayed for every row with the same value (with that row's number)."""
        cache = self._memo.setdefault(kind, {})
        try:
            hit = cache.get(key, _MISS)
        except TypeError:
            return compute(*args)
        if hit is _MISS:
            outer = self._recording
            self._recording = []
            try:
                result = compute(*args)
            finally:
                specs, self._recording = self._recording, outer
            hit = cache[key] = (result, tuple(specs))
        result, specs = hit
        for spec in specs:
            self.add(
                spec[0],
                spec[1],
                spec[2],
                value=spec[3],
                severity=spec[4],
                suggestion=spec[5],
                **spec[6],
            )
        return result

    # --- fields ------------------------------------------------------------------------------

    def parse_error(self, name: str, raw: Any, code: str) -> None:
        messages = {
            "not_number": _("Row %(row)s, column “%(column)s”: “%(value)s” is not a number."),
            "not_whole": _("Row %(row)s, column “%(column)s”: “%(value)s” is not a whole number."),
            "negative": _("Row %(row)s, column “%(column)s”: “%(value)s” is negative."),
            "too_large": _("Row %(row)s, column “%(column)s”: “%(value)s” is too large."),
            "not_month": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” is not a month (write it as "
                "2026-03, 03/2026 or March 2026)."
            ),
            "no_year": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” has no year (write it as 2026-03)."
            ),
            "not_date": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” is not a date (write it as "
                "2026-03-15 or 15/03/2026)."
            ),
        }
        self.add(name, code, messages.get(code, messages["not_number"]), value=raw)

    def count(self, row: Mapping[str, Any], name: str) -> int | None:
        raw: Any = row.get(name)
        # Fast paths: spreadsheets give floats, the grid strings.
        kind = type(raw)
        if kind is float:
            if raw.is_integer() and 0 <= raw <= MAX_COUNT:
                return int(raw)
        elif kind is int:
            if 0 <= raw <= MAX_COUNT:
                return int(raw)
        elif raw is None or raw == "":
            return None
        return self.memo("count", (name, _key(raw)), self._count, name, raw)

    def _count(self, name: str, raw: Any) -> int | None:
        try:
            return parse_count(raw)
        except ParseError as exc:
            self.parse_error(name, raw, exc.code)
            return None

    def organisation(self, raw: Any) -> OrganisationRef | None:
        c = self.c
        if is_blank(raw):
            if c.organisation is not None:
                return OrganisationRef(c.organisation.pk, c.organisation.acronym)
            if not c.is_manager and c.user_organisation_id:
                found = [o for o in c.organisations.values() if o.id == c.user_organisation_id]
                if found:
                    return found[0]
            self.add(
                "organisation",
                "required",
                _("Row %(row)s, column “%(column)s”: the reporting organisation is missing."),
            )
            return None
        value = text(raw)
        ref = c.organisations.get(value.lower()) or c.organisations.get("key:" + name_key(value))
        if ref is None:
            self.add(
                "organisation",
                "unknown_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an organisation of "
                    "this operation (give its acronym)."
                ),
                value=raw,
            )
            return None
        if c.organisation is not None and ref.id != c.organisation.pk:
            self.add(
                "organisation",
                "other_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: this upload is for %(expected)s, not "
                    "“%(value)s”."
                ),
                value=raw,
                expected=c.organisation.acronym,
            )
            return None
        if not c.is_manager and ref.id != c.user_organisation_id:
            self.add(
                "organisation",
                "not_your_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: you may only report for your own "
                    "organisation, not “%(value)s”."
                ),
                value=raw,
            )
            return None
        return ref

    def activity(self, raw: Any) -> ActivityRef | None:
        c = self.c
        if is_blank(raw):
            self.add(
                "activity",
                "required",
                _("Row %(row)s, column “%(column)s”: the activity is missing."),
            )
            return None
        ref = self._find_activity(raw)
        if ref is None:
            self.add(
                "activity",
                "unknown_activity",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an activity of this "
                    "operation's catalogue."
                ),
                value=raw,
            )
            return None
        if not ref.is_active:
            self.add(
                "activity",
                "inactive_activity",
                _(
                    "Row %(row)s, column “%(column)s”: the activity “%(value)s” is no longer "
                    "reported on (inactive)."
                ),
                value=raw,
            )
            return None
        if c.body is not None and ref.body_id != c.body.pk:
            self.add(
                "activity",
                "wrong_body",
                _(
                    "Row %(row)s, column “%(column)s”: the activity “%(value)s” belongs to "
                    "%(body)s, not to %(expected)s."
                ),
                value=raw,
                body=c.bodies.get(ref.body_id, ""),
                expected=c.body.code or c.body.name,
            )
            return None
        return ref

    def _find_activity(self, raw: Any) -> ActivityRef | None:
        c = self.c
        value = text(raw)
        ref = c.activities.get(value.lower())
        if ref is not None:
            return ref
        # "PRO-PSS — Soutien psychosocial" (a dropdown entry): the code before the dash.
        for separator in (" — ", " – ", " - ", ": ", " : "):
            if separator in value:
                ref = c.activities.get(value.split(separator, 1)[0].strip().lower())
                if ref is not None:
                    return ref
        return c.activity_names.get(name_key(value))

    def indicator(self, raw: Any, activity: ActivityRef) -> IndicatorRef | None:
        table = self.c.indicators.get(activity.id, {})
        if is_blank(raw):
            own = {ref.id: ref for ref in table.values()}
            return next(iter(own.values())) if len(own) == 1 else None
        value = text(raw)
        lowered = value.lower()
        ref = (
            table.get(lowered)
            or table.get(f"{activity.code.lower()}-{lowered}")
            or table.get(lowered.split(" ", 1)[0])
            or table.get("name:" + name_key(value))
        )
        if ref is None:
            self.add(
                "indicator",
                "unknown_indicator",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an indicator of the "
                    "activity %(activity)s."
                ),
                value=raw,
                activity=activity.code,
                suggestion=", ".join(sorted({r.code for r in table.values()})),
            )
        return ref

    def population_group(self, raw: Any) -> int | None:
        c = self.c
        if is_blank(raw):
            self.add(
                "population_group",
                "required",
                _("Row %(row)s, column “%(column)s”: the population group is missing."),
            )
            return None
        value = text(raw)
        found = c.population_groups.get(value.lower()) or c.population_groups.get(name_key(value))
        if found is None:
            self.add(
                "population_group",
                "unknown_population_group",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a population group "
                    "(use one of %(codes)s)."
                ),
                value=raw,
                codes=", ".join(sorted(c.population_codes.values())),
            )
        return found

    def month(self, raw: Any) -> tuple[datetime.date, int] | None:
        c = self.c
        if is_blank(raw):
            self.add(
                "month", "required", _("Row %(row)s, column “%(column)s”: the month is missing.")
            )
            return None
        try:
            month = parse_month(raw)
        except ParseError as exc:
            self.parse_error("month", raw, exc.code)
            return None
        assert month is not None
        found = c.rounds.get(month)
        shown = month.strftime("%Y-%m")
        if found is None:
            self.add(
                "month",
                "no_round",
                _("Row %(row)s, column “%(column)s”: there is no reporting round for %(month)s."),
                value=raw,
                month=shown,
            )
            return None
        round_id, status = found
        if status == ReportingRound.Status.LOCKED:
            self.add(
                "month",
                "round_locked",
                _(
                    "Row %(row)s, column “%(column)s”: the round of %(month)s is locked; its "
                    "rows can no longer be changed."
                ),
                value=raw,
                month=shown,
            )
            return None
        if status == ReportingRound.Status.CLOSED and not c.is_manager:
            self.add(
                "month",
                "round_closed",
                _(
                    "Row %(row)s, column “%(column)s”: the round of %(month)s is closed; ask "
                    "the information management officer for a correction."
                ),
                value=raw,
                month=shown,
            )
            return None
        return month, round_id

    def choice(self, name: str, raw: Any, lookup: Mapping[str, str], default: str) -> str | None:
        if is_blank(raw):
            return default
        found = lookup.get(name_key(text(raw)))
        if found is None:
            choices = getattr(ActivityReport._meta.get_field(name), "choices", None) or []
            allowed = ", ".join(str(label) for _value, label in choices)
            self.add(
                name,
                f"unknown_{name}",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a known value "
                    "(%(allowed)s)."
                ),
                value=raw,
                allowed=allowed,
            )
        return found

    def date(self, row: Mapping[str, Any], name: str) -> datetime.date | None:
        raw = row.get(name)
        if raw is None or raw == "":
            return None
        return self.memo("date", (name, _key(raw)), self._date, name, raw)

    def _date(self, name: str, raw: Any) -> datetime.date | None:
        try:
            return parse_date(raw)
        except ParseError:
            self.parse_error(name, raw, "not_date")
            return None

    def short_text(self, row: Mapping[str, Any], name: str) -> str:
        raw = row.get(name)
        value = "" if is_blank(raw) else text(raw)
        limit = TEXT_LIMITS[name]
        if len(value) > limit:
            self.add(
                name,
                "too_long",
                _(
                    "Row %(row)s, column “%(column)s”: the text is longer than %(limit)s "
                    "characters."
                ),
                value=raw,
                limit=limit,
            )
            return value[:limit]
        return value

    def implementing_partner(self, raw: Any) -> int | None:
        if is_blank(raw):
            return None
        value = text(raw)
        ref = self.c.partners.get(value.lower())
        if ref is None:
            self.add(
                "implementing_partner",
                "unknown_partner",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not in the organisation "
                    "directory; the implementing partner is left empty."
                ),
                value=raw,
                severity=WARNING,
            )
            return None
        return ref.id

    # --- location ----------------------------------------------------------------------------

    def location(self, row: Mapping[str, Any]) -> tuple[AreaRef, list[int | None]] | None:
        g = row.get
        raw = (
            g("admin1_pcode"),
            g("admin1_name"),
            g("admin2_pcode"),
            g("admin2_name"),
            g("admin3_pcode"),
            g("admin3_name"),
        )
        return self.memo("location", raw, self._resolve_location, raw)

    def _match(self, name: str, level: int, parent: AreaRef | None) -> list[Any]:
        gazetteer = self.c.gazetteer
        if parent is None:
            return gazetteer.match_name(name, level=level, limit=5)
        if parent.level == level - 1:
            return gazetteer.match_name(name, level=level, parent_pcode=parent.pcode, limit=5)
        found = gazetteer.match_name(name, level=level, limit=20, cutoff=80.0)
        return [m for m in found if gazetteer.is_within(m.area, parent.pcode)][:5]

    def _resolve_location(self, cells: tuple[Any, ...]) -> tuple[AreaRef, list[int | None]] | None:
        gazetteer = self.c.gazetteer
        raw = tuple("" if is_blank(v) else text(v) for v in cells)

        def issue(
            target: str,
            code: str,
            message: str,
            value: str,
            severity: str = ERROR,
            suggestion: str = "",
            **params: Any,
        ) -> None:
            self.add(
                target,
                code,
                message,
                value=value,
                severity=severity,
                suggestion=suggestion,
                **params,
            )

        parent: AreaRef | None = None
        failed = False
        levels = ((1, raw[0], raw[1]), (2, raw[2], raw[3]), (3, raw[4], raw[5]))
        for level, pcode, place in levels:
            pfield, nfield = f"admin{level}_pcode", f"admin{level}_name"
            area: AreaRef | None = None
            if pcode:
                area = gazetteer.by_pcode(pcode)
                if area is None:
                    issue(
                        pfield,
                        "unknown_pcode",
                        _(
                            "Row %(row)s, column “%(column)s”: “%(value)s” is not a P-code of "
                            "this operation's countries."
                        ),
                        pcode,
                    )
                elif area.level != level:
                    issue(
                        pfield,
                        "wrong_level",
                        _(
                            "Row %(row)s, column “%(column)s”: %(value)s (%(name)s) is an admin "
                            "%(level)s area, not admin %(expected)s."
                        ),
                        pcode,
                        name=area.name,
                        level=area.level,
                        expected=level,
                    )
                    area = None
                elif parent is not None and not gazetteer.is_within(area, parent.pcode):
                    issue(
                        pfield,
                        "outside_parent",
                        _(
                            "Row %(row)s, column “%(column)s”: %(value)s (%(name)s) is not "
                            "inside %(parent)s (%(parent_name)s)."
                        ),
                        pcode,
                        name=area.name,
                        parent=parent.pcode,
                        parent_name=parent.name,
                    )
                    area = None
                elif (
                    place
                    and name_key(place) != name_key(area.name)
                    and fuzz.ratio(name_key(place), name_key(area.name)) < 90
                ):
                    matches = [m for m in self._match(place, level, parent) if m.area != area]
                    suggestion = (
                        f"{matches[0].area.pcode} {matches[0].area.name}" if matches else ""
                    )
                    message = _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” does not match the "
                        "P-code %(pcode)s, which is %(name)s."
                    )
                    if suggestion:
                        message += " " + _("Did you mean %(suggestion_text)s?")
                    issue(
                        nfield,
                        "name_mismatch",
                        message,
                        place,
                        severity=WARNING,
                        suggestion=suggestion,
                        suggestion_text=suggestion,
                        pcode=area.pcode,
                        name=area.name,
                    )
            elif place:
                matches = self._match(place, level, parent)
                exact = [m for m in matches if m.exact]
                if len(exact) == 1:
                    area = exact[0].area
                elif len(exact) > 1:
                    choices = ", ".join(f"{m.area.pcode} {m.area.name}" for m in exact)
                    issue(
                        nfield,
                        "ambiguous_name",
                        _(
                            "Row %(row)s, column “%(column)s”: “%(value)s” could be several "
                            "places (%(choices)s); give the P-code."
                        ),
                        place,
                        suggestion=choices,
                        choices=choices,
                    )
                elif (
                    matches
                    and matches[0].score >= 90
                    and (len(matches) == 1 or matches[1].score < matches[0].score)
                ):
                    area = matches[0].area
                    issue(
                        nfield,
                        "fuzzy_name",
                        _(
                            "Row %(row)s, column “%(column)s”: “%(value)s” was read as "
                            "%(name)s (%(pcode)s)."
                        ),
                        place,
                        severity=WARNING,
                        suggestion=f"{area.pcode} {area.name}",
                        name=area.name,
                        pcode=area.pcode,
                    )
                else:
                    suggestion = ", ".join(f"{m.area.pcode} {m.area.name}" for m in matches[:3])
                    message = _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a known place name "
                        "at this level."
                    )
                    if suggestion:
                        message += " " + _("Did you mean %(suggestion_text)s?")
                    issue(
                        nfield,
                        "unknown_name",
                        message,
                        place,
                        suggestion=suggestion,
                        suggestion_text=suggestion,
                    )
            if area is not None:
                parent = area
            elif pcode or place:
                failed = True
        if failed:
            return None
        if parent is None:
            issue(
                "admin1_pcode",
                "no_location",
                _("Row %(row)s, column “%(column)s”: the location is missing (give a P-code)."),
                "",
            )
            return None
        ancestors: list[int | None] = [None, None, None]
        current: AreaRef | None = parent
        while current is not None:
            if 1 <= current.level <= 3:
                ancestors[current.level - 1] = current.id
            current = gazetteer.by_pcode(current.parent_pcode) if current.parent_pcode else None
        return parent, ancestors

    # --- the row -----------------------------------------------------------------------------

    def _dimensions(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        """The row's codes resolved: organisation, activity, indicator, population group, month
        (and round), implementing partner, status, modality. Rows repeat the same few
        combinations, so this runs once per distinct combination."""
        c = self.c
        memo = self.memo
        org_raw, activity_raw, indicator_raw, group_raw, month_raw = raw[:5]
        partner_raw, status_raw, modality_raw = raw[5:]
        organisation = memo("organisation", _key(org_raw), self.organisation, org_raw)
        activity = memo("activity", _key(activity_raw), self.activity, activity_raw)
        indicator = None
        if activity is not None:
            indicator = memo(
                "indicator",
                (activity.id, _key(indicator_raw)),
                self.indicator,
                indicator_raw,
                activity,
            )
        group = memo("population_group", _key(group_raw), self.population_group, group_raw)
        month = memo("month", _key(month_raw), self.month, month_raw)
        partner = (
            None
            if is_blank(partner_raw)
            else memo(
                "implementing_partner", _key(partner_raw), self.implementing_partner, partner_raw
            )
        )
        status = (
            ActivityReport.Status.ONGOING
            if is_blank(status_raw)
            else memo("status", _key(status_raw), self.choice, "status", status_raw, c.statuses, "")
        )
        modality = (
            ""
            if is_blank(modality_raw)
            else memo(
                "modality",
                _key(modality_raw),
                self.choice,
                "modality",
                modality_raw,
                c.modalities,
                "",
            )
        )
        if modality and activity and activity.modalities and modality not in activity.modalities:
            self.add(
                "modality",
                "modality_not_allowed",
                _(
                    "Row %(row)s, column “%(column)s”: the modality “%(value)s” is not used for "
                    "the activity %(activity)s."
                ),
                value=modality_raw,
                activity=activity.code,
            )
        return organisation, activity, indicator, group, month, partner, status, modality

    def _dates(
        self, start_raw: Any, end_raw: Any, month: tuple[datetime.date, int] | None
    ) -> tuple[datetime.date | None, datetime.date | None]:
        start = None if is_blank(start_raw) else self._date("start_date", start_raw)
        end = None if is_blank(end_raw) else self._date("end_date", end_raw)
        if start and end and start > end:
            self.add(
                "end_date",
                "end_before_start",
                _(
                    "Row %(row)s, column “%(column)s”: the end date %(value)s is before the "
                    "start date."
                ),
                value=end,
            )
        if month is not None:
            first, last = month[0], month_end(month[0])
            if start and start > last:
                self.add(
                    "start_date",
                    "start_after_month",
                    _(
                        "Row %(row)s, column “%(column)s”: the activity starts (%(value)s) after "
                        "the reporting month %(month)s."
                    ),
                    value=start,
                    month=first.strftime("%Y-%m"),
                )
            if end and end < first:
                self.add(
                    "end_date",
                    "end_before_month",
                    _(
                        "Row %(row)s, column “%(column)s”: the activity ended (%(value)s) before "
                        "the reporting month %(month)s."
                    ),
                    value=end,
                    month=first.strftime("%Y-%m"),
                )
        return start, end

    def check(self, number: int, row: Mapping[str, Any]) -> CleanRow | None:
        """The row checked and resolved, or None when it has an error. Written for speed: this
        runs for every row of a 100,000-row file."""
        self.row = number
        before = len(self.problems)
        c = self.c
        g = row.get
        raw = (
            g("organisation"),
            g("activity"),
            g("indicator"),
            g("population_group"),
            g("month"),
            g("implementing_partner"),
            g("status"),
            g("modality"),
        )
        dimensions = self.memo("dimensions", (raw, tuple(map(type, raw))), self._dimensions, raw)
        organisation, activity, indicator, group, month, partner, status, modality = dimensions
        location = self.location(row)
        start_raw, end_raw = g("start_date"), g("end_date")
        if (start_raw is None or start_raw == "") and (end_raw is None or end_raw == ""):
            start = end = None
        else:
            start, end = self.memo(
                "dates",
                (_key(start_raw), _key(end_raw), month),
                self._dates,
                start_raw,
                end_raw,
                month,
            )
        site = g("site")
        if site is None or site == "":
            site = ""
        elif type(site) is not str or len(site) > TEXT_LIMITS["site"]:
            site = self.short_text(row, "site")
        else:
            site = site.strip()
        project_code = g("project_code")
        if project_code is None or project_code == "":
            project_code = ""
        elif type(project_code) is not str or len(project_code) > TEXT_LIMITS["project_code"]:
            project_code = self.short_text(row, "project_code")
        else:
            project_code = project_code.strip()

        numbers: list[int | None] = []
        for name in NUMBER_FIELDS:
            value: Any = g(name)
            kind = type(value)
            if kind is float:
                if value.is_integer() and 0 <= value <= MAX_COUNT:
                    numbers.append(int(value))
                    continue
            elif kind is int:
                if 0 <= value <= MAX_COUNT:
                    numbers.append(value)
                    continue
            elif value is None or value == "":
                numbers.append(None)
                continue
            numbers.append(self.count(row, name))
        bands = numbers[:6]
        total_given, disability, quantity = numbers[6:]
        given = [v for v in bands if v is not None]
        band_sum = sum(given)
        if given and total_given is not None and band_sum != total_given:
            self.add(
                "total",
                "total_mismatch",
                _(
                    "Row %(row)s, column “%(column)s”: the total %(value)s is not the sum of the "
                    "sex and age columns (%(sum)s)."
                ),
                value=total_given,
                sum=band_sum,
            )
        total = band_sum if given else (total_given or 0)
        if activity is not None:
            self._check_counts(
                activity, indicator, bands, given, band_sum, total_given, disability, quantity
            )
        if disability is not None and disability > total:
            self.add(
                "with_disability",
                "disability_over_total",
                _(
                    "Row %(row)s, column “%(column)s”: %(value)s persons with disability is more "
                    "than the %(total)s people reached."
                ),
                value=disability,
                total=total,
            )
        if (
            organisation is None
            or activity is None
            or group is None
            or month is None
            or location is None
            or (
                len(self.problems) != before
                and any(p.severity == ERROR for p in self.problems[before:])
            )
        ):
            return None
        area, ancestors = location
        if total and c._history:
            median = c.median_for(organisation.id, activity.id, month[0])
            if median and total > c.outlier_factor * median:
                self.add(
                    "total",
                    "outlier",
                    _(
                        "Row %(row)s, column “%(column)s”: %(value)s is more than %(factor)s "
                        "times the usual figure of %(organisation)s for this activity "
                        "(%(median)s); please check."
                    ),
                    value=total,
                    severity=WARNING,
                    factor=c.outlier_factor,
                    organisation=organisation.acronym,
                    median=round(median),
                )
        return CleanRow(
            row=number,
            organisation_id=organisation.id,
            activity_id=activity.id,
            area_id=area.id,
            month=month[0],
            population_group_id=group,
            round_id=month[1],
            body_id=activity.body_id,
            indicator_id=indicator.id if indicator else None,
            implementing_partner_id=partner,
            admin1_id=ancestors[0],
            admin2_id=ancestors[1],
            admin3_id=ancestors[2],
            site=site,
            status=status or ActivityReport.Status.ONGOING,
            modality=modality or "",
            start_date=start,
            end_date=end,
            girls=bands[0] or 0,
            boys=bands[1] or 0,
            women=bands[2] or 0,
            men=bands[3] or 0,
            older_women=bands[4] or 0,
            older_men=bands[5] or 0,
            total=total,
            with_disability=disability or 0,
            quantity=quantity,
            project_code=project_code,
        )

    def _check_counts(
        self,
        activity: ActivityRef,
        indicator: IndicatorRef | None,
        bands: list[int | None],
        given: list[int],
        band_sum: int,
        total_given: int | None,
        disability: int | None,
        quantity: int | None,
    ) -> None:
        counts_people = indicator.counts_people if indicator else True
        if band_sum and not activity.by_sex_age:
            position = next(i for i, v in enumerate(bands) if v)
            self.add(
                SEX_AGE[position],
                "bands_not_expected",
                _(
                    "Row %(row)s, column “%(column)s”: the activity %(activity)s is not "
                    "reported by sex and age; only the total is used."
                ),
                value=bands[position],
                severity=WARNING,
                activity=activity.code,
            )
        if disability and not activity.by_disability:
            self.add(
                "with_disability",
                "disability_not_expected",
                _(
                    "Row %(row)s, column “%(column)s”: the activity %(activity)s is not "
                    "reported by disability."
                ),
                value=disability,
                severity=WARNING,
                activity=activity.code,
            )
        if counts_people and not given and total_given is None:
            self.add(
                "total",
                "people_missing",
                _("Row %(row)s, column “%(column)s”: the number of people reached is missing."),
            )
        if not counts_people and quantity is None:
            self.add(
                "quantity",
                "quantity_missing",
                _(
                    "Row %(row)s, column “%(column)s”: the indicator %(indicator)s is not "
                    "counted in people; give the quantity."
                ),
                indicator=indicator.code if indicator else "",
            )


_MISS = object()


def _key(raw: Any) -> Any:
    """A cache key that keeps 1, 1.0 and True apart."""
    return raw if type(raw) is str else (type(raw), raw)


def validate(
    context: ReportContext,
    rows: Iterable[Any],
    *,
    columns: Mapping[str, str] | None = None,
    progress: Any = None,
    total_rows: int | None = None,
) -> tuple[list[CleanRow], list[Problem]]:
    """Check `rows`; return the rows without errors (with `existing_id`, `changed` and
    `submission_id` filled from the saved rows) and every problem found.

    The upload is rejected when any problem is an error; the clean rows are then only informative.
    `progress(fraction)` is called from time to time with the share of rows checked.
    """
    checker = _RowChecker(context, columns)
    clean: list[CleanRow] = []
    first_row: dict[tuple[int, int, int, datetime.date, int], int] = {}
    for position, (number, row) in enumerate(_numbered(rows), start=1):
        result = checker.check(number, row)
        if progress is not None and total_rows and position % 5000 == 0:
            progress(position / total_rows)
        if result is None:
            continue
        key = result.key
        if key in first_row:
            checker.row = number
            checker.add(
                "",
                "duplicate_row",
                _(
                    "Row %(row)s repeats row %(other)s: same organisation, activity, location, "
                    "month and population group."
                ),
                other=first_row[key],
            )
            continue
        first_row[key] = number
        clean.append(result)
    context.load_existing({(r.organisation_id, r.month) for r in clean})
    submissions = _submissions(context, clean)
    for result in clean:
        result.submission_id = submissions.get((result.round_id, result.organisation_id))
        saved = context.existing.get(result.key)
        if saved is not None:
            result.existing_id = saved.id
            if result.submission_id is None:
                # The row exists, so its submission does; it keeps it.
                result.submission_id = saved.values[0]
            result.changed = result.values() != saved.values
    return clean, checker.problems


def _submissions(context: ReportContext, rows: list[CleanRow]) -> dict[tuple[int, int], int]:
    from tutela.activities.models import Submission

    pairs = {(r.round_id, r.organisation_id) for r in rows}
    if not pairs:
        return {}
    rounds = {p[0] for p in pairs}
    orgs = {p[1] for p in pairs}
    return {
        (round_id, org_id): pk
        for pk, round_id, org_id in Submission.objects.filter(
            round_id__in=rounds, organisation_id__in=orgs
        ).values_list("id", "round_id", "organisation_id")
        if (round_id, org_id) in pairs
    }


def can_enter_rows(user: Any, operation: Operation) -> bool:
    """Whether the user may save 5W rows at all (viewers and outsiders may not)."""
    return bool(access.roles_in(user, operation) - {Role.VIEWER})
