"""Disclosure control of the 5W figures: no count of rows a user may not see one by one (sensitive
activities of other organisations) between 1 and threshold - 1 is visible, in a table or by
differencing two views of which one contains the other (an area and its child areas, a period
and a longer one, every activity and one, every organisation and one) — the same property as
protection monitoring's (tutela/monitoring/tests/test_disclosure_monitoring.py)."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tutela.activities import selectors
from tutela.activities.models import Activity, ActivitySettings
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.tests.analysis_fixtures import JAN, add_row, set_rule
from tutela.conftest import World, make_area
from tutela.core.models import AdminArea

pytestmark = pytest.mark.django_db
FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)
T = 5
RULES = [c.value for c in ActivitySettings.CumulativeRule]
PEOPLE = ("girls", "boys", "women", "men", "older_women", "older_men", "total", "with_disability")


@dataclass
class Sensitive:
    world: World
    areas: dict[str, AdminArea]


@pytest.fixture
def sensitive(world: World, areas: dict[str, AdminArea]) -> Sensitive:
    """The world operation with its catalogue and communes, and no 5W row yet."""
    catalogue_seed(operation=world.operation)
    extra = {
        "ML050101": make_area("ML050101", "Bandiagara Commune", 3, areas["ML0501"]),
        "ML050102": make_area("ML050102", "Dandoli", 3, areas["ML0501"]),
        "ML050201": make_area("ML050201", "Djenné Commune", 3, areas["ML0502"]),
    }
    return Sensitive(world=world, areas={**areas, **extra})


def figures(result: selectors.PivotResult) -> dict[tuple[Any, ...], int | None]:
    out: dict[tuple[Any, ...], int | None] = {}
    for row in result.rows:
        for measure in PEOPLE:
            if measure in row.values:
                out[(*row.codes, measure)] = row.values[measure]
    for measure in PEOPLE:
        if measure in result.totals:
            out[("total", measure)] = result.totals[measure]
    return out


def assert_no_small(result: selectors.PivotResult) -> None:
    for name, value in figures(result).items():
        assert value is None or value == 0 or value >= T, (name, value)


def assert_no_small_difference(
    big: selectors.PivotResult, small: selectors.PivotResult, context: Any = None
) -> int:
    """Every figure the two views share differs by 0 or by at least the threshold."""
    a, b = figures(big), figures(small)
    compared = 0
    for name, value in b.items():
        other = a.get(name)
        if value is None or other is None:
            continue
        compared += 1
        difference = abs(other - value)
        assert difference == 0 or difference >= T, (context, name, other, value)
    return compared


# --- The outside test's attack ----------------------------------------------------------------


def test_area_minus_child_area_does_not_reveal_a_sibling(sensitive: Sensitive) -> None:
    """Case management by DRC in Bandiagara (large) and Djenné (2 girls, 1 boy, 4 women): the
    donor's pivot for Mopti minus the pivot for Bandiagara gave Djenné's small counts."""
    w, areas = sensitive.world, sensitive.areas
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(20, 15, 30, 12, 6, 5))
    add_row(w, w.drc, "PRO-CM", areas["ML0502"], JAN, bands=(2, 1, 4, 0, 0, 0))
    client = APIClient()
    client.force_authenticate(w.viewer)

    def totals(rows: str, area: str) -> dict[str, int | None]:
        response = client.get("/api/v1/operations/mali/5w/pivot/", {"rows": rows, "area": area})
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["suppressed"]
        return data["totals"]

    mopti = totals("admin1", "ML05")
    bandiagara = totals("admin2", "ML0501")
    for measure in ("girls", "boys", "women", "total"):
        if mopti[measure] is None or bandiagara[measure] is None:
            continue
        difference = mopti[measure] - bandiagara[measure]
        assert difference == 0 or difference >= T, (measure, mopti, bandiagara)


def test_a_period_and_a_longer_one_do_not_reveal_a_small_month(sensitive: Sensitive) -> None:
    w, areas = sensitive.world, sensitive.areas
    cm = "PRO-CM"
    for month in (JAN, FEB):
        add_row(w, w.drc, cm, areas["ML0501"], month, bands=(10, 10, 10, 10, 5, 5))
    add_row(w, w.drc, cm, areas["ML0501"], MAR, bands=(2, 0, 1, 0, 0, 0))
    for rule in RULES:
        set_rule(w, rule)
        for rows_by in (["admin2"], ["month"]):

            def view(last: datetime.date, rows_by: list[str] = rows_by) -> Any:
                return selectors.pivot(
                    user=w.viewer,
                    operation=w.operation,
                    rows_by=rows_by,
                    filters={"month_from": JAN, "month_to": last},
                )

            big, small = view(MAR), view(FEB)
            assert_no_small(big)
            assert_no_small(small)
            assert assert_no_small_difference(big, small, (rule, rows_by)) > 0


def test_all_activities_and_one_do_not_reveal_another(sensitive: Sensitive) -> None:
    w, areas = sensitive.world, sensitive.areas
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(10, 10, 10, 10, 5, 5))
    add_row(w, w.drc, "CP-CM", areas["ML0501"], JAN, bands=(3, 1, 0, 0, 0, 0))
    one = Activity.objects.get(operation=w.operation, code="PRO-CM")
    for rule in RULES:
        set_rule(w, rule)
        every = selectors.pivot(user=w.viewer, operation=w.operation, rows_by=["admin2"])
        only = selectors.pivot(
            user=w.viewer,
            operation=w.operation,
            rows_by=["admin2"],
            filters={"activity": one},
        )
        assert assert_no_small_difference(every, only, rule) > 0


def test_every_organisation_and_one_do_not_reveal_another(sensitive: Sensitive) -> None:
    w, areas = sensitive.world, sensitive.areas
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(10, 10, 10, 10, 5, 5))
    add_row(w, w.unhcr, "PRO-CM", areas["ML0501"], JAN, bands=(3, 1, 2, 0, 0, 0))
    for rule in RULES:
        set_rule(w, rule)
        every = selectors.pivot(user=w.viewer, operation=w.operation, rows_by=["activity"])
        drc = selectors.pivot(
            user=w.viewer,
            operation=w.operation,
            rows_by=["activity"],
            filters={"organisation": w.drc},
        )
        assert assert_no_small_difference(every, drc, rule) > 0


def test_small_groups_are_pooled_into_their_own_line(sensitive: Sensitive) -> None:
    """Small groups of two cercles, pooled across the cercle, are shown on a "Pooled small groups"
    line of a table by cercle, so that the table still adds up."""
    w, areas = sensitive.world, sensitive.areas
    set_rule(w, ActivitySettings.CumulativeRule.NEW_ONLY)
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(3, 0, 0, 0, 0, 0))
    add_row(w, w.drc, "PRO-CM", areas["ML0502"], JAN, bands=(4, 0, 0, 0, 0, 0))
    result = selectors.pivot(user=w.viewer, operation=w.operation, rows_by=["admin2"])
    assert result.pooled
    pooled = next(r for r in result.rows if r.codes == ["*"])
    assert pooled.labels == ["Pooled small groups"]
    assert pooled.values["girls"] == 7
    assert result.totals["girls"] == 7
    assert all(r.values["girls"] == 0 for r in result.rows if r.codes != ["*"])


def test_coverage_and_gap_list_come_from_the_same_blocks(sensitive: Sensitive) -> None:
    w, areas = sensitive.world, sensitive.areas
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(20, 15, 30, 12, 6, 5))
    add_row(w, w.drc, "PRO-CM", areas["ML0502"], JAN, bands=(2, 1, 4, 0, 0, 0))
    cover = selectors.coverage(user=w.viewer, operation=w.operation, level=2)
    reached = {a.pcode: a.reached for a in cover.areas}
    table = selectors.pivot(
        user=w.viewer, operation=w.operation, rows_by=["admin2"], measures=("total",)
    )
    by_pcode = {r.codes[0]: r.values["total"] for r in table.rows}
    assert reached["ML0501"] == by_pcode["ML0501"]
    assert reached["ML0502"] in (0, None)
    assert cover.suppressed


# --- Property ------------------------------------------------------------------------------------

ORGS = ("drc", "unhcr", "other_org")
ACTIVITIES = ("PRO-CM", "CP-CM", "GBV-CM")
PLACES = ("ML050101", "ML050102", "ML050201", "ML0502", "ML04")
MONTHS = (JAN, FEB, MAR)
COUNTS = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 40])

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(ORGS),
        st.sampled_from(ACTIVITIES),
        st.sampled_from(PLACES),
        st.sampled_from(MONTHS),
        st.sampled_from(["IDP", "REF"]),
        st.tuples(COUNTS, COUNTS, COUNTS, COUNTS, COUNTS, COUNTS),
    ),
    min_size=1,
    max_size=14,
    unique_by=lambda r: r[:5],
)


@st.composite
def nested_views(draw: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """A view (filters) and one it contains (a shorter period, a smaller area, one activity, one
    organisation, or several of these), and the table's dimensions."""
    first = draw(st.sampled_from(MONTHS))
    last = draw(st.sampled_from([m for m in MONTHS if m >= first]))
    big: dict[str, Any] = {"month_from": first, "month_to": last}
    area_chain = draw(
        st.sampled_from(
            [
                (None, "ML05"),
                (None, "ML0501"),
                ("ML05", "ML0501"),
                ("ML0501", "ML050101"),
                (None, None),
            ]
        )
    )
    if area_chain[0]:
        big["area"] = area_chain[0]
    small = dict(big)
    if area_chain[1]:
        small["area"] = area_chain[1]
    if draw(st.booleans()):
        small["month_from"] = draw(st.sampled_from([m for m in MONTHS if first <= m <= last]))
        small["month_to"] = draw(
            st.sampled_from([m for m in MONTHS if small["month_from"] <= m <= last])
        )
    if draw(st.booleans()):
        small["activity"] = draw(st.sampled_from(ACTIVITIES))
    if draw(st.booleans()):
        small["organisation"] = draw(st.sampled_from(ORGS))
    rows_by = draw(
        st.sampled_from([["admin2"], ["admin1"], ["month"], ["activity"], ["organisation"], []])
    )
    return big, small, rows_by


def _filters(spec: dict[str, Any], s: Sensitive) -> dict[str, Any]:
    w = s.world
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "area":
            out[key] = s.areas[value]
        elif key == "activity":
            out[key] = Activity.objects.get(operation=w.operation, code=value)
        elif key == "organisation":
            out[key] = getattr(w, value)
        else:
            out[key] = value
    return out


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows_strategy, views=nested_views(), rule=st.sampled_from(RULES))
def test_no_difference_between_nested_views_is_a_small_count(
    sensitive: Sensitive,
    rows: list[tuple[Any, ...]],
    views: tuple[dict[str, Any], dict[str, Any], list[str]],
    rule: str,
) -> None:
    """Whatever the sensitive rows of other organisations, and for any view a donor may ask for
    and any view it contains, no published figure is between 1 and threshold - 1 and no figure
    of one differs from the same figure of the other by between 1 and threshold - 1."""
    w = sensitive.world
    big_spec, small_spec, rows_by = views
    with transaction.atomic():
        set_rule(w, rule)
        for org, activity, place, month, group, bands in rows:
            add_row(w, getattr(w, org), activity, sensitive.areas[place], month, group, bands=bands)
        big = selectors.pivot(
            user=w.viewer,
            operation=w.operation,
            rows_by=rows_by,
            filters=_filters(big_spec, sensitive),
        )
        small = selectors.pivot(
            user=w.viewer,
            operation=w.operation,
            rows_by=rows_by,
            filters=_filters(small_spec, sensitive),
        )
        assert_no_small(big)
        assert_no_small(small)
        assert_no_small_difference(big, small, (rule, rows_by, big_spec, small_spec))
        transaction.set_rollback(True)


def test_many_nested_views_of_a_mixed_operation(sensitive: Sensitive) -> None:
    """A grid of views like protection monitoring's: periods × areas × activities, every pair of
    nested views compared, under every counting rule."""
    w, areas = sensitive.world, sensitive.areas
    add_row(w, w.drc, "PRO-CM", areas["ML050101"], JAN, bands=(9, 6, 14, 5, 0, 0))
    add_row(w, w.drc, "PRO-CM", areas["ML050102"], FEB, bands=(2, 3, 1, 0, 0, 1))
    add_row(w, w.unhcr, "PRO-CM", areas["ML0502"], FEB, bands=(40, 14, 9, 6, 5, 0))
    add_row(w, w.unhcr, "CP-CM", areas["ML0502"], MAR, bands=(4, 0, 0, 3, 0, 0))
    add_row(w, w.other_org, "GBV-CM", areas["ML04"], MAR, bands=(0, 0, 6, 0, 2, 0))
    add_row(w, w.drc, "PRO-CM", areas["ML050101"], MAR, bands=(11, 6, 2, 5, 0, 0))
    ranges = [(JAN, JAN), (JAN, FEB), (JAN, MAR), (FEB, MAR)]
    area_choices = [None, "ML05", "ML0501", "ML050101"]
    activities = [None, "PRO-CM"]
    parents = {None: None, "ML05": None, "ML0501": "ML05", "ML050101": "ML0501"}

    def contains(big: tuple[Any, ...], small: tuple[Any, ...]) -> bool:
        (f1, l1, a1, c1), (f2, l2, a2, c2) = big, small
        if not (f1 <= f2 and l2 <= l1):
            return False
        area_ok = (
            a1 is None or a1 == a2 or parents.get(a2) == a1 or parents.get(parents.get(a2)) == a1
        )
        return area_ok and (c1 is None or c1 == c2)

    for rule in RULES:
        set_rule(w, rule)
        grid = {}
        for (first, last), area, activity in itertools.product(ranges, area_choices, activities):
            spec: dict[str, Any] = {"month_from": first, "month_to": last}
            if area:
                spec["area"] = area
            if activity:
                spec["activity"] = activity
            grid[(first, last, area, activity)] = selectors.pivot(
                user=w.viewer,
                operation=w.operation,
                rows_by=["admin2"],
                filters=_filters(spec, sensitive),
            )
        pairs = 0
        for big, small in itertools.permutations(grid, 2):
            if contains(big, small):
                pairs += 1
                assert_no_small(grid[big])
                assert_no_small_difference(grid[big], grid[small], (rule, big, small))
        assert pairs > 50
