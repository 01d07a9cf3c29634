"""Capacity demo data for the Mali demo operation: a course catalogue with question banks, a
session held last month in Bandiagara (attendance, online pre- and post-tests answered,
certificates) and one planned next month in Ségou. Loaded once (nothing is added when the
operation has courses); no e-mail is sent. Names of people are fictional."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from tutela.capacity import ccpm_scoring
from tutela.capacity.models import (
    CcpmLink,
    CcpmSubFunction,
    Course,
    KnowledgeTest,
    TrainingSession,
    WorkActivity,
    WorkPlan,
)
from tutela.capacity.selectors import ccpm as ccpm_selectors
from tutela.capacity.services import (
    assessments,
    ccpm_actions,
    ccpm_answers,
    ccpm_rounds,
    ccpm_structure,
    certificates,
    courses,
    planning,
    sessions,
    workplans,
)
from tutela.core.models import AdminArea, Body, Operation, Organisation, User
from tutela.core.models.roles import Role

# title, topic, days, [(question, kind, [(answer, correct)] or True/False)]
COURSES: list[tuple[str, str, int, list[tuple[str, str, Any]]]] = [
    (
        "Intégration de la protection (mainstreaming)",
        Course.Topic.MAINSTREAMING,
        2,
        [
            (
                "Quels sont les quatre éléments de l'intégration de la protection ?",
                "single",
                [
                    ("Sécurité et dignité, accès, redevabilité, participation", True),
                    ("Abri, eau, santé, éducation", False),
                    ("Prévention, réponse, plaidoyer, suivi", False),
                ],
            ),
            ("Le principe « ne pas nuire » s'applique à tous les secteurs.", "true_false", True),
            (
                "Quels mécanismes favorisent la redevabilité envers les personnes affectées ?",
                "multiple",
                [
                    ("Une ligne verte de plaintes", True),
                    ("Des consultations communautaires", True),
                    ("Un rapport annuel au bailleur seulement", False),
                ],
            ),
            (
                "Une distribution organisée loin des villages expose-t-elle les femmes à des "
                "risques ?",
                "true_false",
                True,
            ),
        ],
    ),
    (
        "Procédures opérationnelles standard de gestion des cas",
        Course.Topic.CASE_MANAGEMENT,
        3,
        [
            (
                "Quelle est la première étape de la gestion des cas ?",
                "single",
                [
                    ("Identification et enregistrement avec consentement", True),
                    ("Clôture du cas", False),
                    ("Plan d'action", False),
                ],
            ),
            (
                "Un référencement peut se faire sans le consentement éclairé de la personne.",
                "true_false",
                False,
            ),
            (
                "Quels délais de réponse pour un référencement d'urgence ?",
                "single",
                [("24 heures", True), ("72 heures", False), ("Deux semaines", False)],
            ),
        ],
    ),
    (
        "Outils du monitoring de protection",
        Course.Topic.MONITORING,
        2,
        [
            (
                "Quelles informations ne doivent jamais figurer dans une fiche d'incident ?",
                "multiple",
                [
                    ("Le nom de l'auteur présumé", True),
                    ("Le nom de la survivante", True),
                    ("Le P-code du lieu", False),
                ],
            ),
            (
                "Les petits effectifs (1 à 4) publiés peuvent identifier des personnes.",
                "true_false",
                True,
            ),
        ],
    ),
]

PEOPLE = [
    # name, organisation, function, sex, age band
    ("Aïssata Diallo", "ADP", "Assistante protection", "F", "25-39"),
    ("Boubacar Traoré", "ADP", "Moniteur protection", "M", "25-39"),
    ("Kadiatou Maïga", "EMO", "Travailleuse sociale", "F", "18-24"),
    ("Moussa Kéita", "EMO", "Gestionnaire de cas", "M", "40-59"),
    ("Hawa Sidibé", "SPA", "Chargée de programme", "F", "25-39"),
    ("Amadou Coulibaly", "SPA", "Officier MEAL", "M", "25-39"),
    ("Mariam Sangaré", "RFT", "Animatrice communautaire", "F", "40-59"),
    ("Ibrahima Sangaré", "DRDS-D", "Chef de service", "M", "40-59"),
    ("Mariam Dembélé", "CRD", "Volontaire", "F", "18-24"),
    ("Salif Doumbia", "CRD", "Superviseur", "M", "25-39"),
]


def _manager(operation: Operation) -> User | None:
    return (
        User.objects.filter(
            operation_roles__operation=operation, operation_roles__role=Role.COORDINATOR
        )
        .order_by("pk")
        .first()
    )


def _choices(kind: str, spec: Any) -> dict[str, Any]:
    if kind == "true_false":
        return {"true": bool(spec)}
    return {"choices": list(spec)}


@transaction.atomic
def demo_capacity_load(*, operation: Operation) -> None:
    # The work plan is loaded on its own check, so that a demo loaded before work plans existed
    # gets one too (`make run` shows it).
    _workplan(operation)
    if Course.objects.filter(operation=operation).exists():
        return
    coordinator = _manager(operation)
    bandiagara = AdminArea.objects.filter(pcode="ML0501").first()
    segou = AdminArea.objects.filter(pcode="ML04").first()
    if coordinator is None or bandiagara is None or segou is None:
        return
    made = []
    for title, topic, days, questions in COURSES:
        course = courses.course_create(
            operation=operation,
            by=coordinator,
            title=title,
            topic=topic,
            language="fr",
            duration_days=days,
            pass_mark=70,
        )
        for text, kind, spec in questions:
            courses.question_create(
                course=course, by=coordinator, text=text, kind=kind, **_choices(kind, spec)
            )
        made.append(course)
    organisations = {o.acronym: o for o in Organisation.objects.filter(operations=operation)}
    cluster = Body.objects.filter(operation=operation, code="PRO").first()
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=20)).replace(day=10)
    held = sessions.session_create(
        operation=operation,
        by=coordinator,
        course=made[0],
        starts_on=start,
        ends_on=start + datetime.timedelta(days=1),
        area=bandiagara,
        venue="Salle de la mairie",
        body=cluster,
        host_organisation=organisations.get("SPA"),
        trainers="Awa Traoré (AOD)\nJean Dembélé (SPA)",
        organisations_invited=[o for a, o in organisations.items() if a != "FHD"],
    )
    people = []
    for name, acronym, function, sex, age in PEOPLE:
        person = sessions.participant_create(
            operation=operation,
            by=coordinator,
            full_name=name,
            organisation=organisations.get(acronym),
            function=function,
            sex=sex,
            age_band=age,
        )
        people.append(person)
        sessions.registration_create(session=held, by=coordinator, participant=person)
    registrations = list(held.registrations.order_by("pk"))
    for day in held.days():
        # One person missed the second day: no certificate for them.
        present = [r.pk for i, r in enumerate(registrations) if not (i == 3 and day != start)]
        sessions.attendance_record(session=held, by=coordinator, day=day, present_ids=present)
    _answer_tests(held, coordinator, registrations)
    sessions.session_update(session=held, by=coordinator, status=TrainingSession.Status.HELD)
    certificates.certificates_issue(session=held, by=coordinator)
    assessments.knowledge_test_create(
        session=held, by=coordinator, kind=KnowledgeTest.Kind.FOLLOW_UP, mode="online"
    )
    planned = sessions.session_create(
        operation=operation,
        by=coordinator,
        course=made[1],
        starts_on=today + datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=32),
        area=segou,
        venue="Centre de formation de Ségou",
        places=20,
    )
    for person in people[:3]:
        sessions.registration_create(session=planned, by=coordinator, participant=person)
    _plan_and_needs(operation, coordinator, made, organisations, today)
    _ccpm(operation, coordinator, organisations, today)


def _plan_and_needs(
    operation: Operation,
    coordinator: User,
    made: list[Course],
    organisations: dict[str, Organisation],
    today: datetime.date,
) -> None:
    """This year's capacity-building plan and a needs assessment with three answers."""
    plan = planning.capacity_plan_create(
        operation=operation,
        by=coordinator,
        year=today.year,
        title=f"Plan de renforcement des capacités {today.year}",
    )
    planning.plan_item_add(
        plan=plan,
        by=coordinator,
        course=made[0],
        quarter=2,
        target_sessions=3,
        target_people=60,
        target_women=30,
        lead_organisation=organisations.get("SPA"),
    )
    planning.plan_item_add(
        plan=plan,
        by=coordinator,
        course=made[1],
        quarter=3,
        target_sessions=2,
        target_people=40,
        target_women=24,
        lead_organisation=organisations.get("EMO"),
    )
    assessment = planning.needs_assessment_create(
        operation=operation,
        by=coordinator,
        title=f"Évaluation des besoins en formation {today.year + 1}",
        year=today.year + 1,
        closes_on=today + datetime.timedelta(days=30),
    )
    answers = {
        "ADP": ({"case_management": 3, "gbv": 2, "psea": 2}, 6),
        "EMO": ({"child_protection": 3, "case_management": 3}, 8),
        "RFT": ({"gbv": 3, "psea": 3, "mainstreaming": 1}, 5),
    }
    for acronym, (priorities, staff) in answers.items():
        if acronym in organisations:
            planning.needs_response_submit(
                assessment=assessment,
                by=coordinator,
                organisation=organisations[acronym],
                priorities=priorities,
                staff_to_train=staff,
            )


def _answer_tests(session: TrainingSession, by: User, registrations: list[Any]) -> None:
    """Online pre- and post-tests answered as through the links: weaker before, better after,
    one question still often wrong."""
    rng = random.Random(2026)  # noqa: S311 - demo answers, not security
    for kind, skill in ((KnowledgeTest.Kind.PRE, 0.45), (KnowledgeTest.Kind.POST, 0.85)):
        test = assessments.knowledge_test_create(session=session, by=by, kind=kind, mode="online")
        questions = assessments.knowledge_test_questions(test)
        for registration in registrations:
            selections = {}
            for index, question in enumerate(questions):
                choices = list(question.choices.all())
                right = [c.pk for c in choices if c.is_correct]
                wrong = [c.pk for c in choices if not c.is_correct]
                hard = index == len(questions) - 2
                if rng.random() < (skill * (0.5 if hard else 1.0)) or not wrong:
                    selections[question.pk] = right
                else:
                    selections[question.pk] = [rng.choice(wrong)]
            assessments.knowledge_test_link_issue(test=test, by=by, registration=registration)
            attempt = test.attempts.get(registration=registration)
            assessments.attempt_submit_online(attempt=attempt, selections=selections)


def _ccpm(
    operation: Operation,
    coordinator: User,
    organisations: dict[str, Organisation],
    today: datetime.date,
) -> None:
    """A CCPM round of the national cluster, answered by its members and closed today, with
    its action plan (one item already an action point)."""
    ccpm_structure.ccpm_structure_seed(operation=operation, by=coordinator)
    cluster = Body.objects.filter(operation=operation, code="PRO").first()
    if cluster is None:
        return
    round = ccpm_rounds.ccpm_round_create(
        operation=operation,
        by=coordinator,
        bodies=[cluster],
        title=f"CCPM {today.year}",
        opens_on=today - datetime.timedelta(days=14),
        closes_on=today,
        language="fr",
    )
    ccpm_rounds.ccpm_round_launch(round=round, by=coordinator, send=False)
    rng = random.Random(7)  # noqa: S311 - demo answers, not security
    questions = ccpm_selectors.round_questions(round, "partner")
    for link in CcpmLink.objects.filter(round=round).select_related("round", "body"):
        answers = {}
        for question in questions:
            codes = [code for code, _label in ccpm_scoring.choices(question.scale)]
            # Coordination meetings and the 5W do well; AAP and contingency less so.
            weak = question.subfunction.function.code in {"5", "7"}
            weights = [2, 4, 1] if weak else [5, 1, 1]
            if question.scale == "frequency":
                weights = [2, 3, 2, 1, 1] if weak else [1, 1, 3, 4, 1]
            answers[question.pk] = rng.choices(codes, weights=weights)[0]
        ccpm_answers.ccpm_answer_submit(link=link, answers=answers)
    ccpm_answers.ccpm_coordinator_answers_save(
        round=round,
        body=cluster,
        by=coordinator,
        answers={q.pk: "yes" for q in ccpm_selectors.round_questions(round, "coordinator")},
    )
    ccpm_rounds.ccpm_round_close(round=round, by=coordinator)
    aap = CcpmSubFunction.objects.filter(function__operation=operation, code="7.1").first()
    contingency = CcpmSubFunction.objects.filter(function__operation=operation, code="5.1").first()
    first = ccpm_actions.ccpm_action_item_add(
        round=round,
        by=coordinator,
        action="Mettre en place un mécanisme commun de retours et plaintes des communautés",
        body=cluster,
        subfunction=aap,
        owner_organisation=organisations.get("SPA"),
        due_date=today + datetime.timedelta(days=60),
    )
    ccpm_actions.ccpm_action_item_to_action_point(item=first, by=coordinator)
    ccpm_actions.ccpm_action_item_add(
        round=round,
        by=coordinator,
        action="Réviser le plan de contingence avec les partenaires nationaux",
        body=cluster,
        subfunction=contingency,
        owner_organisation=organisations.get("AOD"),
        due_date=today + datetime.timedelta(days=90),
    )


# The national cluster's work plan for the year: (objective, [(activity, lead, first month, last
# month, status, progress)]). Months are of the current year.
WORKPLAN = [
    (
        "Renforcer la couverture des services de protection dans le centre",
        [
            (
                "Cartographie des services de protection (4W) à Mopti et Ségou",
                "AOD",
                1,
                3,
                "done",
                100,
            ),
            ("Mise à jour des circuits de référencement par cercle", "SPA", 2, 6, "ongoing", 60),
            (
                "Missions conjointes d'évaluation dans les zones d'accès difficile",
                "EMO",
                4,
                9,
                "delayed",
                20,
            ),
        ],
    ),
    (
        "Améliorer l'analyse et le partage de l'information de protection",
        [
            ("Analyse de protection (PAU) trimestrielle", "AOD", 1, 12, "ongoing", 50),
            (
                "Formation des partenaires aux outils de monitoring de protection",
                "RFT",
                5,
                8,
                "planned",
                0,
            ),
        ],
    ),
]


def _workplan(operation: Operation) -> None:
    """The national cluster's work plan for this year, with last quarter's review, once."""
    if WorkPlan.objects.filter(operation=operation).exists():
        return
    coordinator = _manager(operation)
    cluster = Body.objects.filter(operation=operation, code="PRO").first()
    if coordinator is None or cluster is None:
        return
    organisations = {o.acronym: o for o in Organisation.objects.filter(operations=operation)}
    today = timezone.localdate()
    year = today.year
    plan = workplans.workplan_create(
        body=cluster,
        by=coordinator,
        year=year,
        title=f"Plan de travail du cluster protection {year}",
        strategy="Stratégie du cluster : présence dans le centre, analyse partagée, "
        "renforcement des partenaires nationaux.",
    )
    quarter = (today.month - 1) // 3 + 1
    for code, (title, activities) in enumerate(WORKPLAN, start=1):
        objective = workplans.objective_add(plan=plan, by=coordinator, title=title, code=f"O{code}")
        for name, lead, first, last, status, progress in activities:
            activity = workplans.work_activity_add(
                objective=objective,
                by=coordinator,
                title=name,
                lead_organisation=organisations.get(lead),
                starts_on=datetime.date(year, first, 1),
                ends_on=datetime.date(year, last, 28),
            )
            # Reviewed in the current quarter (a quarter that has started), as the coordinator
            # does at each quarterly review.
            workplans.work_review_record(
                activity=activity,
                by=coordinator,
                year=year,
                quarter=quarter,
                progress=progress,
                status=status,
                comment="" if status != WorkActivity.Status.DELAYED else "Accès limité (sécurité).",
            )
