"""Reads of the 5W: which rows a user may see, the pivot table, partner presence, coverage against
planning figures and the gap list. Pages, exports and the API all call these, so the counting rule,
the visibility rules and the small-count suppression are written once.

Counting rule. Partners report people reached each month and the same people come back month after
month, so monthly totals are never added up across months. A table that is not broken down by
month applies the operation's cumulative rule (ActivitySettings.cumulative_rule) per partner ×
activity × location × population group first, in SQL:
- max_month: the month with the most people reached (its whole row, so that the sex and age bands
  still add up to the total);
- latest: the latest month reported;
- new_only: months are added up (partners report only people reached for the first time).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When, Window
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, RowNumber
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.activities.fields import BY_NAME, SEX_AGE
from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    Indicator,
    MonthlySummary,
    PickedSummary,
    PlanningFigure,
    PopulationGroup,
    Submission,
    SummaryState,
)
from tutela.core import access
from tutela.core.disclosure import (
    SuppressedTable,
    suppress_counts,
    suppress_table,
    threshold_for,
)
from tutela.core.models import AdminArea, Body, Operation, Organisation
from tutela.core.models.roles import Role
from tutela.core.selectors import country_pcodes

# --- Visibility ----------------------------------------------------------------------------------

# Roles that see their own organisation's rows whatever their review status.
ORGANISATION_ROLES = frozenset({Role.PARTNER})


def visible_rows(user: Any, operation: Operation) -> QuerySet[ActivityReport]:
    """The 5W rows of the operation the user may count in aggregate products.

    Cluster-wide roles (coordinator, IMO, focal points): every row. Partner focal points: their own
    organisation's rows at any status, and the validated rows of everyone else. Other roles
    (viewers, caseworkers...): validated rows only. No role: nothing."""
    roles = access.roles_in(user, operation)
    if not roles:
        return ActivityReport.objects.none()
    rows = ActivityReport.objects.filter(operation=operation)
    if access.is_cluster_wide(user, operation):
        return rows
    validated = Q(submission__status=Submission.Status.VALIDATED)
    if roles & ORGANISATION_ROLES and user.organisation_id is not None:
        return rows.filter(validated | Q(organisation_id=user.organisation_id))
    return rows.filter(validated)


def listable_rows(user: Any, operation: Operation) -> QuerySet[ActivityReport]:
    """The rows the user may see one by one. Rows of sensitive activities (case management,
    survivors) are aggregated for people outside the reporting organisation, never listed."""
    rows = visible_rows(user, operation)
    if access.is_cluster_wide(user, operation):
        return rows
    own = Q(organisation_id=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    return rows.filter(own | Q(activity__is_sensitive=False))


def needs_disclosure_control(
    user: Any, operation: Operation, rows: QuerySet[ActivityReport]
) -> bool:
    """True when `rows` include sensitive-activity rows of another organisation that the user
    could not see one by one: their counts then go through small-count suppression."""
    if access.is_cluster_wide(user, operation):
        return False
    others = rows.filter(activity__is_sensitive=True)
    if user.organisation_id:
        others = others.exclude(organisation_id=user.organisation_id)
    return others.exists()


def activity_settings(operation: Operation) -> ActivitySettings:
    found = ActivitySettings.objects.filter(operation=operation).first()
    return found or ActivitySettings(operation=operation)


def area_descendants(operation: Operation, roots: Iterable[int]) -> set[int]:
    """The given areas and every area inside them (one query for the operation's gazetteer)."""
    roots = set(roots)
    if not roots:
        return set()
    children: dict[int, list[int]] = {}
    for pk, parent_id in AdminArea.objects.filter(
        country_pcode__in=country_pcodes(operation)
    ).values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    found = set(roots)
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def hidden_name_area_ids(user: Any, operation: Operation) -> set[int]:
    """Areas (insecure ones and everything inside them) where partner names are not shown to this
    user: everyone but the operation's managers sees counts only there."""
    if access.is_manager(user, operation):
        return set()
    roots = ActivitySettings.sensitive_areas.through.objects.filter(
        activitysettings__operation=operation
    ).values_list("adminarea_id", flat=True)
    return area_descendants(operation, list(roots))


# --- Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the tables, maps and lists are narrowed to. Months are first days of months."""

    month_from: datetime.date | None = None
    month_to: datetime.date | None = None
    body: Body | None = None
    activity: Activity | None = None
    organisation: Organisation | None = None
    area: AdminArea | None = None
    population_group: PopulationGroup | None = None
    status: str = ""
    validated_only: bool = False

    @classmethod
    def of(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        if isinstance(value, Filters):
            return value
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (value or {}).items() if k in known and v is not None})


def body_ids_within(operation: Operation, body: Body) -> list[int]:
    """A body and the bodies below it (a cluster includes its AoRs)."""
    parents = dict(Body.objects.filter(operation=operation).values_list("pk", "parent_id"))
    found = {body.pk}
    changed = True
    while changed:
        changed = False
        for pk, parent_id in parents.items():
            if parent_id in found and pk not in found:
                found.add(pk)
                changed = True
    return sorted(found)


def apply_filters(
    rows: QuerySet[ActivityReport], operation: Operation, filters: Filters
) -> QuerySet[ActivityReport]:
    if filters.month_from:
        rows = rows.filter(month__gte=filters.month_from)
    if filters.month_to:
        rows = rows.filter(month__lte=filters.month_to)
    if filters.body is not None:
        rows = rows.filter(body_id__in=body_ids_within(operation, filters.body))
    if filters.activity is not None:
        rows = rows.filter(activity_id=filters.activity.pk)
    if filters.organisation is not None:
        rows = rows.filter(organisation_id=filters.organisation.pk)
    if filters.area is not None:
        level = filters.area.level
        if 1 <= level <= 3:
            rows = rows.filter(**{f"admin{level}_id": filters.area.pk})
        else:
            rows = rows.filter(area_id=filters.area.pk)
    if filters.population_group is not None:
        rows = rows.filter(population_group_id=filters.population_group.pk)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.validated_only:
        rows = rows.filter(submission__status=Submission.Status.VALIDATED)
    return rows


# --- Dimensions and measures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    name: str
    label: Promise
    field: str


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("organisation", gettext_lazy("Organisation"), "organisation_id"),
        Dimension("organisation_type", gettext_lazy("Organisation type"), "organisation__type"),
        Dimension("body", gettext_lazy("Cluster / AoR"), "body_id"),
        Dimension("activity", gettext_lazy("Activity"), "activity_id"),
        Dimension("indicator", gettext_lazy("Indicator"), "indicator_id"),
        Dimension("admin1", gettext_lazy("Admin 1"), "admin1_id"),
        Dimension("admin2", gettext_lazy("Admin 2"), "admin2_id"),
        Dimension("admin3", gettext_lazy("Admin 3"), "admin3_id"),
        Dimension("month", gettext_lazy("Month"), "month"),
        Dimension("population_group", gettext_lazy("Population group"), "population_group_id"),
    )
}
MAX_DIMENSIONS = 3

# People counts (sex and age bands, total, disability) and other units.
MEASURES: tuple[str, ...] = (*SEX_AGE, "total", "with_disability", "quantity")
PEOPLE_MEASURES: tuple[str, ...] = (*SEX_AGE, "total", "with_disability")
# The key the cumulative rule works on: one partner, activity, place and population group.
RULE_KEY = ("organisation_id", "activity_id", "area_id", "population_group_id")

# Tables bigger than this are not put through small-count suppression (its exact check grows with
# the square of the table): the user is asked for a coarser table instead.
MAX_SUPPRESSED_ROWS = 1000


def dimension_label(operation: Operation, name: str) -> str:
    if name in ("admin1", "admin2", "admin3"):
        return operation.level_label(int(name[-1]))
    return str(DIMENSIONS[name].label)


def measure_label(name: str) -> str:
    return str(BY_NAME[name].label)


def rule_text(rule: str, *, by_month: bool) -> str:
    """The counting rule, as stated on pages and in exports."""
    caveat = _(
        "Someone reached by several activities or partners can be counted more than once "
        "when rows are added up."
    )
    if by_month:
        text = _(
            "Figures are per month: each month counts the people reached that month. Monthly "
            "figures are not added up across months."
        )
    elif rule == ActivitySettings.CumulativeRule.NEW_ONLY:
        text = _(
            "People reached over the period: months are added up, because partners report only "
            "people reached for the first time each month."
        )
    elif rule == ActivitySettings.CumulativeRule.LATEST:
        text = _(
            "People reached over the period: for each partner, activity, location and population "
            "group, the latest month reported is counted once (partners report running totals); "
            "monthly figures are never added up across months."
        )
    else:
        text = _(
            "People reached over the period: for each partner, activity, location and population "
            "group, the month with the most people reached is counted once, and these are added "
            "up; monthly figures are never added up across months."
        )
    return f"{text} {caveat}"


def sum_groups(
    rows: QuerySet[Any], *, dims: Mapping[str, Combinable | str], measures: Sequence[str]
) -> list[dict[str, Any]]:
    """ONE SQL query: plain sums of `measures` grouped by `dims` ({alias: field or expression}),
    over 5W rows or summary rows. Returns one dict per group: aliases and measures."""
    exprs = {alias: F(e) if isinstance(e, str) else e for alias, e in dims.items()}
    sums = {f"m_{m}": Coalesce(Sum(m), 0) for m in measures}
    if not exprs:
        grouped = [rows.order_by().aggregate(**sums)]
    else:
        grouped = list(rows.annotate(**exprs).values(*exprs).annotate(**sums).order_by())
    return [
        {**{a: g[a] for a in exprs}, **{m: int(g[f"m_{m}"] or 0) for m in measures}}
        for g in grouped
    ]


def aggregate(
    rows: QuerySet[ActivityReport],
    *,
    dims: dict[str, Combinable | str],
    rule: str,
    measures: Sequence[str] = MEASURES,
) -> list[dict[str, Any]]:
    """ONE SQL query: the sums of `measures` grouped by `dims` ({alias: field or expression}),
    counting people by `rule` unless the month is among the dimensions (then months are kept
    apart and plain sums are right). Returns one dict per group: aliases and measures."""
    by_month = any(
        expression == "month" or (isinstance(expression, F) and expression.name == "month")
        for expression in dims.values()
    )
    exprs = {alias: F(e) if isinstance(e, str) else e for alias, e in dims.items()}
    if by_month or rule == ActivitySettings.CumulativeRule.NEW_ONLY:
        return sum_groups(rows, dims=exprs, measures=measures)

    # One row per key (and per indicator, where the table shows indicators): pick it with a
    # window function in a subquery, then add up the picked rows by the table's dimensions.
    partition = [F(name) for name in RULE_KEY]
    if "indicator_id" in {getattr(e, "name", None) for e in exprs.values()}:
        partition.append(F("indicator_id"))
    if rule == ActivitySettings.CumulativeRule.LATEST:
        order = [F("month").desc(), F("pk").desc()]
    else:
        order = [F("total").desc(), F("quantity").desc(nulls_last=True), F("month").desc()]
    inner = (
        rows.annotate(**exprs)
        .annotate(pick=Window(RowNumber(), partition_by=partition, order_by=order))
        .values(*exprs, *measures, "pick")
        .order_by()
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    aliases = list(exprs)
    select = ", ".join([quote(a) for a in aliases] + [f"SUM({quote(m)})" for m in measures])
    group = f" GROUP BY {', '.join(quote(a) for a in aliases)}" if aliases else ""
    # Only generated aliases and field names are formatted in; values are bound parameters.
    outer = f"SELECT {select} FROM ({sql}) picked WHERE {quote('pick')} = 1{group}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        fetched = cursor.fetchall()
    out = []
    n = len(aliases)
    for record in fetched:
        item = dict(zip(aliases, record[:n], strict=True))
        item.update({m: int(v or 0) for m, v in zip(measures, record[n:], strict=True)})
        out.append(item)
    return out


# --- Summary tables ------------------------------------------------------------------------------
# Large operations keep summary tables (models.summaries, services.summaries). A table or map
# whose dimensions and filters they hold is answered from them: the same visibility rules and
# filters, applied to rows that are already sums (monthly) or already the rows the counting rule
# picks (cumulative), so that the result is the same as from the 5W rows. Anything else (row
# status filter, months inside the period for a cumulative table, stale tables...) is answered
# from the 5W rows.

# The summary column each dimension needs.
DIMENSION_COLUMNS = {
    "organisation": "organisation_id",
    "organisation_type": "organisation_id",
    "body": "body_id",
    "activity": "activity_id",
    "indicator": "indicator_id",
    "admin1": "admin1_id",
    "admin2": "admin2_id",
    "admin3": "admin3_id",
    "month": "month",
    "population_group": "population_group_id",
}


def summary_state(operation: Operation) -> SummaryState | None:
    """The operation's summary tables when they are fresh and filled, else None. Stale ones get a
    background rebuild queued (once per version); reads go to the 5W rows meanwhile."""
    from tutela.activities.services.summaries import summaries_request

    state = SummaryState.objects.filter(operation=operation).first()
    if state is None or state.built_version is None:
        return None
    if not state.is_fresh:
        if not summaries_request(state=state):
            return None
        # A worker running in-process (tests, ImmediateBackend) has rebuilt them already.
        state = SummaryState.objects.filter(pk=state.pk).first()
        if state is None or not state.is_fresh:
            return None
    return state if state.enabled else None


def _filter_columns(filters: Filters) -> set[str] | None:
    """The summary columns the filters need; None when no summary table holds them."""
    if filters.status:
        return None
    columns: set[str] = set()
    if filters.month_from or filters.month_to:
        columns.add("month")
    if filters.body is not None:
        columns.add("body_id")
    if filters.activity is not None:
        columns.add("activity_id")
    if filters.organisation is not None:
        columns.add("organisation_id")
    if filters.area is not None:
        level = filters.area.level
        columns.add(f"admin{level}_id" if 1 <= level <= 3 else "area_id")
    if filters.population_group is not None:
        columns.add("population_group_id")
    return columns


@dataclass(frozen=True)
class SummaryRows:
    """Summary rows standing for the 5W rows a user may count (see summary_rows)."""

    rows: QuerySet[Any]
    grain: str


def summary_rows(
    *,
    state: SummaryState | None,
    user: Any,
    operation: Operation,
    filters: Filters,
    dims: Sequence[str],
    rule: str,
    hidden_areas: set[int] = frozenset(),  # type: ignore[assignment]
    columns: Iterable[str] = (),
    monthly: bool | None = None,
) -> SummaryRows | None:
    """The summary rows standing for the 5W rows the user may count, filtered, for a table by
    `dims` under `rule` (monthly sums for tables by month and the "new people only" rule, picks
    otherwise; `monthly` forces the monthly sums), from the smallest grain that holds every
    column needed (also `columns`); None when the summary tables cannot answer (then the 5W rows
    do)."""
    from tutela.activities.services.summaries import (
        MONTHLY_GRAINS,
        PICKED_GRAINS,
        hidden_key,
    )

    if state is None or not state.enabled:
        return None
    roles = access.roles_in(user, operation)
    if not roles:
        return None
    needed = _filter_columns(filters)
    if needed is None:
        return None
    needed |= {DIMENSION_COLUMNS[d] for d in dims} | set(columns)
    cluster_wide = access.is_cluster_wide(user, operation)
    own = user.organisation_id if not cluster_wide else None
    if own is not None:
        # Partners see their own rows at any status; disclosure control leaves them out.
        needed.add("organisation_id")
    if "organisation" in dims and hidden_areas and hidden_key(hidden_areas) != state.hidden_key:
        return None
    if monthly is None:
        monthly = "month" in dims or rule == ActivitySettings.CumulativeRule.NEW_ONLY
    by_indicator = "indicator" in dims
    if not monthly:
        if state.rule != rule:
            return None
        # Picks are made over the whole period: a narrower one needs the 5W rows.
        first, last = state.first_month, state.last_month
        if (filters.month_from and (first is None or filters.month_from > first)) or (
            filters.month_to and (last is None or filters.month_to < last)
        ):
            return None
        needed.discard("month")
    grains = MONTHLY_GRAINS if monthly else PICKED_GRAINS
    best: str | None = None
    for grain in grains:
        if grain.name not in state.grain_rows:
            continue
        if not monthly and by_indicator and grain.source:
            continue  # per-indicator picks are kept in "p0" only
        columns = {*grain.columns, "month"} if monthly else set(grain.columns)
        if needed <= columns and (
            best is None or state.grain_rows[grain.name] < state.grain_rows[best]
        ):
            best = grain.name
    if best is None:
        return None

    model: type[MonthlySummary] | type[PickedSummary] = MonthlySummary if monthly else PickedSummary
    rows: QuerySet[Any] = model.objects.filter(operation=operation, grain=best)
    organisation_roles = bool(roles & ORGANISATION_ROLES) and user.organisation_id is not None
    if monthly:
        if filters.validated_only:
            rows = rows.filter(validated=True)
        if not cluster_wide:
            seen = Q(validated=True)
            if organisation_roles:
                seen |= Q(organisation_id=user.organisation_id)
            rows = rows.filter(seen)
        if filters.month_from:
            rows = rows.filter(month__gte=filters.month_from)
        if filters.month_to:
            rows = rows.filter(month__lte=filters.month_to)
    else:
        suffix = "_ki" if by_indicator else ""
        every, validated = f"in_all{suffix}", f"in_validated{suffix}"
        if filters.validated_only or not (cluster_wide or organisation_roles):
            rows = rows.filter(**{validated: True})
        elif cluster_wide:
            rows = rows.filter(**{every: True})
        else:
            # A key belongs to one organisation: its pick over all rows for the partner's own
            # organisation, over validated rows for the others.
            mine = Q(organisation_id=user.organisation_id)
            rows = rows.filter((mine & Q(**{every: True})) | (~mine & Q(**{validated: True})))
    if filters.body is not None:
        rows = rows.filter(body_id__in=body_ids_within(operation, filters.body))
    if filters.activity is not None:
        rows = rows.filter(activity_id=filters.activity.pk)
    if filters.organisation is not None:
        rows = rows.filter(organisation_id=filters.organisation.pk)
    if filters.area is not None:
        level = filters.area.level
        if 1 <= level <= 3:
            rows = rows.filter(**{f"admin{level}_id": filters.area.pk})
        else:
            rows = rows.filter(area_id=filters.area.pk)
    if filters.population_group is not None:
        rows = rows.filter(population_group_id=filters.population_group.pk)
    return SummaryRows(rows=rows, grain=best)


def summary_needs_disclosure_control(user: Any, operation: Operation, summary: SummaryRows) -> bool:
    """needs_disclosure_control over summary rows: a summary row exists only where 5W rows (or
    their picks) do, with the activity's sensitivity as a column."""
    if access.is_cluster_wide(user, operation):
        return False
    others = summary.rows.filter(sensitive=True)
    if user.organisation_id:
        others = others.exclude(organisation_id=user.organisation_id)
    return others.exists()


# --- Names ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    code: str
    label: str


HIDDEN_PARTNER = gettext_lazy("Partner not named (insecure area)")


def _month_value(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def resolve_names(dim: str, values: Iterable[Any]) -> dict[Any, Name]:
    """Codes and labels of one dimension's values: one query per dimension, never per row."""
    ids = {v for v in values if v is not None}
    names: dict[Any, Name] = {}
    if dim == "organisation":
        for pk, acronym in Organisation.objects.filter(pk__in=ids).values_list("pk", "acronym"):
            names[pk] = Name(acronym, acronym)
    elif dim == "organisation_type":
        labels = dict(Organisation.Type.choices)
        names = {v: Name(v, str(labels.get(v, v))) for v in ids}
    elif dim == "body":
        for pk, code, name in Body.objects.filter(pk__in=ids).values_list("pk", "code", "name"):
            names[pk] = Name(code or str(pk), name)
    elif dim in ("activity", "indicator"):
        model = Activity if dim == "activity" else Indicator
        for item in model.objects.filter(pk__in=ids).only(
            "pk", "code", "name_en", "name_fr", "name_es"
        ):
            names[item.pk] = Name(item.code, f"{item.code} — {item.name}")
    elif dim in ("admin1", "admin2", "admin3"):
        for pk, pcode, name in AdminArea.objects.filter(pk__in=ids).values_list(
            "pk", "pcode", "name"
        ):
            names[pk] = Name(pcode, name)
    elif dim == "population_group":
        for group in PopulationGroup.objects.filter(pk__in=ids):
            names[group.pk] = Name(group.code, group.name)
    elif dim == "month":
        for value in ids:
            month = _month_value(value)
            assert month is not None
            names[value] = Name(f"{month:%Y-%m}", formats.date_format(month, "YEAR_MONTH_FORMAT"))
    return names


def _missing_name(dim: str) -> Name:
    if dim == "organisation":
        return Name("", str(HIDDEN_PARTNER))
    if dim == "indicator":
        return Name("", _("No indicator"))
    return Name("", _("Not given"))


# --- Pivot ---------------------------------------------------------------------------------------


@dataclass
class PivotColumn:
    key: str
    label: str


@dataclass
class PivotRow:
    codes: list[str]
    labels: list[str]
    # Measure -> value, in the order of the table's columns; None where hidden.
    values: dict[str, int | None]

    @property
    def cells(self) -> list[int | None]:
        return list(self.values.values())


@dataclass
class PivotResult:
    dims: list[str]
    dim_labels: list[str]
    columns: list[PivotColumn]
    rows: list[PivotRow]
    totals: dict[str, int | None]
    rule: str
    rule_text: str
    by_month: bool
    # Small counts hidden (None) because the table includes sensitive rows of other
    # organisations; `threshold` is the operation's small-count threshold.
    suppressed: bool = False
    threshold: int = 5
    suppressed_cells: int = 0
    # Partner names replaced by "not named" in insecure areas.
    names_hidden: bool = False
    # The table was too detailed to publish with suppression: no rows are given.
    too_detailed: bool = False
    # The totals row of a table by month holds the figures over the period by the counting
    # rule, not the sum of the months.
    totals_over_period: bool = False
    filters: Filters = field(default_factory=Filters)
    # Where the figures came from: "rows" (the 5W rows) or "summary:<grain>" (summary tables).
    source: str = "rows"
    # The suppressed people table (sex and age bands + unspecified) and the values it was made
    # from, kept for checks (tutela.core.disclosure.exposed_cells); never published.
    disclosure: SuppressedTable | None = field(default=None, repr=False)
    disclosure_values: list[list[int]] = field(default_factory=list, repr=False)

    @property
    def total_cells(self) -> list[int | None]:
        return [self.totals[c.key] for c in self.columns]


def _dimension_exprs(
    rows_by: Sequence[str], hidden_areas: set[int], *, summary: bool = False
) -> dict[str, Combinable | str]:
    """{alias: field or expression} of the table's dimensions. The organisation is left out
    (NULL) in the areas where names are hidden: found by area on 5W rows, by the `named` flag
    the summary tables computed from the same areas."""
    exprs: dict[str, Combinable | str] = {}
    for index, dim in enumerate(rows_by):
        expression: Combinable | str = DIMENSIONS[dim].field
        if dim == "organisation" and hidden_areas:
            hidden = Q(named=False) if summary else Q(area_id__in=sorted(hidden_areas))
            expression = Case(
                When(hidden, then=Value(None)),
                default=F("organisation_id"),
                output_field=IntegerField(),
            )
        exprs[f"d{index}"] = expression
    return exprs


def pivot(
    *,
    user: Any,
    operation: Operation,
    rows_by: Sequence[str],
    filters: Filters | Mapping[str, Any] | None = None,
    measures: Sequence[str] = MEASURES,
    use_summaries: bool = True,
) -> PivotResult:
    """The people reached (and other quantities) grouped by up to three dimensions, over the rows
    the user may see, with totals, the counting rule applied and stated, partner names hidden in
    insecure areas and small counts suppressed where the user may not see the rows themselves.

    Answered from the summary tables where they are fresh and hold what the table needs (the same
    result), from the 5W rows otherwise or when `use_summaries` is False."""
    rows_by = [d for d in dict.fromkeys(rows_by) if d in DIMENSIONS][:MAX_DIMENSIONS]
    measures = [m for m in MEASURES if m in set(measures)] or list(MEASURES)
    filters = Filters.of(filters)
    settings = activity_settings(operation)
    rule = settings.cumulative_rule
    by_month = "month" in rows_by
    rows = apply_filters(visible_rows(user, operation), operation, filters)
    hidden_areas = hidden_name_area_ids(user, operation) if "organisation" in rows_by else set()
    exprs = _dimension_exprs(rows_by, hidden_areas)
    # "unspecified" people (total minus the bands) keep the suppressed table additive.
    people = [m for m in PEOPLE_MEASURES if m in measures]
    wanted = list(dict.fromkeys([*measures, *SEX_AGE, "total"])) if people else measures
    state = summary_state(operation) if use_summaries else None
    summary = summary_rows(
        state=state,
        user=user,
        operation=operation,
        filters=filters,
        dims=rows_by,
        rule=rule,
        hidden_areas=hidden_areas,
    )
    if summary is not None:
        exprs = _dimension_exprs(rows_by, hidden_areas, summary=True)
        groups = sum_groups(summary.rows, dims=exprs, measures=wanted)
    else:
        groups = aggregate(rows, dims=exprs, rule=rule, measures=wanted)

    names = {dim: resolve_names(dim, (g[f"d{i}"] for g in groups)) for i, dim in enumerate(rows_by)}
    result_rows: list[tuple[tuple[Any, ...], PivotRow, dict[str, int]]] = []
    names_hidden = False
    for group in groups:
        codes, labels, sort_key = [], [], []
        for i, dim in enumerate(rows_by):
            value = group[f"d{i}"]
            name = names[dim].get(value) if value is not None else None
            if name is None:
                name = _missing_name(dim)
                names_hidden = names_hidden or (dim == "organisation" and bool(hidden_areas))
            codes.append(name.code)
            labels.append(name.label)
            month = _month_value(value) if dim == "month" else None
            sort_key.append((value is None, month or name.label.casefold()))
        raw = {m: int(group.get(m) or 0) for m in wanted}
        result_rows.append(
            (tuple(sort_key), PivotRow(codes, labels, {m: raw[m] for m in measures}), raw)
        )
    result_rows.sort(key=lambda item: item[0])

    # The totals row of a table by month is the figure over the whole period, by the rule:
    # adding up the months would count the same people again.
    period_totals = by_month and rule != ActivitySettings.CumulativeRule.NEW_ONLY
    if period_totals:
        picked = summary_rows(
            state=state, user=user, operation=operation, filters=filters, dims=[], rule=rule
        )
        if picked is not None:
            overall = sum_groups(picked.rows, dims={}, measures=wanted)
        else:
            overall = aggregate(rows, dims={}, rule=rule, measures=wanted)
        totals_raw = overall[0] if overall else {m: 0 for m in wanted}
    else:
        totals_raw = {m: sum(raw[m] for _key, _row, raw in result_rows) for m in wanted}
    totals: dict[str, int | None] = {m: int(totals_raw.get(m) or 0) for m in measures}
    result = PivotResult(
        dims=list(rows_by),
        dim_labels=[dimension_label(operation, d) for d in rows_by],
        columns=[PivotColumn(m, measure_label(m)) for m in measures],
        rows=[row for _key, row, _raw in result_rows],
        totals=totals,
        rule=rule,
        rule_text=rule_text(rule, by_month=by_month),
        by_month=by_month,
        threshold=threshold_for(operation),
        names_hidden=names_hidden,
        filters=filters,
        totals_over_period=period_totals,
        source=f"summary:{summary.grain}" if summary is not None else "rows",
    )
    if not people:
        disclose = False
    elif summary is not None:
        disclose = summary_needs_disclosure_control(user, operation, summary)
    else:
        disclose = needs_disclosure_control(user, operation, rows)
    if disclose:
        _suppress(result, [raw for _key, _row, raw in result_rows], people)
        if period_totals and not result.too_detailed:
            # Period totals are not sums of the cells: only their own small values are hidden.
            for m in people:
                value = int(totals_raw.get(m) or 0)
                result.totals[m] = None if 0 < value < result.threshold else value
    return result


def _suppress(result: PivotResult, raws: list[dict[str, int]], people: list[str]) -> None:
    """Hide small people counts: the sex and age bands with the total as an additive table, and
    persons with disability as a series of its own."""
    result.suppressed = True
    if len(raws) > MAX_SUPPRESSED_ROWS:
        result.too_detailed = True
        result.rows = []
        for m in people:
            result.totals[m] = None
        return
    threshold = result.threshold
    values = [
        [raw[m] for m in SEX_AGE] + [max(raw["total"] - sum(raw[m] for m in SEX_AGE), 0)]
        for raw in raws
    ]
    table = suppress_table(values, threshold=threshold) if values else None
    result.disclosure, result.disclosure_values = table, values
    disability = suppress_counts(
        {i: raw["with_disability"] for i, raw in enumerate(raws)}, threshold=threshold
    )
    hidden = 0
    for r, row in enumerate(result.rows):
        for c, m in enumerate(SEX_AGE):
            if m in row.values and table is not None:
                row.values[m] = table.cells[r][c]
        if "total" in row.values and table is not None:
            row.values["total"] = table.row_totals[r]
        if "with_disability" in row.values:
            row.values["with_disability"] = disability.values[r]
        hidden += sum(1 for m in people if row.values.get(m) is None)
    if table is not None:
        for c, m in enumerate(SEX_AGE):
            if m in result.totals:
                result.totals[m] = table.col_totals[c]
        if "total" in result.totals:
            result.totals["total"] = table.grand_total
    if "with_disability" in result.totals:
        result.totals["with_disability"] = disability.total
    hidden += sum(1 for m in people if result.totals.get(m) is None)
    result.suppressed_cells = hidden


# --- Areas: presence, coverage, gaps -------------------------------------------------------------


def area_level_field(level: int) -> str:
    if level not in (1, 2, 3):
        raise ValueError("level must be 1, 2 or 3")
    return f"admin{level}_id"


@dataclass
class AreaPresence:
    area_id: int
    pcode: str
    name: str
    parent_pcode: str
    partners: int
    # None where names are hidden (insecure area): the count alone is shown.
    organisations: list[str] | None


@dataclass
class PresenceResult:
    level: int
    areas: list[AreaPresence]
    hidden_areas: int

    @property
    def with_partners(self) -> list[AreaPresence]:
        return [a for a in self.areas if a.partners]


def _level_areas(operation: Operation, level: int) -> list[dict[str, Any]]:
    return [
        dict(area)
        for area in AdminArea.objects.filter(
            country_pcode__in=country_pcodes(operation), level=level
        )
        .order_by("pcode")
        .values("pk", "pcode", "name", "parent__pcode")
    ]


def _partner_source(
    state: SummaryState | None, user: Any, operation: Operation, filters: Filters, level: int
) -> QuerySet[Any] | None:
    """Monthly summary rows that can stand for the 5W rows in _partner_pairs, if any."""
    summary = summary_rows(
        state=state,
        user=user,
        operation=operation,
        filters=filters,
        dims=[],
        rule="",
        columns=[area_level_field(level), "organisation_id", "implementing_partner_id"],
        monthly=True,
    )
    return summary.rows if summary is not None else None


def _partner_pairs(rows: QuerySet[Any], level: int) -> dict[int, set[int]]:
    """area id -> the partners working there: the implementing partner where one is named,
    the reporting organisation otherwise."""
    pairs = (
        rows.filter(**{f"{area_level_field(level)}__isnull": False})
        .annotate(partner=Coalesce("implementing_partner_id", "organisation_id"))
        .values_list(area_level_field(level), "partner")
        .distinct()
        .order_by()
    )
    by_area: dict[int, set[int]] = {}
    for area_id, partner_id in pairs:
        by_area.setdefault(area_id, set()).add(partner_id)
    return by_area


def presence(
    *,
    user: Any,
    operation: Operation,
    level: int,
    body: Body | None = None,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    filters: Filters | Mapping[str, Any] | None = None,
    use_summaries: bool = True,
) -> PresenceResult:
    """Per admin area of `level`: the number of partners and their acronyms (acronyms left out in
    insecure areas for everyone but managers)."""
    base = Filters.of(filters)
    filters = Filters(
        **{
            **base.__dict__,
            "body": body or base.body,
            "month_from": month_from or base.month_from,
            "month_to": month_to or base.month_to,
        }
    )
    rows = apply_filters(visible_rows(user, operation), operation, filters)
    state = summary_state(operation) if use_summaries else None
    source = _partner_source(state, user, operation, filters, level)
    by_area = _partner_pairs(source if source is not None else rows, level)
    acronyms = dict(
        Organisation.objects.filter(
            pk__in={p for partners in by_area.values() for p in partners}
        ).values_list("pk", "acronym")
    )
    hidden_ids = hidden_name_area_ids(user, operation)
    areas = []
    hidden = 0
    for area in _level_areas(operation, level):
        partners = by_area.get(area["pk"], set())
        names: list[str] | None = sorted(acronyms.get(p, "?") for p in partners)
        if area["pk"] in hidden_ids:
            names = None
            hidden += 1
        areas.append(
            AreaPresence(
                area_id=area["pk"],
                pcode=area["pcode"],
                name=area["name"],
                parent_pcode=area["parent__pcode"] or "",
                partners=len(partners),
                organisations=names,
            )
        )
    return PresenceResult(level=level, areas=areas, hidden_areas=hidden)


@dataclass
class AreaCoverage:
    area_id: int
    pcode: str
    name: str
    parent_pcode: str
    # People reached by the counting rule; None when hidden as a small count.
    reached: int | None
    targeted: int | None
    people_in_need: int | None
    severity: int | None
    partners: int
    # Percentages (reached ÷ targeted, reached ÷ PiN); None without figures or when hidden.
    pct_targeted: float | None
    pct_pin: float | None
    # The unsuppressed figure, kept for the gap rule only (never shown).
    _reached_raw: int = 0


@dataclass
class CoverageResult:
    level: int
    year: int
    areas: list[AreaCoverage]
    rule: str
    rule_text: str
    has_planning: bool
    suppressed: bool
    threshold: int
    planning_note: str


def planning_year(operation: Operation, month_to: datetime.date | None) -> int:
    if month_to:
        return month_to.year
    latest = (
        PlanningFigure.objects.filter(operation=operation)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or timezone.localdate().year


def _ancestors_at(operation: Operation, level: int) -> dict[int, int]:
    """area id -> its ancestor (or itself) at `level`, for areas at that level or below."""
    info = {
        pk: (parent_id, lvl)
        for pk, parent_id, lvl in AdminArea.objects.filter(
            country_pcode__in=country_pcodes(operation), level__gte=level
        ).values_list("pk", "parent_id", "level")
    }
    out: dict[int, int] = {}
    for pk in info:
        current: int | None = pk
        while current is not None and current in info and info[current][1] > level:
            current = info[current][0]
        if current is not None and current in info and info[current][1] == level:
            out[pk] = current
    return out


def _planning_by_area(
    operation: Operation,
    *,
    level: int,
    year: int,
    body: Body | None,
    population_group: PopulationGroup | None,
) -> tuple[dict[int, dict[str, Any]], str]:
    """PiN, targeted and severity per area of `level`. Figures given at that level are used as
    they are; where an area has none, the figures of the areas inside it are added up.

    People in need cannot be added across the cluster and its AoRs (the same people): without a
    body, the cluster's own figures are used, or the largest AoR figure where the cluster has
    none."""
    figures = PlanningFigure.objects.filter(operation=operation, year=year)
    if population_group is not None:
        figures = figures.filter(population_group=population_group)
    note = ""
    if body is not None:
        figures = figures.filter(body=body)
    else:
        cluster_ids = list(
            Body.objects.filter(
                operation=operation, kind=Body.Kind.CLUSTER, parent=None
            ).values_list("pk", flat=True)
        )
        if figures.filter(body_id__in=cluster_ids).exists():
            figures = figures.filter(body_id__in=cluster_ids)
            note = _("People in need and targets: the cluster's overall figures.")
        else:
            note = _(
                "People in need and targets: the largest figure of any AoR per area and "
                "population group (AoR figures overlap and are not added up)."
            )
    ancestors = _ancestors_at(operation, level)
    # (area at level) -> {"direct": {...}, "below": {...}} per (body, population group).
    direct: dict[int, dict[tuple[int, int | None], list[int]]] = {}
    below: dict[int, dict[tuple[int, int | None], list[int]]] = {}
    rows = figures.values_list(
        "area_id",
        "area__level",
        "body_id",
        "population_group_id",
        "people_in_need",
        "targeted",
        "severity",
    )
    for area_id, area_level, body_id, group_id, pin, targeted, severity in rows:
        target = ancestors.get(area_id)
        if target is None:
            continue
        bucket = direct if area_level == level else below
        entry = bucket.setdefault(target, {}).setdefault((body_id, group_id), [0, 0, 0])
        entry[0] += pin
        entry[1] += targeted
        entry[2] = max(entry[2], severity or 0)
    out: dict[int, dict[str, Any]] = {}
    for area_id in set(direct) | set(below):
        by_key = direct.get(area_id) or below[area_id]
        # Per population group: the one body (filtered), or the largest across AoRs.
        per_group: dict[int | None, list[int]] = {}
        for (_body_id, key_group), (group_pin, group_targeted, group_severity) in by_key.items():
            current = per_group.setdefault(key_group, [0, 0, 0])
            if body is None:
                current[0] = max(current[0], group_pin)
                current[1] = max(current[1], group_targeted)
            else:
                current[0] += group_pin
                current[1] += group_targeted
            current[2] = max(current[2], group_severity)
        out[area_id] = {
            "people_in_need": sum(v[0] for v in per_group.values()),
            "targeted": sum(v[1] for v in per_group.values()),
            "severity": max((v[2] for v in per_group.values()), default=0) or None,
        }
    return out, note


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def coverage(
    *,
    user: Any,
    operation: Operation,
    level: int,
    body: Body | None = None,
    population_group: PopulationGroup | None = None,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    year: int | None = None,
    use_summaries: bool = True,
) -> CoverageResult:
    """Per admin area of `level`: people reached (by the counting rule), targeted, people in
    need and severity (planning figures of the year), the number of partners, and the ratios."""
    filters = Filters(
        body=body, population_group=population_group, month_from=month_from, month_to=month_to
    )
    settings = activity_settings(operation)
    rows = apply_filters(visible_rows(user, operation), operation, filters)
    dims: dict[str, Combinable | str] = {"d_area": area_level_field(level)}
    state = summary_state(operation) if use_summaries else None
    summary = summary_rows(
        state=state,
        user=user,
        operation=operation,
        filters=filters,
        dims=[f"admin{level}"],
        rule=settings.cumulative_rule,
    )
    if summary is not None:
        reached_rows = sum_groups(summary.rows, dims=dims, measures=["total"])
    else:
        reached_rows = aggregate(rows, dims=dims, rule=settings.cumulative_rule, measures=["total"])
    reached = {r["d_area"]: r["total"] for r in reached_rows if r["d_area"] is not None}
    source = _partner_source(state, user, operation, filters, level)
    partners = _partner_pairs(source if source is not None else rows, level)
    year = year or planning_year(operation, month_to)
    planning, note = _planning_by_area(
        operation, level=level, year=year, body=body, population_group=population_group
    )
    areas = _level_areas(operation, level)
    if summary is not None:
        suppressed = summary_needs_disclosure_control(user, operation, summary)
    else:
        suppressed = needs_disclosure_control(user, operation, rows)
    shown: dict[int, int | None] = {a["pk"]: reached.get(a["pk"], 0) for a in areas}
    threshold = threshold_for(operation)
    if suppressed:
        series = suppress_counts({k: v or 0 for k, v in shown.items()}, threshold=threshold)
        shown = dict(series.values)
    out = []
    for area in areas:
        plan = planning.get(area["pk"], {})
        value = shown.get(area["pk"])
        out.append(
            AreaCoverage(
                area_id=area["pk"],
                pcode=area["pcode"],
                name=area["name"],
                parent_pcode=area["parent__pcode"] or "",
                reached=value,
                targeted=plan.get("targeted"),
                people_in_need=plan.get("people_in_need"),
                severity=plan.get("severity"),
                partners=len(partners.get(area["pk"], ())),
                pct_targeted=_pct(value, plan.get("targeted")),
                pct_pin=_pct(value, plan.get("people_in_need")),
                _reached_raw=reached.get(area["pk"], 0),
            )
        )
    return CoverageResult(
        level=level,
        year=year,
        areas=out,
        rule=settings.cumulative_rule,
        rule_text=rule_text(settings.cumulative_rule, by_month=False),
        has_planning=bool(planning),
        suppressed=suppressed,
        threshold=threshold,
        planning_note=note if planning else "",
    )


@dataclass
class Gap:
    area: AreaCoverage
    reasons: list[str]


@dataclass
class GapResult:
    level: int
    year: int
    threshold_pct: float
    min_severity: int
    gaps: list[Gap]
    has_planning: bool
    coverage: CoverageResult


DEFAULT_GAP_THRESHOLD = 25.0
GAP_MIN_SEVERITY = 3


def gaps(
    *,
    user: Any,
    operation: Operation,
    level: int,
    body: Body | None = None,
    population_group: PopulationGroup | None = None,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    year: int | None = None,
    threshold_pct: float = DEFAULT_GAP_THRESHOLD,
    min_severity: int = GAP_MIN_SEVERITY,
) -> GapResult:
    """Areas of high severity (3 or more) where the people reached cover less than
    `threshold_pct` % of the people in need, or where no partner works at all: most severe
    first, then least covered."""
    result = coverage(
        user=user,
        operation=operation,
        level=level,
        body=body,
        population_group=population_group,
        month_from=month_from,
        month_to=month_to,
        year=year,
    )
    found = []
    for area in result.areas:
        if area.severity is None or area.severity < min_severity:
            continue
        reasons = []
        if area.partners == 0:
            reasons.append(_("No partner reports activities here."))
        raw_pct = _pct(area._reached_raw, area.people_in_need)
        low = area.people_in_need and raw_pct is not None and raw_pct < threshold_pct
        if low and area.partners:
            if area.pct_pin is None:
                reasons.append(
                    _("People reached cover less than %(pct)s%% of the people in need.")
                    % {"pct": formats.number_format(threshold_pct, decimal_pos=0)}
                )
            else:
                reasons.append(
                    _(
                        "People reached cover %(pct)s%% of the people in need "
                        "(below %(threshold)s%%)."
                    )
                    % {
                        "pct": formats.number_format(area.pct_pin, decimal_pos=1),
                        "threshold": formats.number_format(threshold_pct, decimal_pos=0),
                    }
                )
        if reasons:
            found.append(Gap(area=area, reasons=reasons))
    found.sort(
        key=lambda g: (
            -(g.area.severity or 0),
            _pct(g.area._reached_raw, g.area.people_in_need) or 0.0,
            g.area.pcode,
        )
    )
    return GapResult(
        level=level,
        year=result.year,
        threshold_pct=threshold_pct,
        min_severity=min_severity,
        gaps=found,
        has_planning=result.has_planning,
        coverage=result,
    )
