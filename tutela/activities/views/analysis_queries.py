"""The area queries of the 5W analysis (presence, coverage, gaps) as asked by a parsed query
string: the pages in `views.analysis` and the endpoints in `api.views` both call these, so that a
page and its endpoint pass the same filters to the selectors."""

from __future__ import annotations

from typing import Any

from tutela.activities import selectors
from tutela.activities.forms.analysis import AnalysisForm
from tutela.core.models import Operation, User


def _area_filters(form: AnalysisForm, *, planning: bool) -> dict[str, Any]:
    """The level, cluster/AoR and months every area query takes; with `planning`, the population
    group and planning year of coverage and gaps as well."""
    filters = form.filters()
    found: dict[str, Any] = {
        "level": form.area_level(),
        "body": filters.body,
        "month_from": filters.month_from,
        "month_to": filters.month_to,
    }
    if planning:
        found["population_group"] = filters.population_group
        found["year"] = form.value("year")
    return found


# Presence and coverage results are typed Any, as the pages had them: the selectors package does
# not export their classes.
def presence_for(user: User, operation: Operation, form: AnalysisForm) -> Any:
    return selectors.presence(user=user, operation=operation, **_area_filters(form, planning=False))


def coverage_for(user: User, operation: Operation, form: AnalysisForm) -> Any:
    return selectors.coverage(user=user, operation=operation, **_area_filters(form, planning=True))


def gaps_for(user: User, operation: Operation, form: AnalysisForm) -> selectors.GapResult:
    return selectors.gaps(
        user=user,
        operation=operation,
        threshold_pct=form.value("threshold", selectors.DEFAULT_GAP_THRESHOLD),
        **_area_filters(form, planning=True),
    )
