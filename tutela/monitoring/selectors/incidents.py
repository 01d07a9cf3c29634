"""Incident aggregates for a user: trend, top risks, most affected groups, hot spots.

Every result is disclosure-controlled by the safe-atom method of `selectors.base` (read its
docstring): one GROUP BY on the denormalised columns of Incident (month, admin1, admin2,
primary_risk), IncidentRisk for incidents counted under each of their risks, IncidentPeople for
people, folded in Python, then `suppress_table`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from tutela.core.models import AdminArea, Operation, PopulationGroup, User
from tutela.core.selectors import areas_for_operation
from tutela.monitoring.models import (
    AgeBand,
    AreaPopulation,
    IncidentPeople,
)
from tutela.monitoring.selectors.atoms import (
    incident_atoms,
)
from tutela.monitoring.selectors.base import (
    POOLED,
    AnalysisFilters,
    Atoms,
    Reader,
    Table,
    add_months,
    block_filter,
    build_table,
    check_filters,
    counted_incidents,
    counted_incidents_q,
    filters_of,
    month_label,
    months_between,
    risk_label,
    risks_of,
    verified_expression,
    verified_status_ids,
    viewer_for,
    visible_expression,
)
from tutela.monitoring.selectors.periods import quarter_rows

DEFAULT_MONTHS = 12


def period_months(
    filters: AnalysisFilters, atoms: Atoms | None = None, *, today: datetime.date | None = None
) -> list[datetime.date]:
    """The months a trend shows: the filter's range; open ends close on the data (or on the
    last DEFAULT_MONTHS months up to today)."""
    if atoms:
        i = atoms.dims.index("month")
        seen = sorted({key[i] for key, _n in atoms.tuples()} - {POOLED})
    else:
        seen = []
    last = filters.month_to or (seen[-1] if seen else None)
    if last is None:
        last = (today or datetime.date.today()).replace(day=1)  # noqa: DTZ011 - a calendar month
    first = filters.month_from or (seen[0] if seen else add_months(last, -(DEFAULT_MONTHS - 1)))
    if first > last:
        return []
    return months_between(first, last)


def last_incident_month(*, user: User, operation: Operation) -> datetime.date | None:
    """The latest month with an incident the user's figures count (None: no incident): the
    analysis pages open on the twelve months up to it."""
    viewer = viewer_for(user, operation)
    month: datetime.date | None = counted_incidents(viewer, AnalysisFilters()).aggregate(
        last=Max("month")
    )["last"]
    return month


# A table by area is answered at admin 1 instead of admin 2 when, at admin 2, more than this share
# of its incidents would be in the "pooled small groups" row or column (issue 14: protection must
# not cost the table its meaning). Overridable by the setting TUTELA_MAX_POOLED_SHARE.
MAX_POOLED_SHARE = 0.5


def max_pooled_share() -> float:
    return float(getattr(settings, "TUTELA_MAX_POOLED_SHARE", MAX_POOLED_SHARE))


def grain_notice(coarse: str, fine: str, share: int) -> str:
    """What a table answered at a coarser grain says about it, in the active language."""
    return _(
        "Shown by %(coarse)s: by %(fine)s, more than %(share)s%% of the incidents would be in "
        "pooled small groups."
    ) % {"coarse": coarse, "fine": fine, "share": share}


def area_grain(
    operation: Operation, level: int, make: Callable[[int], Table], *, coarsen: bool = True
) -> tuple[Table, int]:
    """The table by area of `level` (`make(level)`), or, when it would pool more than
    `max_pooled_share()` of its incidents, the same table at the coarser level, tried in this
    order: admin 2, then admin 1 (the coarsest tried is kept if none passes). Returns the table
    and the level used; `table.extra["grain"]` says which, with the notice to show.

    Safe against differencing: every level folds the same blocks (pooling is done on the
    filter-free atoms, whatever the grain), so the figures of either grain, and their
    differences with any other view's, are sums of whole blocks. The choice is made on those
    block sums only. The trend is then answered by quarter instead of month when months would
    pool too much (`incident_trend`: blocks may span a quarter's months, never two quarters)."""
    table = make(level)
    grain: dict[str, Any] = {"asked": level, "used": level, "coarsened": False}
    limit = max_pooled_share()
    if coarsen and level >= 2 and table.extra["pooled_share"] > limit:
        coarse = make(1)
        grain = {
            "asked": level,
            "used": 1,
            "coarsened": True,
            "notice": grain_notice(
                operation.level_label(1), operation.level_label(level), round(limit * 100)
            ),
        }
        table, level = coarse, 1
    table.extra["grain"] = grain
    return table, level


def area_key(level: int) -> str:
    return "admin2_id" if level >= 2 else "admin1_id"


def areas_at(operation: Operation, level: int, within: AdminArea | None = None) -> list[AdminArea]:
    """The areas of a level (within the filtered area), without their boundaries."""
    queryset = areas_for_operation(operation, level=min(max(level, 1), 2))
    if within is not None and within.level < level:
        queryset = areas_for_operation(operation, level=level, parent_pcode=within.pcode)
    elif within is not None and within.level == level:
        queryset = queryset.filter(pk=within.pk)
    return list(queryset.select_related(None).only("pk", "pcode", "name", "level"))


def incident_trend(
    *,
    user: Reader,
    operation: Operation,
    filters: AnalysisFilters | None = None,
    by: str = "risk",
    level: int = 1,
    coarsen: bool = True,
) -> Table:
    """Incidents by month (rows) × primary risk or area (columns). By area of admin 2, answered
    by admin 1 instead when admin 2 would pool too much (`area_grain`); then by quarter instead
    of month when months would (small groups are pooled across the months of a quarter before
    risks and areas are: `selectors.atoms.INCIDENT_POOL`). `coarsen=False`: never."""
    filters = filters_of(filters)
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    atoms = incident_atoms(viewer, filters)
    months = period_months(filters, atoms)

    def make(level: int, by_quarter: bool = False) -> Table:
        if by == "area":
            areas = areas_at(operation, level, filters.area)
            key = area_key(level)
            col_keys: list[Any] = [a.pk for a in areas]
            col_labels = [a.name for a in areas]
            title = _("Incidents per month and %(level)s") % {"level": operation.level_label(level)}
            if by_quarter:
                title = _("Incidents per quarter and %(level)s") % {
                    "level": operation.level_label(level)
                }
        else:
            risks = [r for r in risks_of(operation) if filters.risk is None or r == filters.risk]
            key = "primary_risk_id"
            col_keys = [r.pk for r in risks]
            col_labels = [risk_label(r) for r in risks]
            title = _("Incidents per month and main protection risk")
            if by_quarter:
                title = _("Incidents per quarter and main protection risk")
        if by_quarter:
            rows, labels = quarter_rows(months)
        else:
            rows, labels = months, [month_label(m) for m in months]
        table = build_table(
            title=title,
            atoms=atoms,
            row_of=lambda k: k["quarter" if by_quarter else "month"],
            col_of=lambda k: k[key],
            row_keys=rows,
            row_labels=labels,
            col_keys=col_keys,
            col_labels=col_labels,
            row_header=_("Quarter") if by_quarter else _("Month"),
            row_dim="quarter" if by_quarter else "month",
            col_dim=key,
            row_hxl="#date+quarter" if by_quarter else "#date+month",
            value_hxl="#event+num",
        )
        table.extra["period"] = "quarter" if by_quarter else "month"
        return table

    if by == "area":
        table, level = area_grain(operation, level, make, coarsen=coarsen)
    else:
        table = make(level)
    limit = max_pooled_share()
    if coarsen and table.extra["pooled_share"] > limit:
        grain = table.extra.get("grain")
        table = make(level, by_quarter=True)
        notice = grain_notice(_("quarter"), _("month"), round(limit * 100))
        if grain and grain.get("coarsened"):
            notice = f"{grain['notice']} {notice}"
        table.extra["grain"] = {
            "asked": level,
            "used": level,
            **(grain or {}),
            "coarsened": True,
            "notice": notice,
        }
    return table


def top_risks(*, user: User, operation: Operation, filters: AnalysisFilters | None = None) -> Table:
    """Incidents per main risk, most frequent first: the trend's blocks summed over the period
    (the same blocks as every incident count, so these figures cannot be differenced against
    the trend's). Ordered by the published figures only, hidden ones last, so that the order does
    not betray a hidden count. Incidents carrying several risks are counted under their main
    risk: counting them under each risk (IncidentRisk) would cut the same records into a second,
    overlapping set of blocks whose differences with the first could be small."""
    filters = filters_of(filters)
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    atoms = incident_atoms(viewer, filters)
    risks = [r for r in risks_of(operation) if filters.risk is None or r == filters.risk]
    table = build_table(
        title=_("Incidents per main protection risk"),
        atoms=atoms,
        row_of=lambda k: k["primary_risk_id"],
        col_of=lambda k: "incidents",
        row_keys=[r.pk for r in risks],
        row_labels=[risk_label(r) for r in risks],
        col_keys=["incidents"],
        col_labels=[_("Incidents")],
        row_header=_("Protection risk"),
        row_hxl="#event+type+risk+name",
        value_hxl="#event+num",
    )
    pooled = [i for i, k in enumerate(table.row_keys) if k == POOLED]
    ranked = [i for i in range(len(table.row_keys)) if i not in pooled]
    ranked.sort(key=lambda i: (table.cells[i][0] is None, -(table.cells[i][0] or 0), i))
    order = ranked + pooled
    table.row_keys = [table.row_keys[i] for i in order]
    table.row_labels = [table.row_labels[i] for i in order]
    table.cells = [table.cells[i] for i in order]
    table.row_totals = [table.row_totals[i] for i in order]
    return table


PEOPLE_DIMS = (
    "incident__month",
    "incident__admin1_id",
    "incident__admin2_id",
    "incident__primary_risk_id",
    "verified",
    "visible",
    "sex",
    "age_band_id",
    "with_disability",
    "population_group_id",
)


PEOPLE_POOL = (
    "verified",
    "incident__admin2_id",
    "incident__primary_risk_id",
    "incident__admin1_id",
    "population_group_id",
    "with_disability",
)


@dataclass
class AffectedGroups:
    by_sex_age: Table
    by_population_group: Table
    by_disability: Table
    controlled: bool
    threshold: int
    extra: dict[str, Any] = field(default_factory=dict)


def affected_groups(
    *, user: Reader, operation: Operation, filters: AnalysisFilters | None = None
) -> AffectedGroups:
    """People affected by sex × age band, by population group and by disability: three tables
    folded from one set of atoms (so that their totals agree with one another)."""
    filters = filters_of(filters)
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    q = counted_incidents_q(viewer, filters, prefix="incident__")
    rows = (
        IncidentPeople.objects.filter(q)
        .annotate(
            verified=verified_expression(verified_status_ids(operation), prefix="incident__"),
            visible=visible_expression(viewer, prefix="incident__"),
        )
        .values(*PEOPLE_DIMS)
        .annotate(n=Sum("count"))
        .order_by()
    )
    atoms = Atoms.from_values(rows, threshold=viewer.threshold, pool_order=PEOPLE_POOL).inside(
        block_filter(
            filters,
            admin1="incident__admin1_id",
            admin2="incident__admin2_id",
            risk="incident__primary_risk_id",
        )
    )
    bands = list(AgeBand.objects.filter(operation=operation).order_by("order", "min_age"))
    sexes = [("F", _("Female")), ("M", _("Male"))]
    by_sex_age = build_table(
        title=_("People affected by sex and age"),
        atoms=atoms,
        row_of=lambda k: k["sex"],
        col_of=lambda k: k["age_band_id"],
        row_keys=[s for s, _label in sexes],
        row_labels=[str(label) for _s, label in sexes],
        col_keys=[b.pk for b in bands],
        col_labels=[b.name for b in bands],
        row_header=_("Sex"),
        row_hxl="#group+sex+name",
        value_hxl="#affected",
    )
    groups = list(PopulationGroup.objects.filter(operation=operation).order_by("code"))
    by_group = build_table(
        title=_("People affected by population group"),
        atoms=atoms,
        row_of=lambda k: k["population_group_id"] or 0,  # POOLED stays POOLED
        col_of=lambda k: "people",
        row_keys=[*(g.pk for g in groups), 0],
        row_labels=[*(g.name for g in groups), _("Not specified")],
        col_keys=["people"],
        col_labels=[_("People")],
        row_header=_("Population group"),
        row_hxl="#group+population+name",
        value_hxl="#affected",
    )
    by_disability = build_table(
        title=_("People affected with and without disability"),
        atoms=atoms,
        row_of=lambda k: (
            k["with_disability"] if k["with_disability"] == POOLED else bool(k["with_disability"])
        ),
        col_of=lambda k: "people",
        row_keys=[True, False],
        row_labels=[_("With disability"), _("Without disability (or not known)")],
        col_keys=["people"],
        col_labels=[_("People")],
        row_header=_("Disability"),
        row_hxl="#group+disability+name",
        value_hxl="#affected",
    )
    return AffectedGroups(
        by_sex_age=by_sex_age,
        by_population_group=by_group,
        by_disability=by_disability,
        controlled=atoms.controlled,
        threshold=viewer.threshold,
    )


@dataclass
class HotspotArea:
    pk: int
    pcode: str
    name: str
    incidents: int | None
    population: int | None
    # Incidents per 10,000 people, where both are known.
    rate: float | None


@dataclass
class Hotspots:
    table: Table
    areas: list[HotspotArea]
    level: int
    controlled: bool
    threshold: int
    # Incidents placed only at admin level 1 on a map of admin 2 areas (an import that knew the
    # region only): counted in the table's "placed only at..." row, not dropped. None when
    # suppressed or not applicable.
    coarser: int | None = None


# The hot-spot table's row of incidents placed above the level mapped.
COARSER = "coarser"


def populations(operation: Operation, area_ids: list[int], year: int | None) -> dict[int, int]:
    """Latest population per area (of `year` or before when given)."""
    queryset = AreaPopulation.objects.filter(operation=operation, area_id__in=area_ids)
    if year is not None:
        queryset = queryset.filter(year__lte=year)
    out: dict[int, int] = {}
    for area_id, population in queryset.order_by("area_id", "-year").values_list(
        "area_id", "population"
    ):
        out.setdefault(area_id, population)
    return out


def hotspots(
    *,
    user: User,
    operation: Operation,
    filters: AnalysisFilters | None = None,
    level: int = 1,
    coarsen: bool = True,
) -> Hotspots:
    """Incidents per area of admin level 1 or 2 over the period, and per 10,000 people where the
    area's population is known (AreaPopulation of the period's last year or before). By admin 2,
    answered by admin 1 instead when admin 2 would pool too much (`area_grain`; the result's
    `level` is the one used)."""
    filters = filters_of(filters)
    viewer = viewer_for(user, operation)
    check_filters(viewer, filters)
    atoms = incident_atoms(viewer, filters)

    def make(level: int) -> Table:
        areas = areas_at(operation, level, filters.area)
        key = area_key(level)
        row_keys: list[Any] = [a.pk for a in areas]
        row_labels = [a.name for a in areas]
        if level == 2:
            # Incidents known only by their admin 1 area stay in the analysis, shown as such.
            row_keys.append(COARSER)
            row_labels.append(
                _("Placed only at %(level)s level") % {"level": operation.level_label(1)}
            )

        def row_of(k: dict[str, Any]) -> Any:
            return k[key] if k[key] is not None or level == 1 else COARSER

        return build_table(
            title=_("Incidents per %(level)s") % {"level": operation.level_label(level)},
            atoms=atoms,
            row_of=row_of,
            col_of=lambda k: "incidents",
            row_keys=row_keys,
            row_labels=row_labels,
            col_keys=["incidents"],
            col_labels=[_("Incidents")],
            row_header=operation.level_label(level),
            # The fast path reads the area straight from the blocks; admin 2 needs row_of
            # (COARSER).
            row_dim=key if level == 1 else "",
            col_value="incidents" if level == 1 else None,
            row_hxl=f"#adm{level}+name",
            value_hxl="#event+num",
        )

    table, level = area_grain(operation, 2 if level >= 2 else 1, make, coarsen=coarsen)
    areas = areas_at(operation, level, filters.area)
    year = filters.month_to.year if filters.month_to else None
    pops = populations(operation, [a.pk for a in areas], year)
    out = []
    by_key = dict(zip(table.row_keys, table.cells, strict=True))
    for area in areas:
        # (A "pooled small groups" row of the table, if any, is not an area.)
        count = by_key[area.pk][0]
        population = pops.get(area.pk)
        rate = None
        if count is not None and population:
            rate = round(count * 10_000 / population, 2)
        out.append(HotspotArea(area.pk, area.pcode, area.name, count, population, rate))
    return Hotspots(
        table=table,
        areas=out,
        level=level,
        controlled=table.controlled,
        threshold=viewer.threshold,
        coarser=by_key[COARSER][0] if COARSER in by_key else None,
    )
