"""Early-warning scan: the Poisson tail, the signals, their e-mail and the command."""

from __future__ import annotations

import datetime
import math
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from tutela.core.models import AuditEntry
from tutela.core.models.mail import OutboxMessage
from tutela.monitoring.models import EarlyWarningSignal, MonitoringSettings
from tutela.monitoring.services.early_warning import (
    early_warning_scan,
    last_complete_month,
    poisson_tail,
)
from tutela.monitoring.services.summaries import summaries_rebuild
from tutela.monitoring.tests.analysis_fixtures import (
    make_incident,
    many,
    seeded_fixture,  # noqa: F401
    share_gbv,
)

SEP = datetime.date(2026, 9, 1)


def _tail_by_hand(x: int, lam: float) -> float:
    return 1.0 - sum(math.exp(-lam) * lam**k / math.factorial(k) for k in range(x))


def test_poisson_tail_hand_computed() -> None:
    # P(X >= 1 | 1) = 1 - e^-1; P(X >= 3 | 0.5) = 1 - e^-0.5 (1 + 0.5 + 0.125).
    assert poisson_tail(1, 1.0) == pytest.approx(1 - math.exp(-1), rel=1e-12)
    assert poisson_tail(3, 0.5) == pytest.approx(1 - math.exp(-0.5) * 1.625, rel=1e-12)
    assert poisson_tail(0, 3.0) == 1.0
    # Far in the tail, where 1 - (sum) would cancel to 0: e^-1 / 20! * (1 + 1/21 + ...).
    assert poisson_tail(20, 1.0) == pytest.approx(math.exp(-1) / math.factorial(20), rel=0.06)
    assert poisson_tail(20, 1.0) > 0


@settings(max_examples=200, deadline=None)
@given(x=st.integers(min_value=0, max_value=60), lam=st.floats(min_value=0.05, max_value=40))
def test_poisson_tail_matches_the_definition(x: int, lam: float) -> None:
    expected = _tail_by_hand(x, lam)
    got = poisson_tail(x, lam)
    assert 0.0 <= got <= 1.0
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(x=st.integers(min_value=1, max_value=500), lam=st.floats(min_value=0.5, max_value=300))
def test_poisson_tail_decreases_with_the_count(x: int, lam: float) -> None:
    assert poisson_tail(x + 1, lam) <= poisson_tail(x, lam) + 1e-15


def test_last_complete_month() -> None:
    assert last_complete_month(datetime.date(2026, 10, 15)) == SEP
    assert last_complete_month(datetime.date(2026, 1, 1)) == datetime.date(2025, 12, 1)


def _months_before(n: int) -> list[datetime.date]:
    out = []
    month = SEP
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        out.append(month)
    return out


@pytest.fixture
def surge(seeded: Any) -> Any:
    """Bandiagara R02: 1 incident a month for 6 months, then 9 in September; Ségou R12: 5 a month
    steadily (no signal)."""
    w = seeded.world
    op = w.operation
    for month in _months_before(6):
        make_incident(op, w.drc, seeded.bandiagara, month, "R02")
        many(5, op, w.drc, seeded.segou, month, "R12")
    many(9, op, w.drc, seeded.bandiagara, SEP, "R02")
    many(5, op, w.drc, seeded.segou, SEP, "R12")
    return seeded


@pytest.mark.django_db
def test_scan_signals_the_surge_in_admin2_and_admin1(
    surge: Any, django_capture_on_commit_callbacks: Any
) -> None:
    w = surge.world
    with django_capture_on_commit_callbacks(execute=True):
        result = early_warning_scan(operation=w.operation, month=SEP)
    areas = {(s.area.pcode, s.risk.code) for s in result.signals}
    assert areas == {("ML0501", "R02"), ("ML05", "R02")}
    signal = EarlyWarningSignal.objects.get(area=surge.bandiagara)
    assert signal.observed == 9
    assert signal.expected == pytest.approx(1.0)
    assert signal.p_value == pytest.approx(poisson_tail(9, 1.0))
    assert signal.evidence["baseline"] == {m.strftime("%Y-%m"): 1 for m in _months_before(6)}
    assert (
        AuditEntry.objects.filter(
            entity_type="monitoring.earlywarningsignal", action="create"
        ).count()
        == 2
    )
    # The coordinator is e-mailed once, without counts.
    mails = OutboxMessage.objects.filter(kind="early_warning")
    assert [m.recipient for m in mails] == [w.coordinator]
    assert "Bandiagara" in mails[0].text
    assert EarlyWarningSignal.objects.filter(notified_at__isnull=True).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        again = early_warning_scan(operation=w.operation, month=SEP)
    assert again.new == []
    assert OutboxMessage.objects.filter(kind="early_warning").count() == 1


@pytest.mark.django_db
def test_rescan_keeps_status_and_removes_stale_new_signals(surge: Any) -> None:
    w = surge.world
    early_warning_scan(operation=w.operation, month=SEP, notify=False)
    dismissed = EarlyWarningSignal.objects.get(area=surge.mopti)
    dismissed.status = EarlyWarningSignal.Status.DISMISSED
    dismissed.save()
    # Raise the minimum count: neither passes any more; the dismissed one stays.
    MonitoringSettings.objects.filter(operation=w.operation).update(min_count=10)
    result = early_warning_scan(operation=w.operation, month=SEP, notify=False)
    assert result.signals == []
    assert result.removed == 1
    assert list(EarlyWarningSignal.objects.values_list("status", flat=True)) == ["dismissed"]


@pytest.mark.django_db
def test_minimum_count_and_prior(seeded: Any) -> None:
    """Four incidents out of nowhere: p is tiny, but under the minimum count (5)."""
    w = seeded.world
    many(4, w.operation, w.drc, seeded.bandiagara, SEP, "R02")
    assert early_warning_scan(operation=w.operation, month=SEP, notify=False).signals == []


@pytest.mark.django_db
def test_unshared_gbv_and_merged_are_not_counted(seeded: Any) -> None:
    w = seeded.world
    op = w.operation
    gbv = many(6, op, w.other_org, seeded.bandiagara, SEP, "R08")
    assert early_warning_scan(operation=op, month=SEP, notify=False).signals == []
    share_gbv(op, w.other_org)
    assert len(early_warning_scan(operation=op, month=SEP, notify=False).signals) == 2
    for incident in gbv[1:]:
        incident.merged_into = gbv[0]
        incident.save()
    summaries_rebuild(operation=op)
    assert early_warning_scan(operation=op, month=SEP, notify=False).signals == []


@pytest.mark.django_db
def test_command(surge: Any) -> None:
    out = StringIO()
    call_command(
        "early_warning", "--operation", "mali", "--month", "2026-09", "--no-email", stdout=out
    )
    assert "2 signal(s)" in out.getvalue()
    assert OutboxMessage.objects.count() == 0
    with time_machine.travel(datetime.datetime(2026, 10, 3, 12, tzinfo=datetime.UTC)):
        call_command("early_warning", "--operation", "mali", "--no-email", stdout=out)
    assert EarlyWarningSignal.objects.filter(month=SEP).count() == 2


@pytest.mark.django_db
def test_nightly_job_is_registered(surge: Any) -> None:
    from tutela.core import schedule
    from tutela.monitoring import schedules

    job = schedule.registry["monitoring.early_warning"]
    assert job.function is schedules.early_warning_nightly
    assert job.at == datetime.time(3, 0)
    with time_machine.travel(datetime.datetime(2026, 10, 3, 3, tzinfo=datetime.UTC)):
        schedules.early_warning_nightly()
    assert EarlyWarningSignal.objects.filter(month=SEP).count() == 2
