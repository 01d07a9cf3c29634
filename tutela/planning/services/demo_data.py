"""Planning demonstration data for the demo operation (`tutela demo`), made through the services
(audited like real work): the 2026 response plan with its objectives, indicators linked to the
5W catalogue, targets and requirements; partner projects at each stage of vetting; funding
flows; and a pooled-fund allocation in strategic review, with a recusal.

Invented figures on real P-codes. Loading it again changes nothing once the operation has a
plan."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from tutela.core.models import AdminArea, Body, Operation, PopulationGroup, User
from tutela.planning.models import Objective, Plan, Project
from tutela.planning.selectors import fivew
from tutela.planning.services import allocations as allocation_services
from tutela.planning.services import funding as funding_services
from tutela.planning.services import plans as plan_services
from tutela.planning.services import projects as project_services
from tutela.planning.services import proposals as proposal_services
from tutela.planning.services import reviews as review_services

YEAR = 2026
# code, kind, English, French, parent code
OBJECTIVES = [
    (
        "SO1",
        Objective.Kind.STRATEGIC,
        "Protect the people most at risk and restore their dignity",
        "Protéger les personnes les plus à risque et restaurer leur dignité",
        "",
    ),
    (
        "CO1.1",
        Objective.Kind.CLUSTER,
        "People affected by the crisis receive protection services",
        "Les personnes affectées par la crise reçoivent des services de protection",
        "SO1",
    ),
    (
        "CO1.2",
        Objective.Kind.CLUSTER,
        "Survivors of violence and children at risk are assisted",
        "Les survivantes de violences et les enfants à risque sont pris en charge",
        "SO1",
    ),
]
# code, objective, English, French, target, activity codes, targets by region
INDICATORS = [
    (
        "I1.1.1",
        "CO1.1",
        "People receiving psychosocial support",
        "Personnes recevant un soutien psychosocial",
        45000,
        ["PRO-PSS"],
        {"ML05": 20000, "ML04": 10000, "ML10": 15000},
    ),
    (
        "I1.1.2",
        "CO1.1",
        "People reached by protection awareness sessions",
        "Personnes touchées par les séances de sensibilisation à la protection",
        60000,
        ["PRO-AWA"],
        {"ML05": 30000, "ML04": 15000, "ML07": 15000},
    ),
    (
        "I1.2.1",
        "CO1.2",
        "GBV survivors receiving case management",
        "Survivantes de VBG prises en charge en gestion de cas",
        3500,
        ["GBV-CM"],
        {"ML06": 2000, "ML05": 1500},
    ),
    (
        "I1.2.2",
        "CO1.2",
        "Children at risk receiving case management",
        "Enfants à risque pris en charge en gestion de cas",
        4000,
        ["CP-CM", "CP-FTR"],
        {"ML05": 4000},
    ),
]
REQUIREMENTS = {"PRO": 14_500_000, "PRO-GBV": 6_200_000, "PRO-CPN": 7_800_000}


def _users(operation: Operation) -> dict[str, User]:
    return {
        user.email.split("@")[0]: user
        for user in User.objects.filter(
            email__endswith="@demo.tutela.org", operation_roles__operation=operation
        ).distinct()
    }


def _plan(operation: Operation, coordinator: User, bodies: dict[str, Body]) -> Plan:
    plan = plan_services.plan_create(
        operation=operation,
        by=coordinator,
        year=YEAR,
        title="Plan de réponse humanitaire Mali 2026 — Protection",
        body=bodies["PRO"],
        code="HMLI26",
    )
    objectives: dict[str, Objective] = {}
    for code, kind, en, fr, parent in OBJECTIVES:
        objectives[code] = plan_services.objective_create(
            plan=plan,
            by=coordinator,
            kind=kind,
            code=code,
            name_en=en,
            name_fr=fr,
            parent=objectives.get(parent),
        )
    activities = {a.code: a for a in fivew.catalogue_activities(operation)}
    areas = {a.pcode: a for a in AdminArea.objects.filter(pcode__startswith="ML", level=1)}
    for order, (code, objective, en, fr, target, codes, regions) in enumerate(INDICATORS):
        indicator = plan_services.indicator_create(
            plan=plan,
            by=coordinator,
            objective=objectives[objective],
            code=code,
            name_en=en,
            name_fr=fr,
            target=target,
            baseline=target // 10,
            order=order,
            activities=[activities[c] for c in codes if c in activities],
        )
        plan_services.indicator_targets_save(
            indicator=indicator,
            by=coordinator,
            targets=[
                {"area": areas[p], "population_group": None, "target": t, "baseline": t // 10}
                for p, t in regions.items()
                if p in areas
            ],
        )
    for code, amount in REQUIREMENTS.items():
        if code in bodies:
            plan_services.requirement_set(
                plan=plan, by=coordinator, body=bodies[code], amount_usd=Decimal(amount)
            )
    plan_services.plan_version_save(
        plan=plan, by=coordinator, kind="first_draft", note="Premier projet partagé avec le SAG."
    )
    plan_services.plan_version_save(
        plan=plan, by=coordinator, kind="final", note="Version publiée avec le HRP."
    )
    return plan


def _projects(
    operation: Operation, plan: Plan, users: dict[str, User], bodies: dict[str, Body]
) -> dict[str, Project]:
    coordinator = users["coordinator"]
    orgs = {o.acronym: o for o in operation.organisations.all()}
    activities = {a.code: a for a in fivew.catalogue_activities(operation)}
    idp = PopulationGroup.objects.filter(operation=operation, code="IDP").first()
    hst = PopulationGroup.objects.filter(operation=operation, code="HST").first()
    objective = plan.objectives.filter(code="CO1.1").first()
    specs: list[tuple[str, str, str, str, list[str], list[str], list[int], str]] = [
        # organisation, code, title, body, P-codes, activities, budget, stage
        (
            "ADP",
            "HMLI26-PRO-0001",
            "Protection à base communautaire à Bandiagara et Djenné",
            "PRO",
            ["ML0501", "ML0503"],
            ["PRO-CBP", "PRO-AWA"],
            [420_000, 150_000, 60_000],
            "approved",
        ),
        (
            "AOD",
            "HMLI26-PRO-0002",
            "Monitoring de protection et assistance légale au Centre et au Nord",
            "PRO",
            ["ML05", "ML06", "ML07"],
            ["PRO-MON", "PRO-LEG"],
            [1_200_000, 300_000, 90_000],
            "approved",
        ),
        (
            "RFT",
            "HMLI26-GBV-0001",
            "Prise en charge des survivantes de VBG à Tombouctou",
            "PRO-GBV",
            ["ML06"],
            ["GBV-CM", "GBV-WGSS"],
            [380_000, 120_000],
            "submitted",
        ),
        (
            "SPA",
            "HMLI26-PRO-0003",
            "Soutien psychosocial et logement, terre et biens à Ségou",
            "PRO",
            ["ML04"],
            ["PRO-PSS", "PRO-HLP"],
            [510_000, 140_000],
            "returned",
        ),
        (
            "EMO",
            "HMLI26-CPN-0001",
            "Gestion de cas de protection de l'enfance à Mopti",
            "PRO-CPN",
            ["ML0501", "ML0502"],
            ["CP-CM", "CP-FTR"],
            [290_000, 70_000],
            "draft",
        ),
    ]
    made: dict[str, Project] = {}
    for acronym, code, title, body, pcodes, codes, budget, stage in specs:
        organisation = orgs.get(acronym)
        if organisation is None or body not in bodies:
            continue
        project = project_services.project_create(
            operation=operation,
            by=coordinator,
            organisation=organisation,
            plan=plan,
            code=code,
            title=title,
            objectives="Réduire les risques de protection des personnes déplacées et hôtes.",
            body=bodies[body],
            start_date=datetime.date(YEAR, 1, 1),
            end_date=datetime.date(YEAR, 12, 31),
            plan_objectives=[objective] if objective else [],
            locations=list(AdminArea.objects.filter(pcode__in=pcodes)),
            activities=[activities[c] for c in codes if c in activities],
            budget_lines=[
                {"category": category, "description": label, "amount_usd": Decimal(amount)}
                for (category, label), amount in zip(
                    [("staff", "Équipe"), ("supplies", "Kits et matériel"), ("travel", "Missions")],
                    budget,
                    strict=False,
                )
            ],
            targets=[
                {"population_group": g, "targeted": t}
                for g, t in ((idp, 6000), (hst, 2500))
                if g is not None
            ],
        )
        if stage in ("approved", "submitted", "returned"):
            project_services.project_submit(project=project, by=coordinator)
        if stage == "approved":
            project_services.project_approve(
                project=project, by=coordinator, comment="Conforme aux priorités du plan."
            )
        if stage == "returned":
            project_services.project_return(
                project=project,
                by=coordinator,
                comment="Précisez les cibles par groupe et la stratégie de sortie LTB.",
            )
        made[acronym] = project
    return made


def _funding(operation: Operation, users: dict[str, User], projects: dict[str, Project]) -> None:
    imo = users.get("imo") or users["coordinator"]
    orgs = {o.acronym: o for o in operation.organisations.all()}
    flows: list[tuple[str, int, str, str | None, str | None]] = [
        (
            "European Commission's Humanitarian Aid and Civil Protection Department",
            650_000,
            "paid",
            "AOD",
            "AOD",
        ),
        ("Germany, Government of", 300_000, "commitment", "ADP", "ADP"),
        ("United States of America, Government of", 900_000, "paid", "AOD", None),
        ("Fonds Humanitaire Démo", 180_000, "commitment", "RFT", None),
        ("Norway, Government of", 250_000, "pledge", "SPA", None),
    ]
    for donor, amount, status, acronym, project_of in flows:
        funding_services.funding_flow_record(
            operation=operation,
            by=imo,
            donor=donor,
            amount_usd=Decimal(amount),
            status=status,
            year=YEAR,
            organisation=orgs.get(acronym) if acronym else None,
            project=projects.get(project_of) if project_of else None,
            description="Contribution de démonstration",
        )


def _allocation(operation: Operation, users: dict[str, User], bodies: dict[str, Body]) -> None:
    coordinator = users["coordinator"]
    fund = users.get("viewer")
    focal = users.get("focalpoint")
    partner = users.get("partner")
    if fund is None or focal is None or partner is None:
        return
    orgs = {o.acronym: o for o in operation.organisations.all()}
    activities = {a.code: a for a in fivew.catalogue_activities(operation)}
    allocation = allocation_services.allocation_create(
        operation=operation,
        by=coordinator,
        name="Première allocation standard 2026",
        fund_name="Fonds Humanitaire Démo",
        body=bodies["PRO"],
        envelope_usd=Decimal("800000"),
        call_opens=datetime.date(YEAR, 2, 1),
        call_closes=datetime.date(YEAR, 2, 28),
        review_by=datetime.date(YEAR, 3, 15),
        decision_by=datetime.date(YEAR, 3, 31),
        strategy=(
            "Priorité aux cercles de Mopti et Bandiagara : gestion de cas, soutien psychosocial "
            "et protection de l'enfance pour les personnes déplacées."
        ),
        priority_areas=list(AdminArea.objects.filter(pcode__in=["ML0501", "ML0503"])),
        priority_activities=[activities[c] for c in ("PRO-PSS", "CP-CM") if c in activities],
        priority_groups=list(PopulationGroup.objects.filter(operation=operation, code="IDP")),
        fund_managers=[fund],
    )
    for acronym in ("ADP", "SPA", "EMO", "RFT"):
        if acronym in orgs:
            allocation_services.eligibility_set(
                allocation=allocation,
                by=fund,
                organisation=orgs[acronym],
                due_diligence="passed",
                capacity="medium" if acronym != "EMO" else "high",
            )
    allocation = allocation_services.allocation_open(allocation=allocation, by=coordinator)
    writers = {"ADP": partner, "EMO": focal}
    proposals = {}
    for acronym, title, pcode, amount in (
        ("ADP", "Soutien psychosocial aux déplacés de Bandiagara", "ML0501", 350_000),
        ("EMO", "Gestion de cas pour les enfants non accompagnés", "ML0503", 300_000),
    ):
        writer = writers[acronym]
        proposal = proposal_services.proposal_create(
            allocation=allocation,
            by=writer,
            title=title,
            summary="Proposition de démonstration.",
            areas=list(AdminArea.objects.filter(pcode=pcode)),
            activities=[activities[c] for c in ("PRO-PSS",) if c in activities],
            budget_lines=[{"category": "staff", "description": "Équipe", "amount_usd": amount}],
        )
        proposals[acronym] = proposal_services.proposal_submit(proposal=proposal, by=writer)
    allocation = allocation_services.allocation_close_call(allocation=allocation, by=coordinator)
    for proposal in proposals.values():
        proposal_services.proposal_prereview(proposal=proposal, by=fund, decision="accept")
    card = review_services.scorecard_seed(allocation=allocation)
    review_services.scorecard_lock(scorecard=card, by=fund)
    for member in (coordinator, focal, users.get("imo")):
        if member is not None:
            allocation_services.reviewer_add(allocation=allocation, by=coordinator, user=member)
    allocation_services.chair_set(allocation=allocation, by=coordinator, user=coordinator)
    allocation_services.allocation_start_review(allocation=allocation, by=fund)


@transaction.atomic
def demo_planning_load(*, operation: Operation, by: User | None = None) -> int:
    """Load the planning demo (once); returns 1 when loaded, 0 when it was already there."""
    if Plan.objects.filter(operation=operation).exists():
        return 0
    users = _users(operation)
    if "coordinator" not in users:
        return 0
    bodies = {b.code: b for b in Body.objects.filter(operation=operation).exclude(code="")}
    if "PRO" not in bodies:
        return 0
    plan = _plan(operation, users["coordinator"], bodies)
    projects = _projects(operation, plan, users, bodies)
    _funding(operation, users, projects)
    _allocation(operation, users, bodies)
    return 1
