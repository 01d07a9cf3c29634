"""Access-denied tests for every cash for protection page and endpoint, per persona (another
caseworker of the organisation, another organisation's case staff and partner, a viewer, the
coordinator and IMO, an outsider): nothing is shown or changed; the owner and the team's
supervisor reach every page; the coordinator sees only the aggregate summary and the reference
data; the reconciliation export is the team supervisors'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tutela.cases.models import CashAssistance, ExpenditureBasket, SharingAgreement
from tutela.cases.services import cash as cash_services
from tutela.cases.tests import cash_fixtures
from tutela.cases.tests.cash_fixtures import cash_case, cash_for
from tutela.cases.tests.conftest import CaseWorld
from tutela.cases.tests.test_access import EXPECTED, call, persona
from tutela.conftest import client_for
from tutela.core.models import AuditEntry

# The operation's criteria, threshold and MEB (a fixture).
basket = cash_fixtures.basket


@dataclass
class Paid:
    item: CashAssistance
    agreement: SharingAgreement


@pytest.fixture
def paid(cw: CaseWorld, basket: ExpenditureBasket) -> Paid:
    item = cash_for(cw, cash_case(cw))
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=True)
    first = item.instalments.get(number=1)
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    cash_services.monitoring_record(
        instalment=first,
        by=cw.caseworker,
        interviewed_on=timezone.localdate(),
        received_in_full=True,
        on_time=True,
        safety_problem=False,
        uses=["food"],
        satisfaction=5,
    )
    agreement = cash_services.agreement_create(
        operation=cw.operation,
        by=cw.world.coordinator,
        organisations=[cw.world.amss, cw.world.drc],
        reference="DSA-1",
        valid_from=timezone.localdate(),
    )
    return Paid(item=CashAssistance.objects.get(pk=item.pk), agreement=agreement)


def cash_pages(p: Paid) -> list[tuple[str, str]]:
    one = f"/o/mali/cases/cash/{p.item.pk}/"
    return [
        ("get", f"/o/mali/cases/{p.item.case_id}/cash/new/"),
        ("post", f"/o/mali/cases/{p.item.case_id}/cash/new/"),
        ("get", one),
        ("post", f"{one}request/"),
        ("post", f"{one}check/"),
        ("get", f"{one}decide/"),
        ("post", f"{one}decide/"),
        ("get", f"{one}cancel/"),
        ("post", f"{one}cancel/"),
        ("get", f"{one}instalments/2/"),
        ("post", f"{one}instalments/2/"),
        ("get", f"{one}instalments/2/edit/"),
        ("post", f"{one}instalments/2/edit/"),
        ("get", f"{one}instalments/1/monitoring/"),
        ("post", f"{one}instalments/1/monitoring/"),
    ]


def cash_endpoints(p: Paid) -> list[tuple[str, str]]:
    api = "/api/v1/operations/mali/cases"
    one = f"{api}/cash/{p.item.pk}/"
    return [
        ("get", f"{api}/{p.item.case_id}/cash/"),
        ("post", f"{api}/{p.item.case_id}/cash/"),
        ("get", one),
        ("post", f"{one}request/"),
        ("post", f"{one}decide/"),
        ("post", f"{one}check/"),
        ("post", f"{one}cancel/"),
        ("put", f"{one}instalments/"),
        ("put", f"{one}instalments/2/"),
        ("post", f"{one}instalments/2/status/"),
        ("post", f"{one}instalments/1/monitoring/"),
    ]


def state(p: Paid) -> tuple[Any, ...]:
    item = CashAssistance.objects.get(pk=p.item.pk)
    return (
        item.status,
        item.checked_at,
        CashAssistance.objects.count(),
        tuple(item.instalments.values_list("status", flat=True)),
    )


@pytest.mark.parametrize("who", list(EXPECTED))
def test_cash_pages_are_closed_to_everyone_but_the_team(
    cw: CaseWorld, paid: Paid, who: str
) -> None:
    before = state(paid)
    reads = AuditEntry.objects.filter(action="read", entity_type="cases.cashassistance").count()
    client = client_for(persona(cw, who))
    for method, path in cash_pages(paid):
        response = getattr(client, method)(path)
        assert response.status_code == EXPECTED[who], (who, method, path, response.status_code)
    assert state(paid) == before
    assert (
        AuditEntry.objects.filter(action="read", entity_type="cases.cashassistance").count()
        == reads
    )


@pytest.mark.parametrize("who", list(EXPECTED))
def test_cash_endpoints_are_closed_to_everyone_but_the_team(
    cw: CaseWorld, paid: Paid, who: str
) -> None:
    before = state(paid)
    client = client_for(persona(cw, who))
    for method, path in cash_endpoints(paid):
        response = call(client, method, path)
        assert response.status_code == EXPECTED[who], (who, method, path, response.status_code)
    assert state(paid) == before


TEAM_LIST = [("get", "/o/mali/cases/cash/"), ("get", "/api/v1/operations/mali/cases/cash/")]
EXPORT = [
    ("get", "/o/mali/cases/cash/export/"),
    ("post", "/o/mali/cases/cash/export/"),
    ("post", "/api/v1/operations/mali/cases/cash/export/"),
]
SETTINGS = [
    ("get", "/o/mali/cases/cash/settings/"),
    ("get", "/o/mali/cases/cash/settings/rules/"),
    ("get", "/o/mali/cases/cash/settings/criteria/new/"),
    ("get", "/o/mali/cases/cash/settings/baskets/new/"),
    ("get", "/o/mali/cases/cash/settings/agreements/new/"),
    ("post", "/o/mali/cases/cash/settings/agreements/new/"),
    ("get", "/api/v1/operations/mali/cases/cash/criteria/"),
    ("post", "/api/v1/operations/mali/cases/cash/criteria/"),
    ("put", "/api/v1/operations/mali/cases/cash/rules/"),
    ("get", "/api/v1/operations/mali/cases/cash/baskets/"),
    ("post", "/api/v1/operations/mali/cases/cash/baskets/"),
    ("get", "/api/v1/operations/mali/cases/cash/agreements/"),
    ("post", "/api/v1/operations/mali/cases/cash/agreements/"),
]


@pytest.mark.parametrize(
    "who",
    ["viewer", "coordinator", "imo", "other partner", "partner of the organisation", "outsider"],
)
def test_cash_lists_and_export_are_for_case_staff_only(cw: CaseWorld, paid: Paid, who: str) -> None:
    client = client_for(persona(cw, who))
    expected = 404 if who == "outsider" else 403
    for method, path in TEAM_LIST + EXPORT:
        assert call(client, method, path).status_code == expected, path


def test_the_export_is_the_team_supervisors(cw: CaseWorld, paid: Paid) -> None:
    for user in (cw.caseworker, cw.caseworker2, cw.drc_caseworker):
        for method, path in EXPORT:
            assert call(client_for(user), method, path).status_code == 403, (user, path)
    response = client_for(cw.supervisor).post(
        "/o/mali/cases/cash/export/", {"password": "long enough password", "file_format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_another_organisation_lists_none_of_the_cash(cw: CaseWorld, paid: Paid) -> None:
    listed = client_for(cw.drc_supervisor).get("/api/v1/operations/mali/cases/cash/").json()
    assert listed["count"] == 0
    assert (
        paid.item.code not in client_for(cw.caseworker2).get("/o/mali/cases/cash/").content.decode()
    )


@pytest.mark.parametrize(
    "who",
    [
        "other caseworker",
        "other organisation's supervisor",
        "viewer",
        "other partner",
        "partner of the organisation",
        "outsider",
    ],
)
def test_reference_data_and_agreements_are_the_managers(
    cw: CaseWorld, paid: Paid, who: str
) -> None:
    client = client_for(persona(cw, who))
    expected = 404 if who == "outsider" else 403
    for method, path in SETTINGS:
        assert call(client, method, path).status_code == expected, (who, path)
    end = f"/o/mali/cases/cash/settings/agreements/{paid.agreement.pk}/end/"
    assert client.post(end).status_code == expected
    assert (
        call(
            client,
            "post",
            f"/api/v1/operations/mali/cases/cash/agreements/{paid.agreement.pk}/end/",
        ).status_code
        == expected
    )
    assert SharingAgreement.objects.get(pk=paid.agreement.pk).ended_on is None


def test_the_coordinator_keeps_the_reference_data_and_sees_only_aggregates(
    cw: CaseWorld, paid: Paid
) -> None:
    client = client_for(cw.world.coordinator)
    for method, path in SETTINGS:
        if method == "get":
            assert client.get(path).status_code == 200, path
    created = client.post(
        "/api/v1/operations/mali/cases/cash/criteria/",
        {"code": "child-labour", "label": "Child at risk of child labour", "weight": 2},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    new_basket = client.post(
        "/api/v1/operations/mali/cases/cash/baskets/",
        {
            "name": "MEB 2027",
            "currency": "xof",
            "valid_from": "2027-01-01",
            "amounts": [{"household_size": 1, "amount": "50000"}],
        },
        content_type="application/json",
    )
    assert new_basket.status_code == 201, new_basket.content
    assert new_basket.json()["currency"] == "XOF"
    ended = client.post(f"/api/v1/operations/mali/cases/cash/agreements/{paid.agreement.pk}/end/")
    assert ended.status_code == 200
    assert ended.json()["ended_on"]
    assert AuditEntry.objects.filter(
        entity_type="cases.sharingagreement", actor=cw.world.coordinator, action="update"
    ).exists()
    summary = client.get("/api/v1/operations/mali/cases/cash/summary/").json()
    assert summary["organisation"] is None


def test_the_owner_and_the_supervisor_reach_every_cash_page(cw: CaseWorld, paid: Paid) -> None:
    item = paid.item
    owner = client_for(cw.caseworker)
    for path in (
        f"/o/mali/cases/{item.case_id}/cash/new/",
        f"/o/mali/cases/cash/{item.pk}/",
        f"/o/mali/cases/cash/{item.pk}/cancel/",
        f"/o/mali/cases/cash/{item.pk}/instalments/2/",
        f"/o/mali/cases/cash/{item.pk}/instalments/1/monitoring/",
        "/o/mali/cases/cash/",
        "/o/mali/cases/cash/summary/",
        f"/o/mali/cases/{item.case_id}/",
    ):
        response = owner.get(path)
        assert response.status_code == 200, path
    text = owner.get(f"/o/mali/cases/cash/{item.pk}/").content.decode()
    assert item.code in text
    # The case's page lists its cash records.
    assert item.code in owner.get(f"/o/mali/cases/{item.case_id}/").content.decode()
    # An approved record has nothing left to decide: even the supervisor gets 403.
    assert client_for(cw.supervisor).get(f"/o/mali/cases/cash/{item.pk}/decide/").status_code == 403
    reads = AuditEntry.objects.filter(
        action="read", entity_type="cases.cashassistance", entity_id=str(item.pk)
    )
    assert reads.filter(actor=cw.caseworker).exists()
