"""The protection monitoring reference data seeded in every operation, in French and English.

The GPC's 15 protection risks (names as the Global Protection Cluster publishes them, and as the
Clusters Protection of francophone operations use them), their violation types with GBV's six
core types (GBVIMS) and the six grave violations against children (MRM), perpetrator categories
(never names), age bands, sources, verification statuses, services, population groups (the 5W
catalogue's), the operation's monitoring settings and sample mappings from other typologies.

The operation edits all of it afterwards. Codes are stable: files, mappings and the XLSForm refer
to items by code. Seeding again adds only what is missing and never changes what was edited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tutela.core.models import Operation, ProtectionRisk, User
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write
from tutela.core.services.reference import reference_seed
from tutela.monitoring.models import (
    AgeBand,
    MonitoringSettings,
    PerpetratorCategory,
    ReferralService,
    RiskMapping,
    Source,
    VerificationStatus,
    ViolationType,
)

GENERAL = ViolationType.Family.GENERAL
GBV = ViolationType.Family.GBV
GRAVE = ViolationType.Family.GRAVE

# risk number -> [(code, family, English, French)]
VIOLATIONS: dict[int, list[tuple[str, str, str, str]]] = {
    1: [
        ("abduction", GENERAL, "Abduction", "Enlèvement"),
        ("kidnapping", GENERAL, "Kidnapping for ransom", "Kidnapping contre rançon"),
        ("enforced_disappearance", GENERAL, "Enforced disappearance", "Disparition forcée"),
        ("arbitrary_arrest", GENERAL, "Arbitrary or unlawful arrest", "Arrestation arbitraire"),
        (
            "arbitrary_detention",
            GENERAL,
            "Arbitrary or unlawful detention",
            "Détention arbitraire ou illégale",
        ),
        ("grave_abduction", GRAVE, "Abduction of children", "Enlèvement d'enfants"),
    ],
    2: [
        ("killing", GENERAL, "Unlawful killing", "Homicide illégal"),
        ("injury", GENERAL, "Injury or maiming", "Blessure ou mutilation"),
        ("attack_civilians", GENERAL, "Attack on civilians", "Attaque contre des civils"),
        (
            "attack_civilian_objects",
            GENERAL,
            "Attack on civilian objects (homes, markets, water points)",
            "Attaque contre des biens civils (maisons, marchés, points d'eau)",
        ),
        (
            "grave_killing_maiming",
            GRAVE,
            "Killing and maiming of children",
            "Meurtre et mutilation d'enfants",
        ),
        (
            "grave_attack_schools_hospitals",
            GRAVE,
            "Attacks on schools or hospitals",
            "Attaques contre des écoles ou des hôpitaux",
        ),
    ],
    3: [
        ("unaccompanied_child", GENERAL, "Unaccompanied child", "Enfant non accompagné"),
        ("separated_child", GENERAL, "Separated child", "Enfant séparé"),
        (
            "forced_family_separation",
            GENERAL,
            "Forced family separation",
            "Séparation forcée de la famille",
        ),
    ],
    4: [
        ("child_marriage", GENERAL, "Child or early marriage", "Mariage d'enfants ou précoce"),
        ("forced_marriage_adult", GENERAL, "Forced marriage of an adult", "Mariage forcé d'adulte"),
    ],
    5: [
        (
            "discrimination",
            GENERAL,
            "Discrimination or stigmatisation",
            "Discrimination ou stigmatisation",
        ),
        (
            "denial_of_services",
            GENERAL,
            "Denial of resources, opportunities or services",
            "Déni de ressources, d'opportunités ou de services",
        ),
        (
            "denial_humanitarian_access",
            GENERAL,
            "Denial of humanitarian access",
            "Déni d'accès humanitaire",
        ),
        (
            "grave_denial_access",
            GRAVE,
            "Denial of humanitarian access to children",
            "Déni d'accès humanitaire aux enfants",
        ),
    ],
    6: [
        ("disinformation", GENERAL, "Disinformation", "Désinformation"),
        (
            "denial_information",
            GENERAL,
            "Denial of access to information",
            "Déni d'accès à l'information",
        ),
        ("hate_speech", GENERAL, "Hate speech or incitement", "Discours de haine ou incitation"),
    ],
    7: [
        ("forced_recruitment", GENERAL, "Forced recruitment", "Recrutement forcé"),
        (
            "grave_recruitment_use",
            GRAVE,
            "Recruitment and use of children",
            "Recrutement et utilisation d'enfants",
        ),
    ],
    8: [
        ("gbv_rape", GBV, "Rape", "Viol"),
        ("gbv_sexual_assault", GBV, "Sexual assault", "Agression sexuelle"),
        ("gbv_physical_assault", GBV, "Physical assault", "Agression physique"),
        ("gbv_forced_marriage", GBV, "Forced marriage", "Mariage forcé"),
        (
            "gbv_denial_resources",
            GBV,
            "Denial of resources, opportunities or services",
            "Déni de ressources, d'opportunités ou de services",
        ),
        (
            "gbv_psychological_abuse",
            GBV,
            "Psychological or emotional abuse",
            "Violence psychologique ou émotionnelle",
        ),
        (
            "grave_sexual_violence",
            GRAVE,
            "Rape and other sexual violence against children",
            "Viol et autres violences sexuelles contre des enfants",
        ),
    ],
    9: [
        (
            "no_documentation",
            GENERAL,
            "Lack or confiscation of civil documentation",
            "Absence ou confiscation de documents d'état civil",
        ),
        (
            "denial_justice",
            GENERAL,
            "Denial of access to justice or remedies",
            "Déni d'accès à la justice ou aux recours",
        ),
    ],
    10: [
        ("landmine", GENERAL, "Landmine", "Mine terrestre"),
        ("ied", GENERAL, "Improvised explosive device (IED)", "Engin explosif improvisé (EEI)"),
        ("erw", GENERAL, "Explosive remnants of war", "Restes explosifs de guerre"),
        ("contamination", GENERAL, "Contaminated area", "Zone contaminée"),
    ],
    11: [
        ("threats", GENERAL, "Threats and intimidation", "Menaces et intimidation"),
        ("humiliation", GENERAL, "Humiliation", "Humiliation"),
        (
            "forced_to_witness",
            GENERAL,
            "Forced to witness violence",
            "Contraint d'assister à des violences",
        ),
    ],
    12: [
        ("theft", GENERAL, "Theft or looting", "Vol ou pillage"),
        ("livestock_theft", GENERAL, "Livestock theft", "Vol de bétail"),
        ("extortion", GENERAL, "Extortion or illegal taxation", "Extorsion ou taxation illégale"),
        ("forced_eviction", GENERAL, "Forced eviction", "Expulsion forcée"),
        ("property_destruction", GENERAL, "Destruction of property", "Destruction de biens"),
    ],
    13: [
        ("torture", GENERAL, "Torture", "Torture"),
        (
            "cruel_treatment",
            GENERAL,
            "Cruel, inhuman or degrading treatment",
            "Traitement cruel, inhumain ou dégradant",
        ),
    ],
    14: [
        ("trafficking", GENERAL, "Trafficking in persons", "Traite des personnes"),
        ("forced_labour", GENERAL, "Forced labour", "Travail forcé"),
        (
            "slavery_practices",
            GENERAL,
            "Slavery-like practices (incl. descent-based slavery)",
            "Pratiques analogues à l'esclavage (y compris l'esclavage par ascendance)",
        ),
    ],
    15: [
        (
            "movement_restriction",
            GENERAL,
            "Restriction of freedom of movement",
            "Restriction de la liberté de mouvement",
        ),
        ("siege", GENERAL, "Siege or blockade", "Siège ou blocus"),
        ("forced_displacement", GENERAL, "Forced displacement", "Déplacement forcé"),
        ("forced_return", GENERAL, "Forced return", "Retour forcé"),
    ],
}

# code, English, French
PERPETRATORS = [
    ("state_forces", "State armed or security forces", "Forces armées ou de sécurité de l'État"),
    ("nsag", "Non-state armed group", "Groupe armé non étatique"),
    ("community_member", "Community member", "Membre de la communauté"),
    (
        "family_member",
        "Family member or intimate partner",
        "Membre de la famille ou partenaire intime",
    ),
    ("unknown", "Unknown", "Inconnu"),
    ("other", "Other", "Autre"),
]
# code, English, French, min age, max age
AGE_BANDS: list[tuple[str, str, str, int, int | None]] = [
    ("0-4", "0–4 years", "0–4 ans", 0, 4),
    ("5-11", "5–11 years", "5–11 ans", 5, 11),
    ("12-17", "12–17 years", "12–17 ans", 12, 17),
    ("18-59", "18–59 years", "18–59 ans", 18, 59),
    ("60+", "60 years and over", "60 ans et plus", 60, None),
]
SOURCES = [
    ("monitoring_visit", "Protection monitoring visit", "Visite de monitoring de protection"),
    ("key_informant", "Key informant", "Informateur clé"),
    ("household_interview", "Household interview", "Entretien auprès d'un ménage"),
    ("hotline", "Hotline", "Ligne verte"),
    ("secondary_source", "Secondary source (media, report)", "Source secondaire (médias, rapport)"),
]
# code, English, French, counts as verified
VERIFICATIONS = [
    ("unverified", "Not verified", "Non vérifié", False),
    ("partially_verified", "Partially verified", "Partiellement vérifié", False),
    ("verified", "Verified", "Vérifié", True),
]
SERVICES = [
    ("health", "Health care", "Soins de santé"),
    ("psychosocial", "Psychosocial support", "Soutien psychosocial"),
    ("legal", "Legal assistance", "Assistance juridique"),
    ("safety", "Safety and security", "Sécurité et mise à l'abri"),
    ("shelter", "Shelter", "Abri"),
    ("livelihood", "Livelihoods", "Moyens de subsistance"),
    ("education", "Education", "Éducation"),
    ("cash", "Cash for protection", "Transferts monétaires pour la protection"),
    ("other", "Other services", "Autres services"),
]
# typology -> [(label, risk number, violation code or None)]
MAPPINGS: dict[str, list[tuple[str, int, str | None]]] = {
    "acled": [
        ("Violence against civilians", 2, "attack_civilians"),
        ("Attack", 2, "attack_civilians"),
        ("Shelling/artillery/missile attack", 2, "attack_civilian_objects"),
        ("Air/drone strike", 2, "attack_civilian_objects"),
        ("Abduction/forced disappearance", 1, "abduction"),
        ("Arrests", 1, "arbitrary_arrest"),
        ("Sexual violence", 8, None),
        ("Looting/property destruction", 12, "property_destruction"),
        ("Remote explosive/landmine/IED", 10, "ied"),
        ("Mob violence", 2, "attack_civilians"),
    ],
    "sahel-p21": [
        ("Enlèvement", 1, "abduction"),
        ("Arrestation arbitraire", 1, "arbitrary_arrest"),
        ("Meurtre", 2, "killing"),
        ("Attaque contre les civils", 2, "attack_civilians"),
        ("Séparation familiale", 3, "forced_family_separation"),
        ("Mariage précoce", 4, "child_marriage"),
        ("Recrutement d'enfants", 7, "grave_recruitment_use"),
        ("Violences sexuelles", 8, None),
        ("Violence basée sur le genre", 8, None),
        ("Manque de documentation", 9, "no_documentation"),
        ("Engins explosifs", 10, "ied"),
        ("Menaces", 11, "threats"),
        ("Extorsion", 12, "extortion"),
        ("Vol de bétail", 12, "livestock_theft"),
        ("Destruction de biens", 12, "property_destruction"),
        ("Travail forcé", 14, "forced_labour"),
        ("Restriction de mouvement", 15, "movement_restriction"),
        ("Déplacement forcé", 15, "forced_displacement"),
    ],
}


def _missing(model: Any, operation: Operation, rows: list[dict[str, Any]]) -> int:
    """Create the rows whose code the operation does not have yet; return how many."""
    existing = set(model.objects.filter(operation=operation).values_list("code", flat=True))
    new = [model(operation=operation, **row) for row in rows if row["code"] not in existing]
    model.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def monitoring_seed(*, operation: Operation, by: User | None = None) -> None:
    """Seed the operation's protection monitoring reference data (idempotent: only what is
    missing is added; items the operation edited or deactivated are left alone)."""
    # The population groups and the 15 risks are core reference data, seeded by core.
    created = reference_seed(operation=operation, by=by)
    risks = {r.number: r for r in ProtectionRisk.objects.filter(operation=operation)}
    existing = set(ViolationType.objects.filter(operation=operation).values_list("code", flat=True))
    violations = []
    for number, items in VIOLATIONS.items():
        risk = risks.get(number)
        if risk is None:
            continue
        for index, (code, family, en, fr) in enumerate(items, start=1):
            if code not in existing:
                violations.append(
                    ViolationType(
                        operation=operation,
                        risk=risk,
                        code=code,
                        family=family,
                        order=number * 100 + index,
                        name_en=en,
                        name_fr=fr,
                    )
                )
    ViolationType.objects.bulk_create(violations)
    created += len(violations)
    for model, rows in (
        (PerpetratorCategory, PERPETRATORS),
        (Source, SOURCES),
        (ReferralService, SERVICES),
    ):
        created += _missing(
            model,
            operation,
            [
                {"code": code, "order": order, "name_en": en, "name_fr": fr}
                for order, (code, en, fr) in enumerate(rows, start=1)
            ],
        )
    created += _missing(
        AgeBand,
        operation,
        [
            {
                "code": code,
                "order": order,
                "name_en": en,
                "name_fr": fr,
                "min_age": low,
                "max_age": high,
            }
            for order, (code, en, fr, low, high) in enumerate(AGE_BANDS, start=1)
        ],
    )
    created += _missing(
        VerificationStatus,
        operation,
        [
            {"code": code, "order": order, "name_en": en, "name_fr": fr, "is_verified": verified}
            for order, (code, en, fr, verified) in enumerate(VERIFICATIONS, start=1)
        ],
    )
    MonitoringSettings.objects.get_or_create(operation=operation)
    if not RiskMapping.objects.filter(operation=operation).exists():
        by_code = {v.code: v for v in ViolationType.objects.filter(operation=operation)}
        mappings = []
        for typology, labels in MAPPINGS.items():
            for label, number, violation in labels:
                if number not in risks:
                    continue
                mapping = RiskMapping(
                    operation=operation,
                    typology=typology,
                    label=label,
                    risk=risks[number],
                    violation=by_code.get(violation) if violation else None,
                )
                # bulk_create skips save(): fill the lookup key here.
                mapping.label_key = name_key(label)
                mappings.append(mapping)
        RiskMapping.objects.bulk_create(mappings)
        created += len(mappings)
    if created:
        audit_write(
            actor=by,
            action="create",
            operation=operation,
            entity_type="monitoring.protectionrisk",
            summary=f"Protection monitoring reference data seeded: {created} items",
        )
