"""Case statistics for the cluster: counts only, from cases whose consent allows aggregate
reporting (and GBV cases only from organisations that signed the GBV information-sharing
protocol), every table through tutela.core.disclosure so that no small count is shown or can be
worked out from totals. Nothing identifying: no code, no name, no organisation's caseload.
"""

from __future__ import annotations

import datetime
import statistics as stats
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tutela.cases.models import (
    AgeBand,
    Case,
    CaseSettings,
    Consent,
    Referral,
    ServiceDelivery,
    ServiceType,
    Sex,
)
from tutela.core.disclosure import SuppressedTable, suppress_table, threshold_for
from tutela.core.models import AdminArea, Operation, Organisation, ProtectionRisk

SEXES = [Sex.FEMALE, Sex.MALE, Sex.OTHER, Sex.UNKNOWN]
BANDS = [b for b in AgeBand if b != AgeBand.UNKNOWN] + [AgeBand.UNKNOWN]


def consenting_cases(operation: Operation, on: datetime.date | None = None) -> QuerySet[Case]:
    """Cases with an active consent to aggregate reporting; GBV cases only from organisations
    that share GBV statistics."""
    on = on or timezone.localdate()
    consents = Consent.objects.filter(
        purpose=Consent.Purpose.AGGREGATE, given_on__lte=on, case__operation=operation
    ).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
    )
    settings = CaseSettings.objects.filter(operation=operation).first()
    gbv_orgs = (
        list(settings.gbv_aggregate_organisations.values_list("pk", flat=True)) if settings else []
    )
    return Case.objects.filter(operation=operation, pk__in=consents.values("case_id")).filter(
        ~Q(case_type=Case.Type.GBV) | Q(organisation_id__in=gbv_orgs)
    )


def _table(
    rows: list[tuple[Any, Any]],
    cols: list[tuple[Any, Any]],
    counts: dict[tuple[Any, Any], int],
    threshold: int,
) -> SuppressedTable:
    """Rows and columns as (key, label); empty rows left out."""
    kept = [(key, label) for key, label in rows if any(counts.get((key, c), 0) for c, _ in cols)]
    values = [[counts.get((key, c), 0) for c, _label in cols] for key, _label in kept]
    return suppress_table(
        values,
        threshold=threshold,
        row_labels=[label for _key, label in kept],
        col_labels=[label for _key, label in cols],
    )


@dataclass
class ReferralLine:
    organisation: str
    sent: int | None
    answered_in_time: int | None
    share_in_time: int | None
    median_hours: float | None


@dataclass
class CaseStatistics:
    threshold: int
    counted: int | None
    by_risk: SuppressedTable
    by_area: SuppressedTable
    by_sex_age: SuppressedTable
    services: SuppressedTable
    referrals: list[ReferralLine]


def case_statistics(operation: Operation, *, since: datetime.date | None = None) -> CaseStatistics:
    threshold = threshold_for(operation)
    cases = consenting_cases(operation)
    if since is not None:
        cases = cases.filter(registered_on__gte=since)
    case_ids = cases.values("pk")
    sex_cols = [(s.value, s.label) for s in SEXES]

    risk_counts = {
        (row["concerns"], row["sex"]): row["n"]
        for row in cases.filter(concerns__isnull=False)
        .values("concerns", "sex")
        .annotate(n=Count("pk", distinct=True))
    }
    risks = [(r.pk, r.name) for r in ProtectionRisk.objects.filter(operation=operation)]
    by_risk = _table(risks, sex_cols, risk_counts, threshold)

    band_cols = [(b.value, b.label) for b in BANDS]
    area_counts = {
        (row["admin1"], row["age_band"]): row["n"]
        for row in cases.values("admin1", "age_band").annotate(n=Count("pk"))
    }
    area_ids = {key[0] for key in area_counts}
    areas = [
        (a.pk, f"{a.name} ({a.pcode})")
        for a in AdminArea.objects.filter(pk__in=area_ids).order_by("pcode")
    ]
    by_area = _table(areas, band_cols, area_counts, threshold)

    sex_age = {
        (row["sex"], row["age_band"]): row["n"]
        for row in cases.values("sex", "age_band").annotate(n=Count("pk"))
    }
    by_sex_age = _table(sex_cols, band_cols, sex_age, threshold)

    delivered = {
        (row["service_type"], "n"): row["n"]
        for row in ServiceDelivery.objects.filter(case__in=case_ids)
        .values("service_type")
        .annotate(n=Count("pk"))
    }
    types = [(t.pk, t.name) for t in ServiceType.objects.filter(operation=operation)]
    services = _table(types, [("n", "")], delivered, threshold)

    total = cases.count()
    return CaseStatistics(
        threshold=threshold,
        counted=total if total == 0 or total >= threshold else None,
        by_risk=by_risk,
        by_area=by_area,
        by_sex_age=by_sex_age,
        services=services,
        referrals=referral_response_times(operation, case_ids, threshold),
    )


def referral_response_times(
    operation: Operation, case_ids: Any, threshold: int
) -> list[ReferralLine]:
    """Per receiving organisation: referrals sent, answered (accepted or declined) before their
    deadline, the share in time and the median hours to answer. An organisation that received
    fewer referrals than the threshold shows nothing but its name."""
    referrals = Referral.objects.filter(operation=operation, case__in=case_ids).exclude(
        status=Referral.Status.WITHDRAWN
    )
    by_org: dict[int, list[Referral]] = {}
    for referral in referrals.only(
        "to_organisation_id", "sent_at", "respond_by", "responded_at", "status"
    ):
        by_org.setdefault(referral.to_organisation_id, []).append(referral)
    names = dict(Organisation.objects.filter(pk__in=by_org).values_list("pk", "acronym"))
    lines = []
    for org_id, items in sorted(by_org.items(), key=lambda item: names.get(item[0], "")):
        sent = len(items)
        if sent < threshold:
            lines.append(ReferralLine(names.get(org_id, "?"), None, None, None, None))
            continue
        answered = [r for r in items if r.responded_at is not None]
        in_time = sum(1 for r in answered if r.responded_at and r.responded_at <= r.respond_by)
        hours = [
            (r.responded_at - r.sent_at).total_seconds() / 3600
            for r in answered
            if r.responded_at is not None
        ]
        shown_in_time = in_time if in_time == 0 or in_time >= threshold else None
        # A small count of late answers is as identifying as a small count of timely ones.
        if sent - in_time and sent - in_time < threshold:
            shown_in_time = None
        lines.append(
            ReferralLine(
                organisation=names.get(org_id, "?"),
                sent=sent,
                answered_in_time=shown_in_time,
                share_in_time=round(100 * in_time / sent) if shown_in_time is not None else None,
                median_hours=round(stats.median(hours), 1) if len(hours) >= threshold else None,
            )
        )
    return lines
