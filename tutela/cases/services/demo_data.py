"""Fictional cases of the demo operation (marked as demo), across the whole workflow, loaded by
`tutela demo` through core.extensions.demo_loaders; loading again changes nothing.

The people, cases and services themselves are in services.demo_content: every person, name, phone
and ID number there is invented.

Demo accounts added for case management (password as the other demo accounts):
caseworker2@demo.tutela.org (ADP), caseworker.emo@demo.tutela.org and
supervisor.emo@demo.tutela.org (Enfance Mopti), caseworker.rft@demo.tutela.org (Réseau des
Femmes de Tombouctou).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tutela.cases.models import Case, CaseSettings, Referral, ServiceType, SpecificNeed
from tutela.cases.services import consent as consent_services
from tutela.cases.services import directory, referrals, workflow
from tutela.cases.services.cases import case_register

# CASES and DEMO_IDENTITIES are read from here too (test_no_clear_text).
from tutela.cases.services.demo_content import (
    CASES,
    DEMO_PASSWORD,
    EXTRA_USERS,
    SERVICES,
    DemoCase,
)
from tutela.cases.services.demo_content import DEMO_IDENTITIES as DEMO_IDENTITIES
from tutela.cases.services.reference import cases_seed
from tutela.core.models import (
    AdminArea,
    Operation,
    OperationRole,
    Organisation,
    PopulationGroup,
    ProtectionRisk,
    User,
)
from tutela.core.models.roles import Role


def _users(operation: Operation) -> dict[str, User]:
    orgs = {o.acronym: o for o in Organisation.objects.filter(operations=operation)}
    users: dict[str, User] = {}
    for local in ("caseworker", "supervisor", "coordinator"):
        user = User.objects.filter(email=f"{local}@demo.tutela.org").first()
        if user is not None:
            users[local] = user
    for local, name, acronym, role in EXTRA_USERS:
        if acronym not in orgs:
            continue
        email = f"{local}@demo.tutela.org"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, DEMO_PASSWORD, full_name=name, organisation=orgs[acronym], language="fr"
            )
        OperationRole.objects.get_or_create(user=user, operation=operation, role=role)
        users[local] = user
    return users


def _area(pcode: str) -> AdminArea:
    area = AdminArea.objects.filter(parent__pcode=pcode).order_by("pcode").first()
    return area or AdminArea.objects.get(pcode=pcode)


def _services(operation: Operation, coordinator: User) -> None:
    if directory.Service.objects.filter(operation=operation).exists():
        return
    orgs = {o.acronym: o for o in Organisation.objects.filter(operations=operation)}
    types = {t.code: t for t in ServiceType.objects.filter(operation=operation)}
    for index, (acronym, code, name, pcodes, languages, hours) in enumerate(SERVICES, start=1):
        if acronym not in orgs:
            continue
        focal = User.objects.filter(
            organisation=orgs[acronym], operation_roles__role=Role.SUPERVISOR
        ).first()
        directory.service_create(
            operation=operation,
            by=coordinator,
            organisation=orgs[acronym],
            service_type=types[code],
            name=name,
            areas=list(AdminArea.objects.filter(pcode__in=pcodes)),
            population_groups=list(
                PopulationGroup.objects.filter(operation=operation, code__in=["IDP", "RET", "HST"])
            ),
            languages=languages,
            hours=hours,
            contact_name="Point focal référencement",
            contact_phone=f"+223 20 00 10 {index:02d}",
            contact_email=f"referencement{index}@demo.tutela.org",
            referral_requirements="Consentement éclairé enregistré ; fiche de référencement.",
            focal_point=focal,
            is_demo=True,
        )


def _consents(case: Case, by: User, demo: DemoCase, to: list[Organisation]) -> None:
    given_on = case.registered_on
    caregiver: dict[str, Any] = (
        {"given_by": "caregiver", "caregiver_name": "Tante (tutrice)"}
        if (demo.principal.age is not None and demo.principal.age < 18)
        else {}
    )
    consent_services.consent_record(
        case=case, by=by, purpose="services", given_on=given_on, **caregiver
    )
    consent_services.consent_record(
        case=case, by=by, purpose="aggregate", given_on=given_on, **caregiver
    )
    if to:
        fields = ["sex", "age", "location", "specific_needs", "concerns", "risk_level"]
        if not case.is_gbv:
            fields = ["names", "phone", *fields]
        consent_services.consent_record(
            case=case,
            by=by,
            purpose="sharing",
            given_on=given_on,
            organisations=to,
            fields=fields,
            **caregiver,
        )


def _approve(case: Case, by: User, supervisor: User, kind: str, **values: Any) -> None:
    approval = workflow.approval_request(case=case, by=by, kind=kind, **values)
    workflow.approval_decide(
        approval=approval, by=supervisor, approve=True, comment="Validé en réunion de supervision."
    )


def _assess(
    case: Case,
    by: User,
    supervisor: User,
    *,
    approve: bool,
    kind: str = "standard",
) -> None:
    assessment = workflow.assessment_record(
        case=case,
        by=by,
        kind=kind,
        assessed_on=case.registered_on,
        summary="Entretien au bureau : besoins et risques évalués avec la personne.",
        needs="Documentation, soutien psychosocial, abri.",
        risk_level=case.risk_level,
    )
    if approve:
        _approve(case, by, supervisor, "assessment", assessment=assessment)
    else:
        workflow.approval_request(case=case, by=by, kind="assessment", assessment=assessment)


def _plan(
    case: Case, by: User, supervisor: User, goals: list[tuple[str, str]], *, approve: bool
) -> None:
    plan = workflow.plan_start(
        case=case, by=by, review_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    types = {t.code: t for t in ServiceType.objects.filter(operation=case.operation)}
    for offset, (goal, code) in enumerate(goals, start=1):
        workflow.intervention_add(
            plan=plan,
            by=by,
            goal=goal,
            service_type=types.get(code),
            responsible=by,
            due_on=timezone.localdate() + datetime.timedelta(days=offset),
        )
    if approve:
        _approve(case, by, supervisor, "case_plan")
    else:
        workflow.approval_request(case=case, by=by, kind="case_plan")


def _refer(
    case: Case, by: User, to: Organisation, code: str, priority: str, fields: list[str]
) -> Referral:
    service = directory.Service.objects.filter(
        operation=case.operation, organisation=to, service_type__code=code
    ).first()
    return referrals.referral_send(
        case=case,
        by=by,
        to_organisation=to,
        service=service,
        priority=priority,
        services_requested=list(ServiceType.objects.filter(operation=case.operation, code=code)),
        reason="Besoins identifiés lors de l'évaluation ; la personne souhaite être orientée.",
        fields=fields,
        caregiver_informed=True if case.is_child_protection else None,
    )


@transaction.atomic
def demo_cases_load(*, operation: Operation, by: User | None = None) -> int:
    """Load the demo cases once; returns how many were created."""
    cases_seed(operation=operation)
    if Case.objects.filter(operation=operation, is_demo=True).exists():
        return 0
    users = _users(operation)
    if not {"caseworker", "supervisor", "coordinator"} <= set(users):
        return 0
    worker, supervisor = users["caseworker"], users["supervisor"]
    orgs = {o.acronym: o for o in Organisation.objects.filter(operations=operation)}
    settings, _made = CaseSettings.objects.get_or_create(operation=operation)
    for acronym in ("ADP", "RFT"):
        if acronym in orgs:
            settings.gbv_aggregate_organisations.add(orgs[acronym])
    _services(operation, users["coordinator"])
    needs = {n.code: n for n in SpecificNeed.objects.filter(operation=operation)}
    risks = {r.number: r for r in ProtectionRisk.objects.filter(operation=operation)}
    groups = {g.code: g for g in PopulationGroup.objects.filter(operation=operation)}
    today = timezone.localdate()
    created = 0
    for index, demo in enumerate(CASES):
        owner = users["caseworker2"] if index % 4 == 3 and "caseworker2" in users else worker
        case = case_register(
            operation=operation,
            by=owner,
            principal=demo.principal.data(),
            members=[m.data() for m in demo.members],
            kind=Case.Kind.HOUSEHOLD if demo.members else Case.Kind.INDIVIDUAL,
            case_type=demo.case_type,
            area=_area(demo.area),
            registered_on=today - datetime.timedelta(days=demo.days_ago),
            risk_level="high" if demo.case_type != Case.Type.GENERAL else "medium",
            nationality="MLI",
            displacement_status=groups.get(demo.group),
            specific_needs=[needs[c] for c in demo.needs if c in needs],
            concerns=[risks[n] for n in demo.risks if n in risks],
            address="Adresse fictive (démo)",
            summary=demo.summary,
            confirm_not_duplicate=True,
            is_demo=True,
        )
        created += 1
        receivers = {
            "cp": ["EMO"],
            "gbv": ["RFT"],
            "referred": ["CRD", "SPA"],
            "plan": ["SPA"],
            "closed": ["RFT"],
            "follow_up": ["SPA"],
        }
        to = [orgs[a] for a in receivers.get(demo.stage, []) if a in orgs]
        _consents(case, owner, demo, to)
        _advance(case, demo, owner, supervisor, users, to)
    # Cash for protection on two of the cases (tutela.cases.services.cash_demo).
    from tutela.cases.services.cash_demo import cash_demo_load

    cash_demo_load(operation=operation, users=users)
    return created


def _advance(
    case: Case,
    demo: DemoCase,
    owner: User,
    supervisor: User,
    users: dict[str, User],
    to: list[Organisation],
) -> None:
    stage = demo.stage
    if stage == "registered":
        return
    if stage == "assessment":
        _assess(case, owner, supervisor, approve=False)
        return
    if stage == "cp":
        _assess(case, owner, supervisor, approve=True, kind="bia")
        _plan(
            case, owner, supervisor, [("Réunifier l'enfant avec sa famille", "ftr")], approve=False
        )
        _refer(case, owner, to[0], "ftr", "urgent", ["sex", "age", "location"])
        return
    _assess(case, owner, supervisor, approve=True)
    if stage == "gbv":
        # Only non-identifying information: the receiver contacts the survivor through ADP.
        _refer(case, owner, to[0], "mhpss", "emergency", ["sex", "age", "location"])
        return
    goals = [
        ("Obtenir un acte de naissance pour les enfants", "documentation"),
        ("Accès aux soins", "health"),
    ]
    _plan(case, owner, supervisor, goals, approve=True)
    if stage == "plan":
        _refer(case, owner, to[0], "documentation", "normal", ["names", "phone", "sex", "age"])
        return
    if stage == "referred":
        referral = _refer(case, owner, to[0], "health", "urgent", ["names", "sex", "age"])
        _answer(referral, users, accept=True, feedback="Soins reçus ; suivi à un mois.")
        declined = _refer(case, owner, to[1], "legal", "normal", ["names", "phone"])
        _answer(declined, users, accept=False)
        return
    shelter = ServiceType.objects.get(operation=case.operation, code="shelter")
    workflow.service_record(
        case=case,
        by=owner,
        service_type=shelter,
        provided_on=case.registered_on + datetime.timedelta(days=5),
    )
    follow_up = workflow.follow_up_schedule(
        case=case, by=owner, due_on=case.registered_on + datetime.timedelta(days=14)
    )
    workflow.follow_up_done(
        follow_up=follow_up,
        by=owner,
        note="La personne va mieux.",
        done_on=case.registered_on + datetime.timedelta(days=14),
    )
    workflow.follow_up_schedule(
        case=case, by=owner, due_on=timezone.localdate() + datetime.timedelta(days=1), kind="phone"
    )
    if stage == "closed":
        _approve(
            case,
            owner,
            supervisor,
            "closure",
            closure_reason="needs_met",
            closure_note="Objectifs du plan atteints.",
        )


def _answer(
    referral: Referral, users: dict[str, User], *, accept: bool, feedback: str = ""
) -> None:
    receiver = User.objects.filter(
        organisation_id=referral.to_organisation_id,
        operation_roles__operation=referral.operation,
        operation_roles__role__in=[Role.CASEWORKER, Role.SUPERVISOR],
    ).first()
    if receiver is None:
        # The receiving organisation has no case staff in the demo: give it a supervisor.
        receiver = User.objects.create_user(
            f"supervisor.{referral.to_organisation.acronym.lower()}@demo.tutela.org",
            DEMO_PASSWORD,
            full_name=f"Superviseur {referral.to_organisation.acronym}",
            organisation=referral.to_organisation,
            language="fr",
        )
        OperationRole.objects.create(
            user=receiver, operation=referral.operation, role=Role.SUPERVISOR
        )
    if accept:
        referrals.referral_accept(referral=referral, by=receiver)
        if feedback:
            referrals.referral_complete(referral=referral, by=receiver, feedback=feedback)
    else:
        referrals.referral_decline(
            referral=referral, by=receiver, reason="Service suspendu ce mois-ci dans cette zone."
        )
