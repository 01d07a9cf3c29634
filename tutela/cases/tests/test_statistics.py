"""Case statistics for the cluster: consenting cases only, GBV only from organisations sharing
GBV statistics, small counts hidden, response times against the deadlines."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tutela.cases.models import Case, CaseSettings, Referral, ServiceType
from tutela.cases.selectors.statistics import case_statistics, consenting_cases
from tutela.cases.services import consent as consent_services
from tutela.cases.services import workflow
from tutela.cases.tests.conftest import CaseWorld, consent, person, register
from tutela.conftest import client_for
from tutela.core.models import ProtectionRisk


def many(cw: CaseWorld, count: int, **values):  # type: ignore[no-untyped-def]
    cases = []
    for index in range(count):
        case = register(
            cw,
            principal=person(given_name=f"P{index}", family_name="Test", phone="", id_number=""),
            **values,
        )
        consent(cw, case, purpose="aggregate")
        cases.append(case)
    return cases


def test_only_consenting_cases_are_counted(cw: CaseWorld) -> None:
    counted = many(cw, 6)
    register(cw)  # no consent to statistics
    withdrawn = many(cw, 1)[0]
    consent_services.consent_withdraw(consent=withdrawn.consents.get(), by=cw.caseworker)
    assert set(consenting_cases(cw.operation)) == set(counted)


def test_gbv_cases_count_only_for_organisations_that_share_them(cw: CaseWorld) -> None:
    gbv = many(cw, 5, case_type=Case.Type.GBV)
    assert not set(gbv) & set(consenting_cases(cw.operation))
    CaseSettings.objects.get(operation=cw.operation).gbv_aggregate_organisations.add(cw.world.amss)
    assert set(gbv) <= set(consenting_cases(cw.operation))


def test_small_counts_are_hidden_and_cannot_be_recovered(cw: CaseWorld) -> None:
    risk = ProtectionRisk.objects.get(operation=cw.operation, number=12)
    many(cw, 7, concerns=[risk])
    men = []
    for index in range(2):
        case = register(
            cw,
            principal=person(given_name=f"M{index}", sex="M", phone="", id_number=""),
            concerns=[risk],
        )
        consent(cw, case, purpose="aggregate")
        men.append(case)
    stats = case_statistics(cw.operation)
    (row,) = stats.by_risk.rows()
    label, cells, total = row
    female, male = cells[0], cells[1]
    assert male is None  # 2 men: hidden
    assert female is None or total is None  # ...and so is enough to protect it
    page = client_for(cw.world.coordinator).get("/o/mali/cases/statistics/").content.decode()
    assert "Aïcha" not in page
    assert "AMSS-" not in page
    api = client_for(cw.world.viewer).get("/api/v1/operations/mali/cases/statistics/").json()
    assert api["by_risk_and_sex"]["cells"][0][1] is None


def test_response_times_against_deadlines_per_receiving_organisation(cw: CaseWorld) -> None:
    shelter = ServiceType.objects.get(operation=cw.operation, code="shelter")
    cases = many(cw, 6)
    now = timezone.now()
    for index, case in enumerate(cases):
        consent(cw, case)
        Referral.objects.create(
            operation=cw.operation,
            case=case,
            code=f"REF-T-{index}",
            from_organisation=cw.world.amss,
            referred_by=cw.caseworker,
            to_organisation=cw.world.drc,
            priority="emergency",
            reason="x",
            sent_at=now - datetime.timedelta(days=3),
            respond_by=now - datetime.timedelta(days=2),
            responded_at=now - datetime.timedelta(days=3, hours=-2 - index),
            status="accepted",
        ).services_requested.add(shelter)
        workflow.service_record(case=case, by=cw.caseworker, service_type=shelter)
    stats = case_statistics(cw.operation)
    (line,) = stats.referrals
    assert (line.organisation, line.sent, line.answered_in_time, line.share_in_time) == (
        "DRC",
        6,
        6,
        100,
    )
    assert line.median_hours == 4.5
    (service_row,) = [r for r in stats.services.rows() if r[0] == shelter.name]
    assert service_row[1] == [6]
