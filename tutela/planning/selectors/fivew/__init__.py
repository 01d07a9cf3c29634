"""Everything planning reads from the 5W module, and the only package of planning that imports it.

Planning reads; it never writes 5W data. Keeping the reads here means the dependency can be
inverted later (the 5W publishing an interface planning consumes) by changing this one package.

What is read:
- the operation's planning figures (people in need, targeted, severity), which the 5W coverage
  pages use too;
- the activity catalogue and its indicators (to link plan indicators, projects and proposals);
- people reached (or other quantities) from the 5W rows the user may count, by the 5W's counting
  rule and visibility rules, with small counts suppressed where the figures leave an organisation;
- the 5W rows tied to a project;
- partner presence and the gap list (for the checks of pooled-fund proposals).
"""

# Re-exported: planning's forms and views read the 5W models and the pooled labels through here
# (this package is planning's one door into the 5W).
from tutela.activities.models import Activity, Indicator
from tutela.activities.selectors.names import POOLED_LABEL
from tutela.core.disclosure_blocks import POOLED
from tutela.planning.selectors.fivew.catalogue import (
    FigureTotal,
    activity_labels,
    catalogue_activities,
    catalogue_indicators,
    planning_figure_totals,
    planning_figures_exist,
    population_groups,
    severity_by_area,
)
from tutela.planning.selectors.fivew.presence import (
    AreaCheck,
    area_checks,
)
from tutela.planning.selectors.fivew.projects import (
    project_reached,
    project_rows,
)
from tutela.planning.selectors.fivew.reached import (
    CACHE_SECONDS,
    Reached,
    ReachedGroups,
    counting_rule,
    counting_rule_code,
    reached_by_link,
    reached_series,
    year_range,
)

__all__ = [
    "POOLED",
    "POOLED_LABEL",
    "Activity",
    "Indicator",
    "AreaCheck",
    "CACHE_SECONDS",
    "FigureTotal",
    "Reached",
    "ReachedGroups",
    "activity_labels",
    "area_checks",
    "catalogue_activities",
    "catalogue_indicators",
    "counting_rule",
    "counting_rule_code",
    "planning_figure_totals",
    "planning_figures_exist",
    "population_groups",
    "project_reached",
    "project_rows",
    "reached_by_link",
    "reached_series",
    "severity_by_area",
    "year_range",
]
