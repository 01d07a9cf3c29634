"""What a consent lets leave a case (tutela.cases.shared_fields.snapshot): every field of the
catalogue, read from the principal or the case, and nothing more."""

from __future__ import annotations

import datetime

import pytest

from tutela.cases import shared_fields
from tutela.cases.models import Case, SpecificNeed
from tutela.cases.tests.conftest import CaseWorld, person, register
from tutela.core.models import PopulationGroup, ProtectionRisk

pytestmark = pytest.mark.django_db


def test_every_field_of_the_catalogue_is_copied_as_plain_values(cw: CaseWorld) -> None:
    needs = SpecificNeed.objects.filter(operation=cw.operation, code__in=["WR", "SV"])
    risk = ProtectionRisk.objects.get(operation=cw.operation, number=8)
    group = PopulationGroup.objects.filter(operation=cw.operation).order_by("pk").first()
    assert group is not None
    case = register(
        cw,
        kind=Case.Kind.HOUSEHOLD,
        members=[
            person(
                given_name="Issa",
                family_name="Traoré",
                sex="M",
                date_of_birth=datetime.date(2016, 5, 1),
                phone="",
                id_number="",
                relationship="child",
            )
        ],
        nationality="mli",
        displacement_status=group,
        specific_needs=needs,
        concerns=[risk],
        risk_level=Case.RiskLevel.HIGH,
        address="Quartier Sans Fil, Mopti",
        summary="Threats after return.",
    )
    case = Case.objects.get(pk=case.pk)
    principal = case.people.get(is_principal=True)
    member = case.people.get(is_principal=False)

    values = shared_fields.snapshot(case, list(shared_fields.FIELDS))

    assert values == {
        "code": case.code,
        "names": {"given_name": "Aïcha", "family_name": "Traoré", "other_names": ""},
        "date_of_birth": "1994-03-12",
        "phone": "+223 76 12 34 56",
        "address": "Quartier Sans Fil, Mopti",
        "id_documents": {"type": "national_id", "number": "ML-0457-88213"},
        "household": [
            {
                "given_name": "Issa",
                "family_name": "Traoré",
                "relationship": "child",
                "sex": "M",
                "age": member.age,
            }
        ],
        "summary": "Threats after return.",
        "sex": "F",
        "age": principal.age,
        "age_band": case.age_band,
        "disability": False,
        "nationality": "MLI",
        "displacement_status": group.code,
        "location": "ML0501",
        "specific_needs": ["SV", "WR"],
        "concerns": [risk.code],
        "risk_level": Case.RiskLevel.HIGH,
    }
    # In the order asked for (the age band right after the age).
    order = ["code"]
    for code in shared_fields.FIELDS:
        order += [code, "age_band"] if code == "age" else [code]
    assert list(values) == order


def test_only_the_fields_asked_for_and_none_of_the_principal_without_one(cw: CaseWorld) -> None:
    case = register(cw)
    assert shared_fields.snapshot(case, ["sex", "location"]) == {
        "code": case.code,
        "sex": "F",
        "location": "ML0501",
    }
    case.people.filter(is_principal=True).update(is_principal=False)
    case = Case.objects.get(pk=case.pk)
    # The principal's fields are left out; the age is there, empty, with the case's age band.
    assert shared_fields.snapshot(case, ["names", "phone", "id_documents", "age"]) == {
        "code": case.code,
        "age": None,
        "age_band": case.age_band,
    }
