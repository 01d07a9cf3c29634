"""Demo data of cash for protection (fictional, marked demo), loaded with the demo cases: the
operation's criteria, threshold and MEB, one data-sharing agreement, and cash records across the
workflow (approved with a paid and monitored instalment, awaiting approval)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from tutela.cases.models import (
    Case,
    CashAssistance,
    Consent,
    EligibilityCriterion,
    Intervention,
    ReviewStatus,
)
from tutela.cases.services import cash as cash_services
from tutela.cases.services.consent import consent_record
from tutela.core.models import Operation, Organisation, User

CRITERIA = (
    ("protection-risk", "Risque de protection que l'argent réduit", 3, True),
    ("female-headed", "Ménage dirigé par une femme", 2, False),
    ("disability", "Personne en situation de handicap", 2, False),
    ("no-income", "Aucun revenu dans le ménage", 1, False),
)
# Fictional figures (XOF per month) for the demo, not the cash working group's.
MEB = {1: Decimal("40000"), 2: Decimal("62000"), 3: Decimal("78000"), 5: Decimal("105000")}


def cash_demo_load(*, operation: Operation, users: dict[str, User]) -> int:
    """Returns how many cash records were created (none if already there)."""
    coordinator, worker = users.get("coordinator"), users.get("caseworker")
    supervisor = users.get("supervisor")
    if coordinator is None or worker is None or supervisor is None:
        return 0
    if worker.organisation is None:
        return 0
    if CashAssistance.objects.filter(operation=operation, is_demo=True).exists():
        return 0
    today = timezone.localdate()
    for code, label, weight, mandatory in CRITERIA:
        if not EligibilityCriterion.objects.filter(operation=operation, code=code).exists():
            cash_services.criterion_save(
                operation=operation,
                by=coordinator,
                code=code,
                label=label,
                weight=weight,
                mandatory=mandatory,
            )
    cash_services.rules_set(operation=operation, by=coordinator, min_score=4)
    basket = cash_services.basket_save(
        operation=operation,
        by=coordinator,
        name="MEB Mopti 2026 (démo)",
        currency="XOF",
        valid_from=today - datetime.timedelta(days=120),
        transfer_percent=75,
        instalments=2,
        interval_days=30,
        amounts=MEB,
    )
    other = (
        Organisation.objects.filter(operations=operation)
        .exclude(pk=worker.organisation.pk)
        .order_by("acronym")
        .first()
    )
    if other is not None:
        cash_services.agreement_create(
            operation=operation,
            by=coordinator,
            organisations=[worker.organisation, other],
            reference="Accord de partage de données (démo)",
            valid_from=today - datetime.timedelta(days=90),
        )
    cases = list(
        Case.objects.filter(operation=operation, is_demo=True, owner=worker)
        .exclude(case_type=Case.Type.GBV)
        .exclude(stage=Case.Stage.CLOSED)
        .filter(plans__status=ReviewStatus.APPROVED)
        .distinct()
        .order_by("id")[:2]
    )
    created = 0
    for index, case in enumerate(cases):
        consent_record(
            case=case,
            by=worker,
            purpose=Consent.Purpose.DEDUPLICATION,
            given_on=case.registered_on,
            given_by=Consent.GivenBy.CAREGIVER
            if case.age_band in ("0-4", "5-11", "12-17")
            else Consent.GivenBy.PERSON,
            caregiver_name="Parent (démo)" if case.age_band in ("0-4", "5-11", "12-17") else "",
        )
        item = cash_services.cash_record(
            case=case,
            by=worker,
            basket=basket,
            household_size=3 + index,
            criteria_met=["protection-risk", "female-headed"],
            mechanism=CashAssistance.Mechanism.MOBILE_MONEY
            if index == 0
            else CashAssistance.Mechanism.CASH_IN_HAND,
            intervention=Intervention.objects.filter(plan__case=case).order_by("id").first(),
            first_due_on=today - datetime.timedelta(days=20),
            is_demo=True,
        )
        created += 1
        cash_services.cash_request(assistance=item, by=worker)
        if index > 0:
            continue
        cash_services.cash_decide(assistance=item, by=supervisor, approve=True)
        first = item.instalments.get(number=1)
        cash_services.instalment_status_set(
            instalment=first,
            by=worker,
            status="paid",
            paid_on=today - datetime.timedelta(days=18),
            reference="OM-DEMO-0001",
        )
        cash_services.monitoring_record(
            instalment=first,
            by=worker,
            interviewed_on=today - datetime.timedelta(days=10),
            received_in_full=True,
            on_time=True,
            safety_problem=False,
            uses=["food", "rent"],
            satisfaction=4,
        )
    return created
