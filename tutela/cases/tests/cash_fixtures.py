"""Cash for protection reference data and records for the tests: the operation's criteria,
threshold and MEB set by its coordinator through the services, as a manager would."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tutela.cases.models import Case, CashAssistance, Consent, ExpenditureBasket
from tutela.cases.services import cash as cash_services
from tutela.cases.tests.conftest import CaseWorld, consent, person, register

# The Mali cash working group's MEB (fictional figures, XOF per month).
MEB = {1: Decimal("45000"), 2: Decimal("70000"), 3: Decimal("85000"), 5: Decimal("120000")}


@pytest.fixture
def basket(cw: CaseWorld) -> ExpenditureBasket:
    by = cw.world.coordinator
    operation = cw.operation
    cash_services.criterion_save(
        operation=operation,
        by=by,
        code="protection-risk",
        label="Protection risk that cash reduces",
        weight=3,
        mandatory=True,
    )
    cash_services.criterion_save(
        operation=operation, by=by, code="female-headed", label="Female-headed household", weight=2
    )
    cash_services.criterion_save(
        operation=operation, by=by, code="disability", label="Person with disability", weight=2
    )
    cash_services.rules_set(operation=operation, by=by, min_score=4)
    return cash_services.basket_save(
        operation=operation,
        by=by,
        name="MEB Mopti 2026",
        currency="XOF",
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
        transfer_percent=80,
        instalments=2,
        interval_days=30,
        amounts=MEB,
    )


def cash_case(
    cw: CaseWorld, *, id_number: str = "ML-0457-88213", dedup: bool = True, **kw: Any
) -> Case:
    """A case whose principal has this ID number (and, by default, consented to duplicate
    checks)."""
    case = register(cw, principal=person(id_number=id_number), **kw)
    if dedup:
        consent(cw, case, purpose=Consent.Purpose.DEDUPLICATION, by=case.owner)
    return case


def cash_for(cw: CaseWorld, case: Case, *, by: Any = None, **kw: Any) -> CashAssistance:
    kw.setdefault("household_size", 3)
    kw.setdefault("criteria_met", ["protection-risk", "female-headed"])
    kw.setdefault("mechanism", CashAssistance.Mechanism.MOBILE_MONEY)
    return cash_services.cash_record(case=case, by=by or case.owner, **kw)
