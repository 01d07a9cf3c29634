"""Disclosure control of the monitoring framework: reached against target (by indicator, and for
one indicator by area, population group and month) is built from the 5W's safe atoms, like the
5W pivot, so that no count of rows a user may not see one by one (sensitive activities of other
organisations) between 1 and threshold - 1 can be recovered by differencing two framework views
(an indicator and one linked to more activities, an area and its child areas, the indicator and
one of its areas) or a framework figure and the 5W pivot's — the property of
tutela/activities/tests/test_disclosure_5w.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutela.activities import selectors as fivew_selectors
from tutela.activities.models import Activity, ActivitySettings, SummaryState
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.summaries import summaries_invalidate, summaries_rebuild
from tutela.activities.tests.analysis_fixtures import JAN, add_row, set_rule
from tutela.conftest import World, make_area
from tutela.core.models import AdminArea
from tutela.core.pcodes import name_key
from tutela.planning.models import Objective, Plan, PlanIndicator
from tutela.planning.selectors import plans as selectors
from tutela.planning.services import plans as services

pytestmark = pytest.mark.django_db
FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)
T = 5
RULES = [c.value for c in ActivitySettings.CumulativeRule]
# Plan indicators and the 5W activities each is linked to: every one a superset of the one before.
LINKS = {
    "CM": ("PRO-CM",),
    "CM2": ("PRO-CM", "CP-CM"),
    "CM3": ("PRO-CM", "CP-CM", "GBV-CM"),
}
CHILDREN = {
    "ML05": ("ML0501", "ML0502"),
    "ML0501": ("ML050101", "ML050102"),
    "ML0502": ("ML050201",),
}


@dataclass
class Framework:
    world: World
    areas: dict[str, AdminArea]
    plan: Plan
    indicators: dict[str, PlanIndicator]


@pytest.fixture
def framework(world: World, areas: dict[str, AdminArea]) -> Framework:
    """The world operation with its catalogue and communes, a 2026 plan whose indicators are
    linked to sensitive activities (LINKS), and no 5W row yet."""
    catalogue_seed(operation=world.operation)
    extra = {
        "ML050101": make_area("ML050101", "Bandiagara Commune", 3, areas["ML0501"]),
        "ML050102": make_area("ML050102", "Dandoli", 3, areas["ML0501"]),
        "ML050201": make_area("ML050201", "Djenné Commune", 3, areas["ML0502"]),
    }
    plan = services.plan_create(
        operation=world.operation,
        by=world.coordinator,
        year=2026,
        title="Plan 2026",
        body=world.cluster,
        code="HMLI26",
    )
    objective = services.objective_create(
        plan=plan,
        by=world.coordinator,
        kind=Objective.Kind.CLUSTER,
        code="CO1",
        name_en="Case management",
        name_fr="Gestion de cas",
    )
    indicators = {
        code: services.indicator_create(
            plan=plan,
            by=world.coordinator,
            objective=objective,
            code=code,
            name_en=f"People in case management ({code})",
            name_fr=f"Personnes en gestion de cas ({code})",
            target=500,
            activities=list(Activity.objects.filter(operation=world.operation, code__in=codes)),
        )
        for code, codes in LINKS.items()
    }
    return Framework(world=world, areas={**areas, **extra}, plan=plan, indicators=indicators)


def views(f: Framework, user: Any) -> dict[tuple[Any, ...], int | None]:
    """Every figure the framework pages and API publish to `user`, and the 5W pivot's by activity
    over the plan's year, by name."""
    out: dict[tuple[Any, ...], int | None] = {}
    for row in selectors.plan_framework(user=user, plan=f.plan).rows:
        out[("framework", row.indicator.code)] = row.reached
    for code, indicator in f.indicators.items():
        indicator = selectors.indicator_get(f.plan, indicator.pk)
        for dim, level in (("area", 1), ("area", 2), ("area", 3), ("population_group", None)):
            breakdown = selectors.indicator_breakdown(
                user=user, indicator=indicator, dim=dim, level=level
            )
            for r in breakdown.rows:
                out[(dim, level, code, r.code)] = r.reached
            out[(dim, level, code, "total")] = breakdown.total
        for r in selectors.indicator_breakdown(user=user, indicator=indicator, dim="month").rows:
            out[("month", code, r.code)] = r.reached
    pivot = fivew_selectors.pivot(
        user=user,
        operation=f.world.operation,
        rows_by=["activity"],
        filters={"month_from": JAN, "month_to": datetime.date(2026, 12, 1)},
        measures=("total",),
    )
    for prow in pivot.rows:
        out[("pivot", prow.codes[0])] = prow.values["total"]
    return out


def differences(figures: dict[tuple[Any, ...], int | None]) -> list[tuple[Any, int, int]]:
    """(what, a, b) for every pair of published figures of which one counts a subset of the
    other's rows: a user subtracting b from a learns the rows in one and not the other."""
    pairs: list[tuple[Any, Any]] = []
    codes = list(LINKS)
    for bigger, smaller in zip(codes[1:], codes, strict=False):
        pairs.append((("framework", bigger), ("framework", smaller)))
    pairs.append((("framework", "CM"), ("pivot", "PRO-CM")))
    for code in codes:
        whole = ("framework", code)
        for key in figures:
            if key[0] in ("area", "population_group") and key[2] == code:
                pairs.append((whole, key))
        for parent, children in CHILDREN.items():
            level = len(parent) // 2 - 1
            for child in children:
                pairs.append((("area", level, code, parent), ("area", level + 1, code, child)))
    out = []
    for a, b in pairs:
        va, vb = figures.get(a), figures.get(b)
        if va is None or vb is None:
            continue
        out.append(((a, b), va, vb))
    # An area against the sum of its child areas, where all of them are published.
    for code in codes:
        for parent, children in CHILDREN.items():
            level = len(parent) // 2 - 1
            parent_value = figures.get(("area", level, code, parent))
            values = [figures.get(("area", level + 1, code, c), 0) for c in children]
            if parent_value is not None and all(v is not None for v in values):
                out.append(((code, parent, "children"), parent_value, sum(v or 0 for v in values)))
    return out


def assert_safe(figures: dict[tuple[Any, ...], int | None], context: Any) -> None:
    for name, value in figures.items():
        assert value is None or value == 0 or value >= T, (context, name, value)
    for what, a, b in differences(figures):
        assert a - b == 0 or abs(a - b) >= T, (context, what, a, b)


# --- The attack, by hand ------------------------------------------------------------------------


def test_two_indicators_do_not_reveal_a_small_activity(framework: Framework) -> None:
    """A donor reads the framework: "case management" (PRO-CM) and "case management, all"
    (PRO-CM and CP-CM). The 3 children in CP-CM of another organisation were their difference."""
    w, areas = framework.world, framework.areas
    for rule in RULES:
        with transaction.atomic():
            set_rule(w, rule)
            add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(10, 10, 10, 10, 5, 5))
            add_row(w, w.drc, "CP-CM", areas["ML0501"], JAN, bands=(2, 1, 0, 0, 0, 0))
            figures = views(framework, w.viewer)
            assert figures[("framework", "CM")] == 50
            assert_safe(figures, rule)
            transaction.set_rollback(True)


def test_an_area_minus_a_child_area_does_not_reveal_a_sibling(framework: Framework) -> None:
    w, areas = framework.world, framework.areas
    add_row(w, w.drc, "PRO-CM", areas["ML050101"], JAN, bands=(20, 15, 30, 12, 6, 5))
    add_row(w, w.drc, "PRO-CM", areas["ML050102"], JAN, bands=(2, 1, 0, 0, 0, 0))
    figures = views(framework, w.viewer)
    assert_safe(figures, "area")
    # The coordinator sees every row one by one: no control, exact figures.
    exact = views(framework, w.coordinator)
    assert exact[("area", 3, "CM", "ML050102")] == 3
    assert exact[("framework", "CM")] == 91


def test_the_framework_and_the_5w_pivot_agree(framework: Framework) -> None:
    """An indicator linked to one activity shows the 5W pivot's figure for it, blocks and all."""
    w, areas = framework.world, framework.areas
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(10, 10, 10, 10, 5, 5))
    add_row(w, w.unhcr, "PRO-CM", areas["ML0502"], FEB, bands=(2, 0, 1, 0, 0, 0))
    add_row(w, w.other_org, "CP-CM", areas["ML0502"], FEB, bands=(1, 0, 0, 0, 0, 0))
    for rule in RULES:
        set_rule(w, rule)
        figures = views(framework, w.viewer)
        assert figures[("framework", "CM")] == figures[("pivot", "PRO-CM")], rule
        assert_safe(figures, rule)


def test_small_groups_pooled_across_groups_are_shown_on_their_own_line(
    framework: Framework,
) -> None:
    """3 and 4 girls of two population groups, pooled across the group into a block of 7: on a
    "Pooled small groups" line of the breakdown by population group, so that it adds up."""
    w, areas = framework.world, framework.areas
    set_rule(w, ActivitySettings.CumulativeRule.NEW_ONLY)
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, "IDP", bands=(3, 0, 0, 0, 0, 0))
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, "REF", bands=(4, 0, 0, 0, 0, 0))
    indicator = selectors.indicator_get(framework.plan, framework.indicators["CM"].pk)
    breakdown = selectors.indicator_breakdown(
        user=w.viewer, indicator=indicator, dim="population_group"
    )
    rows = {r.code: (r.label, r.reached) for r in breakdown.rows}
    assert rows["*"] == ("Pooled small groups", 7)
    assert all(reached == 0 for code, (_l, reached) in rows.items() if code != "*")
    assert breakdown.total == 7
    assert breakdown.suppressed
    by_area = selectors.indicator_breakdown(user=w.viewer, indicator=indicator, dim="area", level=2)
    assert {r.code: r.reached for r in by_area.rows}["ML0501"] == 7


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
    max_size=12,
    unique_by=lambda r: r[:5],
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows_strategy, rule=st.sampled_from(RULES))
def test_no_two_framework_views_differ_by_a_small_count(
    framework: Framework, rows: list[tuple[Any, ...]], rule: str
) -> None:
    """Whatever the sensitive rows of other organisations, no figure the framework publishes to
    a donor is between 1 and threshold - 1, and no two of its figures that count nested sets of
    rows (nor a framework figure and the 5W pivot's) differ by between 1 and threshold - 1."""
    w = framework.world
    with transaction.atomic():
        set_rule(w, rule)
        for org, activity, place, month, group, bands in rows:
            add_row(w, getattr(w, org), activity, framework.areas[place], month, group, bands=bands)
        assert_safe(views(framework, w.viewer), (rule, rows))
        transaction.set_rollback(True)


# --- From the summary tables, and cached ------------------------------------------------


def test_summary_tables_give_the_same_figures_and_results_are_cached_per_version(
    framework: Framework, settings: Any
) -> None:
    """With fresh 5W summary tables the framework reads them (the same figures as from the 5W
    rows, blocks included) and caches each result under the tables' data version: a write that
    changes the 5W (which bumps the version) is seen at once, nothing else is recomputed."""
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 1
    cache.clear()
    w, areas = framework.world, framework.areas
    add_row(w, w.drc, "PRO-CM", areas["ML050101"], JAN, bands=(20, 15, 30, 12, 6, 5))
    add_row(w, w.unhcr, "PRO-CM", areas["ML050102"], FEB, bands=(2, 1, 0, 0, 0, 0))
    add_row(w, w.other_org, "CP-CM", areas["ML0502"], FEB, "REF", bands=(9, 6, 0, 0, 0, 0))
    from_rows = {who: views(framework, getattr(w, who)) for who in ("viewer", "coordinator")}
    summaries_rebuild(operation=w.operation, force=True)
    assert SummaryState.objects.get(operation=w.operation).enabled
    for who, expected in from_rows.items():
        user = getattr(w, who)
        assert views(framework, user) == expected, who
        assert all(
            s.startswith("summary:")
            for s in selectors.plan_framework(user=user, plan=framework.plan).sources
        )
    coordinator = from_rows["coordinator"][("framework", "CM")]
    assert coordinator == 91
    # A row written behind the services' back (no version bump) is not seen: the cached result
    # (and the summary tables) stand for the version they were made from.
    add_row(w, w.drc, "PRO-CM", areas["ML0502"], MAR, bands=(10, 0, 0, 0, 0, 0))
    assert views(framework, w.coordinator)[("framework", "CM")] == coordinator
    # Every 5W write bumps the version: the next read rebuilds the tables (in the background;
    # here the task runs at once) and computes afresh.
    summaries_invalidate(operation=w.operation)
    assert views(framework, w.coordinator)[("framework", "CM")] == coordinator + 10
    assert_safe(views(framework, w.viewer), "after the write")


# --- The hidden rows' atoms from the summary tables' picks (planperf) ----------------------------


def with_site(row: Any, site: str) -> None:
    """Put a 5W row at a site (its key as the 5W computes it for a name without a code)."""
    type(row).objects.filter(pk=row.pk).update(site=site, site_key=name_key(site))


def test_figures_by_hand_from_the_rows_and_from_the_picks(
    framework: Framework, settings: Any
) -> None:
    """The framework's figures for a partner (AMSS) and a coordinator, computed by hand, are the
    same from the 5W rows and from the summary tables; with fresh tables the partner's blocks of
    other organisations' sensitive rows come from the tables' picks (no 5W row read), and the
    site stays part of the atoms: DRC's 4 girls at a site of their own are a small atom, withheld,
    not added to the 6 girls of its other row (merged into 10 girls, the partner would see 19,
    not 14)."""
    w, areas = framework.world, framework.areas
    set_rule(w, ActivitySettings.CumulativeRule.MAX_MONTH)
    add_row(w, w.amss, "PRO-CM", areas["ML050101"], JAN, bands=(3, 1, 0, 0, 0, 0))
    add_row(w, w.drc, "PRO-CM", areas["ML050101"], JAN, bands=(6, 5, 0, 0, 0, 0))
    add_row(w, w.drc, "PRO-CM", areas["ML050101"], FEB, bands=(5, 5, 0, 0, 0, 0))
    with_site(add_row(w, w.drc, "PRO-CM", areas["ML050101"], MAR, bands=(4, 0, 0, 0, 0, 0)), "A")
    add_row(w, w.unhcr, "CP-CM", areas["ML0502"], FEB, bands=(0, 0, 10, 0, 0, 0))
    # Coordinator: every row; per key the month with the most people (DRC: January's 11).
    # Partner: its own 4; DRC's January as blocks of 6 girls and 5 boys, brought down to
    # multiples of the threshold (5 + 5: figures over the year under a rule that picks a month);
    # DRC's 4 girls at site A withheld (smaller than the threshold of 5 whatever they are pooled
    # across); UNHCR's 10 women.
    by_hand = {
        "coordinator": {"CM": 4 + 11 + 4, "CM2": 4 + 11 + 4 + 10, "CM3": 4 + 11 + 4 + 10},
        "partner": {"CM": 4 + 10, "CM2": 4 + 10 + 10, "CM3": 4 + 10 + 10},
    }
    cache.clear()
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 10_000
    from_rows = {}
    for who, expected in by_hand.items():
        user = getattr(w, who)
        framework_rows = selectors.plan_framework(user=user, plan=framework.plan)
        assert framework_rows.sources == ["rows"]
        assert {r.indicator.code: r.reached for r in framework_rows.rows} == expected, who
        from_rows[who] = views(framework, user)
    settings.ACTIVITY_SUMMARY_MIN_ROWS = 1
    summaries_rebuild(operation=w.operation, force=True)
    cache.clear()
    for who, expected in by_hand.items():
        user = getattr(w, who)
        with CaptureQueriesContext(connection) as queries:
            found = selectors.plan_framework(user=user, plan=framework.plan)
        assert all(s.startswith("summary:") for s in found.sources)
        assert {r.indicator.code: r.reached for r in found.rows} == expected, who
        # Nothing read from the 5W rows: the blocks too come from the summary tables.
        assert not [q for q in queries.captured_queries if "activities_activityreport" in q["sql"]]
        assert views(framework, user) == from_rows[who], who
