"""Reads of the 5W: which rows a user may see, the pivot table, partner presence, coverage against
planning figures and the gap list. Pages, exports and the API all call these, so the counting rule,
the visibility rules and the small-count suppression are written once.

- visibility: which rows a user may count or list, where partner names are hidden;
- filters: `Filters` and applying them to 5W rows (and summary rows);
- aggregates: dimensions, measures and the counting rule (stated there), in SQL;
- summary_tables: answering from the summary tables where they hold what a table needs;
- names: codes and labels of dimension values;
- pivots: the pivot table and its small-count suppression;
- partners: partner presence per admin area;
- planning, gap_analysis: coverage against planning figures and the gap list.

The names below are the package's interface; import the modules for anything else.
"""

from tutela.activities.selectors.aggregates import DIMENSIONS, MAX_DIMENSIONS, dimension_label
from tutela.activities.selectors.filters import Filters, apply_filters
from tutela.activities.selectors.gap_analysis import (
    DEFAULT_GAP_THRESHOLD,
    AreaCoverage,
    GapResult,
    coverage,
    gaps,
)
from tutela.activities.selectors.partners import AreaPresence, presence
from tutela.activities.selectors.pivots import PivotResult, pivot
from tutela.activities.selectors.visibility import (
    area_descendants,
    hidden_name_area_ids,
    listable_rows,
    visible_rows,
    with_row_relations,
)

__all__ = [
    "DEFAULT_GAP_THRESHOLD",
    "DIMENSIONS",
    "MAX_DIMENSIONS",
    "AreaCoverage",
    "AreaPresence",
    "Filters",
    "GapResult",
    "PivotResult",
    "apply_filters",
    "area_descendants",
    "coverage",
    "dimension_label",
    "gaps",
    "hidden_name_area_ids",
    "listable_rows",
    "pivot",
    "presence",
    "visible_rows",
    "with_row_relations",
]
