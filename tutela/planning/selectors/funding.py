"""Reads of funding: requirements against funding received."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from tutela.core.models import AdminArea, Operation, Organisation
from tutela.planning.models import FundingFlow, Plan, PlanRequirement, Project
from tutela.planning.selectors import fivew


def pct(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return round(float(100 * part / whole), 1)


@dataclass
class FundingSummary:
    year: int
    plan_requirements: Decimal
    project_requirements: Decimal
    funded: Decimal
    pledged: Decimal

    @property
    def requirements(self) -> Decimal:
        return self.plan_requirements or self.project_requirements

    @property
    def pct_funded(self) -> float | None:
        return pct(self.funded, self.requirements)


def funding_summary(operation: Operation, year: int) -> FundingSummary:
    """The year's requirements (the plan's own, or its approved projects') and the funding
    received (commitments and paid contributions; pledges apart)."""
    flows = FundingFlow.objects.filter(operation=operation, year=year)
    zero = Decimal("0")
    return FundingSummary(
        year=year,
        plan_requirements=PlanRequirement.objects.filter(
            plan__operation=operation, plan__year=year
        ).aggregate(s=Sum("amount_usd"))["s"]
        or zero,
        project_requirements=Project.objects.filter(
            operation=operation, plan__year=year, status=Project.Status.APPROVED
        ).aggregate(s=Sum("requirements_usd"))["s"]
        or zero,
        funded=flows.exclude(status=FundingFlow.Status.PLEDGE).aggregate(s=Sum("amount_usd"))["s"]
        or zero,
        pledged=flows.filter(status=FundingFlow.Status.PLEDGE).aggregate(s=Sum("amount_usd"))["s"]
        or zero,
    )


# --- coverage: requirements against funding by organisation, area and activity -------------------


COVERAGE_DIMENSIONS = ("organisation", "area", "activity")


@dataclass
class CoverageRow:
    key: Any
    code: str
    label: str
    requirements: Decimal = Decimal("0")
    funded: Decimal = Decimal("0")
    pledged: Decimal = Decimal("0")
    projects: int = 0

    @property
    def pct_funded(self) -> float | None:
        return pct(self.funded, self.requirements)

    @property
    def gap(self) -> Decimal:
        return max(self.requirements - self.funded, Decimal("0"))


@dataclass
class FundingCoverage:
    by: str
    year: int
    level: int
    rows: list[CoverageRow]
    # Funding that cannot be placed on a row (a flow without a project, for areas and
    # activities; without a known organisation, for organisations).
    unattributed: CoverageRow
    total: CoverageRow
    flows: int = 0
    projects: int = 0


def year_projects(operation: Operation, year: int) -> QuerySet[Project]:
    """The approved projects of the year: of the year's plan, or without a plan and running
    during the year."""
    return Project.objects.filter(operation=operation, status=Project.Status.APPROVED).filter(
        Q(plan__year=year)
        | Q(plan__isnull=True, start_date__year__lte=year, end_date__year__gte=year)
    )


def _money_sums(flows: QuerySet[FundingFlow], key: str) -> dict[Any, tuple[Decimal, Decimal]]:
    """key -> (funded, pledged) in ONE query."""
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))
    pledge = Q(status=FundingFlow.Status.PLEDGE)
    rows = (
        flows.values(key)
        .annotate(
            funded=Coalesce(Sum("amount_usd", filter=~pledge), zero),
            pledged=Coalesce(Sum("amount_usd", filter=pledge), zero),
        )
        .order_by()
    )
    return {r[key]: (Decimal(r["funded"]), Decimal(r["pledged"])) for r in rows}


def ancestors_at(operation: Operation, level: int) -> dict[int, int]:
    """area id -> its ancestor (or itself) at `level`, for the operation's areas at that level or
    below."""
    countries = list(operation.countries.values_list("country_pcode", flat=True))
    info = {
        pk: (parent_id, lvl)
        for pk, parent_id, lvl in AdminArea.objects.filter(country_pcode__in=countries).values_list(
            "pk", "parent_id", "level"
        )
    }
    out: dict[int, int] = {}
    for pk, (_parent, lvl) in info.items():
        if lvl < level:
            continue
        current = pk
        while info[current][1] > level and info[current][0] in info:
            current = info[current][0]
        if info[current][1] == level:
            out[pk] = current
    return out


def funding_coverage(
    operation: Operation, *, year: int, by: str = "organisation", level: int = 1
) -> FundingCoverage:
    """Requirements (the approved projects of the year) against funding received (commitments
    and paid contributions of the year; pledges apart), by organisation, admin area or activity.

    A project's requirements and funding are spread over its locations (or its activities) in
    equal shares; funding that names no project can be placed by organisation only."""
    if by not in COVERAGE_DIMENSIONS:
        raise ValueError(f"Unknown dimension {by!r}")
    projects = list(
        year_projects(operation, year).values_list("pk", "organisation_id", "requirements_usd")
    )
    flows = FundingFlow.objects.filter(operation=operation, year=year)
    rows: dict[Any, CoverageRow] = {}
    unattributed = CoverageRow(key=None, code="", label="")

    def row_for(key: Any) -> CoverageRow:
        if key not in rows:
            rows[key] = CoverageRow(key=key, code="", label="")
        return rows[key]

    if by == "organisation":
        for _pk, org_id, requirements in projects:
            entry = row_for(org_id)
            entry.requirements += requirements
            entry.projects += 1
        for org_id, (funded, pledged) in _money_sums(flows, "organisation_id").items():
            entry = row_for(org_id) if org_id is not None else unattributed
            entry.funded += funded
            entry.pledged += pledged
        names = dict(
            Organisation.objects.filter(pk__in=[k for k in rows if k is not None]).values_list(
                "pk", "acronym"
            )
        )
        full = dict(
            Organisation.objects.filter(pk__in=[k for k in rows if k is not None]).values_list(
                "pk", "name"
            )
        )
        for key, entry in rows.items():
            entry.code, entry.label = names.get(key, "?"), full.get(key, "?")
    else:
        project_money = _money_sums(flows.filter(project__isnull=False), "project_id")
        for _project_id, (funded, pledged) in _money_sums(
            flows.filter(project__isnull=True), "project_id"
        ).items():
            unattributed.funded += funded
            unattributed.pledged += pledged
        if by == "area":
            links = _project_links(
                Project.locations.through, "adminarea_id", year_projects(operation, year)
            )
            mapping = ancestors_at(operation, level)
        else:
            links = _project_links(
                Project.activities.through, "activity_id", year_projects(operation, year)
            )
            mapping = {}
        seen: set[int] = set()
        for project_id, _org_id, requirements in projects:
            targets = links.get(project_id, [])
            if by == "area":
                targets = [mapping.get(t, t) for t in targets]
            funded, pledged = project_money.get(project_id, (Decimal("0"), Decimal("0")))
            seen.add(project_id)
            if not targets:
                entry = row_for("none")
                entry.requirements += requirements
                entry.funded += funded
                entry.pledged += pledged
                entry.projects += 1
                continue
            share = Decimal(1) / len(targets)
            for target in targets:
                entry = row_for(target)
                entry.requirements += requirements * share
                entry.funded += funded * share
                entry.pledged += pledged * share
                entry.projects += 1
        # Funding of projects that are not approved projects of the year cannot be placed.
        for project_id, (funded, pledged) in project_money.items():
            if project_id not in seen:
                unattributed.funded += funded
                unattributed.pledged += pledged
        _label_rows(rows, by)
    ordered = sorted(
        (r for r in rows.values()),
        key=lambda r: (r.key is None or r.key == "none", -r.requirements, r.code),
    )
    for entry in ordered:
        entry.requirements = entry.requirements.quantize(Decimal("0.01"))
        entry.funded = entry.funded.quantize(Decimal("0.01"))
        entry.pledged = entry.pledged.quantize(Decimal("0.01"))
    total = CoverageRow(
        key="total",
        code="",
        label="",
        requirements=sum((p[2] for p in projects), Decimal("0")),
        funded=sum((r.funded for r in ordered), Decimal("0")) + unattributed.funded,
        pledged=sum((r.pledged for r in ordered), Decimal("0")) + unattributed.pledged,
        projects=len(projects),
    )
    total.funded = total.funded.quantize(Decimal("0.01"))
    total.pledged = total.pledged.quantize(Decimal("0.01"))
    return FundingCoverage(
        by=by,
        year=year,
        level=level,
        rows=ordered,
        unattributed=unattributed,
        total=total,
        flows=flows.count(),
        projects=len(projects),
    )


def _project_links(through: Any, column: str, projects: QuerySet[Project]) -> dict[int, list[int]]:
    """{project id: linked ids} for `projects`, as a subquery (a list of thousands of ids
    as parameters cost more than the query)."""
    links: dict[int, list[int]] = {}
    for project_id, target in (
        through.objects.filter(project_id__in=projects.values("pk"))
        .values_list("project_id", column)
        .order_by()
    ):
        links.setdefault(project_id, []).append(target)
    return links


def _label_rows(rows: dict[Any, CoverageRow], by: str) -> None:
    ids = [k for k in rows if isinstance(k, int)]
    if by == "area":
        for pk, pcode, name in AdminArea.objects.filter(pk__in=ids).values_list(
            "pk", "pcode", "name"
        ):
            rows[pk].code, rows[pk].label = pcode, name
    else:
        for activity_id, label in fivew.activity_labels(ids).items():
            code, _sep, name = label.partition(" — ")
            rows[activity_id].code, rows[activity_id].label = code, name


def flow_list(operation: Operation, filters: dict[str, Any]) -> QuerySet[FundingFlow]:
    flows = FundingFlow.objects.filter(operation=operation).select_related(
        "donor", "organisation", "project"
    )
    if filters.get("year"):
        flows = flows.filter(year=filters["year"])
    if filters.get("status"):
        flows = flows.filter(status=filters["status"])
    if filters.get("organisation"):
        flows = flows.filter(organisation=filters["organisation"])
    if filters.get("q"):
        q = filters["q"]
        flows = flows.filter(
            Q(donor__name__icontains=q) | Q(description__icontains=q) | Q(fts_id=q)
        )
    return flows.order_by("-year", "-decision_date", "-id")


def funding_years(operation: Operation) -> list[int]:
    years = set(
        FundingFlow.objects.filter(operation=operation).values_list("year", flat=True).distinct()
    )
    years |= set(Plan.objects.filter(operation=operation).values_list("year", flat=True))
    return sorted(years, reverse=True)
