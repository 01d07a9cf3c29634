"""Each early-warning signal gives the analyst something to judge (issue 14): its count in the
month, the baseline it was compared with and over which months, and the rule that raised it, on
the signals page and on the home card."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tutela.core.tests.home_pages import home_html, panel_html
from tutela.monitoring.services.early_warning import early_warning_scan
from tutela.monitoring.tests.analysis_fixtures import (
    many,
    seeded_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 1)


@pytest.fixture
def surge(seeded: Any) -> Any:
    """Bandiagara, killings (R02): 6 incidents a month from March to August 2026, then 40 in
    September: a signal, with counts large enough to be shown to a coordinator."""
    w = seeded.world
    month = SEP
    for _ in range(6):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        many(6, w.operation, w.drc, seeded.bandiagara, month, "R02")
    many(40, w.operation, w.drc, seeded.bandiagara, SEP, "R02")
    with translation.override("en"):
        early_warning_scan(operation=w.operation, month=SEP, notify=False)
    return seeded


COMPARISON = "6.7× the 6-month average (6.0 a month)"
PERIOD = "March 2026 – August 2026"


def test_signals_page_shows_count_baseline_period_and_rule(surge: Any, as_user: Any) -> None:
    response = as_user(surge.world.coordinator).get(
        reverse("monitoring:signals", args=["mali"]), HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    row = body[body.index("Bandiagara") : body.index("</tr>", body.index("Bandiagara"))]
    assert '<td class="num">40</td>' in row
    assert PERIOD in row
    assert COMPARISON in row
    assert "Raised at 5 incidents or more" in row
    assert "probability under 0.01" in row


def test_home_card_shows_the_count_and_its_baseline(surge: Any) -> None:
    panel = panel_html(home_html(surge.world.coordinator), "signals")
    assert "Killing" in panel or "R02" in panel or "Bandiagara" in panel
    assert f"September 2026: 40 incidents, {COMPARISON} over {PERIOD}." in panel
