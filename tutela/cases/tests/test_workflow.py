"""The workflow: assessment -> case plan -> services -> follow-ups -> closure, supervisor
approvals (self-approval refused), the child protection best-interest rule, reassignment,
transfers with consent."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tutela.cases import access
from tutela.cases.models import Approval, Case, ServiceType, Transfer
from tutela.cases.services import transfers, workflow
from tutela.cases.tests.conftest import CaseWorld, consent, person, register
from tutela.conftest import client_for


def approve(cw: CaseWorld, approval: Approval) -> Approval:
    return workflow.approval_decide(approval=approval, by=cw.supervisor, approve=True)


def test_the_whole_workflow_moves_the_case_through_its_stages(cw: CaseWorld) -> None:
    case = register(cw)
    assessment = workflow.assessment_record(
        case=case, by=cw.caseworker, summary="Menaces", risk_level="high"
    )
    assert case.stage == Case.Stage.ASSESSMENT
    approve(
        cw,
        workflow.approval_request(
            case=case, by=cw.caseworker, kind="assessment", assessment=assessment
        ),
    )
    case.refresh_from_db()
    assert (case.stage, case.risk_level) == (Case.Stage.CASE_PLAN, "high")
    plan = workflow.plan_start(
        case=case, by=cw.caseworker, review_on=timezone.localdate() + datetime.timedelta(days=30)
    )
    with pytest.raises(ValidationError):
        workflow.approval_request(case=case, by=cw.caseworker, kind="case_plan")
    legal = ServiceType.objects.get(operation=cw.operation, code="legal")
    intervention = workflow.intervention_add(
        plan=plan,
        by=cw.caseworker,
        goal="Obtenir un acte de naissance",
        service_type=legal,
        responsible=cw.caseworker,
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    approve(cw, workflow.approval_request(case=case, by=cw.caseworker, kind="case_plan"))
    case.refresh_from_db()
    assert case.stage == Case.Stage.IMPLEMENTATION
    workflow.service_record(
        case=case, by=cw.caseworker, service_type=legal, intervention=intervention
    )
    follow_up = workflow.follow_up_schedule(
        case=case, by=cw.caseworker, due_on=timezone.localdate()
    )
    workflow.follow_up_done(follow_up=follow_up, by=cw.caseworker, note="Document obtenu")
    case.refresh_from_db()
    assert case.stage == Case.Stage.FOLLOW_UP
    closure = workflow.approval_request(
        case=case, by=cw.caseworker, kind="closure", closure_reason="needs_met", closure_note="Fini"
    )
    assert case.stage == Case.Stage.FOLLOW_UP
    approve(cw, closure)
    case.refresh_from_db()
    assert (case.stage, case.closed_on, case.closure_reason) == (
        Case.Stage.CLOSED,
        timezone.localdate(),
        "needs_met",
    )
    assert not access.can_edit_case(cw.caseworker, case)


def test_self_approval_is_refused(cw: CaseWorld) -> None:
    case = register(cw, by=cw.supervisor)
    assessment = workflow.assessment_record(case=case, by=cw.supervisor, summary="x")
    approval = workflow.approval_request(
        case=case, by=cw.supervisor, kind="assessment", assessment=assessment
    )
    with pytest.raises(PermissionDenied):
        workflow.approval_decide(approval=approval, by=cw.supervisor, approve=True)
    # Nor may a caseworker approve, nor a supervisor of another organisation.
    with pytest.raises(PermissionDenied):
        workflow.approval_decide(approval=approval, by=cw.caseworker, approve=True)
    with pytest.raises(PermissionDenied):
        workflow.approval_decide(approval=approval, by=cw.drc_supervisor, approve=True)
    approval.refresh_from_db()
    assert approval.status == Approval.Status.PENDING


def test_self_approval_is_refused_through_the_api(cw: CaseWorld) -> None:
    case = register(cw, by=cw.supervisor)
    api = client_for(cw.supervisor)
    base = f"/api/v1/operations/mali/cases/{case.pk}/"
    response = api.post(
        f"{base}approvals/",
        {"kind": "closure", "closure_reason": "declined"},
        content_type="application/json",
    )
    assert response.status_code == 201
    decided = api.post(
        f"{base}approvals/{response.json()['id']}/decide/",
        {"approve": True},
        content_type="application/json",
    )
    assert decided.status_code == 403
    case.refresh_from_db()
    assert case.stage != Case.Stage.CLOSED


def test_returning_needs_a_comment_and_sends_the_work_back(cw: CaseWorld) -> None:
    case = register(cw)
    assessment = workflow.assessment_record(case=case, by=cw.caseworker, summary="x")
    approval = workflow.approval_request(
        case=case, by=cw.caseworker, kind="assessment", assessment=assessment
    )
    with pytest.raises(ValidationError):
        workflow.approval_decide(approval=approval, by=cw.supervisor, approve=False)
    workflow.approval_decide(
        approval=approval, by=cw.supervisor, approve=False, comment="Préciser les besoins"
    )
    assessment.refresh_from_db()
    assert assessment.status == "returned"
    with pytest.raises(ValidationError):
        workflow.approval_decide(approval=approval, by=cw.supervisor, approve=True)


def test_a_child_protection_plan_needs_an_approved_best_interest_assessment(
    cw: CaseWorld,
) -> None:
    case = register(
        cw,
        case_type=Case.Type.CHILD_PROTECTION,
        principal=person(given_name="Adama", date_of_birth=None, age=9, phone="", id_number=""),
    )
    plan = workflow.plan_start(case=case, by=cw.caseworker)
    workflow.intervention_add(plan=plan, by=cw.caseworker, goal="Réunification familiale")
    with pytest.raises(ValidationError):
        workflow.approval_request(case=case, by=cw.caseworker, kind="case_plan")
    bia = workflow.assessment_record(case=case, by=cw.caseworker, kind="bia", summary="BIA")
    approve(
        cw,
        workflow.approval_request(case=case, by=cw.caseworker, kind="assessment", assessment=bia),
    )
    assert workflow.approval_request(case=case, by=cw.caseworker, kind="case_plan")


def test_a_supervisor_reassigns_within_the_team(cw: CaseWorld) -> None:
    case = register(cw)
    with pytest.raises(PermissionDenied):
        workflow.case_reassign(case=case, by=cw.caseworker, owner=cw.caseworker2)
    with pytest.raises(ValidationError):
        workflow.case_reassign(case=case, by=cw.supervisor, owner=cw.drc_caseworker)
    workflow.case_reassign(
        case=case, by=cw.supervisor, owner=cw.caseworker2, assigned=[cw.caseworker]
    )
    assert access.cases_for_user(cw.caseworker2, cw.operation).get() == case
    assert access.cases_for_user(cw.caseworker, cw.operation).get() == case


def test_a_transfer_needs_consent_and_moves_the_case_when_accepted(cw: CaseWorld) -> None:
    case = register(cw)
    with pytest.raises(ValidationError):
        transfers.transfer_request(
            case=case, by=cw.caseworker, to_organisation=cw.world.drc, reason="Déménagement"
        )
    consent(
        cw,
        case,
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
    transfer = transfers.transfer_request(
        case=case, by=cw.caseworker, to_organisation=cw.world.drc, reason="Déménagement"
    )
    with pytest.raises(PermissionDenied):
        transfers.transfer_decide(transfer=transfer, by=cw.drc_caseworker, accept=True)
    transfers.transfer_decide(
        transfer=transfer, by=cw.drc_supervisor, accept=True, owner=cw.drc_caseworker
    )
    case.refresh_from_db()
    assert (case.organisation, case.owner) == (cw.world.drc, cw.drc_caseworker)
    assert transfer.status == Transfer.Status.ACCEPTED
    assert not access.cases_for_user(cw.caseworker, cw.operation).exists()
    assert not access.cases_for_user(cw.supervisor, cw.operation).exists()
    from tutela.cases.selectors.cases import case_search

    assert case_search(cw.drc_caseworker, cw.operation, "Aïcha Traoré") == [case]


def test_a_gbv_case_is_never_transferred(cw: CaseWorld) -> None:
    case = register(cw, case_type=Case.Type.GBV)
    with pytest.raises(ValidationError):
        transfers.transfer_request(
            case=case,
            by=cw.supervisor,
            to_organisation=cw.world.drc,
            reason="x",
            override_reason="urgence",
        )
