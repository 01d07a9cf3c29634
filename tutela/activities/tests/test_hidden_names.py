"""Partner names hidden in insecure areas stay hidden whatever the filters: filtering a table,
map, list or export on an organisation leaves those areas out (except for one's own)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tutela.activities import selectors
from tutela.activities.tests.analysis_fixtures import (
    FiveW,
    five_w_fixture,  # noqa: F401
    hide_names_in,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/operations/mali/5w/"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_pivot_filtered_on_a_partner_does_not_show_it_in_an_insecure_area(
    five_w: FiveW,
) -> None:
    """Bandiagara is insecure: DRC works there (and nowhere else). A viewer filtering the pivot by
    area on DRC must not see a Bandiagara row (that would name DRC there)."""
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0501"])
    for use_summaries in (False, True):
        result = selectors.pivot(
            user=w.viewer,
            operation=w.operation,
            rows_by=["admin2"],
            filters={"organisation": w.drc},
            use_summaries=use_summaries,
        )
        assert [r.codes[0] for r in result.rows] == [], use_summaries
        assert result.totals["total"] == 0
    # Managers see partner names everywhere.
    managers = selectors.pivot(
        user=w.imo, operation=w.operation, rows_by=["admin2"], filters={"organisation": w.drc}
    )
    assert [r.codes[0] for r in managers.rows] == ["ML0501"]


def test_own_organisation_filter_still_shows_its_rows_there(five_w: FiveW) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0501"])
    result = selectors.pivot(
        user=w.partner,
        operation=w.operation,
        rows_by=["admin2"],
        filters={"organisation": w.amss},
    )
    assert [r.codes[0] for r in result.rows] == ["ML0501"]


def test_presence_filtered_on_a_partner_shows_nothing_in_an_insecure_area(
    five_w: FiveW,
) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0501"])
    result = selectors.presence(
        user=w.viewer, operation=w.operation, level=2, filters={"organisation": w.drc}
    )
    assert next(a for a in result.areas if a.pcode == "ML0501").partners == 0


def test_api_pivot_and_rows_filtered_on_a_partner_leave_the_insecure_area_out(
    five_w: FiveW,
) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0501"])
    client = api(w.viewer)
    pivot = client.get(f"{API}pivot/", {"rows": "admin2", "organisation": "DRC"})
    assert pivot.status_code == 200, pivot.json()
    assert pivot.json()["rows"] == []
    rows = client.get(f"{API}rows/", {"organisation": "DRC"})
    assert rows.status_code == 200
    assert rows.json()["count"] == 0
