"""Early warning: which area × risk saw more incidents in a month than its own recent past makes
likely.

Method (shown on the signals page too)
--------------------------------------
For the month tested (by default the last complete month), every area of admin level 2 and of
admin level 1 and every protection risk (the incident's main risk):

- observed x = incidents counted in the month (merged duplicates never counted; GBV incidents
  only of organisations that share GBV aggregates);
- baseline: the counts of the `baseline_months` months before it (MonitoringSettings, default 6;
  months without incidents count as 0), λ = their mean;
- one-sided Poisson test: p = P(X ≥ x | λ') with λ' = max(λ, 0.5), a small prior so that an area
  with no history is not flagged by its first incident or two;
- a signal when x ≥ `min_count` (default 5) and p < `significance` (default 0.01).

P(X ≥ x) is computed exactly from the Poisson probabilities (no scipy): the tail sum
e^-λ Σ_{k≥x} λ^k / k! when x > λ (terms decrease, summed until they no longer change the
result), and 1 - Σ_{k<x} otherwise, each term from the previous one by multiplication with the
first in log space (math.lgamma), so that neither large λ nor large x overflows.

One GROUP BY (area × risk × month over the baseline window) reads the incident summary
(`models.summaries`, exactly the counted incidents); the tests run in Python.

GBV incidents of organisations that have not consented to share GBV aggregates are not in the
counted base, so they never make, change or remove a signal: neither the signals page, nor the
e-mail (which names area, risk and month only, no count), nor an alert raised from a signal (its
figures are those of the signals page for a reader outside every organisation) can reveal them.
The figures stored on a signal (observed, expected, p-value) are the scan's working values and
are never shown as they are: pages, exports and alerts show the disclosure-controlled figures
of `selectors.signals`. Signals are upserted (one per operation × area × risk × month: a re-run
updates the figures and keeps a signal's status); a signal of status "new" that no longer passes
the test is removed. Signals not yet notified are e-mailed to the operation's coordinators once
(notified_at).
"""

from __future__ import annotations

import datetime
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.core.models import Operation, User
from tutela.core.models.roles import Role
from tutela.core.services.audit import audit_create, audit_update, snapshot
from tutela.core.services.mail import mail_enqueue
from tutela.monitoring.access import gbv_sharing_organisations
from tutela.monitoring.models import (
    EarlyWarningSignal,
    IncidentSummary,
    MonitoringSettings,
)

logger = logging.getLogger(__name__)

PRIOR = 0.5
METHOD = "poisson-trailing-mean"


def poisson_tail(x: int, lam: float) -> float:
    """P(X ≥ x) for X ~ Poisson(lam), exactly (to floating point)."""
    if x <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_first = -lam + x * math.log(lam) - math.lgamma(x + 1)
    if x > lam:
        # Upper tail: terms decrease from k = x on.
        term = math.exp(log_first)
        total = term
        k = x
        while True:
            k += 1
            term *= lam / k
            if term < total * 1e-17 or term == 0.0:
                break
            total += term
        return min(1.0, total)
    # Lower sum Σ_{k<x}: built down from k = x - 1 (the largest term side) to 0.
    term = math.exp(log_first) * x / lam  # P(X = x - 1)
    total = 0.0
    k = x - 1
    while k >= 0:
        total += term
        if k == 0:
            break
        term *= k / lam
        k -= 1
    return max(0.0, min(1.0, 1.0 - total))


def last_complete_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def _add_months(month: datetime.date, n: int) -> datetime.date:
    y, m = divmod(month.month - 1 + n, 12)
    return datetime.date(month.year + y, m + 1, 1)


@dataclass
class Candidate:
    area_id: int
    risk_id: int
    observed: int
    expected: float
    p_value: float
    baseline: dict[str, int]


@dataclass
class ScanResult:
    month: datetime.date
    tested: int
    signals: list[EarlyWarningSignal]
    new: list[EarlyWarningSignal]
    removed: int
    notified: int


def settings_for(operation: Operation) -> MonitoringSettings:
    found = MonitoringSettings.objects.filter(operation=operation).first()
    return found or MonitoringSettings(operation=operation)


def counted_base_q(operation: Operation) -> Q:
    """What the cluster counts: unmerged incidents; GBV only of organisations that share."""
    return Q(operation=operation, merged_into__isnull=True) & (
        Q(is_gbv=False) | Q(organisation_id__in=set(gbv_sharing_organisations(operation)))
    )


def counted_summary_q(operation: Operation) -> Q:
    """`counted_base_q` on the incident summary (merged duplicates are never in it)."""
    return Q(operation=operation) & (
        Q(is_gbv=False) | Q(organisation_id__in=set(gbv_sharing_organisations(operation)))
    )


def scan_candidates(
    *,
    operation: Operation,
    month: datetime.date,
    baseline_months: int,
    min_count: int,
    significance: float,
) -> tuple[list[Candidate], int]:
    """The area × risk pairs that signal in `month`, and how many pairs were tested."""
    first = _add_months(month, -baseline_months)
    window = [_add_months(first, i) for i in range(baseline_months + 1)]
    index = {m: i for i, m in enumerate(window)}
    # The incident summary holds exactly the counted incidents (models.summaries).
    rows = (
        IncidentSummary.objects.filter(
            counted_summary_q(operation), month__gte=first, month__lte=month
        )
        .values_list("admin1_id", "admin2_id", "primary_risk_id", "month")
        .annotate(n=Sum("incidents"))
        .order_by()
    )
    series: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * len(window))
    for admin1, admin2, risk, m, n in rows:
        i = index[m]
        series[(admin1, risk)][i] += n
        if admin2 is not None:
            series[(admin2, risk)][i] += n
    labels = [m.strftime("%Y-%m") for m in window[:-1]]
    out = []
    for (area_id, risk_id), counts in series.items():
        observed = counts[-1]
        if observed < min_count:
            continue
        mean = sum(counts[:-1]) / baseline_months if baseline_months else 0.0
        p = poisson_tail(observed, max(mean, PRIOR))
        if p < significance:
            out.append(
                Candidate(
                    area_id=area_id,
                    risk_id=risk_id,
                    observed=observed,
                    expected=round(mean, 4),
                    p_value=p,
                    baseline=dict(zip(labels, counts[:-1], strict=True)),
                )
            )
    return out, len(series)


@transaction.atomic
def early_warning_scan(
    *,
    operation: Operation,
    month: datetime.date | None = None,
    notify: bool = True,
    by: User | None = None,
) -> ScanResult:
    """Test every area × risk in `month` (default: the last complete month); see the module
    docstring for the method. Returns the signals of the month and which are new."""
    month = (month or last_complete_month()).replace(day=1)
    config = settings_for(operation)
    candidates, tested = scan_candidates(
        operation=operation,
        month=month,
        baseline_months=max(1, config.baseline_months),
        # Never below the small-count threshold (it may have been raised since the setting).
        min_count=max(1, config.min_count, operation.disclosure_threshold),
        significance=config.significance,
    )
    existing = {
        (s.area_id, s.risk_id): s
        for s in EarlyWarningSignal.objects.filter(operation=operation, month=month)
    }
    signals, new = [], []
    for c in candidates:
        evidence = {
            "method": METHOD,
            "months": config.baseline_months,
            "baseline": c.baseline,
            "prior": PRIOR,
            "min_count": config.min_count,
            "significance": config.significance,
        }
        signal = existing.pop((c.area_id, c.risk_id), None)
        if signal is None:
            signal = EarlyWarningSignal(
                operation=operation, area_id=c.area_id, risk_id=c.risk_id, month=month
            )
            new.append(signal)
        signal.observed = c.observed
        signal.expected = c.expected
        signal.p_value = c.p_value
        signal.evidence = evidence
        signal.full_clean()
        signal.save()
        signals.append(signal)
    stale = [s.pk for s in existing.values() if s.status == EarlyWarningSignal.Status.NEW]
    removed = EarlyWarningSignal.objects.filter(pk__in=stale).delete()[0] if stale else 0
    for signal in new:
        audit_create(actor=by, instance=signal, operation=operation)
    notified = signals_notify(operation=operation) if notify else 0
    return ScanResult(
        month=month, tested=tested, signals=signals, new=new, removed=removed, notified=notified
    )


def coordinators_of(operation: Operation) -> list[Any]:
    return list(
        User.objects.filter(
            operation_roles__operation=operation,
            operation_roles__role=Role.COORDINATOR,
            is_active=True,
        ).distinct()
    )


def _lines(signals: Iterable[EarlyWarningSignal]) -> list[str]:
    return [f"- {s.area.name} ({s.area.pcode}) — {s.risk.name} — {s.month:%Y-%m}" for s in signals]


def signals_notify(*, operation: Operation) -> int:
    """E-mail the signals not yet notified to the operation's coordinators, once.

    The e-mail names the area, risk and month only (no counts: the coordinators read the figures
    on the signals page, through the same disclosure control as every aggregate)."""
    pending = list(
        EarlyWarningSignal.objects.filter(
            operation=operation, notified_at__isnull=True, status=EarlyWarningSignal.Status.NEW
        ).select_related("area", "risk")
    )
    if not pending:
        return 0
    recipients = coordinators_of(operation)
    if recipients:
        with translation.override(operation.default_language or "en"):
            url = str(getattr(settings, "BASE_URL", "")) + reverse(
                "monitoring:signals", args=[operation.slug]
            )
            subject = _("%(count)s new early-warning signal(s) — %(operation)s") % {
                "count": len(pending),
                "operation": operation.name,
            }
            text = "\n".join(
                [
                    _(
                        "The early-warning scan found an unusual increase of incidents in these "
                        "areas and risks:"
                    ),
                    "",
                    *_lines(pending),
                    "",
                    _("Evidence and method: %(url)s") % {"url": url},
                ]
            )
        mail_enqueue(
            operation=operation,
            kind="early_warning",
            subject=subject,
            text=text,
            to_users=recipients,
            digestible=False,
        )
    now = timezone.now()
    EarlyWarningSignal.objects.filter(pk__in=[s.pk for s in pending]).update(notified_at=now)
    return len(pending)


def _set_status(*, signal: EarlyWarningSignal, by: User, status: str) -> EarlyWarningSignal:
    before = snapshot(signal)
    signal.status = status
    signal.full_clean()
    signal.save(update_fields=["status", "updated_at"])
    audit_update(actor=by, instance=signal, operation=signal.operation, before=before)
    return signal


@transaction.atomic
def signal_dismiss(*, signal: EarlyWarningSignal, by: User) -> EarlyWarningSignal:
    return _set_status(signal=signal, by=by, status=EarlyWarningSignal.Status.DISMISSED)
