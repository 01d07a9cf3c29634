"""The demo operation's cash for protection: fictional, marked demo, across the workflow."""

from __future__ import annotations

import pytest

from tutela.cases.models import CashAssistance, DistributionMonitoring, ExpenditureBasket
from tutela.core.services.demo import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_has_cash_records_across_the_workflow() -> None:
    result = demo_load()
    records = CashAssistance.objects.filter(operation=result.operation)
    assert records.count() == 2
    assert all(item.is_demo for item in records)
    assert set(records.values_list("status", flat=True)) == {"approved", "pending"}
    approved = records.get(status="approved")
    assert approved.decided_by_id != approved.requested_by_id
    assert DistributionMonitoring.objects.filter(instalment__assistance=approved).count() == 1
    assert ExpenditureBasket.objects.filter(operation=result.operation).count() == 1
    demo_load()
    assert CashAssistance.objects.filter(operation=result.operation).count() == 2
