"""What the monitoring analysis pages show (issue 14): the last twelve months that have data by
default, no flat zero lines for months without data, months as the language abbreviates them.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tutela.core.month_names import month_abbr
from tutela.monitoring import selectors
from tutela.monitoring.selectors.base import AnalysisFilters
from tutela.monitoring.tests.analysis_fixtures import (
    seeded_fixture,  # noqa: F401
    years_fixture,  # noqa: F401
)
from tutela.monitoring.views.analysis import trend_labels, trend_series

pytestmark = pytest.mark.django_db


def test_dashboard_opens_on_the_last_twelve_months_with_data(years: Any, as_user: Any) -> None:
    response = as_user(years.world.imo).get(reverse("monitoring:analysis", args=["mali"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["month_from"].value() == "2025-10"
    assert form["month_to"].value() == "2026-09"
    trend = response.context["trend"]
    assert len(trend.row_keys) == 12
    # The month column: one line per month, as the language writes it.
    body = response.content.decode()
    assert '<th scope="row" class="month">' in body


def test_a_chosen_period_is_kept(years: Any, as_user: Any) -> None:
    response = as_user(years.world.imo).get(
        reverse("monitoring:analysis", args=["mali"]) + "?month_from=2019-01&month_to=2026-09"
    )
    assert len(response.context["trend"].row_keys) == 93


def test_trend_chart_leaves_months_without_data_as_gaps(years: Any) -> None:
    w = years.world
    table = selectors.incident_trend(
        user=w.imo,
        operation=w.operation,
        filters=AnalysisFilters(
            month_from=datetime.date(2019, 1, 1), month_to=datetime.date(2026, 9, 1)
        ),
    )
    series = trend_series(table)
    assert series
    for values in series.values():
        # 2020 to 2024: no data, so no value (a gap), not a line of zeros.
        assert 0 not in values
        assert values[table.row_keys.index(datetime.date(2022, 5, 1))] is None
        assert values[table.row_keys.index(datetime.date(2026, 9, 1))] == 6


def test_chart_months_in_french_are_the_usual_abbreviations(years: Any) -> None:
    assert month_abbr(datetime.date(2026, 1, 1), "fr") == "janv. 2026"
    assert month_abbr(datetime.date(2026, 2, 1), "fr") == "févr. 2026"
    assert month_abbr(datetime.date(2026, 6, 1), "fr") == "juin 2026"
    assert month_abbr(datetime.date(2026, 7, 1), "fr") == "juil. 2026"
    w = years.world
    table = selectors.incident_trend(user=w.imo, operation=w.operation)
    with translation.override("fr"):
        labels = trend_labels(table)
    assert labels[-1] == "sept. 2026"
