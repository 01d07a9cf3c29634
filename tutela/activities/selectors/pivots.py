"""The pivot table: people reached grouped by up to three dimensions, with the counting rule
applied and small counts suppressed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.utils import translation

from tutela.activities.models import ActivityReport, ActivitySettings
from tutela.activities.models.fields import SEX_AGE
from tutela.activities.selectors import disclosure
from tutela.activities.selectors.aggregates import (
    DIMENSIONS,
    MAX_DIMENSIONS,
    MEASURES,
    PEOPLE_MEASURES,
    aggregate,
    dimension_label,
    measure_label,
    rule_text,
    sum_groups,
)
from tutela.activities.selectors.filters import Filters, apply_filters
from tutela.activities.selectors.names import (
    POOLED_LABEL,
    Name,
    missing_name,
    month_value,
    resolve_names,
)
from tutela.activities.selectors.summary_tables import SummaryRows, summary_rows, summary_state
from tutela.activities.selectors.visibility import (
    activity_settings,
    hidden_name_area_ids,
    visible_rows,
)
from tutela.core import access
from tutela.core.disclosure import SuppressedTable, suppress_counts, suppress_table, threshold_for
from tutela.core.disclosure_blocks import POOLED
from tutela.core.models import Operation, User

# Tables bigger than this are not put through small-count suppression (its exact check grows with
# the square of the table): the user is asked for a coarser table instead.
MAX_SUPPRESSED_ROWS = 1000


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
    # Small groups of rows the user may not see were pooled into a "Pooled small groups" line.
    pooled: bool = False
    # Figures over a period by a picking rule: blocks of rows the user may not see were brought
    # down to a multiple of the threshold.
    rounded: bool = False
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


# Results of `pivot` are cached this long at most (their key changes with the 5W data anyway, see
# _cache_key): catalogue labels edited since then (names, not counts) show after it.
CACHE_SECONDS = 300


def pivot(
    *,
    user: User,
    operation: Operation,
    rows_by: Sequence[str],
    filters: Filters | Mapping[str, Any] | None = None,
    measures: Sequence[str] = MEASURES,
    use_summaries: bool = True,
) -> PivotResult:
    """`_pivot`, cached per data version (the first request after a write computes it; the next
    ones with the same question from a user who sees the same rows read it)."""
    filters = Filters.of(filters)
    key = _cache_key(user, operation, rows_by, filters, measures) if use_summaries else None
    if key is not None:
        found = cache.get(key)
        if isinstance(found, PivotResult):
            return found
    result = _pivot(
        user=user,
        operation=operation,
        rows_by=rows_by,
        filters=filters,
        measures=measures,
        use_summaries=use_summaries,
    )
    if key is not None:
        cache.set(key, result, CACHE_SECONDS)
    return result


def _cache_key(
    user: User,
    operation: Operation,
    rows_by: Sequence[str],
    filters: Filters,
    measures: Sequence[str],
) -> str | None:
    """The cache key of a pivot, or None when it must not be cached.

    Per data version (`disclosure.data_version_key`, fresh summary tables or not): `version` is
    bumped in the transaction of every write that can change a 5W figure (rows, submission
    statuses, the sensitivity of activities, the counting rule, the areas where names are hidden;
    services.summaries.summaries_apply), so a key holding it changes with the data as the write
    commits. What the user may count, list
    and see named depends on their roles, organisation and superuser flag (all in the key); the
    suppression threshold is the operation's; labels follow the language."""
    return disclosure.data_version_key(
        "activities:pivot:",
        operation,
        user,
        (
            threshold_for(operation),
            access.is_manager(user, operation),
            list(rows_by),
            list(measures),
            disclosure.filters_key(filters),
            translation.get_language(),
        ),
    )


def _pivot(
    *,
    user: User,
    operation: Operation,
    rows_by: Sequence[str],
    filters: Filters | Mapping[str, Any] | None = None,
    measures: Sequence[str] = MEASURES,
    use_summaries: bool = True,
) -> PivotResult:
    """The people reached (and other quantities) grouped by up to three dimensions, over the rows
    the user may see, with totals, the counting rule applied and stated, partner names hidden in
    insecure areas and small counts protected where the user may not see the underlying rows:
    rows of sensitive activities of other organisations are counted in whole blocks
    (`selectors.disclosure`), then small counts are suppressed.

    Answered from the summary tables where they are fresh and hold what the table needs (the same
    result), from the 5W rows otherwise or when `use_summaries` is False."""
    rows_by, measures = _chosen(rows_by, measures)
    filters = Filters.of(filters)
    rule = activity_settings(operation).cumulative_rule
    by_month = "month" in rows_by
    counted = visible_rows(user, operation)
    rows = apply_filters(counted, operation, filters, user=user)
    hidden_areas = hidden_name_area_ids(user, operation) if "organisation" in rows_by else set()
    # "unspecified" people (total minus the bands) keep the suppressed table additive.
    people = [m for m in PEOPLE_MEASURES if m in measures]
    wanted = list(dict.fromkeys([*measures, *SEX_AGE, "total"])) if people else measures
    state = summary_state(operation) if use_summaries else None

    # Rows of sensitive activities of other organisations: counted in whole blocks only.
    blocks, period_blocks = _blocks(user, operation, counted, filters, rule, rows_by, wanted)
    hidden_summaries = None
    if blocks is not None:
        rows = _without_hidden(rows, disclosure.hidden_rows_q(user, operation))
        hidden_summaries = disclosure.hidden_summary_q(user, operation)

    summary = summary_rows(
        state=state,
        user=user,
        operation=operation,
        filters=filters,
        dims=rows_by,
        rule=rule,
        hidden_areas=hidden_areas,
    )
    groups = _groups(rows, summary, hidden_summaries, rows_by, hidden_areas, rule, wanted)
    if blocks is not None:
        groups = disclosure.merge(groups, disclosure.fold(blocks, rows_by, wanted), rows_by, wanted)
    result_rows, names_hidden = _labelled_rows(groups, rows_by, hidden_areas, wanted, measures)

    # The totals row of a table by month is the figure over the whole period, by the rule:
    # adding up the months would count the same people again.
    period_totals = by_month and rule != ActivitySettings.CumulativeRule.NEW_ONLY
    if period_totals:
        picked = summary_rows(
            state=state, user=user, operation=operation, filters=filters, dims=[], rule=rule
        )
        totals_raw = _period_total(picked, hidden_summaries, rows, rule, wanted, period_blocks)
    else:
        totals_raw = _column_sums(result_rows, wanted)
    result = PivotResult(
        dims=list(rows_by),
        dim_labels=[dimension_label(operation, d) for d in rows_by],
        columns=[PivotColumn(m, measure_label(m)) for m in measures],
        rows=[row for _key, row, _raw in result_rows],
        totals={m: int(totals_raw.get(m) or 0) for m in measures},
        rule=rule,
        rule_text=rule_text(rule, by_month=by_month),
        by_month=by_month,
        threshold=threshold_for(operation),
        names_hidden=names_hidden,
        filters=filters,
        totals_over_period=period_totals,
        source=f"summary:{summary.grain}" if summary is not None else "rows",
        pooled=_pooled(result_rows),
        rounded=_rounded(blocks) or _rounded(period_blocks),
    )
    if blocks is not None and people:
        _protect(result, result_rows, people, totals_raw)
    return result


def _chosen(rows_by: Sequence[str], measures: Sequence[str]) -> tuple[list[str], list[str]]:
    """The dimensions asked for (known ones, each once, at most MAX_DIMENSIONS) and the measures
    (known ones, in their order; all of them when none is known)."""
    dims = [d for d in dict.fromkeys(rows_by) if d in DIMENSIONS][:MAX_DIMENSIONS]
    return dims, [m for m in MEASURES if m in set(measures)] or list(MEASURES)


def _without_hidden(rows: QuerySet[ActivityReport], hidden: Q | None) -> QuerySet[ActivityReport]:
    """The 5W rows less those counted in whole blocks (sensitive rows of others)."""
    return rows if hidden is None else rows.exclude(hidden)


def _groups(
    rows: QuerySet[ActivityReport],
    summary: SummaryRows | None,
    hidden_summaries: Q | None,
    rows_by: Sequence[str],
    hidden_areas: set[int],
    rule: str,
    wanted: Sequence[str],
) -> list[dict[str, Any]]:
    """The table's groups, from the summary rows when they answer, from the 5W rows otherwise."""
    if summary is not None:
        exprs = _dimension_exprs(rows_by, hidden_areas, summary=True)
        return sum_groups(_without(summary, hidden_summaries), dims=exprs, measures=wanted)
    exprs = _dimension_exprs(rows_by, hidden_areas)
    return aggregate(rows, dims=exprs, rule=rule, measures=wanted)


def _column_sums(result_rows: list[LabelledRow], wanted: Sequence[str]) -> dict[str, int]:
    """The totals row of a table whose rows add up: the sum of each column."""
    return {m: sum(raw[m] for _key, _row, raw in result_rows) for m in wanted}


def _pooled(result_rows: list[LabelledRow]) -> bool:
    """Whether small groups of rows the user may not see were pooled into one line."""
    return any(row.codes and "*" in row.codes for _key, row, _raw in result_rows)


def _rounded(blocks: disclosure.HiddenBlocks | None) -> bool:
    """Whether figures of hidden blocks were rounded."""
    return bool(blocks is not None and blocks.rounded)


def _protect(
    result: PivotResult,
    result_rows: list[LabelledRow],
    people: list[str],
    totals_raw: Mapping[str, Any],
) -> None:
    """Suppress the small counts of the table (the user may not see all the rows behind it)."""
    _suppress(result, [raw for _key, _row, raw in result_rows], people)
    if result.totals_over_period and not result.too_detailed:
        # Period totals are not sums of the cells: only their own small values are hidden.
        for m in people:
            value = int(totals_raw.get(m) or 0)
            result.totals[m] = None if 0 < value < result.threshold else value


def _without(summary: SummaryRows, hidden: Q | None) -> QuerySet[Any]:
    """The summary rows less those counted in whole blocks (sensitive rows of others)."""
    return summary.rows if hidden is None else summary.rows.exclude(hidden)


# A row of the table: its sort key, the row as shown, and its unsuppressed figures.
LabelledRow = tuple[tuple[Any, ...], PivotRow, dict[str, int]]


def _labelled_rows(
    groups: list[dict[str, Any]],
    rows_by: Sequence[str],
    hidden_areas: set[int],
    wanted: Sequence[str],
    measures: Sequence[str],
) -> tuple[list[LabelledRow], bool]:
    """The table's rows with the codes and names of their dimensions, sorted (months in order,
    names alphabetically, pooled and unknown values last); and whether partner names were hidden
    in one of them."""
    names = {
        dim: resolve_names(dim, (g[f"d{i}"] for g in groups if g[f"d{i}"] is not POOLED))
        for i, dim in enumerate(rows_by)
    }
    result_rows: list[LabelledRow] = []
    names_hidden = False
    for group in groups:
        codes, labels, sort_key = [], [], []
        for i, dim in enumerate(rows_by):
            value = group[f"d{i}"]
            name: Name | None
            if value is POOLED:
                name = Name("*", str(POOLED_LABEL))
            else:
                name = names[dim].get(value) if value is not None else None
            if name is None:
                name = missing_name(dim)
                names_hidden = names_hidden or (dim == "organisation" and bool(hidden_areas))
            codes.append(name.code)
            labels.append(name.label)
            month = month_value(value) if dim == "month" and value is not POOLED else None
            sort_key.append((value is POOLED, value is None, month or name.label.casefold()))
        raw = {m: int(group.get(m) or 0) for m in wanted}
        result_rows.append(
            (tuple(sort_key), PivotRow(codes, labels, {m: raw[m] for m in measures}), raw)
        )
    result_rows.sort(key=lambda item: item[0])
    return result_rows, names_hidden


def _period_total(
    picked: SummaryRows | None,
    hidden_summaries: Q | None,
    rows: QuerySet[ActivityReport],
    rule: str,
    wanted: Sequence[str],
    period_blocks: Any,
) -> dict[str, Any]:
    """The figures over the whole period by the counting rule (the totals row of a table by
    month), from the picks when they answer, with the blocks of sensitive rows merged in."""
    if picked is not None:
        overall = sum_groups(_without(picked, hidden_summaries), dims={}, measures=wanted)
    else:
        overall = aggregate(rows, dims={}, rule=rule, measures=wanted)
    if period_blocks is not None:
        overall = disclosure.merge(
            [{**group} for group in overall],
            disclosure.fold(period_blocks, [], wanted),
            [],
            wanted,
        )
    return overall[0] if overall else {m: 0 for m in wanted}


def _blocks(
    user: User,
    operation: Operation,
    counted: Any,
    filters: Filters,
    rule: str,
    rows_by: Sequence[str],
    wanted: Sequence[str],
) -> tuple[disclosure.HiddenBlocks | None, disclosure.HiddenBlocks | None]:
    """The blocks of hidden rows for the table's cells and, for a table by month under a rule
    that picks one month per key, for its totals over the period. (None, None) when the period
    holds no row the user may not see one by one (the table is then not controlled)."""
    if disclosure.hidden_rows_q(user, operation) is None:
        return None, None
    unnamed = hidden_name_area_ids(user, operation)
    threshold = threshold_for(operation)

    def make(
        monthly: bool, fold_by: tuple[Sequence[str], Sequence[str]] | None
    ) -> disclosure.HiddenBlocks | None:
        return disclosure.hidden_blocks(
            user=user,
            operation=operation,
            visible=counted,
            filters=filters,
            rule=rule,
            monthly=monthly,
            by_indicator="indicator" in rows_by,
            unnamed=unnamed,
            threshold=threshold,
            fold_by=fold_by,
        )

    by_month = "month" in rows_by
    # The table's blocks are only folded by its dimensions (monthly ones month by month).
    blocks = make(by_month, (rows_by, wanted))
    if blocks is None or not blocks.controlled:
        return None, None
    period = None
    if by_month and rule != ActivitySettings.CumulativeRule.NEW_ONLY:
        period = make(False, None)
    return blocks, period


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
        {i: raw.get("with_disability", 0) for i, raw in enumerate(raws)}, threshold=threshold
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
