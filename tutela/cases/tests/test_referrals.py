"""Referrals: deadlines by priority, the receiver's side (consented fields only), answers,
feedback, withdrawal, the receiver's own case, the printable form, overdue escalation."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from tutela.cases.models import Case, Referral, ServiceType
from tutela.cases.services import referrals as services
from tutela.cases.services.referral_form import referral_pdf
from tutela.cases.tests.conftest import CaseWorld, consent, register
from tutela.conftest import client_for
from tutela.core.models import OutboxMessage


def send(cw: CaseWorld, case: Case, **values: Any) -> Referral:
    values.setdefault("fields", ["names", "sex", "phone"])
    return services.referral_send(
        case=case,
        by=cw.caseworker,
        to_organisation=cw.world.drc,
        reason="Besoin d'un abri sûr",
        priority=values.pop("priority", "emergency"),
        services_requested=[ServiceType.objects.get(operation=cw.operation, code="shelter")],
        **values,
    )


@pytest.fixture
def referral(cw: CaseWorld) -> Referral:
    case = register(cw)
    consent(cw, case)
    return send(cw, case)


def test_deadlines_follow_the_priority(cw: CaseWorld) -> None:
    case = register(cw)
    consent(cw, case)
    hours = {}
    for priority in ("emergency", "urgent", "normal"):
        referral = send(cw, case, priority=priority)
        hours[priority] = (referral.respond_by - referral.sent_at).total_seconds() / 3600
    assert hours == {"emergency": 24, "urgent": 72, "normal": 14 * 24}
    assert Referral.objects.order_by("pk").first().code.startswith("REF-")


def test_the_receiver_sees_only_the_consented_fields(cw: CaseWorld, referral: Referral) -> None:
    page = client_for(cw.drc_caseworker).get(f"/o/mali/cases/referrals/{referral.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Aïcha Traoré" in text
    assert "+223 76 12 34 56" in text
    assert "ML-0457-88213" not in text
    assert "1994-03-12" not in text
    assert f"/o/mali/cases/{referral.case_id}/" not in text
    api = (
        client_for(cw.drc_caseworker)
        .get(f"/api/v1/operations/mali/cases/referrals/{referral.pk}/")
        .json()
    )
    assert set(api["shared"]) == {"code", "names", "sex", "phone"}
    assert api["case"] is None
    # The receiver never reaches the case itself.
    assert (
        client_for(cw.drc_caseworker).get(f"/o/mali/cases/{referral.case_id}/").status_code == 404
    )


def test_answers_notify_the_referrer_and_record_response_time(
    cw: CaseWorld, referral: Referral
) -> None:
    notified = OutboxMessage.objects.filter(kind="cases.referral_received")
    assert [m.to_address for m in notified] == ["sup@drc.test"]
    assert "Aïcha" not in notified.get().text
    assert referral.code in notified.get().text
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=cw.caseworker2)
    services.referral_accept(referral=referral, by=cw.drc_caseworker)
    assert referral.responded_at is not None
    assert referral.responded_by == cw.drc_caseworker
    with pytest.raises(ValidationError):
        services.referral_complete(referral=referral, by=cw.drc_caseworker, feedback=" ")
    services.referral_complete(
        referral=referral,
        by=cw.drc_caseworker,
        feedback="Hébergée 10 jours, suivie par notre équipe.",
    )
    assert referral.status == Referral.Status.COMPLETED
    answered = OutboxMessage.objects.filter(kind="cases.referral_answered")
    assert {m.to_address for m in answered} == {"case@amss.test"}


def test_decline_needs_a_reason_and_drops_the_shared_copy(
    cw: CaseWorld, referral: Referral
) -> None:
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, by=cw.drc_supervisor, reason="")
    services.referral_decline(referral=referral, by=cw.drc_supervisor, reason="Pas de place")
    referral.refresh_from_db()
    assert referral.status == "declined"
    assert referral.shared_data == ""


def test_the_sender_withdraws(cw: CaseWorld, referral: Referral) -> None:
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(referral=referral, by=cw.drc_caseworker, reason="x")
    services.referral_withdraw(referral=referral, by=cw.caseworker, reason="Erreur")
    assert referral.status == "withdrawn"
    assert referral.shared_data == ""


def test_the_receiver_opens_its_own_case_from_the_referral(
    cw: CaseWorld, referral: Referral
) -> None:
    with pytest.raises(ValidationError):
        services.referral_open_case(referral=referral, by=cw.drc_caseworker)
    services.referral_accept(referral=referral, by=cw.drc_caseworker)
    with pytest.raises(ValidationError) as error:
        services.referral_open_case(referral=referral, by=cw.drc_caseworker)
    assert "area" in error.value.message_dict
    response = client_for(cw.drc_caseworker).post(
        f"/api/v1/operations/mali/cases/referrals/{referral.pk}/open-case/",
        {"area": "ML0502"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    opened = Case.objects.get(pk=response.json()["id"])
    principal = opened.people.get()
    assert (opened.organisation, opened.owner) == (cw.world.drc, cw.drc_caseworker)
    assert (principal.given_name, principal.phone, principal.id_number) == (
        "Aïcha",
        "+223 76 12 34 56",
        "",
    )
    assert opened.source_referral == referral
    referral.refresh_from_db()
    assert referral.receiver_case == opened


def test_the_printable_form_holds_the_consented_fields_only(
    cw: CaseWorld, referral: Referral
) -> None:
    content = referral_pdf(referral=referral, by=cw.caseworker)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert referral.code in text
    assert "Aïcha" in text
    assert "ML-0457-88213" not in text
    assert "1994" not in text
    response = client_for(cw.drc_caseworker).get(f"/o/mali/cases/referrals/{referral.pk}/form.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_overdue_referrals_are_escalated_once(cw: CaseWorld, referral: Referral) -> None:
    assert services.referrals_escalate() == []
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25), tick=False):
        escalated = services.referrals_escalate()
        assert escalated == [referral]
        assert services.referrals_escalate() == []
    overdue = OutboxMessage.objects.filter(kind="cases.referral_overdue")
    assert {m.to_address for m in overdue} == {"sup@amss.test", "sup@drc.test"}
    assert all("Aïcha" not in m.text for m in overdue)


def test_an_answered_referral_is_never_escalated(cw: CaseWorld, referral: Referral) -> None:
    services.referral_accept(referral=referral, by=cw.drc_caseworker)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        assert services.referrals_escalate() == []


def test_a_referral_to_the_own_organisation_is_refused(cw: CaseWorld) -> None:
    case = register(cw)
    with pytest.raises(ValidationError):
        services.referral_send(
            case=case,
            by=cw.caseworker,
            to_organisation=cw.world.amss,
            reason="x",
            services_requested=ServiceType.objects.all()[:1],
        )
