"""5W reads: who sees which rows, the counting rule, the pivot, presence, coverage and gaps."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutela.activities import selectors
from tutela.activities.models import ActivitySettings, Submission
from tutela.activities.selectors import pivots
from tutela.activities.tests.analysis_fixtures import (  # noqa: F401
    FEB,
    JAN,
    MAR,
    FiveW,
    add_planning,
    add_row,
    five_w_fixture,
    hide_names_in,
    set_rule,
)
from tutela.conftest import make_area, make_user
from tutela.core.disclosure import exposed_cells
from tutela.core.models import OperationRole
from tutela.core.models.roles import Role

Rule = ActivitySettings.CumulativeRule


def totals(rows) -> list[int]:  # noqa: ANN001
    return sorted(rows.values_list("total", flat=True))


# --- Visibility ----------------------------------------------------------------------------------


def test_partner_sees_own_rows_at_any_status_and_validated_rows_of_others(five_w: FiveW) -> None:
    w = five_w.world
    rows = selectors.visible_rows(w.partner, w.operation)
    # AMSS: 10, 30 and the draft 20; OTHER: 40 (validated); DRC: 50.
    assert totals(rows) == [10, 20, 30, 40, 50]


def test_partner_does_not_see_other_organisations_unvalidated_rows(five_w: FiveW) -> None:
    w = five_w.world
    rows = selectors.visible_rows(w.partner, w.operation)
    assert not rows.filter(organisation=w.other_org, submission__status="submitted").exists()
    assert not rows.exclude(organisation=w.amss).exclude(submission__status="validated").exists()


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_cluster_wide_roles_see_every_row(five_w: FiveW, persona: str) -> None:
    w = five_w.world
    assert totals(selectors.visible_rows(getattr(w, persona), w.operation)) == [
        7,
        10,
        20,
        30,
        40,
        50,
    ]


@pytest.mark.parametrize("persona", ["viewer", "caseworker"])
def test_other_roles_see_validated_rows_only(five_w: FiveW, persona: str) -> None:
    w = five_w.world
    assert totals(selectors.visible_rows(getattr(w, persona), w.operation)) == [10, 30, 40, 50]


@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_users_without_a_role_see_nothing(five_w: FiveW, persona: str) -> None:
    w = five_w.world
    assert not selectors.visible_rows(getattr(w, persona), w.operation).exists()
    result = selectors.pivot(user=getattr(w, persona), operation=w.operation, rows_by=["admin1"])
    assert result.rows == []
    assert result.totals["total"] == 0


def test_sensitive_rows_of_other_organisations_are_aggregated_but_never_listed(
    five_w: FiveW,
) -> None:
    w = five_w.world
    add_row(w, w.drc, "GBV-CM", five_w.areas["ML0502"], JAN, bands=(3, 0, 4, 0, 0, 0))
    add_row(w, w.amss, "GBV-CM", five_w.areas["ML0501"], JAN, bands=(2, 0, 2, 0, 0, 0))

    listed = selectors.listable_rows(w.partner, w.operation)
    assert set(
        listed.filter(activity__code="GBV-CM").values_list("organisation__acronym", flat=True)
    ) == {"AMSS"}
    assert (
        selectors.visible_rows(w.partner, w.operation).filter(activity__code="GBV-CM").count() == 2
    )
    assert (
        selectors.listable_rows(w.coordinator, w.operation).filter(activity__code="GBV-CM").count()
        == 2
    )


# --- Counting rule -------------------------------------------------------------------------------


@pytest.fixture
def months_of_one_partner(five_w: FiveW) -> FiveW:
    """One more organisation-free setup: DRC reports awareness in Djenné for three months
    (A: 10, 30, 20) and in Bandiagara for two (B: 9, 4)."""
    w = five_w.world
    djenne, bandiagara = five_w.areas["ML0502"], five_w.areas["ML0501"]
    add_row(w, w.drc, "PRO-AWA", djenne, JAN, bands=(1, 2, 3, 4, 0, 0))
    add_row(w, w.drc, "PRO-AWA", djenne, FEB, bands=(5, 5, 10, 10, 0, 0))
    add_row(w, w.drc, "PRO-AWA", djenne, MAR, bands=(5, 5, 5, 5, 0, 0))
    add_row(w, w.drc, "PRO-AWA", bandiagara, JAN, bands=(2, 2, 2, 3, 0, 0))
    add_row(w, w.drc, "PRO-AWA", bandiagara, FEB, bands=(1, 1, 1, 1, 0, 0))
    return five_w


def awareness(five_w: FiveW, rows_by: list[str]) -> selectors.PivotResult:
    w = five_w.world
    return selectors.pivot(
        user=w.coordinator,
        operation=w.operation,
        rows_by=rows_by,
        filters={"activity": w.operation.activities.get(code="PRO-AWA"), "organisation": w.drc},
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # Highest month per key: 30 (Feb) + 9 (Jan).
        (Rule.MAX_MONTH, 39),
        # Latest month per key: 20 (Mar) + 4 (Feb).
        (Rule.LATEST, 24),
        # Months add up: 10 + 30 + 20 + 9 + 4.
        (Rule.NEW_ONLY, 73),
    ],
)
def test_cumulative_rule_gives_the_hand_computed_total(
    months_of_one_partner: FiveW, rule: str, expected: int
) -> None:
    set_rule(months_of_one_partner.world, rule)
    result = awareness(months_of_one_partner, [])
    assert result.totals["total"] == expected
    assert result.rule == rule


def test_max_month_takes_the_whole_row_of_the_highest_month(months_of_one_partner: FiveW) -> None:
    set_rule(months_of_one_partner.world, Rule.MAX_MONTH)
    result = awareness(months_of_one_partner, ["admin2"])
    by_area = {row.codes[0]: row.values for row in result.rows}
    # Djenné: February's row (5, 5, 10, 10); Bandiagara: January's (2, 2, 2, 3).
    assert by_area["ML0502"] | {} == {
        "girls": 5,
        "boys": 5,
        "women": 10,
        "men": 10,
        "older_women": 0,
        "older_men": 0,
        "total": 30,
        "with_disability": 0,
        "quantity": 0,
    }
    assert by_area["ML0501"]["total"] == 9
    assert by_area["ML0501"]["men"] == 3
    bands = [result.totals[m] for m in ("girls", "boys", "women", "men")]
    assert sum(bands) == result.totals["total"] == 39


def test_latest_rule_takes_the_latest_month_per_key(months_of_one_partner: FiveW) -> None:
    set_rule(months_of_one_partner.world, Rule.LATEST)
    result = awareness(months_of_one_partner, ["admin2"])
    assert {row.codes[0]: row.values["total"] for row in result.rows} == {
        "ML0501": 4,
        "ML0502": 20,
    }


@pytest.mark.parametrize("rule", [Rule.MAX_MONTH, Rule.LATEST, Rule.NEW_ONLY])
def test_months_are_never_added_up_in_a_table_by_month(
    months_of_one_partner: FiveW, rule: str
) -> None:
    set_rule(months_of_one_partner.world, rule)
    result = awareness(months_of_one_partner, ["month"])
    assert [(row.codes[0], row.values["total"]) for row in result.rows] == [
        ("2026-01", 19),
        ("2026-02", 34),
        ("2026-03", 20),
    ]
    assert result.by_month
    assert "not added up across months" in result.rule_text
    # The totals row is the figure over the period by the rule, not 19 + 34 + 20.
    assert result.totals["total"] == {Rule.MAX_MONTH: 39, Rule.LATEST: 24, Rule.NEW_ONLY: 73}[rule]
    assert result.totals_over_period == (rule != Rule.NEW_ONLY)


def test_the_rule_is_stated_in_words(five_w: FiveW) -> None:
    w = five_w.world
    result = selectors.pivot(user=w.coordinator, operation=w.operation, rows_by=["activity"])
    assert "the month with the most people reached is counted once" in result.rule_text
    set_rule(w, Rule.NEW_ONLY)
    result = selectors.pivot(user=w.coordinator, operation=w.operation, rows_by=["activity"])
    assert "months are added up" in result.rule_text


def test_month_range_limits_the_months_the_rule_looks_at(months_of_one_partner: FiveW) -> None:
    w = months_of_one_partner.world
    result = selectors.pivot(
        user=w.coordinator,
        operation=w.operation,
        rows_by=["admin2"],
        filters={
            "activity": w.operation.activities.get(code="PRO-AWA"),
            "month_from": MAR,
            "month_to": MAR,
        },
    )
    assert [(row.codes[0], row.values["total"]) for row in result.rows] == [("ML0502", 20)]


# --- Pivot ---------------------------------------------------------------------------------------


def test_pivot_groups_by_dimensions_and_names_them(five_w: FiveW) -> None:
    w = five_w.world
    result = selectors.pivot(
        user=w.partner, operation=w.operation, rows_by=["admin2", "organisation"]
    )
    assert result.dim_labels == ["Cercle", "Organisation"]
    assert [(r.codes, r.labels, r.values["total"]) for r in result.rows] == [
        (["ML0501", "AMSS"], ["Bandiagara", "AMSS"], 30),
        (["ML0501", "DRC"], ["Bandiagara", "DRC"], 50),
        (["ML0502", "OTHER"], ["Djenné", "OTHER"], 40),
    ]
    assert result.totals["total"] == 120
    assert not result.suppressed


def test_pivot_labels_every_dimension(five_w: FiveW) -> None:
    w = five_w.world
    for dim in selectors.DIMENSIONS:
        result = selectors.pivot(user=w.coordinator, operation=w.operation, rows_by=[dim])
        assert result.rows, dim
        assert all(label for row in result.rows for label in row.labels), dim
    result = selectors.pivot(
        user=w.coordinator, operation=w.operation, rows_by=["organisation_type", "body"]
    )
    assert {tuple(r.codes) for r in result.rows} == {("nngo", "PRO"), ("ingo", "PRO")}


def test_pivot_filters(five_w: FiveW) -> None:
    w, areas = five_w.world, five_w.areas

    def total(**filters: object) -> int | None:
        return selectors.pivot(
            user=w.coordinator, operation=w.operation, rows_by=[], filters=filters
        ).totals["total"]

    assert total() == 127
    assert total(organisation=w.other_org) == 47
    assert total(area=areas["ML05"]) == 120
    assert total(area=areas["ML0501"]) == 80
    assert total(month_from=FEB, month_to=FEB) == 87
    assert total(validated_only=True) == 120
    assert total(population_group=w.operation.population_groups.get(code="REF")) == 0
    assert total(body=w.cluster) == 127
    assert total(body=w.cp_aor) == 0


def test_pivot_query_count_is_bounded_and_independent_of_rows(
    five_w: FiveW, django_assert_max_num_queries
) -> None:  # noqa: ANN001
    w = five_w.world
    dims = ["admin2", "activity", "organisation"]
    # 12, plus the SummaryState reads of selectors.disclosure's atoms cache key.
    with django_assert_max_num_queries(14):
        selectors.pivot(user=w.partner, operation=w.operation, rows_by=dims)
    w.partner = type(w.partner).objects.get(pk=w.partner.pk)
    with CaptureQueriesContext(connection) as few:
        selectors.pivot(user=w.partner, operation=w.operation, rows_by=dims)
    for code in ("PRO-CM", "PRO-LEG", "PRO-CBP", "PRO-REF", "PRO-MON"):
        for month in (JAN, FEB, MAR):
            add_row(w, w.unhcr, code, five_w.areas["ML0502"], month, bands=(5, 5, 5, 5, 5, 5))
    w.partner = type(w.partner).objects.get(pk=w.partner.pk)
    with CaptureQueriesContext(connection) as many:
        result = selectors.pivot(user=w.partner, operation=w.operation, rows_by=dims)
    assert len(result.rows) == 8
    assert len(many) == len(few)


# --- Small-count suppression ---------------------------------------------------------------------


@pytest.fixture
def sensitive(five_w: FiveW) -> FiveW:
    """Case management (sensitive) by DRC and UNHCR, with small counts."""
    w, areas = five_w.world, five_w.areas
    add_row(w, w.drc, "PRO-CM", areas["ML0501"], JAN, bands=(3, 1, 6, 2, 0, 0), with_disability=2)
    add_row(w, w.drc, "PRO-CM", areas["ML0502"], JAN, bands=(8, 7, 9, 6, 1, 0), with_disability=6)
    add_row(w, w.unhcr, "PRO-CM", areas["ML04"], JAN, bands=(12, 9, 20, 14, 2, 3))
    return five_w


def cm_pivot(five_w: FiveW, user) -> selectors.PivotResult:  # noqa: ANN001
    w = five_w.world
    return selectors.pivot(
        user=user,
        operation=w.operation,
        rows_by=["admin2"],
        filters={"activity": w.operation.activities.get(code="PRO-CM")},
    )


def test_partner_of_another_organisation_gets_small_counts_hidden(sensitive: FiveW) -> None:
    result = cm_pivot(sensitive, sensitive.world.partner)

    assert result.suppressed
    assert result.threshold == 5
    # DRC's small groups in Bandiagara (3 girls, 1 boy, 2 men, 2 with a disability) are pooled
    # with others or withheld: the cell shows a block or nothing (0), or is hidden.
    bandiagara = next(r for r in result.rows if r.codes[0] == "ML0501")
    for measure, small in (("girls", 3), ("boys", 1), ("men", 2), ("with_disability", 2)):
        assert bandiagara.values[measure] in (None, 0), (measure, small)
    visible = [
        v for row in result.rows for k, v in row.values.items() if k != "quantity" and v is not None
    ]
    visible += [v for k, v in result.totals.items() if k != "quantity" and v is not None]
    assert all(v == 0 or v >= 5 for v in visible)
    # Over a period, by the "month with the most people" rule, blocks are rounded down to
    # multiples of the threshold.
    assert result.rounded
    assert all(v % 5 == 0 for v in visible)
    # Nothing hidden can be worked out from what is shown (rows, columns and totals together).
    assert result.disclosure is not None
    assert exposed_cells(result.disclosure_values, result.disclosure) == set()


@pytest.mark.parametrize("persona", ["viewer", "other_partner", "caseworker"])
def test_every_role_outside_the_reporting_organisation_gets_suppression(
    sensitive: FiveW, persona: str
) -> None:
    assert cm_pivot(sensitive, getattr(sensitive.world, persona)).suppressed


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_cluster_wide_roles_see_small_counts(sensitive: FiveW, persona: str) -> None:
    result = cm_pivot(sensitive, getattr(sensitive.world, persona))
    assert not result.suppressed
    bandiagara = next(r for r in result.rows if r.codes[0] == "ML0501")
    assert bandiagara.values["girls"] == 3
    assert bandiagara.values["total"] == 12


def test_reporting_organisation_sees_its_own_sensitive_rows_unsuppressed(
    sensitive: FiveW,
) -> None:
    w = sensitive.world
    drc_partner = make_user("focal@drc.test", "Dina DRC", w.drc)
    OperationRole.objects.create(user=drc_partner, operation=w.operation, role=Role.PARTNER)
    result = selectors.pivot(
        user=drc_partner,
        operation=w.operation,
        rows_by=["admin2"],
        filters={"activity": w.operation.activities.get(code="PRO-CM"), "organisation": w.drc},
    )
    assert not result.suppressed
    assert result.rows[0].values["girls"] == 3


def test_tables_without_sensitive_activities_are_not_suppressed(five_w: FiveW) -> None:
    w = five_w.world
    add_row(w, w.drc, "PRO-AWA", five_w.areas["ML0502"], JAN, bands=(1, 1, 0, 0, 0, 0))
    result = selectors.pivot(
        user=w.viewer,
        operation=w.operation,
        rows_by=["admin2"],
        filters={"activity": w.operation.activities.get(code="PRO-AWA")},
    )
    assert not result.suppressed
    assert any(v == 1 for row in result.rows for v in row.values.values())


def test_a_too_detailed_suppressed_table_is_withheld(
    sensitive: FiveW, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pivots, "MAX_SUPPRESSED_ROWS", 1)
    result = cm_pivot(sensitive, sensitive.world.partner)
    assert result.too_detailed
    assert result.rows == []
    assert result.totals["total"] is None


# --- Partner names in insecure areas -------------------------------------------------------------


def test_presence_counts_partners_and_lists_their_acronyms(five_w: FiveW) -> None:
    w = five_w.world
    result = selectors.presence(user=w.partner, operation=w.operation, level=2)
    by_pcode = {a.pcode: a for a in result.areas}
    assert by_pcode["ML0501"].partners == 2
    assert by_pcode["ML0501"].organisations == ["AMSS", "DRC"]
    assert by_pcode["ML0502"].organisations == ["OTHER"]
    assert result.hidden_areas == 0


def test_presence_counts_the_implementing_partner(five_w: FiveW) -> None:
    w = five_w.world
    add_row(
        w,
        w.unhcr,
        "PRO-LEG",
        five_w.areas["ML0502"],
        JAN,
        bands=(5, 5, 5, 5, 0, 0),
        implementing_partner=w.amss,
    )
    result = selectors.presence(user=w.coordinator, operation=w.operation, level=2)
    djenne = next(a for a in result.areas if a.pcode == "ML0502")
    assert djenne.organisations == ["AMSS", "OTHER"]


@pytest.mark.parametrize("persona", ["partner", "viewer", "other_partner"])
def test_partner_names_are_hidden_in_insecure_areas_and_inside_them(
    five_w: FiveW, persona: str
) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML05"])
    for level, pcode in ((1, "ML05"), (2, "ML0501"), (2, "ML0502")):
        result = selectors.presence(user=getattr(w, persona), operation=w.operation, level=level)
        area = next(a for a in result.areas if a.pcode == pcode)
        assert area.organisations is None
        assert area.partners >= 1
    result = selectors.presence(user=getattr(w, persona), operation=w.operation, level=1)
    assert next(a for a in result.areas if a.pcode == "ML04").organisations is not None


@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_managers_see_partner_names_in_insecure_areas(five_w: FiveW, persona: str) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML05"])
    result = selectors.presence(user=getattr(w, persona), operation=w.operation, level=2)
    assert next(a for a in result.areas if a.pcode == "ML0501").organisations == ["AMSS", "DRC"]


def test_pivot_by_organisation_does_not_name_partners_in_insecure_areas(five_w: FiveW) -> None:
    w = five_w.world
    hide_names_in(w, five_w.areas["ML0501"])
    result = selectors.pivot(user=w.viewer, operation=w.operation, rows_by=["organisation"])
    assert result.names_hidden
    assert [(r.labels[0], r.values["total"]) for r in result.rows] == [
        ("OTHER", 40),
        ("Partner not named (insecure area)", 80),
    ]
    managers = selectors.pivot(user=w.imo, operation=w.operation, rows_by=["organisation"])
    assert not managers.names_hidden
    assert [r.labels[0] for r in managers.rows] == ["AMSS", "DRC", "OTHER"]


# --- Coverage and gaps ---------------------------------------------------------------------------


def test_coverage_compares_reached_with_targeted_and_people_in_need(five_w: FiveW) -> None:
    w, areas = five_w.world, five_w.areas
    add_planning(w, areas["ML0501"], pin=150, targeted=80, severity=4)
    add_planning(w, areas["ML0501"], pin=50, targeted=20, severity=3, group="HST")
    result = selectors.coverage(user=w.partner, operation=w.operation, level=2)
    bandiagara = next(a for a in result.areas if a.pcode == "ML0501")
    assert result.has_planning
    assert result.year == 2026
    assert (bandiagara.reached, bandiagara.targeted, bandiagara.people_in_need) == (80, 100, 200)
    assert bandiagara.pct_pin == 40.0
    assert bandiagara.pct_targeted == 80.0
    assert bandiagara.severity == 4
    assert bandiagara.partners == 2
    djenne = next(a for a in result.areas if a.pcode == "ML0502")
    assert djenne.people_in_need is None
    assert djenne.pct_pin is None


def test_coverage_filtered_by_population_group(five_w: FiveW) -> None:
    w, areas = five_w.world, five_w.areas
    add_planning(w, areas["ML0501"], pin=150, severity=4)
    add_planning(w, areas["ML0501"], pin=50, severity=3, group="HST")
    host = w.operation.population_groups.get(code="HST")
    result = selectors.coverage(
        user=w.coordinator, operation=w.operation, level=2, population_group=host
    )
    bandiagara = next(a for a in result.areas if a.pcode == "ML0501")
    assert (bandiagara.reached, bandiagara.people_in_need) == (0, 50)


def test_region_coverage_adds_up_cercle_figures_where_the_region_has_none(five_w: FiveW) -> None:
    w, areas = five_w.world, five_w.areas
    add_planning(w, areas["ML0501"], pin=200, severity=4)
    add_planning(w, areas["ML0502"], pin=300, severity=5)
    result = selectors.coverage(user=w.coordinator, operation=w.operation, level=1)
    mopti = next(a for a in result.areas if a.pcode == "ML05")
    assert (mopti.people_in_need, mopti.severity, mopti.reached) == (500, 5, 120)
    # A figure given for the region itself wins over its cercles'.
    add_planning(w, areas["ML05"], pin=1000, severity=4)
    result = selectors.coverage(user=w.coordinator, operation=w.operation, level=1)
    assert next(a for a in result.areas if a.pcode == "ML05").people_in_need == 1000


def test_aor_people_in_need_are_not_added_to_the_clusters(five_w: FiveW) -> None:
    w, areas = five_w.world, five_w.areas
    add_planning(w, areas["ML0501"], pin=200, severity=4)
    add_planning(w, areas["ML0501"], pin=90, severity=4, body=w.cp_aor)
    overall = selectors.coverage(user=w.coordinator, operation=w.operation, level=2)
    assert next(a for a in overall.areas if a.pcode == "ML0501").people_in_need == 200
    child = selectors.coverage(user=w.coordinator, operation=w.operation, level=2, body=w.cp_aor)
    assert next(a for a in child.areas if a.pcode == "ML0501").people_in_need == 90


def test_coverage_without_planning_figures(five_w: FiveW) -> None:
    w = five_w.world
    result = selectors.coverage(user=w.coordinator, operation=w.operation, level=2)
    assert not result.has_planning
    assert all(a.pct_pin is None for a in result.areas)


@pytest.fixture
def planned(five_w: FiveW) -> FiveW:
    """Severity and PiN: Bandiagara 4 (PiN 200, reached 80 = 40%), Djenné 4 (PiN 1000, reached 40
    = 4%), Bankass 5 (no partner), Koro 2 (no partner, low severity)."""
    w, areas = five_w.world, five_w.areas
    areas["ML0503"] = make_area("ML0503", "Bankass", 2, areas["ML05"])
    areas["ML0505"] = make_area("ML0505", "Koro", 2, areas["ML05"])
    add_planning(w, areas["ML0501"], pin=200, severity=4)
    add_planning(w, areas["ML0502"], pin=1000, severity=4)
    add_planning(w, areas["ML0503"], pin=500, severity=5)
    add_planning(w, areas["ML0505"], pin=500, severity=2)
    return five_w


def test_gaps_are_severe_areas_with_low_coverage_or_no_partner(planned: FiveW) -> None:
    w = planned.world
    result = selectors.gaps(user=w.partner, operation=w.operation, level=2)
    assert [(g.area.pcode, g.reasons) for g in result.gaps] == [
        ("ML0503", ["No partner reports activities here."]),
        ("ML0502", ["People reached cover 4.0% of the people in need (below 25%)."]),
    ]
    assert result.threshold_pct == 25


def test_gap_threshold_is_a_parameter(planned: FiveW) -> None:
    w = planned.world
    result = selectors.gaps(user=w.partner, operation=w.operation, level=2, threshold_pct=50)
    assert [g.area.pcode for g in result.gaps] == ["ML0503", "ML0502", "ML0501"]


def test_gaps_sorted_by_severity_then_coverage(planned: FiveW) -> None:
    w, areas = planned.world, planned.areas
    areas["ML0504"] = make_area("ML0504", "Douentza", 2, areas["ML05"])
    add_planning(w, areas["ML0504"], pin=100, severity=4)
    add_row(w, w.drc, "PRO-PSS", areas["ML0504"], JAN, bands=(1, 1, 1, 1, 1, 1))
    result = selectors.gaps(user=w.coordinator, operation=w.operation, level=2)
    # Severity 5 first; then the two severity-4 gaps, least covered (Djenné 4%) before 6%.
    assert [g.area.pcode for g in result.gaps] == ["ML0503", "ML0502", "ML0504"]


def test_submission_status_matters_for_coverage(five_w: FiveW) -> None:
    w, areas = five_w.world, five_w.areas
    add_planning(w, areas["ML04"], pin=100, severity=3)
    # OTHER's Ségou row (7 people) is only submitted: managers count it, the viewer does not.
    coordinator = selectors.coverage(user=w.coordinator, operation=w.operation, level=1)
    viewer = selectors.coverage(user=w.viewer, operation=w.operation, level=1)
    assert next(a for a in coordinator.areas if a.pcode == "ML04").reached == 7
    assert next(a for a in viewer.areas if a.pcode == "ML04").reached == 0
    assert Submission.objects.filter(status="submitted").count() == 1
