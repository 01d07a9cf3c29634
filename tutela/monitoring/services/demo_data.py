"""Protection monitoring demonstration data for the demo operation (`tutela demo`): a few hundred
plausible incidents over the last twelve months across the demo organisations, in the crisis
regions of Mali (some GBV, some recorded twice by two organisations, a recent rise of
abductions in Mopti for the early warning), the IMO as designated analyst, and the sharing
agreements. Invented events on real P-codes; narratives are short and contain no real person.

Loading it again changes nothing once the operation has incidents."""

from __future__ import annotations

import datetime
import random
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from tutela.core.models import AdminArea, Operation, Organisation, User
from tutela.monitoring.incidents.data import IncidentData, PeopleCount
from tutela.monitoring.models import Incident, MonitoringSettings, SharingAgreement
from tutela.monitoring.services.incidents import incidents_save_many
from tutela.monitoring.services.reference import monitoring_seed

# organisation -> (regions, incidents a month, [(risk, violation, weight)])
NETWORK: dict[str, tuple[list[str], int, list[tuple[str, str | None, int]]]] = {
    "AOD": (
        ["ML05", "ML06", "ML07"],
        8,
        [
            ("R01", "abduction", 4),
            ("R02", "killing", 3),
            ("R02", "attack_civilians", 3),
            ("R12", "extortion", 3),
            ("R12", "livestock_theft", 2),
            ("R15", "forced_displacement", 3),
            ("R10", "ied", 2),
            ("R09", "no_documentation", 1),
        ],
    ),
    "SPA": (
        ["ML04", "ML05", "ML10"],
        6,
        [
            ("R02", "attack_civilian_objects", 3),
            ("R12", "property_destruction", 3),
            ("R15", "movement_restriction", 3),
            ("R11", "threats", 2),
            ("R10", "ied", 2),
            ("R01", "arbitrary_arrest", 1),
        ],
    ),
    "ADP": (
        ["ML05"],
        4,
        [
            ("R01", "kidnapping", 2),
            ("R05", "discrimination", 2),
            ("R12", "theft", 3),
            ("R14", "forced_labour", 1),
        ],
    ),
    "RFT": (
        ["ML06"],
        4,
        [
            ("R08", "gbv_rape", 2),
            ("R08", "gbv_physical_assault", 3),
            ("R08", "gbv_denial_resources", 2),
            ("R08", "gbv_psychological_abuse", 2),
            ("R04", "child_marriage", 2),
        ],
    ),
    "EMO": (
        ["ML05"],
        3,
        [
            ("R07", "grave_recruitment_use", 3),
            ("R03", "separated_child", 2),
            ("R02", "grave_killing_maiming", 1),
            ("R02", "grave_attack_schools_hospitals", 1),
            ("R08", "grave_sexual_violence", 1),
        ],
    ),
    "CRD": (
        ["ML07", "ML10"],
        3,
        [
            ("R02", "injury", 3),
            ("R10", "erw", 2),
            ("R15", "forced_displacement", 2),
        ],
    ),
}
GROUPS = ["IDP", "IDP", "IDP", "HST", "HST", "RET", None]
BANDS = ["0-4", "5-11", "12-17", "18-59", "18-59", "18-59", "60+"]
SOURCES = [
    "monitoring_visit",
    "monitoring_visit",
    "key_informant",
    "household_interview",
    "hotline",
]
VERIFICATIONS = ["unverified", "partially_verified", "verified", "verified"]
PERPETRATORS = ["nsag", "nsag", "nsag", "state_forces", "community_member", "unknown"]
NARRATIVES = [
    "Des hommes armés sont entrés dans le village à l'aube et ont menacé les habitants.",
    "Les moniteurs ont été informés de l'incident lors d'une visite du site.",
    "Plusieurs familles ont quitté le village après l'incident, par peur de représailles.",
    "L'incident a eu lieu sur la route du marché hebdomadaire.",
    "Le chef de village a signalé l'incident au point focal protection.",
    "Les personnes affectées ont été orientées vers les services disponibles.",
]


def _months(today: datetime.date, count: int) -> list[datetime.date]:
    months = []
    month = today.replace(day=1)
    for _i in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _areas(regions: list[str]) -> dict[str, list[str]]:
    """region -> P-codes of its cercles and communes (the places incidents happen)."""
    found: dict[str, list[str]] = {region: [] for region in regions}
    for pcode in AdminArea.objects.filter(level__in=[2, 3], pcode__regex=r"^ML\d").values_list(
        "pcode", flat=True
    ):
        region = pcode[:4]
        if region in found:
            found[region].append(pcode)
    return {region: sorted(pcodes) or [region] for region, pcodes in found.items()}


def _incident(
    rng: random.Random,
    month: datetime.date,
    today: datetime.date,
    area: str,
    risk: str,
    violation: str | None,
    external_id: str,
) -> IncidentData:
    last_day = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    occurred = month + datetime.timedelta(
        days=rng.randrange((min(last_day, today) - month).days + 1)
    )
    reported = min(occurred + datetime.timedelta(days=rng.choice([0, 1, 2, 3, 5, 8])), today)
    gbv = risk == "R08"
    group = rng.choice(GROUPS)
    people = []
    for _line in range(1 if gbv else rng.choice([1, 1, 2, 3])):
        band = rng.choice(["12-17", "18-59"] if gbv else BANDS)
        if risk == "R07" or violation in ("separated_child", "grave_killing_maiming"):
            band = rng.choice(["5-11", "12-17"])
        sex = "F" if gbv or risk == "R04" else rng.choice("FM")
        people.append(
            PeopleCount(sex, band, rng.random() < 0.08, group, 1 if gbv else rng.randint(1, 12))
        )
    displaced = risk == "R15" or (risk == "R02" and rng.random() < 0.3)
    narrative = rng.choice(NARRATIVES)
    if rng.random() < 0.05:
        # As monitors sometimes write: masked on save.
        narrative += " Contact du témoin : 76 12 34 56."
    return IncidentData(
        occurred_on=occurred,
        reported_on=reported,
        area_pcode=area,
        risks=[(risk, violation)],
        perpetrator=("family_member" if gbv and rng.random() < 0.5 else rng.choice(PERPETRATORS)),
        people=people,
        displacement_caused=displaced,
        displaced_households=rng.randint(3, 60) if displaced else None,
        services=rng.sample(
            ["health", "psychosocial", "legal", "safety", "cash"], k=rng.randint(0, 2)
        )
        + (["health", "psychosocial"] if gbv else []),
        source=rng.choice(SOURCES),
        verification=rng.choice(VERIFICATIONS),
        narrative=narrative,
        external_id=external_id,
    )


@transaction.atomic
def demo_monitoring_load(*, operation: Operation, months: int = 12, seed: int = 2026) -> int:
    """Load the demo incidents once; returns how many were created."""
    monitoring_seed(operation=operation)
    settings = MonitoringSettings.objects.get(operation=operation)
    analyst = User.objects.filter(email="imo@demo.tutela.org").first()
    if analyst is not None:
        settings.analysts.add(analyst)
    organisations = {
        o.acronym: o for o in Organisation.objects.filter(acronym__in=[*NETWORK, "SPA"])
    }
    for acronym, shares in (("AOD", True), ("SPA", True), ("EMO", True), ("RFT", False)):
        if acronym in organisations:
            SharingAgreement.objects.get_or_create(
                operation=operation,
                organisation=organisations[acronym],
                defaults={
                    "shares_gbv_aggregates": shares,
                    "signed_on": datetime.date(2026, 1, 15) if shares else None,
                },
            )
    if Incident.objects.filter(operation=operation).exists():
        return 0

    # Reproducible invented data, not security.
    rng = random.Random(seed)  # noqa: S311
    today = timezone.localdate()
    calendar = _months(today, months)
    places = _areas(sorted({r for regions, _n, _r in NETWORK.values() for r in regions}))
    batches: dict[str, list[IncidentData]] = {acronym: [] for acronym in NETWORK}
    for acronym, (regions, per_month, risks) in NETWORK.items():
        weights = [w for _r, _v, w in risks]
        for index, month in enumerate(calendar):
            for number in range(max(1, per_month + rng.randint(-2, 2))):
                risk, violation, _w = rng.choices(risks, weights=weights)[0]
                region = rng.choice(regions)
                batches[acronym].append(
                    _incident(
                        rng,
                        month,
                        today,
                        rng.choice(places[region]),
                        risk,
                        violation,
                        f"DEMO-{acronym}-{month:%Y%m}-{number:02d}",
                    )
                )
            # A rise of abductions around Bandiagara in the last two months.
            if acronym == "AOD" and index >= len(calendar) - 2:
                area = "ML0501" if "ML0501" in places.get("ML05", []) else places["ML05"][0]
                for extra in range(9):
                    batches[acronym].append(
                        _incident(
                            rng,
                            month,
                            today,
                            area,
                            "R01",
                            "abduction",
                            f"DEMO-AOD-{month:%Y%m}-A{extra}",
                        )
                    )
    # The same events recorded again by another organisation working in the area.
    for number, original in enumerate(rng.sample(batches["AOD"], 12)):
        region = original.area_pcode[:4]
        partner = "ADP" if region == "ML05" else "CRD" if region == "ML07" else "SPA"
        shift = datetime.timedelta(days=rng.choice([0, 1]))
        occurred = min(original.occurred_on + shift, today)
        batches[partner].append(
            replace(
                original,
                occurred_on=occurred,
                reported_on=max(original.reported_on, occurred),
                people=[
                    replace(p, count=max(1, p.count + rng.choice([-1, 0, 1])))
                    for p in original.people
                ],
                source="key_informant",
                verification="unverified",
                external_id=f"DEMO-{partner}-DUP-{number:02d}",
            )
        )
    created = 0
    for acronym, items in batches.items():
        organisation = organisations.get(acronym)
        if organisation is None or not items:
            continue
        made, _updated = incidents_save_many(
            operation=operation, organisation=organisation, by=None, items=items
        )
        created += made
    return created
