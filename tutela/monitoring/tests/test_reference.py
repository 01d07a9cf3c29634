"""monitoring_seed: the GPC's 15 risks, violation types, and the small lists, in FR and EN."""

from __future__ import annotations

import pytest

from tutela.core.models import AuditEntry, Operation, PopulationGroup, ProtectionRisk
from tutela.monitoring.models import (
    AgeBand,
    MonitoringSettings,
    PerpetratorCategory,
    ReferralService,
    RiskMapping,
    Source,
    VerificationStatus,
    ViolationType,
)
from tutela.monitoring.services.reference import monitoring_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def operation(areas):
    op = Operation.objects.create(slug="seeded", name="Seeded")
    op.countries.add(areas["ML"])
    return op


def test_seeds_the_fifteen_gpc_risks_in_french_and_english(operation):
    monitoring_seed(operation=operation)

    risks = list(ProtectionRisk.objects.filter(operation=operation).order_by("number"))
    assert [r.code for r in risks] == [f"R{n:02d}" for n in range(1, 16)]
    assert [r.number for r in risks] == list(range(1, 16))
    assert all(r.name_en and r.name_fr for r in risks)
    assert risks[7].name_en == "Gender-based violence"
    assert risks[7].name_fr == "Violence basée sur le genre"
    assert [r.code for r in risks if r.is_gbv] == ["R08"]
    assert risks[14].name_en.startswith("Unlawful impediments or restrictions to freedom")


def test_gbv_core_types_under_the_gbv_risk_and_six_grave_violations(operation):
    monitoring_seed(operation=operation)

    gbv = ViolationType.objects.filter(operation=operation, family="gbv")
    assert sorted(gbv.values_list("code", flat=True)) == sorted(
        [
            "gbv_rape",
            "gbv_sexual_assault",
            "gbv_physical_assault",
            "gbv_forced_marriage",
            "gbv_denial_resources",
            "gbv_psychological_abuse",
        ]
    )
    assert {v.risk.code for v in gbv} == {"R08"}
    grave = {v.code: v.risk.code for v in ViolationType.objects.filter(family="grave")}
    assert grave == {
        "grave_killing_maiming": "R02",
        "grave_recruitment_use": "R07",
        "grave_sexual_violence": "R08",
        "grave_attack_schools_hospitals": "R02",
        "grave_abduction": "R01",
        "grave_denial_access": "R05",
    }
    assert all(v.name_fr and v.name_en for v in ViolationType.objects.all())
    # Every risk has violation types.
    assert set(ViolationType.objects.values_list("risk__number", flat=True)) == set(range(1, 16))


def test_seeds_the_small_lists_with_their_fixed_codes(operation):
    monitoring_seed(operation=operation)

    def codes(model):
        return list(model.objects.filter(operation=operation).values_list("code", flat=True))

    assert codes(PerpetratorCategory) == [
        "state_forces",
        "nsag",
        "community_member",
        "family_member",
        "unknown",
        "other",
    ]
    assert codes(AgeBand) == ["0-4", "5-11", "12-17", "18-59", "60+"]
    assert codes(Source) == [
        "monitoring_visit",
        "key_informant",
        "household_interview",
        "hotline",
        "secondary_source",
    ]
    assert codes(VerificationStatus) == ["unverified", "partially_verified", "verified"]
    assert VerificationStatus.objects.get(code="verified").is_verified
    assert len(codes(ReferralService)) == 9
    assert PopulationGroup.objects.filter(operation=operation, code="IDP").exists()
    assert MonitoringSettings.objects.filter(operation=operation).count() == 1
    assert AgeBand.objects.get(code="60+").max_age is None


def test_sample_typology_mappings_point_to_risks(operation):
    monitoring_seed(operation=operation)

    acled = RiskMapping.objects.get(operation=operation, typology="acled", label="Arrests")
    assert acled.risk.code == "R01"
    assert acled.violation.code == "arbitrary_arrest"
    p21 = RiskMapping.objects.get(typology="sahel-p21", label_key="vol de betail")
    assert p21.violation.code == "livestock_theft"


def test_seeding_again_adds_nothing_and_keeps_edits(operation):
    monitoring_seed(operation=operation)
    risk = ProtectionRisk.objects.get(operation=operation, code="R10")
    risk.name_fr = "Mines (modifié)"
    risk.save()
    ViolationType.objects.get(code="hate_speech").delete()
    counts = ViolationType.objects.count(), RiskMapping.objects.count()

    monitoring_seed(operation=operation)

    risk.refresh_from_db()
    assert risk.name_fr == "Mines (modifié)"
    assert ViolationType.objects.count() == counts[0] + 1
    assert RiskMapping.objects.count() == counts[1]
    assert AuditEntry.objects.filter(entity_type="monitoring.protectionrisk").count() == 2


def test_operations_are_seeded_separately(operation, world):
    monitoring_seed(operation=operation)
    monitoring_seed(operation=world.operation)

    assert ProtectionRisk.objects.filter(operation=world.operation).count() == 15
    assert ProtectionRisk.objects.filter(operation=operation).count() == 15
