"""Row validation: every check names the row, the column and the bad value."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tutela.activities.models import Activity, ReportingRound
from tutela.activities.services.rows import report_rows_save
from tutela.activities.tests.import_fixtures import (  # noqa: F401
    Ops,
    numbered,
    ops_fixture,
    row,
)
from tutela.activities.validation import CleanRow, ReportContext, validate
from tutela.core.imports.problems import Problem
from tutela.core.models import Organisation

pytestmark = pytest.mark.django_db


def check(
    ops: Ops,
    *rows: dict[str, Any],
    by: Any = None,
    organisation: Organisation | None = None,
    body: Any = None,
) -> tuple[list[CleanRow], list[Problem]]:
    context = ReportContext.build(
        operation=ops.operation,
        organisation=organisation,
        by=by or ops.world.imo,
        body=body,
    )
    return validate(context, numbered(*rows), columns={})


def codes(problems: list[Problem]) -> list[tuple[int | None, str, str, str]]:
    return [(p.row, p.field, p.code, p.severity) for p in problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [p.message for p in problems]
    return problems[0]


def test_valid_row_is_resolved(ops: Ops) -> None:
    clean, problems = check(ops, row())
    assert problems == []
    (item,) = clean
    assert item.row == 2
    assert item.organisation_id == ops.world.amss.pk
    assert item.area_id == ops.areas["ML0501"].pk
    assert (item.admin1_id, item.admin2_id, item.admin3_id) == (
        ops.areas["ML05"].pk,
        ops.areas["ML0501"].pk,
        None,
    )
    assert item.month == datetime.date(2026, 3, 1)
    assert item.round_id == ops.march.pk
    assert item.body_id == ops.world.cluster.pk
    assert item.total == 27
    assert item.existing_id is None


# --- locations ---------------------------------------------------------------------------------


def test_unknown_pcode(ops: Ops) -> None:
    _clean, problems = check(ops, row(admin2_pcode="ML0599", admin2_name=""))
    problem = only(problems)
    assert (problem.row, problem.field, problem.code) == (2, "admin2_pcode", "unknown_pcode")
    assert problem.column == "Admin 2 P-code"
    assert "Row 2" in problem.message
    assert "ML0599" in problem.message


def test_pcode_at_the_wrong_level(ops: Ops) -> None:
    _clean, problems = check(ops, row(admin2_pcode="ML05", admin2_name=""))
    assert codes(problems) == [(2, "admin2_pcode", "wrong_level", "error")]
    assert "admin 1" in problems[0].message


def test_pcode_outside_its_parent(ops: Ops) -> None:
    _clean, problems = check(ops, row(admin1_pcode="ML04", admin1_name="Ségou"))
    assert codes(problems) == [(2, "admin2_pcode", "outside_parent", "error")]
    assert "ML04" in problems[0].message


def test_name_not_matching_its_pcode_is_a_warning_with_the_suggested_match(ops: Ops) -> None:
    clean, problems = check(ops, row(admin2_name="Djenné"))
    problem = only(problems)
    assert (problem.field, problem.code, problem.severity) == (
        "admin2_name",
        "name_mismatch",
        "warning",
    )
    assert problem.suggestion == "ML0502 Djenné"
    assert "Bandiagara" in problem.message
    assert clean[0].area_id == ops.areas["ML0501"].pk


def test_misspelt_name_of_the_same_place_is_accepted_quietly(ops: Ops) -> None:
    clean, problems = check(ops, row(admin2_name="BANDIAGARRA"))
    assert problems == []
    assert clean[0].area_id == ops.areas["ML0501"].pk


def test_name_without_pcode_is_resolved_within_its_parent(ops: Ops) -> None:
    clean, problems = check(
        ops, row(admin2_pcode="", admin2_name="Djenné", admin3_name="Djenne commune")
    )
    assert problems == []
    assert clean[0].area_id == ops.areas["ML050201"].pk
    assert clean[0].admin2_id == ops.areas["ML0502"].pk


def test_fuzzy_name_is_resolved_with_a_warning(ops: Ops) -> None:
    clean, problems = check(ops, row(admin2_pcode="", admin2_name="Djene"))
    problem = only(problems)
    assert (problem.code, problem.severity) == ("fuzzy_name", "warning")
    assert problem.suggestion == "ML0502 Djenné"
    assert clean[0].area_id == ops.areas["ML0502"].pk


def test_ambiguous_name_is_an_error(ops: Ops) -> None:
    _clean, problems = check(ops, row(admin2_pcode="", admin2_name="", admin3_name="Sofara"))
    problem = only(problems)
    assert (problem.field, problem.code) == ("admin3_name", "ambiguous_name")
    assert "ML050103" in problem.message
    assert "ML050202" in problem.message
    # Inside its cercle the same name is clear.
    clean, problems = check(ops, row(admin3_name="Sofara"))
    assert problems == []
    assert clean[0].area_id == ops.areas["ML050103"].pk


def test_unknown_name_is_an_error(ops: Ops) -> None:
    _clean, problems = check(ops, row(admin2_pcode="", admin2_name="Atlantis"))
    assert codes(problems) == [(2, "admin2_name", "unknown_name", "error")]


def test_missing_location_is_an_error(ops: Ops) -> None:
    _clean, problems = check(
        ops, row(admin1_pcode="", admin1_name="", admin2_pcode="", admin2_name="")
    )
    assert codes(problems) == [(2, "admin1_pcode", "no_location", "error")]


def test_pcode_of_another_country_is_unknown(ops: Ops) -> None:
    _clean, problems = check(ops, row(admin1_pcode="CO", admin1_name="", admin2_pcode=""))
    assert codes(problems) == [(2, "admin1_pcode", "unknown_pcode", "error")]


# --- activities and codes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["PRO-PSS", "pro-pss", " PRO-PSS ", "PRO-PSS — Soutien psychosocial", "Psychosocial support"],
)
def test_activity_by_code_or_name(ops: Ops, value: str) -> None:
    clean, problems = check(ops, row(activity=value))
    assert problems == []
    assert clean[0].activity_id == Activity.objects.get(code="PRO-PSS").pk


def test_unknown_inactive_and_other_body_activities(ops: Ops) -> None:
    Activity.objects.filter(code="PRO-LEG").update(is_active=False)
    _clean, problems = check(
        ops,
        row(activity="NOPE", indicator=""),
        row(activity="PRO-LEG", indicator=""),
        row(activity="", indicator=""),
    )
    assert codes(problems) == [
        (2, "activity", "unknown_activity", "error"),
        (3, "activity", "inactive_activity", "error"),
        (4, "activity", "required", "error"),
    ]
    _clean, problems = check(ops, row(), body=ops.world.cp_aor)
    assert codes(problems) == [(2, "activity", "wrong_body", "error")]
    assert "PRO-CPN" in problems[0].message


def test_activity_of_another_operation_is_unknown(ops: Ops) -> None:
    from tutela.activities.services.catalogue import catalogue_seed
    from tutela.core.models import Body

    Body.objects.create(
        operation=ops.world.other_operation, name="Cluster Colombia", code="PRO", kind="cluster"
    )
    catalogue_seed(operation=ops.world.other_operation)
    Activity.objects.filter(operation=ops.world.other_operation, code="PRO-CM").update(
        code="CO-ONLY"
    )
    _clean, problems = check(ops, row(activity="CO-ONLY", indicator=""))
    assert codes(problems) == [(2, "activity", "unknown_activity", "error")]


def test_indicator_must_belong_to_the_activity(ops: Ops) -> None:
    clean, problems = check(
        ops,
        row(indicator="PRO-LEG-01"),
        row(indicator="", population_group="REF"),
        row(indicator="01", population_group="HST"),
    )
    assert codes(problems) == [(2, "indicator", "unknown_indicator", "error")]
    # Blank: the activity's only indicator; "01": its suffix.
    assert [c.indicator_id is not None for c in clean] == [True, True]


@pytest.mark.parametrize(
    "value",
    [
        "IDP",
        "idp",
        "Déplacés",
        "Internally displaced people",
        "Personnes déplacées internes",
        "PDI",
    ],
)
def test_population_group_codes_and_names(ops: Ops, value: str) -> None:
    clean, problems = check(ops, row(population_group=value))
    assert problems == []
    from tutela.core.models import PopulationGroup

    assert clean[0].population_group_id == PopulationGroup.objects.get(code="IDP").pk


def test_unknown_population_group(ops: Ops) -> None:
    _clean, problems = check(ops, row(population_group="Martiens"))
    assert codes(problems) == [(2, "population_group", "unknown_population_group", "error")]
    assert "IDP" in problems[0].message


def test_status_and_modality(ops: Ops) -> None:
    clean, problems = check(ops, row(status="En cours", modality="Équipe mobile"))
    assert problems == []
    assert (clean[0].status, clean[0].modality) == ("ongoing", "mobile")
    _clean, problems = check(ops, row(status="someday"))
    assert codes(problems) == [(2, "status", "unknown_status", "error")]
    Activity.objects.filter(code="PRO-PSS").update(modalities=["remote"])
    _clean, problems = check(ops, row(modality="mobile"))
    assert codes(problems) == [(2, "modality", "modality_not_allowed", "error")]


def test_implementing_partner(ops: Ops) -> None:
    clean, problems = check(
        ops,
        row(implementing_partner="drc"),
        row(implementing_partner="ZZZ", population_group="REF"),
    )
    assert codes(problems) == [(3, "implementing_partner", "unknown_partner", "warning")]
    assert clean[0].implementing_partner_id == ops.world.drc.pk
    assert clean[1].implementing_partner_id is None


# --- months, rounds and dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-03",
        "2026-03-01",
        "03/2026",
        "3/2026",
        "mars 2026",
        "March 2026",
        "Mar-26",
        "15/03/2026",
        datetime.date(2026, 3, 15),
        # A cell formatted as a date and time, as calamine reads it (no time zone).
        datetime.datetime(2026, 3, 1, 0, 0),  # noqa: DTZ001
        float((datetime.date(2026, 3, 10) - datetime.date(1899, 12, 30)).days),
    ],
)
def test_month_formats(ops: Ops, value: Any) -> None:
    clean, problems = check(ops, row(month=value))
    assert problems == []
    assert clean[0].month == datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("value", "code"), [("13/2026", "not_month"), ("June", "no_year"), ("soon", "not_month")]
)
def test_bad_months(ops: Ops, value: str, code: str) -> None:
    _clean, problems = check(ops, row(month=value))
    assert codes(problems) == [(2, "month", code, "error")]
    assert value in problems[0].message


def test_month_without_a_round(ops: Ops) -> None:
    _clean, problems = check(ops, row(month="2026-04"))
    assert codes(problems) == [(2, "month", "no_round", "error")]
    assert "2026-04" in problems[0].message


def test_closed_round_is_for_managers_only_and_locked_for_everyone(ops: Ops) -> None:
    partner = ops.world.partner
    _clean, problems = check(ops, row(month="2026-02"), by=partner)
    assert codes(problems) == [(2, "month", "round_closed", "error")]
    clean, problems = check(ops, row(month="2026-02"), by=ops.world.imo)
    assert problems == []
    assert clean[0].month == datetime.date(2026, 2, 1)
    _clean, problems = check(ops, row(month="2026-01"), by=ops.world.imo)
    assert codes(problems) == [(2, "month", "round_locked", "error")]


def test_dates_inside_the_round_and_in_order(ops: Ops) -> None:
    clean, problems = check(ops, row(start_date="2026-02-15", end_date="31/03/2026"))
    assert problems == []
    assert clean[0].start_date == datetime.date(2026, 2, 15)
    assert clean[0].end_date == datetime.date(2026, 3, 31)
    _clean, problems = check(
        ops,
        row(start_date="2026-03-20", end_date="2026-03-10"),
        row(start_date="2026-01-01", end_date="2026-02-28"),
        row(start_date="2026-04-02"),
        row(start_date="31/02/2026"),
    )
    assert codes(problems) == [
        (2, "end_date", "end_before_start", "error"),
        (3, "end_date", "end_before_month", "error"),
        (4, "start_date", "start_after_month", "error"),
        (5, "start_date", "not_date", "error"),
    ]


# --- counts ------------------------------------------------------------------------------------


def test_bands_must_add_up_to_the_total(ops: Ops) -> None:
    _clean, problems = check(ops, row(total=30))
    problem = only(problems)
    assert (problem.field, problem.code) == ("total", "total_mismatch")
    assert "30" in problem.message
    assert "27" in problem.message


def test_total_is_computed_from_bands_and_bands_are_optional(ops: Ops) -> None:
    clean, problems = check(
        ops,
        row(total=None),
        row(
            girls=None,
            boys=None,
            women=None,
            men=None,
            older_women=None,
            older_men=None,
            population_group="REF",
        ),
    )
    assert problems == []
    assert [c.total for c in clean] == [27, 27]
    assert clean[1].girls == 0


def test_people_reached_missing(ops: Ops) -> None:
    _clean, problems = check(
        ops,
        row(
            girls=None,
            boys=None,
            women=None,
            men=None,
            older_women=None,
            older_men=None,
            total=None,
            with_disability=None,
        ),
    )
    assert codes(problems) == [(2, "total", "people_missing", "error")]


def test_disability_within_total(ops: Ops) -> None:
    _clean, problems = check(ops, row(with_disability=28))
    assert codes(problems) == [(2, "with_disability", "disability_over_total", "error")]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (-1, "negative"),
        ("-3", "negative"),
        (2.5, "not_whole"),
        ("abc", "not_number"),
        ("10000000000", "too_large"),
        ("100000001", "too_large"),
        (500_000_000, "too_large"),
        (2.0**40, "too_large"),
        (True, "not_number"),
    ],
)
def test_bad_numbers(ops: Ops, value: Any, code: str) -> None:
    _clean, problems = check(ops, row(girls=value, total=None))
    assert (2, "girls", code, "error") in codes(problems)
    problem = next(p for p in problems if p.field == "girls")
    assert problem.column == "Girls (0-17)"


def test_too_large_names_the_bound(ops: Ops) -> None:
    _clean, problems = check(ops, row(girls="100000001", total=None))
    problem = next(p for p in problems if p.field == "girls")
    assert "at most 100,000,000" in problem.message


@pytest.mark.parametrize("value", ["5", "5.0", " 5 ", 5, 5.0])
def test_number_forms(ops: Ops, value: Any) -> None:
    clean, problems = check(ops, row(girls=value))
    assert problems == []
    assert clean[0].girls == 5


def test_thousands_separators(ops: Ops) -> None:
    clean, problems = check(
        ops,
        row(
            girls="1 200",
            boys="1,300",
            women=None,
            men=None,
            older_women=None,
            older_men=None,
            total="2\u00a0500",
            with_disability=0,
        ),
    )
    assert problems == []
    assert (clean[0].girls, clean[0].boys, clean[0].total) == (1200, 1300, 2500)


def test_bands_for_an_activity_not_disaggregated_and_quantity_for_other_units(ops: Ops) -> None:
    # Mine clearance: not by sex and age, counted in square metres. Figures by sex and age for
    # an indicator not counted in people are refused (validation.rules, the same on every path).
    _clean, problems = check(ops, row(activity="MA-SUR", indicator="MA-SUR-01"))
    assert ("girls", "sex_age_not_people", "error") in [
        (p.field, p.code, p.severity) for p in problems
    ]
    assert "bands_not_expected" not in [p.code for p in problems]
    assert ("quantity", "quantity_missing", "error") in [
        (p.field, p.code, p.severity) for p in problems
    ]
    clean, problems = check(
        ops,
        row(
            activity="MA-SUR",
            indicator="MA-SUR-01",
            quantity=1500,
            girls=None,
            boys=None,
            women=None,
            men=None,
            older_women=None,
            older_men=None,
            total=None,
            with_disability=None,
        ),
    )
    assert problems == []
    assert clean[0].quantity == 1500


# --- organisation ------------------------------------------------------------------------------


def test_partner_reports_only_for_their_own_organisation(ops: Ops) -> None:
    clean, problems = check(ops, row(organisation=""), by=ops.world.partner)
    assert problems == []
    assert clean[0].organisation_id == ops.world.amss.pk
    _clean, problems = check(ops, row(organisation="DRC"), by=ops.world.partner)
    assert codes(problems) == [(2, "organisation", "not_your_organisation", "error")]


def test_manager_reports_for_any_organisation_of_the_operation(ops: Ops) -> None:
    clean, problems = check(
        ops,
        row(organisation="drc"),
        row(organisation="Danish Refugee Council", population_group="REF"),
    )
    assert problems == []
    assert {c.organisation_id for c in clean} == {ops.world.drc.pk}
    _clean, problems = check(ops, row(organisation="XYZ"), row(organisation=""))
    assert codes(problems) == [
        (2, "organisation", "unknown_organisation", "error"),
        (3, "organisation", "required", "error"),
    ]


def test_upload_for_one_organisation_refuses_rows_of_another(ops: Ops) -> None:
    _clean, problems = check(ops, row(organisation="DRC"), organisation=ops.world.amss)
    assert codes(problems) == [(2, "organisation", "other_organisation", "error")]
    assert "AMSS" in problems[0].message


def test_organisation_outside_the_operation(ops: Ops) -> None:
    Organisation.objects.create(name="Elsewhere", acronym="ELSE", type="nngo")
    _clean, problems = check(ops, row(organisation="ELSE"))
    assert codes(problems) == [(2, "organisation", "unknown_organisation", "error")]


# --- duplicates, existing rows and outliers ----------------------------------------------------


def test_duplicate_rows_in_the_file_name_both_rows(ops: Ops) -> None:
    clean, problems = check(ops, row(), row(activity="PRO-LEG", indicator=""), row(total=27))
    problem = only(problems)
    assert (problem.row, problem.code, problem.column) == (4, "duplicate_row", "")
    assert "Row 4" in problem.message
    assert "row 2" in problem.message
    assert len(clean) == 2


def test_existing_rows_are_updates_not_duplicates(ops: Ops) -> None:
    report_rows_save(by=ops.world.partner, operation=ops.operation, rows=numbered(row()))
    clean, problems = check(ops, row(), row(girls=6, total=28), by=ops.world.partner)
    # The second row repeats the first in the file: an error. Checked one at a time instead:
    assert codes(problems) == [(3, "", "duplicate_row", "error")]
    (same,) = check(ops, row(), by=ops.world.partner)[0]
    assert same.existing_id is not None
    assert same.changed is False
    (changed,) = check(ops, row(girls=6, total=28), by=ops.world.partner)[0]
    assert changed.existing_id == same.existing_id
    assert changed.changed is True
    assert clean[0].existing_id == same.existing_id


def test_outlier_against_the_organisations_own_history(ops: Ops) -> None:
    months = [datetime.date(2025, m, 1) for m in (10, 11, 12)]
    for month in months:
        ReportingRound.objects.create(
            operation=ops.operation, month=month, deadline=month + datetime.timedelta(days=40)
        )
        result = report_rows_save(
            by=ops.world.imo,
            operation=ops.operation,
            rows=numbered(
                row(
                    month=month.isoformat()[:7],
                    girls=None,
                    boys=None,
                    women=None,
                    men=None,
                    older_women=None,
                    older_men=None,
                    total=20,
                    with_disability=None,
                )
            ),
        )
        assert not result.rejected
    bands = {
        "girls": None,
        "boys": None,
        "women": None,
        "men": None,
        "older_women": None,
        "older_men": None,
        "with_disability": None,
    }
    clean, problems = check(
        ops, row(total=500, **bands), row(activity="PRO-LEG", indicator="", total=500, **bands)
    )
    problem = only(problems)
    assert (problem.row, problem.field, problem.code, problem.severity) == (
        2,
        "total",
        "outlier",
        "warning",
    )
    assert "AMSS" in problem.message
    assert "20" in problem.message
    assert len(clean) == 2


def test_messages_name_the_header_of_the_file(ops: Ops) -> None:
    context = ReportContext.build(operation=ops.operation, by=ops.world.imo)
    _clean, problems = validate(
        context, [(7, row(girls="beaucoup", total=None))], columns={"girls": "Filles"}
    )
    problem = only(problems)
    assert problem.column == "Filles"
    assert problem.message.startswith("Row 7, column “Filles”: “beaucoup”")
    assert problem.value == "beaucoup"


def test_repeated_values_are_checked_once_but_reported_on_every_row(ops: Ops) -> None:
    rows = [row(admin2_pcode="ML0599", admin2_name="", activity=f"X{i % 2}") for i in range(6)]
    _clean, problems = check(ops, *rows)
    pcode_rows = [p.row for p in problems if p.code == "unknown_pcode"]
    assert pcode_rows == [2, 3, 4, 5, 6, 7]
    assert [p.message.split(",")[0] for p in problems if p.code == "unknown_pcode"] == [
        f"Row {n}" for n in range(2, 8)
    ]
