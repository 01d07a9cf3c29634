"""`ReportContext`: everything validation needs, loaded once per upload."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Avg

from tutela.activities.access import writable_organisation_ids
from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    Indicator,
    ReportingRound,
)
from tutela.activities.validation.records import (
    VALUE_FIELDS,
    ActivityRef,
    Existing,
    IndicatorRef,
    OrganisationRef,
    ProjectRef,
)
from tutela.activities.validation.synonyms import (
    MODALITY_SYNONYMS,
    STATUS_SYNONYMS,
    choice_lookup,
)
from tutela.core import access
from tutela.core.imports.synonyms import population_group_lookup
from tutela.core.models import Body, Operation, Organisation, User
from tutela.core.pcodes import GazetteerIndex, name_key

# Past months an organisation's usual figure is computed over, and how many it needs.
HISTORY_MONTHS = 12
HISTORY_MIN_MONTHS = 3


@dataclass
class ReportContext:
    """What validation needs, loaded once per upload."""

    operation: Operation
    organisation: Organisation | None
    user: User | None
    is_manager: bool
    user_organisation_id: int | None
    # The organisations whose rows the user may write (None: any, the command line).
    writable: frozenset[int] | None
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
    # Project codes (lower case) of the operation's plan: a row giving one is tied to it.
    projects: dict[str, ProjectRef] = field(default_factory=dict)
    existing: dict[tuple[int, int, int, datetime.date, int, str], Existing] = field(
        default_factory=dict
    )
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
        by: User | None = None,
        body: Body | None = None,
    ) -> ReportContext:
        gazetteer = GazetteerIndex.for_operation(operation)

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
                id=ind["id"],
                code=ind["code"],
                counts_people=ind["unit"] == Activity.Unit.PEOPLE,
                unit=ind["unit"],
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
            writable=writable_organisation_ids(by, operation),
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
        context.projects = _projects(operation)
        context.statuses = choice_lookup(ActivityReport.Status.choices, STATUS_SYNONYMS)
        context.modalities = choice_lookup(ActivityReport.Modality.choices, MODALITY_SYNONYMS)
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
        columns += ["population_group_id", "site_key", *VALUE_FIELDS]
        for org_id, months in months_by_org.items():
            for record in (
                ActivityReport.objects.filter(
                    operation=self.operation, organisation_id=org_id, month__in=sorted(months)
                )
                .values_list(*columns)
                .iterator(chunk_size=5000)
            ):
                key = (record[1], record[2], record[3], record[4], record[5], record[6])
                self.existing[key] = Existing(id=record[0], values=tuple(record[7:]))
        self._loaded |= wanted


def _projects(operation: Operation) -> dict[str, ProjectRef]:
    """The projects of the planning module by code, looked up by name so that the 5W does not
    import it (the dependency goes from planning to the 5W)."""
    if not apps.is_installed("tutela.planning"):
        return {}
    project_model = apps.get_model("planning", "Project")
    partners: dict[int, set[int]] = {}
    through = project_model.implementing_partners.through
    for project_id, org_id in through.objects.filter(project__operation=operation).values_list(
        "project_id", "organisation_id"
    ):
        partners.setdefault(project_id, set()).add(org_id)
    return {
        code.strip().lower(): ProjectRef(
            id=pk, organisations=frozenset({org_id, *partners.get(pk, ())})
        )
        for pk, code, org_id in project_model.objects.filter(operation=operation).values_list(
            "id", "code", "organisation_id"
        )
    }
