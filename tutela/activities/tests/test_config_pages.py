"""5W configuration for managers: activity catalogue with indicators, population groups, settings
and planning figures; services and pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tutela.activities.models import Activity, ActivitySettings, Indicator, PlanningFigure
from tutela.activities.services.config import (
    activity_create,
    activity_update,
    population_group_create,
    population_group_update,
    settings_update,
)
from tutela.activities.tests.reporting_fixtures import (
    fivew_fixture,  # noqa: F401
    line,
    save_rows,
)
from tutela.core.models import AuditEntry, PopulationGroup

pytestmark = pytest.mark.django_db

MANAGER_PAGES = [
    "/o/mali/5w/config/",
    "/o/mali/5w/config/activities/",
    "/o/mali/5w/config/activities/new/",
    "/o/mali/5w/config/population-groups/",
    "/o/mali/5w/config/population-groups/new/",
    "/o/mali/5w/config/settings/",
    "/o/mali/5w/config/planning/",
]


# --- services ------------------------------------------------------------------------------------


def test_manager_adds_an_activity_with_indicators(fivew):
    world = fivew.world
    activity = activity_create(
        by=world.imo,
        operation=fivew.operation,
        body=world.cp_aor,
        code="cp-fam",
        name_en="Family tracing",
        name_fr="Recherche familiale",
        by_sex_age=True,
        by_disability=False,
        modalities=["remote", "in_person"],
        is_sensitive=True,
        indicators=[
            {
                "code": "cp-fam-01",
                "name_en": "Children traced",
                "name_fr": "Enfants",
                "unit": "people",
            },
            {"code": "CP-FAM-02", "name_en": "Cases", "name_fr": "Cas", "unit": "cases"},
        ],
    )
    assert activity.code == "CP-FAM"
    assert activity.modalities == ["in_person", "remote"]
    assert sorted(activity.indicators.values_list("code", flat=True)) == ["CP-FAM-01", "CP-FAM-02"]
    created = AuditEntry.objects.filter(action="create", operation=fivew.operation)
    assert created.filter(entity_type="activities.activity", entity_id=str(activity.pk)).exists()
    assert created.filter(entity_type="activities.indicator").count() == 2


def test_activity_codes_are_unique_in_the_operation(fivew):
    world = fivew.world
    with pytest.raises(ValidationError) as info:
        activity_create(
            by=world.imo,
            operation=fivew.operation,
            body=world.cluster,
            code="pro-pss",
            name_en="Again",
            name_fr="Encore",
        )
    assert "code" in info.value.message_dict


def test_activity_body_must_be_of_the_operation(fivew):
    from tutela.core.models import Body

    other_body = Body.objects.create(
        operation=fivew.world.other_operation, name="Colombia", code="PRO", kind="cluster"
    )
    with pytest.raises(ValidationError) as info:
        activity_create(
            by=fivew.world.imo,
            operation=fivew.operation,
            body=other_body,
            code="X-1",
            name_en="X",
            name_fr="X",
        )
    assert "body" in info.value.message_dict


def test_partner_cannot_change_the_catalogue(fivew):
    world = fivew.world
    with pytest.raises(PermissionDenied):
        activity_create(
            by=world.partner,
            operation=fivew.operation,
            body=world.cluster,
            code="X-1",
            name_en="X",
            name_fr="X",
        )
    pss = Activity.objects.get(operation=fivew.operation, code="PRO-PSS")
    with pytest.raises(PermissionDenied):
        activity_update(by=world.partner, activity=pss, is_active=False)
    pss.refresh_from_db()
    assert pss.is_active


def test_update_is_audited_with_the_change_only(fivew):
    pss = Activity.objects.get(operation=fivew.operation, code="PRO-PSS")
    activity_update(by=fivew.world.coordinator, activity=pss, is_active=False, name_es="Apoyo")
    entry = AuditEntry.objects.get(
        entity_type="activities.activity", entity_id=str(pss.pk), action="update"
    )
    assert entry.before == {
        "is_active": True,
        "name_es": "",
        "updated_at": entry.before["updated_at"],
    }
    assert entry.after["is_active"] is False
    assert entry.after["name_es"] == "Apoyo"


def test_an_indicator_with_rows_cannot_be_deleted(fivew):
    world = fivew.world
    save_rows(world.partner, world.amss, line())
    pss = Activity.objects.get(operation=fivew.operation, code="PRO-PSS")
    indicator = pss.indicators.get()
    with pytest.raises(ValidationError):
        activity_update(
            by=world.imo,
            activity=pss,
            indicators=[{"id": indicator.pk, "delete": True}],
        )
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_an_unused_indicator_is_deleted_and_audited(fivew):
    leg = Activity.objects.get(operation=fivew.operation, code="PRO-LEG")
    second = leg.indicators.get(code="PRO-LEG-02")
    activity_update(
        by=fivew.world.imo, activity=leg, indicators=[{"id": second.pk, "delete": True}]
    )
    assert not Indicator.objects.filter(pk=second.pk).exists()
    assert AuditEntry.objects.filter(
        entity_type="activities.indicator", entity_id=str(second.pk), action="delete"
    ).exists()


def test_population_groups_are_managed_and_audited(fivew):
    group = population_group_create(
        by=fivew.world.imo,
        operation=fivew.operation,
        code="mig",
        name_en="Migrants",
        name_fr="Migrants",
        hxl_attribute="+migrants",
    )
    assert group.code == "MIG"
    with pytest.raises(ValidationError):
        population_group_create(
            by=fivew.world.imo, operation=fivew.operation, code="IDP", name_en="x", name_fr="x"
        )
    population_group_update(by=fivew.world.imo, group=group, name_fr="Migrants en transit")
    assert (
        AuditEntry.objects.filter(
            entity_type="core.populationgroup", entity_id=str(group.pk)
        ).count()
        == 2
    )


def test_settings_are_saved_with_sensitive_areas(fivew):
    world = fivew.world
    current = settings_update(
        by=world.coordinator,
        operation=fivew.operation,
        cumulative_rule="latest",
        outlier_factor=8,
        sensitive_area_pcodes=["ml0501", "ML050102"],
    )
    assert current.cumulative_rule == "latest"
    assert sorted(a.pcode for a in current.sensitive_areas.all()) == ["ML0501", "ML050102"]
    entry = AuditEntry.objects.get(entity_type="activities.activitysettings", action="update")
    assert entry.after["cumulative_rule"] == "latest"
    assert entry.after["outlier_factor"] == 8


def test_sensitive_areas_must_be_in_the_operation(fivew):
    with pytest.raises(ValidationError) as info:
        settings_update(
            by=fivew.world.imo,
            operation=fivew.operation,
            cumulative_rule="max_month",
            outlier_factor=5,
            sensitive_area_pcodes=["CO", "ML9999"],
        )
    assert "CO" in str(info.value)
    assert "ML9999" in str(info.value)
    assert not ActivitySettings.objects.get(operation=fivew.operation).sensitive_areas.exists()


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", MANAGER_PAGES)
@pytest.mark.parametrize("persona", ["coordinator", "imo"])
def test_manager_pages_render(fivew, as_user, url, persona):
    assert as_user(getattr(fivew.world, persona)).get(url).status_code == 200


@pytest.mark.parametrize("url", MANAGER_PAGES)
@pytest.mark.parametrize("persona", ["partner", "caseworker", "viewer"])
def test_manager_pages_refuse_members(fivew, as_user, url, persona):
    assert as_user(getattr(fivew.world, persona)).get(url).status_code == 403


@pytest.mark.parametrize("url", MANAGER_PAGES)
@pytest.mark.parametrize("persona", ["outsider", "other_operation_user"])
def test_manager_pages_are_404_outside(fivew, as_user, url, persona):
    assert as_user(getattr(fivew.world, persona)).get(url).status_code == 404


def test_activity_list_is_grouped_by_body(fivew, as_user):
    page = as_user(fivew.world.imo).get("/o/mali/5w/config/activities/").content.decode()
    assert "Cluster Protection Mali" in page
    assert "Child Protection AoR" in page
    assert "PRO-PSS-01" in page


def test_manager_edits_an_activity_and_its_indicators_from_the_page(fivew, as_user):
    world = fivew.world
    leg = Activity.objects.get(operation=fivew.operation, code="PRO-LEG")
    url = f"/o/mali/5w/config/activities/{leg.pk}/"
    client = as_user(world.imo)
    page = client.get(url).content.decode()
    assert 'value="PRO-LEG-02"' in page
    first, second = leg.indicators.order_by("code")
    data = {
        "body": str(world.cluster.pk),
        "code": "PRO-LEG",
        "name_en": "Legal assistance",
        "name_fr": "Assistance juridique",
        "name_es": "Asistencia jurídica",
        "description": "",
        "by_sex_age": "on",
        "modalities": ["in_person", "mobile"],
        "is_active": "on",
        "indicators-TOTAL_FORMS": "4",
        "indicators-INITIAL_FORMS": "2",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-id": str(first.pk),
        "indicators-0-code": first.code,
        "indicators-0-name_en": "People assisted",
        "indicators-0-name_fr": "Personnes assistées",
        "indicators-0-unit": "people",
        "indicators-1-id": str(second.pk),
        "indicators-1-code": second.code,
        "indicators-1-name_en": second.name_en,
        "indicators-1-name_fr": second.name_fr,
        "indicators-1-unit": "items",
        "indicators-1-DELETE": "on",
        "indicators-2-code": "PRO-LEG-03",
        "indicators-2-name_en": "Hearings attended",
        "indicators-2-name_fr": "Audiences",
        "indicators-2-unit": "sessions",
        # An extra line left empty (the unit select always sends its first value).
        "indicators-3-unit": "people",
    }
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode())
    leg.refresh_from_db()
    assert leg.name_es == "Asistencia jurídica"
    assert leg.by_disability is False
    assert leg.modalities == ["in_person", "mobile"]
    assert sorted(leg.indicators.values_list("code", "unit")) == [
        ("PRO-LEG-01", "people"),
        ("PRO-LEG-03", "sessions"),
    ]


def test_a_bad_activity_form_shows_the_message_and_saves_nothing(fivew, as_user):
    world = fivew.world
    data = {
        "body": str(world.cluster.pk),
        "code": "PRO-PSS",
        "name_en": "Duplicate",
        "name_fr": "Doublon",
        "indicators-TOTAL_FORMS": "0",
        "indicators-INITIAL_FORMS": "0",
    }
    response = as_user(world.imo).post("/o/mali/5w/config/activities/new/", data)
    assert response.status_code == 200
    assert "Another activity of the operation has this code." in response.content.decode()
    assert Activity.objects.filter(operation=fivew.operation, code="PRO-PSS").count() == 1


def test_partner_cannot_post_to_manager_pages(fivew, as_user):
    world = fivew.world
    client = as_user(world.partner)
    response = client.post(
        "/o/mali/5w/config/population-groups/new/",
        {"code": "MIG", "name_en": "Migrants", "name_fr": "Migrants"},
    )
    assert response.status_code == 403
    assert not PopulationGroup.objects.filter(code="MIG").exists()
    response = client.post(
        "/o/mali/5w/config/settings/", {"cumulative_rule": "latest", "outlier_factor": "3"}
    )
    assert response.status_code == 403
    assert ActivitySettings.objects.get(operation=fivew.operation).cumulative_rule == "max_month"


def test_manager_adds_a_population_group_from_the_page(fivew, as_user):
    response = as_user(fivew.world.imo).post(
        "/o/mali/5w/config/population-groups/new/",
        {"code": "MIG", "name_en": "Migrants", "name_fr": "Migrants", "hxl_attribute": "+mig"},
    )
    assert response.status_code == 302
    assert PopulationGroup.objects.filter(operation=fivew.operation, code="MIG").exists()


def test_settings_page_explains_the_cumulative_rule(fivew, as_user):
    client = as_user(fivew.world.coordinator)
    page = client.get("/o/mali/5w/config/settings/").content.decode()
    assert "monthly figures are never added up across months" in page
    response = client.post(
        "/o/mali/5w/config/settings/",
        {"cumulative_rule": "new_only", "outlier_factor": "4", "sensitive_areas": "ML0501, ML0502"},
    )
    assert response.status_code == 302
    current = ActivitySettings.objects.get(operation=fivew.operation)
    assert current.cumulative_rule == "new_only"
    assert sorted(current.sensitive_areas.values_list("pcode", flat=True)) == ["ML0501", "ML0502"]
    page = client.get("/o/mali/5w/config/settings/").content.decode()
    assert "ML0501 ML0502" in page
    bad = client.post(
        "/o/mali/5w/config/settings/",
        {"cumulative_rule": "new_only", "outlier_factor": "4", "sensitive_areas": "ZZ01"},
    )
    assert bad.status_code == 200
    assert "ZZ01" in bad.content.decode()


def test_planning_figures_list_with_filters(fivew, as_user):
    world = fivew.world
    idp = PopulationGroup.objects.get(operation=fivew.operation, code="IDP")
    for pcode, severity in (("ML0501", 4), ("ML0502", 2)):
        PlanningFigure.objects.create(
            operation=fivew.operation,
            year=2026,
            area=fivew.areas[pcode],
            body=world.cluster,
            population_group=idp,
            people_in_need=1000,
            targeted=500,
            severity=severity,
        )
    client = as_user(world.imo)
    page = client.get("/o/mali/5w/config/planning/").content.decode()
    assert "ML0501" in page
    assert "ML0502" in page
    filtered = client.get("/o/mali/5w/config/planning/", {"severity": "3"}).content.decode()
    assert "ML0501" in filtered
    assert "ML0502" not in filtered
    assert client.get("/o/mali/5w/config/planning/", {"year": "2025"}).status_code == 200


PLANNING_CSV = (
    "area_pcode,body,population_group,people_in_need,targeted,severity\n"
    "ML0501,PRO,IDP,12000,8000,4\n"
    "ML0502,PRO-CPN,,3000,1500,3\n"
)


def planning_file(content: str = PLANNING_CSV):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("hno_2026.csv", content.encode(), content_type="text/csv")


def test_planning_figures_dry_run_then_import(fivew, as_user):
    client = as_user(fivew.world.imo)
    url = "/o/mali/5w/config/planning/upload/"
    response = client.post(url, {"file": planning_file(), "year": "2026", "dry_run": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dry run: nothing was saved" in page
    assert 'id="count-created">2<' in page
    assert not PlanningFigure.objects.exists()
    response = client.post(url, {"file": planning_file(), "year": "2026"})
    assert "The planning figures are saved." in response.content.decode()
    figures = PlanningFigure.objects.filter(operation=fivew.operation, year=2026)
    assert sorted(figures.values_list("area__pcode", "body__code", "people_in_need")) == [
        ("ML0501", "PRO", 12000),
        ("ML0502", "PRO-CPN", 3000),
    ]
    assert AuditEntry.objects.filter(operation=fivew.operation, summary__icontains="plan").exists()


def test_a_bad_planning_file_saves_nothing_and_says_why(fivew, as_user):
    bad = PLANNING_CSV.replace("ML0502", "ML9999")
    response = as_user(fivew.world.imo).post(
        "/o/mali/5w/config/planning/upload/", {"file": planning_file(bad), "year": "2026"}
    )
    page = response.content.decode()
    assert "The file was rejected" in page
    assert "ML9999" in page
    assert not PlanningFigure.objects.exists()


def test_partner_cannot_import_planning_figures(fivew, as_user):
    response = as_user(fivew.world.partner).post(
        "/o/mali/5w/config/planning/upload/", {"file": planning_file(), "year": "2026"}
    )
    assert response.status_code == 403
    assert not PlanningFigure.objects.exists()
    outsider = as_user(fivew.world.other_operation_user).post(
        "/o/mali/5w/config/planning/upload/", {"file": planning_file(), "year": "2026"}
    )
    assert outsider.status_code == 404


def test_settings_page_schedules_the_monthly_rounds(fivew, as_user):
    client = as_user(fivew.world.imo)
    page = client.get("/o/mali/5w/config/settings/").content.decode()
    assert 'name="rounds_open_days_before_end"' in page
    response = client.post(
        "/o/mali/5w/config/settings/",
        {
            "cumulative_rule": "max_month",
            "outlier_factor": "5",
            "rounds_open_days_before_end": "5",
            "rounds_deadline_day": "12",
        },
    )
    assert response.status_code == 302
    current = ActivitySettings.objects.get(operation=fivew.operation)
    assert (current.rounds_open_days_before_end, current.rounds_deadline_day) == (5, 12)
    entry = AuditEntry.objects.filter(entity_type="activities.activitysettings").latest("pk")
    assert entry.after["rounds_open_days_before_end"] == 5
