"""Access-denied tests for every case management page and API endpoint, per persona: another
caseworker of the same organisation, another organisation's case staff and partner, a viewer
(donor), the cluster coordinator and IMO, an outsider. Case records answer 404 to anyone who may
not know they exist and 403 to roles that may not act; nothing changes; the owner and the team's
supervisor reach everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tutela.cases.models import Case, CaseDocument, Referral, ServiceType
from tutela.cases.services import cases as case_services
from tutela.cases.services import referrals, transfers, workflow
from tutela.cases.tests.conftest import CaseWorld, consent, person, register
from tutela.conftest import client_for
from tutela.core.models import AuditEntry

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Filled:
    case: Case
    ids: dict[str, int]
    referral: Referral


@pytest.fixture
def filled(cw: CaseWorld) -> Filled:
    case = register(
        cw,
        kind=Case.Kind.HOUSEHOLD,
        members=[
            person(
                given_name="Binta",
                relationship="child",
                age=7,
                date_of_birth=None,
                phone="",
                id_number="",
                id_type="",
            )
        ],
    )
    member = case.people.get(is_principal=False)
    document = case_services.document_add(
        case=case, by=cw.caseworker, filename="p.png", content=PNG, kind=CaseDocument.Kind.PHOTO
    )
    given = consent(
        cw,
        case,
        organisations=[cw.world.drc, cw.world.unhcr],
        fields=[
            "names",
            "sex",
            "age",
            "phone",
            "location",
            "date_of_birth",
            "address",
            "id_documents",
            "household",
            "summary",
            "disability",
            "nationality",
            "displacement_status",
            "specific_needs",
            "concerns",
            "risk_level",
        ],
    )
    assessment = workflow.assessment_record(case=case, by=cw.caseworker, summary="Constats")
    approval = workflow.approval_request(
        case=case, by=cw.caseworker, kind="assessment", assessment=assessment
    )
    plan = workflow.plan_start(case=case, by=cw.caseworker)
    intervention = workflow.intervention_add(plan=plan, by=cw.caseworker, goal="But")
    follow_up = workflow.follow_up_schedule(
        case=case, by=cw.caseworker, due_on=timezone.localdate()
    )
    transfer = transfers.transfer_request(
        case=case, by=cw.caseworker, to_organisation=cw.world.unhcr, reason="x"
    )
    referral = referrals.referral_send(
        case=case,
        by=cw.caseworker,
        to_organisation=cw.world.drc,
        reason="Abri",
        services_requested=[ServiceType.objects.get(operation=cw.operation, code="shelter")],
        fields=["names"],
    )
    return Filled(
        case=case,
        referral=referral,
        ids={
            "person": member.pk,
            "document": document.pk,
            "consent": given.pk,
            "approval": approval.pk,
            "intervention": intervention.pk,
            "follow_up": follow_up.pk,
            "transfer": transfer.pk,
            "assessment": assessment.pk,
        },
    )


def case_pages(f: Filled) -> list[tuple[str, str]]:
    """Every page of one case: (method, path)."""
    base = f"/o/mali/cases/{f.case.pk}/"
    i = f.ids
    return [
        ("get", base),
        ("get", f"{base}edit/"),
        ("post", f"{base}edit/"),
        ("get", f"{base}access-log/"),
        ("get", f"{base}people/new/"),
        ("post", f"{base}people/new/"),
        ("get", f"{base}people/{i['person']}/"),
        ("post", f"{base}people/{i['person']}/remove/"),
        ("get", f"{base}documents/new/"),
        ("get", f"{base}documents/{i['document']}/"),
        ("post", f"{base}documents/{i['document']}/remove/"),
        ("get", f"{base}reassign/"),
        ("get", f"{base}consents/new/"),
        ("post", f"{base}consents/new/"),
        ("get", f"{base}consents/{i['consent']}/withdraw/"),
        ("post", f"{base}consents/{i['consent']}/withdraw/"),
        ("get", f"{base}assessments/new/"),
        ("get", f"{base}plan/"),
        ("post", f"{base}interventions/{i['intervention']}/status/"),
        ("post", f"{base}approvals/request/case_plan/"),
        ("get", f"{base}approvals/{i['approval']}/"),
        ("post", f"{base}approvals/{i['approval']}/"),
        ("get", f"{base}close/"),
        ("get", f"{base}services/new/"),
        ("get", f"{base}follow-ups/new/"),
        ("get", f"{base}follow-ups/{i['follow_up']}/done/"),
        ("get", f"{base}transfer/"),
        ("post", f"{base}transfers/{i['transfer']}/cancel/"),
        ("get", f"{base}refer/"),
        ("post", f"{base}refer/"),
    ]


def case_endpoints(f: Filled) -> list[tuple[str, str]]:
    base = f"/api/v1/operations/mali/cases/{f.case.pk}/"
    i = f.ids
    return [
        ("get", base),
        ("patch", base),
        ("post", f"{base}people/"),
        ("put", f"{base}people/{i['person']}/"),
        ("delete", f"{base}people/{i['person']}/"),
        ("post", f"{base}reassign/"),
        ("get", f"{base}access-log/"),
        ("get", f"{base}consents/"),
        ("post", f"{base}consents/"),
        ("post", f"{base}consents/{i['consent']}/withdraw/"),
        ("get", f"{base}overrides/"),
        ("post", f"{base}assessments/"),
        ("post", f"{base}plan/interventions/"),
        ("post", f"{base}approvals/"),
        ("post", f"{base}approvals/{i['approval']}/decide/"),
        ("post", f"{base}services/"),
        ("post", f"{base}follow-ups/"),
        ("post", f"{base}follow-ups/{i['follow_up']}/done/"),
        ("post", f"{base}referrals/"),
        ("post", f"{base}transfer/"),
    ]


STAFF_ONLY_PAGES = [
    "/o/mali/cases/list/",
    "/o/mali/cases/new/",
    "/o/mali/cases/tasks/",
    "/o/mali/cases/inbox/",
    "/o/mali/cases/referrals/",
]
STAFF_ONLY_ENDPOINTS = [
    ("get", "/api/v1/operations/mali/cases/"),
    ("post", "/api/v1/operations/mali/cases/"),
    ("post", "/api/v1/operations/mali/cases/duplicates/"),
    ("get", "/api/v1/operations/mali/cases/tasks/"),
    ("get", "/api/v1/operations/mali/cases/referrals/"),
    ("post", "/api/v1/operations/mali/cases/export/"),
]


def call(client: Any, method: str, path: str) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, {}, content_type="application/json")


def persona(cw: CaseWorld, name: str) -> Any:
    return {
        "other caseworker": cw.caseworker2,
        "other organisation": cw.drc_caseworker,
        "other organisation's supervisor": cw.drc_supervisor,
        "other partner": cw.world.other_partner,
        "viewer": cw.world.viewer,
        "coordinator": cw.world.coordinator,
        "imo": cw.world.imo,
        "partner of the organisation": cw.world.partner,
        "outsider": cw.world.outsider,
    }[name]


# Case staff who may not see the case get 404; other roles are refused (403) before any case
# is looked up; people without a role in the operation get 404.
EXPECTED = {
    "other caseworker": 404,
    "other organisation": 404,
    "other organisation's supervisor": 404,
    "other partner": 403,
    "viewer": 403,
    "coordinator": 403,
    "imo": 403,
    "partner of the organisation": 403,
    "outsider": 404,
}


def snapshot(f: Filled) -> tuple[Any, ...]:
    case = Case.objects.get(pk=f.case.pk)
    return (
        case.stage,
        case.risk_level,
        case.owner_id,
        case.people.count(),
        case.documents.count(),
        case.consents.filter(withdrawn_on__isnull=True).count(),
        case.referrals.count(),
        case.assessments.count(),
        case.follow_ups.count(),
        case.transfers.filter(status="pending").count(),
    )


@pytest.mark.parametrize("who", list(EXPECTED))
def test_case_pages_are_closed_to_everyone_but_the_team(
    cw: CaseWorld, filled: Filled, who: str
) -> None:
    before = snapshot(filled)
    reads = AuditEntry.objects.filter(action="read", entity_type="cases.case").count()
    client = client_for(persona(cw, who))
    for method, path in case_pages(filled):
        response = getattr(client, method)(path)
        assert response.status_code == EXPECTED[who], (who, method, path, response.status_code)
    assert snapshot(filled) == before
    assert AuditEntry.objects.filter(action="read", entity_type="cases.case").count() == reads


@pytest.mark.parametrize("who", list(EXPECTED))
def test_case_endpoints_are_closed_to_everyone_but_the_team(
    cw: CaseWorld, filled: Filled, who: str
) -> None:
    before = snapshot(filled)
    client = client_for(persona(cw, who))
    for method, path in case_endpoints(filled):
        response = call(client, method, path)
        assert response.status_code == EXPECTED[who], (who, method, path, response.status_code)
    assert snapshot(filled) == before


@pytest.mark.parametrize(
    "who",
    ["viewer", "coordinator", "imo", "other partner", "partner of the organisation", "outsider"],
)
def test_case_lists_are_for_case_staff_only(cw: CaseWorld, filled: Filled, who: str) -> None:
    client = client_for(persona(cw, who))
    expected = 404 if who == "outsider" else 403
    for path in STAFF_ONLY_PAGES:
        assert client.get(path).status_code == expected, path
    for method, path in STAFF_ONLY_ENDPOINTS:
        assert call(client, method, path).status_code == expected, path


def test_another_caseworker_lists_and_finds_none_of_the_case(cw: CaseWorld, filled: Filled) -> None:
    client = client_for(cw.caseworker2)
    assert filled.case.code not in client.get("/o/mali/cases/list/").content.decode()
    found = client.get("/api/v1/operations/mali/cases/", {"q": "Aïcha Traoré"}).json()
    assert found["count"] == 0
    other_org = client_for(cw.drc_caseworker).get(
        "/api/v1/operations/mali/cases/", {"q": filled.case.code}
    )
    assert other_org.json()["count"] == 0


def test_the_owner_and_the_teams_supervisor_reach_every_page(cw: CaseWorld, filled: Filled) -> None:
    supervisor_only = ("/reassign/", f"/approvals/{filled.ids['approval']}/")
    for user in (cw.caseworker, cw.supervisor):
        client = client_for(user)
        for method, path in case_pages(filled):
            if method == "get":
                response = client.get(path)
                refused = user == cw.caseworker and path.endswith(supervisor_only)
                assert response.status_code == (403 if refused else 200), (user, path)
    supervisor = client_for(cw.supervisor)
    assert supervisor.get(f"/o/mali/cases/{filled.case.pk}/reassign/").status_code == 200
    assert (
        client_for(cw.caseworker).get(f"/o/mali/cases/{filled.case.pk}/reassign/").status_code
        == 403
    )
    # The caseworker who asked for the approval may not decide it: 403.
    assert (
        client_for(cw.caseworker)
        .get(f"/o/mali/cases/{filled.case.pk}/approvals/{filled.ids['approval']}/")
        .status_code
        == 403
    )


def test_every_read_of_a_case_is_audited_and_shown_in_its_access_log(
    cw: CaseWorld, filled: Filled
) -> None:
    client_for(cw.supervisor).get(f"/o/mali/cases/{filled.case.pk}/")
    client_for(cw.caseworker).get(f"/api/v1/operations/mali/cases/{filled.case.pk}/")
    reads = AuditEntry.objects.filter(
        action="read", entity_type="cases.case", entity_id=str(filled.case.pk)
    )
    assert {e.actor for e in reads} == {cw.supervisor, cw.caseworker}
    log = client_for(cw.caseworker).get(f"/o/mali/cases/{filled.case.pk}/access-log/")
    text = log.content.decode()
    assert "sup@amss.test" in text
    assert "case@amss.test" in text
    api_log = (
        client_for(cw.caseworker)
        .get(f"/api/v1/operations/mali/cases/{filled.case.pk}/access-log/")
        .json()
    )
    entity_types = {e["entity_type"] for e in api_log["results"]}
    assert {"cases.case", "cases.consent", "cases.referral", "cases.casedocument"} <= entity_types


REFERRAL_PAGES = ["", "accept/", "decline/", "complete/", "withdraw/", "form.pdf", "open-case/"]


@pytest.mark.parametrize(
    "who", ["other caseworker", "other partner", "viewer", "coordinator", "outsider"]
)
def test_a_referral_is_seen_by_its_two_sides_only(cw: CaseWorld, filled: Filled, who: str) -> None:
    client = client_for(persona(cw, who))
    expected = 404 if who in ("other caseworker", "outsider") else 403
    for suffix in REFERRAL_PAGES:
        path = f"/o/mali/cases/referrals/{filled.referral.pk}/{suffix}"
        method = "get" if suffix in ("", "form.pdf", "open-case/") else "post"
        assert getattr(client, method)(path).status_code == expected, (who, path)
        api = f"/api/v1/operations/mali/cases/referrals/{filled.referral.pk}/{suffix}"
        assert call(client, method, api).status_code == expected, (who, api)
    filled.referral.refresh_from_db()
    assert filled.referral.status == "sent"


def test_the_sender_cannot_answer_its_own_referral(cw: CaseWorld, filled: Filled) -> None:
    response = client_for(cw.caseworker).post(
        f"/api/v1/operations/mali/cases/referrals/{filled.referral.pk}/accept/"
    )
    assert response.status_code == 403
    assert (
        client_for(cw.drc_caseworker)
        .post(f"/api/v1/operations/mali/cases/referrals/{filled.referral.pk}/accept/")
        .status_code
        == 200
    )


def test_only_supervisors_export_the_caseload(cw: CaseWorld, filled: Filled) -> None:
    assert client_for(cw.caseworker).get("/o/mali/cases/export/").status_code == 403
    assert (
        client_for(cw.caseworker)
        .post(
            "/api/v1/operations/mali/cases/export/",
            {"password": "x" * 14},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert client_for(cw.supervisor).get("/o/mali/cases/export/").status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "imo", "viewer", "other partner"])
def test_cluster_roles_see_statistics_and_the_directory_but_no_case(
    cw: CaseWorld, filled: Filled, who: str
) -> None:
    client = client_for(persona(cw, who))
    assert client.get("/o/mali/cases/").status_code == 302
    assert client.get("/o/mali/cases/statistics/").status_code == 200
    assert client.get("/api/v1/operations/mali/cases/statistics/").status_code == 200
    assert client.get("/o/mali/cases/services/").status_code == 200
    assert client.get("/api/v1/operations/mali/cases/directory/").status_code == 200
    text = client.get("/o/mali/cases/statistics/").content.decode()
    assert filled.case.code not in text


def test_outsiders_see_nothing(cw: CaseWorld, filled: Filled) -> None:
    client = client_for(cw.world.outsider)
    for path in (
        "/o/mali/cases/",
        "/o/mali/cases/statistics/",
        "/o/mali/cases/services/",
        "/o/mali/cases/retention/",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        "/api/v1/operations/mali/cases/statistics/",
        "/api/v1/operations/mali/cases/directory/",
    ):
        assert client.get(path).status_code == 404, path


def test_retention_runs_are_for_supervisors_and_managers(cw: CaseWorld) -> None:
    assert client_for(cw.caseworker).get("/o/mali/cases/retention/").status_code == 403
    assert client_for(cw.world.viewer).get("/o/mali/cases/retention/").status_code == 403
    assert client_for(cw.supervisor).get("/o/mali/cases/retention/").status_code == 200
    assert client_for(cw.world.coordinator).get("/o/mali/cases/retention/").status_code == 200


def test_server_administrators_see_no_case_by_being_administrators(
    cw: CaseWorld, filled: Filled
) -> None:
    from tutela.conftest import make_user

    admin = make_user("root@tutela.test", "Root", cw.world.amss, is_superuser=True, is_staff=True)
    client = client_for(admin)
    assert client.get(f"/o/mali/cases/{filled.case.pk}/").status_code == 403
    assert client.get("/api/v1/operations/mali/cases/").status_code == 403


def test_a_transfer_is_decided_by_the_receiving_organisation_only(
    cw: CaseWorld, filled: Filled
) -> None:
    transfer = filled.ids["transfer"]
    for user in (cw.caseworker, cw.supervisor, cw.drc_supervisor):
        response = client_for(user).get(f"/o/mali/cases/transfers/{transfer}/")
        assert response.status_code == 404, user


def test_case_settings_are_for_managers(cw: CaseWorld) -> None:
    from tutela.cases.models import CaseSettings, SpecificNeed

    for user in (cw.caseworker, cw.supervisor, cw.world.viewer, cw.world.partner):
        assert client_for(user).get("/o/mali/cases/settings/").status_code == 403
        assert client_for(user).post("/o/mali/cases/settings/needs/new/", {}).status_code == 403
    client = client_for(cw.world.coordinator)
    assert client.get("/o/mali/cases/settings/").status_code == 200
    response = client.post(
        "/o/mali/cases/settings/",
        {"retention_months": "36", "gbv_aggregate_organisations": [cw.world.amss.pk]},
    )
    assert response.status_code == 302
    settings = CaseSettings.objects.get(operation=cw.operation)
    assert settings.retention_months == 36
    assert list(settings.gbv_aggregate_organisations.all()) == [cw.world.amss]
    need = SpecificNeed.objects.get(operation=cw.operation, code="SC")
    response = client.post(
        f"/o/mali/cases/settings/needs/{need.pk}/",
        {
            "code": "SC",
            "name_en": "Separated child",
            "name_fr": "Enfant séparé",
            "name_es": "",
            "order": "2",
            "is_active": "",
        },
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.name_fr, need.is_active) == ("Enfant séparé", False)
    clash = client.post(
        "/o/mali/cases/settings/services/new/",
        {"code": "LEGAL", "name_en": "x", "name_fr": "x", "order": "1"},
    )
    assert clash.status_code == 400
    assert AuditEntry.objects.filter(
        entity_type="cases.specificneed", entity_id=str(need.pk)
    ).exists()


def test_directory_forms_and_endpoints_refuse_who_may_not_keep_them(cw: CaseWorld) -> None:
    from tutela.cases.models import Service
    from tutela.core.models import AdminArea

    service = Service.objects.create(
        operation=cw.operation,
        organisation=cw.world.drc,
        name="Abri",
        service_type=ServiceType.objects.get(operation=cw.operation, code="shelter"),
    )
    service.areas.add(AdminArea.objects.get(pcode="ML05"))
    body = {"organisation": "DRC", "service_type": "shelter", "name": "X", "areas": ["ML05"]}
    for user in (cw.world.viewer, cw.caseworker, cw.supervisor, cw.world.other_partner):
        client = client_for(user)
        assert client.get(f"/o/mali/cases/services/{service.pk}/").status_code == 403, user
        assert client.post(f"/o/mali/cases/services/{service.pk}/", {}).status_code == 403
        assert (
            client.patch(
                f"/api/v1/operations/mali/cases/directory/{service.pk}/",
                {"name": "X"},
                content_type="application/json",
            ).status_code
            == 403
        )
        assert client.post(
            "/api/v1/operations/mali/cases/directory/", body, content_type="application/json"
        ).status_code in (400, 403)
    assert client_for(cw.world.viewer).get("/o/mali/cases/services/new/").status_code == 403
    assert (
        client_for(cw.world.viewer)
        .post("/api/v1/operations/mali/cases/directory/", body, content_type="application/json")
        .status_code
        == 403
    )
    service.refresh_from_db()
    assert service.name == "Abri"
    assert (
        client_for(cw.drc_supervisor).get(f"/o/mali/cases/services/{service.pk}/").status_code
        == 200
    )


def test_transfer_decisions_through_the_api_refuse_everyone_but_the_receiver(
    cw: CaseWorld, filled: Filled
) -> None:
    path = f"/api/v1/operations/mali/cases/transfers/{filled.ids['transfer']}/decide/"
    for who, expected in (
        ("other caseworker", 404),
        ("other organisation", 404),
        ("viewer", 403),
        ("coordinator", 403),
        ("outsider", 404),
    ):
        response = client_for(persona(cw, who)).post(
            path, {"accept": True}, content_type="application/json"
        )
        assert response.status_code == expected, who
    filled.case.refresh_from_db()
    assert filled.case.organisation == cw.world.amss
