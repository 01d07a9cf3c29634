"""Cash for protection: the amount from the MEB, eligibility, the two-person approval (through
the API), disbursement, PDM, the reconciliation export, and the cross-organisation duplicate
check that reveals nothing without consent and agreement and never decrypts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import msoffcrypto
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from tutela.cases.models import Case, CashAssistance, CashInstalment, ExpenditureBasket
from tutela.cases.services import cash as cash_services
from tutela.cases.services import workflow
from tutela.cases.services.cash_exports import cash_reconciliation_export
from tutela.cases.tests import cash_fixtures
from tutela.cases.tests.cash_fixtures import cash_case, cash_for
from tutela.cases.tests.conftest import CaseWorld, _role
from tutela.conftest import client_for, make_user
from tutela.core import crypto
from tutela.core.models import AuditEntry
from tutela.core.models.roles import Role

API = "/api/v1/operations/mali/cases"
TODAY = timezone.localdate

# The operation's criteria, threshold and MEB (a fixture).
basket = cash_fixtures.basket


def agreement(cw: CaseWorld, **kw: Any) -> Any:
    kw.setdefault("valid_from", TODAY() - datetime.timedelta(days=10))
    return cash_services.agreement_create(
        operation=cw.operation,
        by=cw.world.coordinator,
        organisations=[cw.world.amss, cw.world.drc],
        reference="DSA-AMSS-DRC-2026",
        **kw,
    )


def approved_elsewhere(cw: CaseWorld, *, dedup: bool = True, **kw: Any) -> CashAssistance:
    """DRC gives cash to a person with the same ID number (approved by a second person)."""
    case = cash_case(cw, by=cw.drc_caseworker, dedup=dedup, **kw)
    item = cash_for(cw, case, by=cw.drc_caseworker)
    cash_services.cash_request(assistance=item, by=cw.drc_caseworker)
    return cash_services.cash_decide(assistance=item, by=cw.drc_supervisor, approve=True)


# --- Amount and eligibility ------------------------------------------------------------------


def test_amount_comes_from_the_meb_for_the_household_size(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    item = cash_for(cw, cash_case(cw), household_size=3, first_due_on=datetime.date(2026, 1, 5))
    # 80 % of the 3-person MEB (85,000), in two instalments 30 days apart.
    assert item.computed_amount == item.amount == Decimal("68000.00")
    assert item.currency == "XOF"
    lines = list(item.instalments.values_list("number", "due_on", "amount", "status"))
    assert lines == [
        (1, datetime.date(2026, 1, 5), Decimal("34000.00"), "planned"),
        (2, datetime.date(2026, 2, 4), Decimal("34000.00"), "planned"),
    ]
    # A household of 7: the largest size listed (5) covers it.
    bigger = cash_for(cw, item.case, household_size=7)
    assert bigger.amount == Decimal("96000.00")


def test_another_amount_needs_a_reason_kept_encrypted(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    case = cash_case(cw)
    with pytest.raises(ValidationError) as refused:
        cash_for(cw, case, amount=Decimal("90000"))
    assert "override_reason" in refused.value.message_dict
    item = cash_for(cw, case, amount=Decimal("90000"), override_reason="Loyer dû au bailleur")
    assert item.amount == Decimal("90000.00")
    assert item.computed_amount == Decimal("68000.00")
    with connection.cursor() as cursor:
        cursor.execute("SELECT override_reason FROM cases_cashassistance WHERE id = %s", [item.pk])
        stored = cursor.fetchone()[0]
    assert "Loyer" not in stored
    assert stored.startswith(crypto.PREFIX)


def test_eligibility_needs_the_mandatory_criteria_and_the_threshold(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    case = cash_case(cw)
    no_risk = cash_for(cw, case, criteria_met=["female-headed", "disability"])
    assert no_risk.score == 4
    assert not no_risk.eligible
    low = cash_for(cw, case, criteria_met=["protection-risk"])
    assert low.score == 3
    assert not low.eligible
    with pytest.raises(ValidationError):
        cash_services.cash_request(assistance=low, by=cw.caseworker)
    with pytest.raises(ValidationError):
        cash_for(cw, case, criteria_met=["made-up"])
    assert cash_for(cw, case).eligible


def test_the_intervention_must_belong_to_the_case_plan(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    case = cash_case(cw)
    other = cash_case(cw, id_number="ML-1111-22222")
    plan = workflow.plan_start(case=other, by=cw.caseworker)
    foreign = workflow.intervention_add(plan=plan, by=cw.caseworker, goal="Loyer")
    with pytest.raises(ValidationError):
        cash_for(cw, case, intervention=foreign)
    own = workflow.intervention_add(
        plan=workflow.plan_start(case=case, by=cw.caseworker), by=cw.caseworker, goal="Loyer"
    )
    assert cash_for(cw, case, intervention=own).intervention == own


def test_a_cash_record_without_a_basket_in_force_is_refused(cw: CaseWorld) -> None:
    with pytest.raises(ValidationError):
        cash_for(cw, cash_case(cw))


def test_the_meb_form_text_gives_a_clear_error_per_line() -> None:
    assert cash_services.parse_amounts("1: 45 000\n\n3:85000,5") == {
        1: Decimal("45000"),
        3: Decimal("85000.5"),
    }
    for bad in ("three: 100", "3 85000", "2: lots", "2: NaN"):
        with pytest.raises(ValidationError):
            cash_services.parse_amounts(bad)


# --- Two-person approval, through the API ----------------------------------------------------


def test_the_requester_cannot_approve_through_the_api(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    case = cash_case(cw)
    caseworker = client_for(cw.caseworker)
    created = caseworker.post(
        f"{API}/{case.pk}/cash/",
        {
            "household_size": 2,
            "criteria_met": ["protection-risk", "disability"],
            "mechanism": "cash",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cash_id = created.json()["id"]
    assert created.json()["amount"] == "56000.00"
    # The supervisor asks for the approval of the caseworker's draft ...
    supervisor = client_for(cw.supervisor)
    assert supervisor.post(f"{API}/cash/{cash_id}/request/").status_code == 200
    body = {"approve": True, "comment": ""}
    # ... so neither the supervisor (requester) nor the caseworker (author) may approve.
    for client in (supervisor, caseworker):
        refused = client.post(
            f"{API}/cash/{cash_id}/decide/", body, content_type="application/json"
        )
        assert refused.status_code == 403
    assert CashAssistance.objects.get(pk=cash_id).status == "pending"
    # A second supervisor of the team approves; the decision is audited.
    second = _role(
        make_user("sup2@amss.test", "Sana Second", cw.world.amss), Role.SUPERVISOR, cw.world
    )
    approved = client_for(second).post(
        f"{API}/cash/{cash_id}/decide/", body, content_type="application/json"
    )
    assert approved.status_code == 200, approved.content
    item = CashAssistance.objects.get(pk=cash_id)
    assert (item.status, item.decided_by, item.requested_by) == ("approved", second, cw.supervisor)
    assert set(item.instalments.values_list("status", flat=True)) == {"approved"}
    assert AuditEntry.objects.filter(
        entity_type="cases.cashassistance", entity_id=str(cash_id), actor=second, action="update"
    ).exists()


def test_a_caseworker_cannot_approve_even_what_someone_else_asked(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    case = cash_case(cw)
    case.assigned.add(cw.caseworker2)
    item = cash_for(cw, case)
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    with pytest.raises(PermissionDenied):
        cash_services.cash_decide(assistance=item, by=cw.caseworker2, approve=True)


def test_a_rejection_needs_a_reason_and_the_draft_can_be_sent_again(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    item = cash_for(cw, cash_case(cw))
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    with pytest.raises(ValidationError):
        cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=False)
    cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=False, comment="Revoir")
    assert item.status == "rejected"
    assert cash_services.cash_request(assistance=item, by=cw.caseworker).status == "pending"


# --- Disbursement and monitoring -------------------------------------------------------------


def _approved(cw: CaseWorld, **kw: Any) -> CashAssistance:
    item = cash_for(cw, cash_case(cw, **kw))
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    return cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=True)


def test_disbursement_follows_the_status_rules_and_completes_the_record(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    draft = cash_for(cw, cash_case(cw, id_number="ML-9999-00001"))
    with pytest.raises(ValidationError):
        cash_services.instalment_status_set(
            instalment=draft.instalments.get(number=1), by=cw.caseworker, status="paid"
        )
    item = _approved(cw)
    first, second = item.instalments.order_by("number")
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="failed")
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="approved")
    cash_services.instalment_status_set(
        instalment=first, by=cw.caseworker, status="paid", reference="OM-778812"
    )
    with pytest.raises(ValidationError):
        cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="failed")
    assert CashAssistance.objects.get(pk=item.pk).status == "approved"
    cash_services.instalment_status_set(
        instalment=second, by=cw.caseworker, status="paid", paid_amount=Decimal("30000")
    )
    assert CashAssistance.objects.get(pk=item.pk).status == "completed"
    assert CashInstalment.objects.get(pk=second.pk).paid_amount == Decimal("30000.00")


def test_monitoring_follows_a_paid_instalment_once(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    item = _approved(cw)
    first = item.instalments.get(number=1)
    answers = {
        "interviewed_on": TODAY(),
        "received_in_full": True,
        "on_time": False,
        "safety_problem": True,
        "safety_note": "Racket au point de retrait",
        "uses": ["food", "rent"],
        "satisfaction": 4,
    }
    with pytest.raises(ValidationError):
        cash_services.monitoring_record(instalment=first, by=cw.caseworker, **answers)
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    pdm = cash_services.monitoring_record(instalment=first, by=cw.caseworker, **answers)
    assert pdm.uses == ["food", "rent"]
    with pytest.raises(ValidationError):
        cash_services.monitoring_record(instalment=first, by=cw.caseworker, **answers)
    with pytest.raises(ValidationError):
        cash_services.monitoring_record(
            instalment=item.instalments.get(number=2),
            by=cw.caseworker,
            **{**answers, "uses": ["x"]},
        )


def test_the_pdm_summary_is_whole_inside_the_organisation_and_suppressed_outside(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    from tutela.cases.tests.conftest import consent

    item = _approved(cw)
    consent(cw, item.case, purpose="aggregate")
    first = item.instalments.get(number=1)
    cash_services.instalment_status_set(instalment=first, by=cw.caseworker, status="paid")
    cash_services.monitoring_record(
        instalment=first,
        by=cw.caseworker,
        interviewed_on=TODAY(),
        received_in_full=True,
        on_time=True,
        safety_problem=True,
        uses=["rent"],
        satisfaction=2,
    )
    own = client_for(cw.caseworker).get(f"{API}/cash/summary/").json()
    assert own["organisation"]["interviews"] == 1
    assert own["organisation"]["safety_problems"] == 1
    # One interview: below the threshold, nothing of it is shown to the cluster.
    cluster = client_for(cw.world.coordinator).get(f"{API}/cash/summary/").json()
    assert cluster["organisation"] is None
    assert cluster["cluster"]["interviews"] is None
    assert cluster["cluster"]["safety_problems"] is None
    assert {line["count"] for line in cluster["cluster"]["uses"]} <= {None, 0}
    assert 1 not in [line["count"] for line in cluster["cluster"]["satisfaction"]]
    page = client_for(cw.world.coordinator).get("/o/mali/cases/cash/summary/")
    assert page.status_code == 200
    assert "Your organisation" not in page.content.decode()


# --- Reconciliation export -------------------------------------------------------------------


def _decrypt(content: bytes, password: str) -> Any:
    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    return load_workbook(plain).active


def test_the_reconciliation_export_is_encrypted_and_carries_no_identity(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    item = _approved(cw)
    first = item.instalments.get(number=1)
    cash_services.instalment_status_set(
        instalment=first, by=cw.caseworker, status="paid", paid_amount=Decimal("30000")
    )
    password = "correct horse battery"
    content = cash_reconciliation_export(
        operation=cw.operation, by=cw.supervisor, password=password
    )
    assert b"Traor" not in content
    assert b"88213" not in content
    rows = list(_decrypt(content, password).iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1][0] == item.code
    assert rows[1][1] == item.case.code
    assert rows[1][6] == 34000
    assert rows[1][9] == 30000
    assert rows[1][10] == -4000
    text = " ".join(str(v) for row in rows for v in row)
    assert "Aïcha" not in text
    assert "ML-0457" not in text
    assert "+223" not in text
    archive = cash_reconciliation_export(
        operation=cw.operation, by=cw.supervisor, password=password, file_format="csv"
    )
    import pyzipper

    with pyzipper.AESZipFile(io.BytesIO(archive)) as opened:
        with pytest.raises(RuntimeError):
            opened.read("reconciliation.csv")
        opened.setpassword(password.encode())
        csv_text = opened.read("reconciliation.csv").decode("utf-8-sig")
    assert item.code in csv_text
    assert "Aïcha" not in csv_text
    assert (
        AuditEntry.objects.filter(action="export", entity_type="cases.cash_reconciliation").count()
        == 2
    )
    with pytest.raises(PermissionDenied):
        cash_reconciliation_export(operation=cw.operation, by=cw.caseworker, password=password)
    with pytest.raises(ValidationError):
        cash_reconciliation_export(operation=cw.operation, by=cw.supervisor, password="short")


# --- Duplicate check across organisations ----------------------------------------------------


def test_the_check_names_the_other_organisation_and_nothing_else(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    elsewhere = approved_elsewhere(cw)
    agreement(cw)
    item = cash_for(cw, cash_case(cw))
    response = client_for(cw.caseworker).post(f"{API}/cash/{item.pk}/check/")
    assert response.status_code == 200
    assert response.json() == {"outcome": "checked", "organisations": ["DRC"]}
    text = response.content.decode()
    assert elsewhere.code not in text
    assert elsewhere.case.code not in text
    assert "Aïcha" not in text
    assert "Dina" not in text
    entry = AuditEntry.objects.filter(
        entity_type="cases.cashassistance", entity_id=str(item.pk), summary__contains="duplicate"
    ).get()
    assert entry.after == {"outcome": "checked", "organisations": ["DRC"]}


def test_an_approval_with_a_probable_duplicate_needs_confirmation(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    approved_elsewhere(cw)
    agreement(cw)
    item = cash_for(cw, cash_case(cw))
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    supervisor = client_for(cw.supervisor)
    url = f"{API}/cash/{item.pk}/decide/"
    conflict = supervisor.post(url, {"approve": True}, content_type="application/json")
    assert conflict.status_code == 409
    assert conflict.json()["organisations"] == ["DRC"]
    assert CashAssistance.objects.get(pk=item.pk).status == "pending"
    confirmed = supervisor.post(
        url, {"approve": True, "confirm_duplicates": True}, content_type="application/json"
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "approved"


@pytest.mark.parametrize("missing", ["agreement", "our consent", "their consent", "ended"])
def test_without_consent_or_agreement_nothing_is_revealed(
    cw: CaseWorld, basket: ExpenditureBasket, missing: str
) -> None:
    approved_elsewhere(cw, dedup=missing != "their consent")
    if missing != "agreement":
        signed = agreement(cw)
        if missing == "ended":
            cash_services.agreement_end(
                agreement=signed, by=cw.world.coordinator, on=TODAY() - datetime.timedelta(days=1)
            )
    item = cash_for(cw, cash_case(cw, dedup=missing != "our consent"))
    result = cash_services.cash_duplicate_check(assistance=item, by=cw.caseworker)
    assert result.organisations == []
    assert (
        result.outcome
        == {
            "agreement": "no_agreement",
            "ended": "no_agreement",
            "our consent": "no_consent",
            "their consent": "checked",
        }[missing]
    )
    # And the approval goes through without a 409.
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=True)


def test_a_gbv_case_elsewhere_or_a_closed_record_is_never_revealed(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    agreement(cw)
    approved_elsewhere(cw, case_type=Case.Type.GBV)
    done = approved_elsewhere(cw, id_number="ML-5555-12345")
    cash_services.cash_cancel(assistance=done, by=cw.drc_caseworker, reason="Déménagé")
    for number in ("ML-0457-88213", "ML-5555-12345"):
        item = cash_for(cw, cash_case(cw, id_number=number))
        assert (
            cash_services.cash_duplicate_check(assistance=item, by=cw.caseworker).organisations
            == []
        )


def test_the_check_never_decrypts(
    cw: CaseWorld, basket: ExpenditureBasket, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved_elsewhere(cw)
    agreement(cw)
    item = cash_for(cw, cash_case(cw))
    item = CashAssistance.objects.select_related("operation", "case").get(pk=item.pk)
    calls: list[str] = []

    def refuse(stored: str) -> str:
        calls.append(stored)
        raise AssertionError("the duplicate check decrypted a value")

    monkeypatch.setattr(crypto, "decrypt", refuse)
    result = cash_services.cash_duplicate_check(assistance=item, by=cw.caseworker)
    assert result.organisations == ["DRC"]
    assert calls == []
    # The spy works: reading an encrypted column now fails.
    with pytest.raises(AssertionError):
        list(Case.objects.filter(pk=item.case_id).values_list("people__given_name", flat=True))


def test_anonymising_a_case_removes_the_free_text_of_its_cash(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    from tutela.cases.services.retention import retention_apply

    case = cash_case(cw)
    item = cash_for(cw, case, amount=Decimal("70000"), override_reason="Loyer dû au bailleur")
    cash_services.cash_request(assistance=item, by=cw.caseworker)
    cash_services.cash_decide(assistance=item, by=cw.supervisor, approve=True, comment="Vu")
    first = item.instalments.get(number=1)
    cash_services.instalment_status_set(
        instalment=first, by=cw.caseworker, status="paid", note="Payé au marché de Sévaré"
    )
    cash_services.monitoring_record(
        instalment=first,
        by=cw.caseworker,
        interviewed_on=TODAY(),
        received_in_full=True,
        on_time=True,
        safety_problem=True,
        safety_note="Racket au point de retrait",
        satisfaction=3,
    )
    Case.objects.filter(pk=case.pk).update(
        stage=Case.Stage.CLOSED,
        closed_on=TODAY() - datetime.timedelta(days=3000),
        closure_reason="needs_met",
    )
    run = retention_apply(operation=cw.operation)
    assert [entry["code"] for entry in run.report] == [case.code]
    item.refresh_from_db()
    first.refresh_from_db()
    assert (item.override_reason, item.decision_note, first.note) == ("", "", "")
    assert first.monitoring.safety_note == ""
    assert item.amount == Decimal("70000.00")
    assert first.status == "paid"


def test_the_request_button_sends_for_approval_and_a_refusal_is_shown(
    cw: CaseWorld, basket: ExpenditureBasket
) -> None:
    item = cash_for(cw, cash_case(cw))
    client = client_for(cw.caseworker)
    url = f"/o/{cw.world.operation.slug}/cases/cash/{item.pk}/request/"
    response = client.post(url, follow=True)
    item.refresh_from_db()
    assert item.status == "pending"
    assert response.redirect_chain[-1][0].endswith(f"/cash/{item.pk}/")
    assert "another person decides" in response.content.decode()
    # Asking again is refused by the service; the page says why and changes nothing.
    again = client.post(url, follow=True)
    item.refresh_from_db()
    assert item.status == "pending"
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
