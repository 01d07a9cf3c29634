"""Consent as data, enforced by the server: recorded per purpose, checked at every hand-off
whatever the client sends (here through the API), overridden only by a supervisor of the team
with a reason, never for a GBV case's identifying information, and withdrawn with effect."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tutela.cases.models import Case, Consent, ConsentOverride, Referral
from tutela.cases.services import consent as services
from tutela.cases.services import workflow
from tutela.cases.tests.conftest import CaseWorld, consent, person, register
from tutela.conftest import client_for
from tutela.core.models import AuditEntry


def referral_body(**values: Any) -> dict[str, Any]:
    body = {
        "to_organisation": "DRC",
        "priority": "urgent",
        "services_requested": ["legal"],
        "reason": "Besoin d'assistance juridique pour des documents d'état civil.",
        "shared_fields": ["names", "sex", "phone"],
    }
    body.update(values)
    return body


def url(cw: CaseWorld, case: Case) -> str:
    return f"/api/v1/operations/mali/cases/{case.pk}/referrals/"


def test_a_referral_without_consent_is_refused_whatever_the_client_sends(cw: CaseWorld) -> None:
    case = register(cw)
    response = client_for(cw.caseworker).post(
        url(cw, case), referral_body(), content_type="application/json"
    )
    assert response.status_code == 400
    assert "consent" in str(response.json()).lower()
    assert not Referral.objects.exists()


def test_a_referral_beyond_the_consented_fields_is_refused(cw: CaseWorld) -> None:
    case = register(cw)
    consent(cw, case, fields=["names", "sex"])
    api = client_for(cw.caseworker)
    refused = api.post(
        url(cw, case),
        referral_body(shared_fields=["names", "sex", "phone"]),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "fields" in refused.json()
    assert not Referral.objects.exists()
    sent = api.post(
        url(cw, case),
        referral_body(shared_fields=["names", "sex"]),
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.json()
    assert set(sent.json()["shared"]) == {"code", "names", "sex"}
    referral = Referral.objects.get()
    assert referral.shared_fields == ["names", "sex"]
    assert referral.consent is not None
    assert "76 12 34 56" not in referral.shared_data


def test_a_consent_naming_another_organisation_does_not_cover_this_one(cw: CaseWorld) -> None:
    case = register(cw)
    consent(cw, case, organisations=[cw.world.unhcr])
    response = client_for(cw.caseworker).post(
        url(cw, case), referral_body(shared_fields=[]), content_type="application/json"
    )
    assert response.status_code == 400


def test_an_override_by_a_caseworker_is_refused(cw: CaseWorld) -> None:
    case = register(cw)
    response = client_for(cw.caseworker).post(
        url(cw, case),
        referral_body(override_reason="Urgence vitale"),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()
    assert not ConsentOverride.objects.exists()


def test_a_supervisor_override_is_recorded_audited_and_shown(cw: CaseWorld) -> None:
    case = register(cw)
    response = client_for(cw.supervisor).post(
        url(cw, case),
        referral_body(override_reason="Danger immédiat, la personne ne peut être jointe."),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    override = ConsentOverride.objects.get()
    assert (override.by, override.organisation, override.handoff) == (
        cw.supervisor,
        cw.world.drc,
        "referral",
    )
    assert override.fields == ["names", "phone", "sex"]
    assert Referral.objects.get().override == override
    assert AuditEntry.objects.filter(
        entity_type="cases.consentoverride", entity_id=str(override.pk), actor=cw.supervisor
    ).exists()
    page = client_for(cw.caseworker).get(f"/o/mali/cases/{case.pk}/")
    assert "Danger immédiat" in page.content.decode()
    listed = client_for(cw.caseworker).get(f"/api/v1/operations/mali/cases/{case.pk}/overrides/")
    assert listed.json()[0]["reason"].startswith("Danger")


def test_identifying_information_of_a_gbv_case_never_leaves_even_on_override(
    cw: CaseWorld,
) -> None:
    case = register(cw, case_type=Case.Type.GBV)
    with pytest.raises(ValidationError):
        consent(cw, case, fields=["names", "sex"])
    consent(cw, case, fields=["sex", "age", "location"])
    response = client_for(cw.supervisor).post(
        url(cw, case),
        referral_body(shared_fields=["names"], override_reason="Urgence"),
        content_type="application/json",
    )
    assert response.status_code == 400
    sent = client_for(cw.caseworker).post(
        url(cw, case),
        referral_body(shared_fields=["sex", "age", "location"]),
        content_type="application/json",
    )
    assert sent.status_code == 201
    assert "Aïcha" not in Referral.objects.get().shared_data


def test_a_child_consents_through_a_caregiver_unless_a_best_interest_assessment_says_otherwise(
    cw: CaseWorld,
) -> None:
    child = person(given_name="Adama", date_of_birth=None, age=12, phone="", id_number="")
    case = register(cw, case_type=Case.Type.CHILD_PROTECTION, principal=child)
    with pytest.raises(ValidationError) as error:
        consent(cw, case, purpose=Consent.Purpose.SERVICES)
    assert "given_by" in error.value.message_dict
    with pytest.raises(ValidationError):
        consent(cw, case, purpose=Consent.Purpose.SERVICES, given_by="caregiver")
    consent(
        cw,
        case,
        purpose=Consent.Purpose.SERVICES,
        given_by="caregiver",
        caregiver_name="Kadiatou (tante)",
    )
    bia = workflow.assessment_record(
        case=case, by=cw.caseworker, kind="bia", summary="La tutrice est source de danger."
    )
    with pytest.raises(ValidationError):
        consent(cw, case, purpose=Consent.Purpose.SERVICES, best_interest=bia)
    approval = workflow.approval_request(
        case=case, by=cw.caseworker, kind="assessment", assessment=bia
    )
    workflow.approval_decide(approval=approval, by=cw.supervisor, approve=True)
    bia.refresh_from_db()
    consent(cw, case, purpose=Consent.Purpose.SERVICES, best_interest=bia)


def test_withdrawal_takes_back_what_open_referrals_carry(cw: CaseWorld) -> None:
    case = register(cw)
    given = consent(cw, case)
    api = client_for(cw.caseworker)
    assert (
        api.post(url(cw, case), referral_body(), content_type="application/json").status_code == 201
    )
    referral = Referral.objects.get()
    assert "Aïcha" in referral.shared_data
    response = api.post(
        f"/api/v1/operations/mali/cases/{case.pk}/consents/{given.pk}/withdraw/",
        {"note": "Ne souhaite plus"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["withdrawn_on"]
    referral.refresh_from_db()
    assert referral.shared_data == ""
    assert referral.shared_fields == []
    receiver = client_for(cw.drc_caseworker).get(
        f"/api/v1/operations/mali/cases/referrals/{referral.pk}/"
    )
    assert receiver.json()["shared"] == {}
    assert (
        api.post(url(cw, case), referral_body(), content_type="application/json").status_code == 400
    )


def test_an_expired_consent_no_longer_covers(cw: CaseWorld) -> None:
    case = register(cw)
    consent(cw, case, given_on=datetime.date(2025, 1, 1), valid_until=datetime.date(2025, 6, 30))
    assert services.active_consents(case, "sharing") == []
    assert (
        client_for(cw.caseworker)
        .post(url(cw, case), referral_body(), content_type="application/json")
        .status_code
        == 400
    )


def test_consent_through_the_api(cw: CaseWorld) -> None:
    case = register(cw)
    response = client_for(cw.caseworker).post(
        f"/api/v1/operations/mali/cases/{case.pk}/consents/",
        {"purpose": "sharing", "organisations": ["DRC"], "shared_fields": ["names", "phone"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organisations"] == ["DRC"]
    assert response.json()["fields"] == ["names", "phone"]
    bad = client_for(cw.caseworker).post(
        f"/api/v1/operations/mali/cases/{case.pk}/consents/",
        {"purpose": "sharing", "organisations": ["AMSS"], "shared_fields": ["names"]},
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_a_caseworkers_override_on_the_page_is_refused_on_the_form(cw: CaseWorld) -> None:
    from tutela.cases.models import ServiceType

    case = register(cw)
    shelter = ServiceType.objects.get(operation=cw.operation, code="shelter")
    response = client_for(cw.caseworker).post(
        f"/o/mali/cases/{case.pk}/refer/",
        {
            "to_organisation": cw.world.drc.pk,
            "priority": "normal",
            "services_requested": [shelter.pk],
            "reason": "Abri",
            "fields": ["names"],
            "caregiver_informed": "unknown",
            "override_reason": "Je passe outre",
        },
    )
    assert response.status_code == 400
    assert "supervisor" in response.content.decode()
    assert not Referral.objects.exists()
    assert not ConsentOverride.objects.exists()
