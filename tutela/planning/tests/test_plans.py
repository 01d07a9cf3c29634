"""The response plan: writing it (managers only, audited), its versions and locks, and its
monitoring framework filled from the 5W by the counting rule, with small counts hidden where the
figures leave an organisation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tutela.activities.models import Activity, Indicator, Submission
from tutela.activities.tests.analysis_fixtures import FEB, JAN, MAR, add_row
from tutela.core.models import AuditEntry, PopulationGroup
from tutela.core.tests.hxl_checks import assert_valid_hxl, hxl_dataset
from tutela.planning.models import Objective, Plan, PlanVersion
from tutela.planning.selectors import plans as selectors
from tutela.planning.services import plans as services
from tutela.planning.tests.plan_fixtures import PlanWorld

pytestmark = pytest.mark.django_db


def test_creating_a_plan_is_audited(plan_world: PlanWorld) -> None:
    entry = AuditEntry.objects.filter(entity_type="planning.plan").get()
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == plan_world.world.coordinator
    assert entry.after["year"] == 2026


def test_partner_cannot_write_the_plan(plan_world: PlanWorld) -> None:
    world = plan_world.world
    with pytest.raises(PermissionDenied):
        services.objective_create(
            plan=plan_world.plan,
            by=world.partner,
            kind=Objective.Kind.STRATEGIC,
            code="SO9",
            name_en="x",
            name_fr="x",
        )
    with pytest.raises(PermissionDenied):
        services.plan_create(
            operation=world.operation, by=world.partner, year=2027, title="x", body=world.cluster
        )


def test_one_plan_per_year(plan_world: PlanWorld) -> None:
    world = plan_world.world
    with pytest.raises(ValidationError):
        services.plan_create(
            operation=world.operation,
            by=world.coordinator,
            year=2026,
            title="x",
            body=world.cluster,
        )


def test_framework_counts_people_once_over_the_year(plan_world: PlanWorld) -> None:
    # Max-month rule: AMSS Bandiagara counts its best month (30: the March draft has 20), OTHER
    # Djenné 40, DRC Bandiagara 50. Never 10 + 30 + 20.
    framework = selectors.plan_framework(user=plan_world.world.coordinator, plan=plan_world.plan)
    [row] = framework.rows
    assert row.reached == 120
    assert row.pct == 30.0
    assert "never added up across months" in framework.rule_text
    assert not framework.suppressed


def test_framework_by_month_is_not_added_up(plan_world: PlanWorld) -> None:
    breakdown = selectors.indicator_breakdown(
        user=plan_world.world.coordinator, indicator=plan_world.pss, dim="month"
    )
    assert [(r.key, r.reached) for r in breakdown.rows] == [(JAN, 50), (FEB, 80), (MAR, 20)]
    assert breakdown.total is None


def test_framework_by_area_and_targets(plan_world: PlanWorld) -> None:
    world = plan_world.world
    areas = plan_world.five_w.areas
    idp = PopulationGroup.objects.get(operation=world.operation, code="IDP")
    services.indicator_targets_save(
        indicator=plan_world.pss,
        by=world.coordinator,
        targets=[
            {"area": areas["ML0501"], "population_group": idp, "baseline": 5, "target": 100},
            {"area": areas["ML0501"], "population_group": None, "baseline": 10, "target": 160},
            {"area": areas["ML0502"], "population_group": idp, "baseline": 0, "target": 80},
        ],
    )
    breakdown = selectors.indicator_breakdown(
        user=world.coordinator, indicator=plan_world.pss, dim="area"
    )
    rows = {r.code: r for r in breakdown.rows}
    # The all-groups target of an area wins over the sum of its groups' targets.
    assert (rows["ML0501"].target, rows["ML0501"].reached, rows["ML0501"].pct) == (160, 80, 50.0)
    assert (rows["ML0502"].target, rows["ML0502"].reached) == (80, 40)
    assert breakdown.total == 120
    by_group = selectors.indicator_breakdown(
        user=world.coordinator, indicator=plan_world.pss, dim="population_group"
    )
    [idp_row] = by_group.rows
    assert (idp_row.code, idp_row.target, idp_row.reached) == ("IDP", 180, 120)


def test_targets_refuse_a_repeated_area_and_group(plan_world: PlanWorld) -> None:
    world = plan_world.world
    area = plan_world.five_w.areas["ML0501"]
    with pytest.raises(ValidationError):
        services.indicator_targets_save(
            indicator=plan_world.pss,
            by=world.coordinator,
            targets=[
                {"area": area, "population_group": None, "target": 1},
                {"area": area, "population_group": None, "target": 2},
            ],
        )


def test_framework_can_be_linked_through_5w_indicators(plan_world: PlanWorld) -> None:
    world = plan_world.world
    pss = Activity.objects.get(operation=world.operation, code="PRO-PSS")
    indicator = services.indicator_create(
        plan=plan_world.plan,
        by=world.coordinator,
        objective=plan_world.objective,
        code="IND2",
        name_en="Same, through the 5W indicator",
        name_fr="Idem",
        target=100,
        fivew_indicators=[Indicator.objects.filter(activity=pss).first()],
    )
    framework = selectors.plan_framework(user=world.coordinator, plan=plan_world.plan)
    reached = {r.indicator.pk: r.reached for r in framework.rows}
    assert reached[indicator.pk] == 120


def test_viewer_counts_validated_rows_only(plan_world: PlanWorld) -> None:
    world = plan_world.world
    # A later month's submitted (not validated) row bigger than anything validated.
    add_row(
        world,
        world.drc,
        "PRO-PSS",
        plan_world.five_w.areas["ML0501"],
        datetime.date(2026, 4, 1),
        bands=(50, 50, 0, 0, 0, 0),
        status=Submission.Status.SUBMITTED,
    )
    viewer = selectors.plan_framework(user=world.viewer, plan=plan_world.plan).rows[0]
    coordinator = selectors.plan_framework(user=world.coordinator, plan=plan_world.plan).rows[0]
    assert viewer.reached == 120
    assert coordinator.reached == 170


def test_small_counts_of_others_sensitive_activities_are_hidden(plan_world: PlanWorld) -> None:
    world = plan_world.world
    add_row(
        world, world.other_org, "GBV-CM", plan_world.five_w.areas["ML04"], FEB, total=3, group="IDP"
    )
    gbv = services.indicator_create(
        plan=plan_world.plan,
        by=world.coordinator,
        objective=plan_world.objective,
        code="GBV1",
        name_en="GBV survivors assisted",
        name_fr="Survivantes de VBG assistées",
        target=50,
        activities=[Activity.objects.get(operation=world.operation, code="GBV-CM")],
    )
    for_coordinator = selectors.plan_framework(user=world.coordinator, plan=plan_world.plan)
    for_partner = selectors.plan_framework(user=world.partner, plan=plan_world.plan)
    assert {r.indicator.code: r.reached for r in for_coordinator.rows}["GBV1"] == 3
    # 3 survivors of another organisation: a group too small to make a block on its own, left
    # out of every figure (as the 5W pivot leaves it out), never shown.
    assert {r.indicator.code: r.reached for r in for_partner.rows}["GBV1"] in (None, 0)
    assert for_partner.suppressed
    by_area = selectors.indicator_breakdown(user=world.partner, indicator=gbv, dim="area")
    assert all(r.reached is None or r.reached == 0 for r in by_area.rows)
    assert by_area.total in (None, 0)
    assert by_area.suppressed


def test_versions_freeze_and_lock_the_plan(plan_world: PlanWorld) -> None:
    world = plan_world.world
    plan = plan_world.plan
    draft = services.plan_version_save(plan=plan, by=world.coordinator, kind="first_draft")
    plan.refresh_from_db()
    assert plan.stage == Plan.Stage.DRAFT
    services.indicator_update(indicator=plan_world.pss, by=world.coordinator, target=500)
    final = services.plan_version_save(plan=plan, by=world.coordinator, kind="final")
    plan.refresh_from_db()
    assert plan.stage == Plan.Stage.FINAL
    assert draft.content["indicators"][0]["target"] == 400
    assert final.content["indicators"][0]["target"] == 500
    assert [(c.code, c.before, c.after) for c in selectors.version_changes(final)] == [
        ("IND1", 400, 500)
    ]
    with pytest.raises(ValidationError):
        services.indicator_update(indicator=plan_world.pss, by=world.coordinator, target=1)
    with pytest.raises(ValidationError):
        services.plan_version_save(plan=plan, by=world.coordinator, kind="mid_year")
    services.plan_revision_start(plan=plan, by=world.coordinator)
    plan.refresh_from_db()
    services.indicator_update(indicator=plan_world.pss, by=world.coordinator, target=450)
    revised = services.plan_version_save(plan=plan, by=world.coordinator, kind="mid_year")
    plan.refresh_from_db()
    assert plan.stage == Plan.Stage.REVISED
    assert revised.number == 3
    assert list(plan.versions.values_list("kind", flat=True)) == [
        PlanVersion.Kind.FIRST_DRAFT,
        PlanVersion.Kind.FINAL,
        PlanVersion.Kind.MID_YEAR,
    ]


def test_plan_page_shows_the_framework(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    url = reverse("planning:plan_detail", args=["mali", plan_world.plan.pk])
    response = as_user(world.viewer).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "IND1" in body
    assert "120" in body
    assert reverse("planning:plan_edit", args=["mali", plan_world.plan.pk]) not in body
    coordinator_page = as_user(world.coordinator).get(url).content.decode()
    assert reverse("planning:plan_edit", args=["mali", plan_world.plan.pk]) in coordinator_page


def test_plan_pages_are_refused_outside_the_operation(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    url = reverse("planning:plan_detail", args=["mali", plan_world.plan.pk])
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(world.other_operation_user).get(url).status_code == 404
    create = reverse("planning:objective_create", args=["mali", plan_world.plan.pk])
    assert as_user(world.partner).get(create).status_code == 403
    response = as_user(world.partner).post(
        create, {"kind": "strategic", "code": "SO5", "name_en": "x", "name_fr": "x"}
    )
    assert response.status_code == 403
    assert not Objective.objects.filter(code="SO5").exists()


def test_indicator_page_and_targets_form(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    client = as_user(world.coordinator)
    targets = reverse(
        "planning:indicator_targets", args=["mali", plan_world.plan.pk, plan_world.pss.pk]
    )
    area = plan_world.five_w.areas["ML0501"]
    data = {
        "targets-TOTAL_FORMS": "2",
        "targets-INITIAL_FORMS": "0",
        "targets-0-area": str(area.pk),
        "targets-0-population_group": "",
        "targets-0-baseline": "3",
        "targets-0-target": "90",
        "targets-1-area": "",
    }
    response = client.post(targets, data)
    assert response.status_code == 302
    assert plan_world.pss.targets.get().target == 90
    detail = client.get(
        reverse("planning:indicator_detail", args=["mali", plan_world.plan.pk, plan_world.pss.pk]),
        {"level": "2"},
    )
    assert detail.status_code == 200
    assert "Bandiagara" in detail.content.decode()


def test_framework_export_neutralises_formulas(plan_world: PlanWorld, as_user) -> None:
    world = plan_world.world
    services.indicator_update(
        indicator=plan_world.pss, by=world.coordinator, name_en='=HYPERLINK("http://x")'
    )
    response = as_user(world.coordinator).get(
        reverse("planning:framework_export", args=["mali", plan_world.plan.pk, "csv"])
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1].startswith("#meta+objective+code,#indicator+code")
    assert "'=HYPERLINK" in text
    assert "120" in lines[2]
    assert_valid_hxl(hxl_dataset(response.content, "csv"))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
    xlsx = as_user(world.coordinator).get(
        reverse("planning:framework_export", args=["mali", plan_world.plan.pk, "xlsx"])
    )
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet["C3"].value == '=HYPERLINK("http://x")'
    assert sheet["C3"].data_type == "s"
