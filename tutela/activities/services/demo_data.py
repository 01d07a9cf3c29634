"""5W demonstration data for the demo operation (`tutela demo`): three months of plausible rows for
the demo organisations, some submissions validated and others still in review, planning figures
(people in need, targets, severity) for Mali's regions and the cercles of the centre and north, and
one insecure region where partner names are hidden. Invented figures on real P-codes.

Loading it again changes nothing once the operation has 5W rows."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tutela.activities.models import (
    Activity,
    ActivityReport,
    ActivitySettings,
    PlanningFigure,
    ReportingRound,
    Submission,
)
from tutela.activities.services.catalogue import catalogue_seed
from tutela.activities.services.summaries import summaries_apply
from tutela.core.models import AdminArea, Body, Operation, Organisation, PopulationGroup
from tutela.core.services.audit import audit_write

# Organisation -> (regions it works in, activity codes it reports).
PARTNERS: dict[str, tuple[list[str], list[str]]] = {
    "AOD": (["ML05", "ML06", "ML07"], ["PRO-MON", "PRO-LEG", "PRO-IPA", "PRO-CAP"]),
    "SPA": (["ML04", "ML05", "ML10"], ["PRO-CM", "PRO-PSS", "PRO-HLP", "MA-EORE"]),
    "ADP": (["ML05"], ["PRO-CBP", "PRO-AWA", "PRO-REF", "PRO-PSS"]),
    "RFT": (["ML06"], ["GBV-CM", "GBV-PREV", "GBV-WGSS", "GBV-DK"]),
    "EMO": (["ML05"], ["CP-CM", "CP-PSS", "CP-FTR"]),
    "DRDS-D": (["ML04"], ["PRO-LEG", "PRO-AWA"]),
    "CRD": (["ML07", "ML10"], ["PRO-REF", "PRO-AWA", "PRO-IPA"]),
}
GROUPS = ["IDP", "IDP", "IDP", "HST", "HST", "RET", "REF"]
# Severity (HNO scale) per region; cercles vary around it.
SEVERITY = {
    "ML01": 2,
    "ML02": 2,
    "ML03": 1,
    "ML04": 3,
    "ML05": 5,
    "ML06": 4,
    "ML07": 4,
    "ML08": 3,
    "ML09": 2,
    "ML10": 5,
}
# Where partner names are hidden in products (insecure area).
INSECURE_REGION = "ML10"
CRISIS_REGIONS = ["ML04", "ML05", "ML06", "ML07", "ML10"]


def _months(today: datetime.date, count: int = 3) -> list[datetime.date]:
    """The last `count` full months before `today`, oldest first."""
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


def _split(rng: random.Random, total: int, with_bands: bool) -> dict[str, int]:
    if not with_bands:
        return {"total": total}
    weights = [rng.uniform(0.8, 1.3) * w for w in (24, 22, 26, 18, 6, 4)]
    scale = total / sum(weights)
    bands = [int(w * scale) for w in weights]
    bands[2] += total - sum(bands)
    names = ("girls", "boys", "women", "men", "older_women", "older_men")
    return {**dict(zip(names, bands, strict=True)), "total": total}


@transaction.atomic
def demo_activities_load(*, operation: Operation) -> int:
    """The 5W part of the demo: the standard catalogue, then three months of rows, planning
    figures and an insecure area (loaded once)."""
    catalogue_seed(operation=operation)
    return demo_5w_load(operation=operation)


# The latest month is still in review: some submitted, one returned, one draft.
LATEST_STATUS = {
    "AOD": Submission.Status.VALIDATED,
    "SPA": Submission.Status.SUBMITTED,
    "ADP": Submission.Status.SUBMITTED,
    "RFT": Submission.Status.VALIDATED,
    "EMO": Submission.Status.RETURNED,
    "DRDS-D": Submission.Status.DRAFT,
    "CRD": Submission.Status.SUBMITTED,
}

# (activity, place, population group, base figure): what a partner reports month after month.
_Key = tuple[Activity, AdminArea, PopulationGroup, int]


@dataclass
class _Places:
    """Mali's regions, cercles and communes as the demo draws its places from them."""

    areas: dict[str, AdminArea]
    by_id: dict[int, AdminArea]
    cercles: dict[str, list[AdminArea]]
    communes: dict[int, list[AdminArea]]


def _demo_places() -> _Places:
    areas = {
        a.pcode: a
        for a in AdminArea.objects.filter(country_pcode="ML", level__in=(1, 2, 3)).only(
            "pk", "pcode", "level", "parent_id"
        )
    }
    by_id = {a.pk: a for a in areas.values()}
    cercles: dict[str, list[AdminArea]] = {}
    communes: dict[int, list[AdminArea]] = {}
    for area in areas.values():
        if area.level == 2:
            parent = by_id.get(area.parent_id or 0)
            if parent is not None:
                cercles.setdefault(parent.pcode, []).append(area)
        elif area.level == 3 and area.parent_id:
            communes.setdefault(area.parent_id, []).append(area)
    for values in cercles.values():
        values.sort(key=lambda a: a.pcode)
    return _Places(areas, by_id, cercles, communes)


def _demo_rounds(operation: Operation, months: list[datetime.date]) -> list[ReportingRound]:
    """One round per month, the last one still open."""
    rounds = []
    for index, month in enumerate(months):
        round_, _created = ReportingRound.objects.get_or_create(
            operation=operation,
            month=month,
            defaults={
                "deadline": (month + datetime.timedelta(days=40)).replace(day=10),
                "status": ReportingRound.Status.OPEN
                if index == len(months) - 1
                else ReportingRound.Status.CLOSED,
            },
        )
        rounds.append(round_)
    return rounds


def _demo_keys(
    rng: random.Random,
    regions: Any,
    codes: Any,
    activities: dict[str, Activity],
    groups: dict[str, PopulationGroup],
    places: _Places,
) -> list[_Key]:
    """The places and groups a partner reports on: the same come back month after month."""
    keys: list[_Key] = []
    seen: set[tuple[int, int, int]] = set()
    for code in codes:
        activity = activities.get(code)
        if activity is None:
            continue
        for _n in range(rng.randint(2, 4)):
            cercle = rng.choice(places.cercles[rng.choice(regions)])
            choices = places.communes.get(cercle.pk) or [cercle]
            area = rng.choice(choices) if rng.random() < 0.7 else cercle
            group = groups[rng.choice(GROUPS)]
            if (activity.pk, area.pk, group.pk) in seen:
                continue
            seen.add((activity.pk, area.pk, group.pk))
            keys.append((activity, area, group, rng.randint(15, 400)))
    return keys


def _demo_submission(
    round_: ReportingRound, organisation: Organisation, status: str, now: datetime.datetime
) -> Submission:
    submission, _created = Submission.objects.get_or_create(
        round=round_,
        organisation=organisation,
        defaults={
            "status": status,
            "submitted_at": now if status != Submission.Status.DRAFT else None,
            "reviewed_at": now
            if status in (Submission.Status.VALIDATED, Submission.Status.RETURNED)
            else None,
            "comment": "Merci de vérifier les totaux par sexe et âge à Bandiagara."
            if status == Submission.Status.RETURNED
            else "",
        },
    )
    return submission


def _demo_row(
    rng: random.Random,
    operation: Operation,
    submission: Submission,
    month: datetime.date,
    key: _Key,
    by_id: dict[int, AdminArea],
) -> ActivityReport:
    activity, area, group, base = key
    indicator = next(iter(activity.indicators.all()), None)
    people = indicator is None or indicator.counts_people
    total = max(1, int(base * rng.uniform(0.6, 1.4))) if people else 0
    split = _split(rng, total, activity.by_sex_age and people)
    return ActivityReport(
        operation=operation,
        submission=submission,
        organisation_id=submission.organisation_id,
        month=month,
        activity=activity,
        indicator=indicator,
        body_id=activity.body_id,
        area=area,
        population_group=group,
        status=ActivityReport.Status.ONGOING,
        modality=ActivityReport.Modality.IN_PERSON,
        with_disability=int(total * rng.uniform(0.03, 0.1)),
        quantity=None if people else rng.randint(2, 30),
        **split,
        **_ancestors(area, by_id),
    )


@transaction.atomic
def demo_5w_load(*, operation: Operation, today: datetime.date | None = None) -> int:
    """Load the demo 5W data into `operation` (the demo operation); returns the rows created."""
    if ActivityReport.objects.filter(operation=operation).exists():
        return 0
    catalogue_seed(operation=operation)
    rng = random.Random(2026)  # noqa: S311 (invented demo figures, not security)
    today = today or timezone.localdate()
    months = _months(today)
    organisations = {
        o.acronym: o
        for o in Organisation.objects.filter(acronym__in=PARTNERS, operations=operation)
    }
    activities = {
        a.code: a
        for a in Activity.objects.filter(operation=operation).prefetch_related("indicators")
    }
    groups = {g.code: g for g in PopulationGroup.objects.filter(operation=operation)}
    places = _demo_places()
    areas, cercles = places.areas, places.cercles
    rounds = _demo_rounds(operation, months)
    now = timezone.now()
    rows: list[ActivityReport] = []
    for acronym, (regions, codes) in PARTNERS.items():
        organisation = organisations.get(acronym)
        if organisation is None:
            continue
        keys = _demo_keys(rng, regions, codes, activities, groups, places)
        for index, (round_, month) in enumerate(zip(rounds, months, strict=True)):
            last = index == len(months) - 1
            status = LATEST_STATUS[acronym] if last else Submission.Status.VALIDATED
            submission = _demo_submission(round_, organisation, status, now)
            for key in keys:
                if rng.random() < 0.15:
                    continue
                rows.append(_demo_row(rng, operation, submission, month, key, places.by_id))
    ActivityReport.objects.bulk_create(rows, batch_size=500)
    _planning(operation, rng, months[-1].year, areas, cercles)
    settings, _created = ActivitySettings.objects.get_or_create(operation=operation)
    if INSECURE_REGION in areas:
        settings.sensitive_areas.add(areas[INSECURE_REGION])
    summaries_apply(operation=operation, slices=None)
    audit_write(
        actor=None,
        action="create",
        operation=operation,
        entity_type="activities.activityreport",
        summary=f"Demo 5W data loaded: {len(rows)} rows over {len(months)} months",
    )
    return len(rows)


def _ancestors(area: AdminArea, by_id: dict[int, AdminArea]) -> dict[str, Any]:
    found: dict[str, Any] = {"admin1": None, "admin2": None, "admin3": None}
    current: AdminArea | None = area
    while current is not None:
        if 1 <= current.level <= 3:
            found[f"admin{current.level}"] = current
        current = by_id.get(current.parent_id) if current.parent_id else None
    return found


def _planning(
    operation: Operation,
    rng: random.Random,
    year: int,
    areas: dict[str, AdminArea],
    cercles: dict[str, list[AdminArea]],
) -> None:
    """Planning figures of the cluster: per region everywhere, per cercle in the crisis regions;
    and child protection figures per region."""
    cluster = Body.objects.filter(operation=operation, code="PRO").first()
    if cluster is None:
        return
    child_protection = Body.objects.filter(operation=operation, code="PRO-CPN").first()
    idp = PopulationGroup.objects.filter(operation=operation, code="IDP").first()
    host = PopulationGroup.objects.filter(operation=operation, code="HST").first()
    figures = []
    for pcode, severity in SEVERITY.items():
        region = areas.get(pcode)
        if region is None:
            continue
        scale = 1_200 * severity**2
        for group, share in ((idp, 0.55), (host, 0.45)):
            pin = int(scale * share * rng.uniform(0.7, 1.3))
            figures.append(
                PlanningFigure(
                    operation=operation,
                    year=year,
                    area=region,
                    body=cluster,
                    population_group=group,
                    people_in_need=pin,
                    targeted=int(pin * rng.uniform(0.3, 0.5)),
                    severity=severity,
                )
            )
        if child_protection is not None:
            pin = int(scale * 0.4 * rng.uniform(0.7, 1.3))
            figures.append(
                PlanningFigure(
                    operation=operation,
                    year=year,
                    area=region,
                    body=child_protection,
                    population_group=None,
                    people_in_need=pin,
                    targeted=int(pin * 0.4),
                    severity=severity,
                )
            )
        if pcode not in CRISIS_REGIONS:
            continue
        for cercle in cercles.get(pcode, []):
            cercle_severity = max(1, min(5, severity + rng.choice([-1, 0, 0, 1])))
            for group, share in ((idp, 0.55), (host, 0.45)):
                pin = int(220 * cercle_severity**2 * share * rng.uniform(0.4, 1.6))
                figures.append(
                    PlanningFigure(
                        operation=operation,
                        year=year,
                        area=cercle,
                        body=cluster,
                        population_group=group,
                        people_in_need=pin,
                        targeted=int(pin * rng.uniform(0.3, 0.5)),
                        severity=cercle_severity,
                    )
                )
    PlanningFigure.objects.bulk_create(figures, ignore_conflicts=True)
