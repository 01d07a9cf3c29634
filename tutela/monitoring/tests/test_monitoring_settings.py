"""Monitoring settings pages and services: analysts and parameters, sharing agreements, area
populations (CSV, all or nothing), reference lists, typology mappings; managers only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.core.models import AuditEntry, ProtectionRisk
from tutela.monitoring.models import (
    AreaPopulation,
    MonitoringSettings,
    RiskMapping,
    SharingAgreement,
)
from tutela.monitoring.services.settings import (
    area_populations_import,
    monitoring_settings_update,
    sharing_agreement_save,
)
from tutela.monitoring.tests.pau_helpers import seed


@pytest.fixture
def mali(world: Any) -> Any:
    seed(world.operation)
    return world


def url(name: str, *args: Any) -> str:
    return reverse(f"monitoring:{name}", args=["mali", *args])


PAGES = [
    ("settings", ()),
    ("settings_sharing", ()),
    ("settings_populations", ()),
    ("settings_mappings", ()),
    ("settings_reference", ("risks",)),
    ("settings_reference_new", ("age-bands",)),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_are_for_managers(mali: Any, as_user: Any, name: str, args: tuple[str, ...]) -> None:
    assert as_user(mali.coordinator).get(url(name, *args)).status_code == 200
    assert as_user(mali.imo).get(url(name, *args)).status_code == 200
    for user in (mali.partner, mali.viewer, mali.other_partner):
        assert as_user(user).get(url(name, *args)).status_code == 403
        assert as_user(user).post(url(name, *args), {}).status_code == 403
    for user in (mali.outsider, mali.other_operation_user):
        assert as_user(user).get(url(name, *args)).status_code == 404


def test_unknown_reference_list_is_404(mali: Any, as_user: Any) -> None:
    assert as_user(mali.imo).get(url("settings_reference", "nothing")).status_code == 404


def test_manager_designates_analysts_and_sets_parameters(mali: Any, as_user: Any) -> None:
    response = as_user(mali.coordinator).post(
        url("settings"),
        {
            "analysts": [mali.partner.pk],
            "duplicate_window_days": 5,
            "baseline_months": 12,
            "min_count": 6,
            "significance": 0.05,
        },
    )
    assert response.status_code == 302
    settings = MonitoringSettings.objects.get(operation=mali.operation)
    assert list(settings.analysts.all()) == [mali.partner]
    assert (settings.duplicate_window_days, settings.baseline_months) == (5, 12)
    entry = AuditEntry.objects.get(action="update", entity_type="monitoring.monitoringsettings")
    assert entry.after["baseline_months"] == 12


def test_signal_minimum_cannot_go_below_the_small_count_threshold(mali: Any) -> None:
    # A signal tells other organisations that at least min_count incidents happened.
    threshold = mali.operation.disclosure_threshold
    with pytest.raises(ValidationError) as raised:
        monitoring_settings_update(
            operation=mali.operation,
            by=mali.imo,
            analysts=[],
            duplicate_window_days=3,
            baseline_months=6,
            min_count=threshold - 1,
            significance=0.01,
        )
    assert "min_count" in raised.value.message_dict
    assert MonitoringSettings.objects.get(operation=mali.operation).min_count >= threshold


def test_analysts_must_be_users_of_the_operation(mali: Any) -> None:
    with pytest.raises(ValidationError):
        monitoring_settings_update(
            operation=mali.operation,
            by=mali.imo,
            analysts=[mali.other_operation_user],
            duplicate_window_days=3,
            baseline_months=6,
            min_count=5,
            significance=0.01,
        )
    with pytest.raises(PermissionDenied):
        monitoring_settings_update(
            operation=mali.operation,
            by=mali.partner,
            analysts=[],
            duplicate_window_days=3,
            baseline_months=6,
            min_count=5,
            significance=0.01,
        )


def test_sharing_agreement_recorded_and_changed(mali: Any, as_user: Any) -> None:
    client = as_user(mali.imo)
    response = client.post(
        url("settings_sharing"), {"organisation": mali.amss.pk, "shares_gbv_aggregates": "on"}
    )
    assert response.status_code == 200
    assert b"signed" in response.content
    assert not SharingAgreement.objects.exists()
    client.post(
        url("settings_sharing"),
        {"organisation": mali.amss.pk, "shares_gbv_aggregates": "on", "signed_on": "2026-03-01"},
    )
    agreement = SharingAgreement.objects.get()
    assert agreement.shares_gbv_aggregates
    assert agreement.recorded_by == mali.imo
    sharing_agreement_save(
        operation=mali.operation,
        by=mali.coordinator,
        organisation=mali.amss,
        shares_gbv_aggregates=False,
    )
    agreement.refresh_from_db()
    assert not agreement.shares_gbv_aggregates
    actions = list(
        AuditEntry.objects.filter(entity_type="monitoring.sharingagreement")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_population_upload_saves_every_row(mali: Any, areas: Any, as_user: Any) -> None:
    csv = b"pcode,population,year,source\nML04,3000000,2026,HNO\nML05,2500000,2026,HNO\n"
    response = as_user(mali.imo).post(
        url("settings_populations"), {"file": SimpleUploadedFile("pop.csv", csv)}
    )
    assert response.status_code == 302
    assert AreaPopulation.objects.get(area=areas["ML05"]).population == 2_500_000
    # A re-upload replaces the figures of the same area and year.
    again = b"pcode,population,year,source\nML05,2600000,2026,census\n"
    result = area_populations_import(
        operation=mali.operation, by=mali.imo, source=again, file_name="p.csv"
    )
    assert (result.created, result.updated) == (0, 1)
    assert AreaPopulation.objects.get(area=areas["ML05"]).source == "census"
    assert AuditEntry.objects.filter(entity_type="monitoring.areapopulation").count() == 2


def test_population_upload_with_a_bad_row_saves_nothing(mali: Any, as_user: Any) -> None:
    csv = (
        b"pcode,population,year,source\nML04,3000000,2026,HNO\nXX99,100,2026,HNO\n"
        b"ML05,many,2026,HNO\nML04,1,2026,dup\n"
    )
    response = as_user(mali.imo).post(
        url("settings_populations"), {"file": SimpleUploadedFile("pop.csv", csv)}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was saved" in content
    assert "XX99" in content
    assert "Row 4" in content
    assert "Row 5" in content
    assert not AreaPopulation.objects.exists()
    assert not AuditEntry.objects.filter(entity_type="monitoring.areapopulation").exists()


def test_population_upload_dry_run_and_missing_columns(mali: Any) -> None:
    ok = area_populations_import(
        operation=mali.operation,
        by=mali.imo,
        source=b"pcode,population,year\nML04,5,2026\n",
        file_name="p.csv",
        dry_run=True,
    )
    assert ok.ok
    assert ok.rows == 1
    assert not AreaPopulation.objects.exists()
    bad = area_populations_import(
        operation=mali.operation, by=mali.imo, source=b"pcode,pop\nML04,5\n", file_name="p.csv"
    )
    assert not bad.ok
    assert bad.problems[0].code == "missing_columns"


def test_reference_item_renamed_and_deactivated(mali: Any, as_user: Any) -> None:
    risk = ProtectionRisk.objects.get(operation=mali.operation, code="R06")
    response = as_user(mali.imo).post(
        url("settings_reference_edit", "risks", risk.pk),
        {
            "code": "R06",
            "name_en": risk.name_en,
            "name_fr": "Désinformation",
            "name_es": risk.name_es,
            "order": 6,
            "number": 6,
        },
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.name_fr == "Désinformation"
    assert not risk.is_active
    entry = AuditEntry.objects.get(entity_type="core.protectionrisk", action="update")
    assert entry.after["name_fr"] == "Désinformation"
    assert entry.after["is_active"] is False
    other_op_risk_url = url("settings_reference_edit", "risks", 999999)
    assert as_user(mali.imo).get(other_op_risk_url).status_code == 404


def test_reference_item_added_with_duplicate_code_refused(mali: Any, as_user: Any) -> None:
    data = {
        "code": "60+",
        "name_en": "Old",
        "name_fr": "Âgés",
        "order": 9,
        "min_age": 60,
        "is_active": "on",
    }
    response = as_user(mali.imo).post(url("settings_reference_new", "age-bands"), data)
    assert response.status_code == 200
    data["code"] = "80+"
    data["min_age"] = 80
    response = as_user(mali.imo).post(url("settings_reference_new", "age-bands"), data)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(entity_type="monitoring.ageband", action="create").count() == 1


def test_typology_mapping_created_edited_deleted(mali: Any, as_user: Any) -> None:
    client = as_user(mali.imo)
    risk = ProtectionRisk.objects.get(operation=mali.operation, code="R02")
    response = client.post(
        url("settings_mappings"),
        {"typology": "acled", "label": "Drone strike (test)", "risk": risk.pk},
    )
    assert response.status_code == 302
    mapping = RiskMapping.objects.get(label="Drone strike (test)")
    # Same label, other case and accents: refused.
    response = client.post(
        url("settings_mappings"),
        {"typology": "acled", "label": "DRONE STRIKE (TEST)", "risk": risk.pk},
    )
    assert response.status_code == 200
    assert RiskMapping.objects.filter(label_key=mapping.label_key).count() == 1
    other = ProtectionRisk.objects.get(operation=mali.operation, code="R01")
    client.post(
        url("settings_mapping_edit", mapping.pk),
        {"typology": "acled", "label": "Drone strike (test)", "risk": other.pk},
    )
    mapping.refresh_from_db()
    assert mapping.risk == other
    assert as_user(mali.partner).post(url("settings_mapping_delete", mapping.pk)).status_code == 403
    client.post(url("settings_mapping_delete", mapping.pk))
    assert not RiskMapping.objects.filter(pk=mapping.pk).exists()
    actions = list(
        AuditEntry.objects.filter(entity_type="monitoring.riskmapping", entity_id=str(mapping.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
