"""The shared reference data seeded in every operation: population groups and the GPC's 15
protection risks, in English, French and Spanish (names as the Global Protection Cluster publishes
them, and as the Protection Clusters of francophone operations use them).

The operation edits them afterwards. Codes are stable: files, mappings and forms refer to items by
code. Seeding again adds only what is missing and never changes what was edited.
"""

from __future__ import annotations

from django.db import transaction

from tutela.core.models import Operation, PopulationGroup, ProtectionRisk, User
from tutela.core.services.audit import audit_write

# code, English, French, HXL attribute
POPULATION_GROUPS = [
    ("IDP", "Internally displaced people", "Personnes déplacées internes", "+idps"),
    ("REF", "Refugees", "Réfugiés", "+refugees"),
    ("ASY", "Asylum seekers", "Demandeurs d'asile", "+asylum"),
    ("RET", "Returnees", "Retournés", "+returnees"),
    ("HST", "Host community", "Communauté hôte", "+host"),
    ("STA", "Stateless people", "Apatrides", "+stateless"),
    ("OOC", "Others of concern", "Autres personnes relevant du mandat", "+ooc"),
]

GBV_RISK = "R08"

# number, English, French, Spanish (GPC wording)
RISKS: list[tuple[int, str, str, str]] = [
    (
        1,
        "Abduction, kidnapping, enforced disappearance, arbitrary or unlawful arrest and/or "
        "detention",
        "Enlèvement, kidnapping, disparition forcée, arrestation et/ou détention arbitraire ou "
        "illégale",
        "Secuestro, rapto, desaparición forzada, arresto y/o detención arbitraria o ilegal",
    ),
    (
        2,
        "Attacks on civilians and other unlawful killings, and attacks on civilian objects",
        "Attaques contre les civils et autres homicides illégaux, et attaques contre les biens "
        "civils",
        "Ataques contra civiles y otros homicidios ilegítimos, y ataques contra bienes civiles",
    ),
    (
        3,
        "Child and forced family separation",
        "Séparation d'enfants et séparation forcée des familles",
        "Separación de niños, niñas y adolescentes y separación forzada de familias",
    ),
    (
        4,
        "Child, early or forced marriage",
        "Mariage d'enfants, précoce ou forcé",
        "Matrimonio infantil, precoz o forzado",
    ),
    (
        5,
        "Discrimination and stigmatization, denial of resources, opportunities, services and/or "
        "humanitarian access",
        "Discrimination et stigmatisation, déni de ressources, d'opportunités, de services et/ou "
        "d'accès humanitaire",
        "Discriminación y estigmatización, denegación de recursos, oportunidades, servicios y/o "
        "acceso humanitario",
    ),
    (
        6,
        "Disinformation and denial of access to information",
        "Désinformation et déni d'accès à l'information",
        "Desinformación y denegación del acceso a la información",
    ),
    (
        7,
        "Forced recruitment and association of children in armed forces and groups",
        "Recrutement forcé et association d'enfants aux forces et groupes armés",
        "Reclutamiento forzado y vinculación de niños, niñas y adolescentes a fuerzas y grupos "
        "armados",
    ),
    (
        8,
        "Gender-based violence",
        "Violence basée sur le genre",
        "Violencia basada en género",
    ),
    (
        9,
        "Impediments and/or restrictions to access to legal identity, remedies and justice",
        "Entraves et/ou restrictions à l'accès à l'identité juridique, aux recours et à la justice",
        "Impedimentos y/o restricciones de acceso a la identidad jurídica, a recursos y a la "
        "justicia",
    ),
    (
        10,
        "Presence of mine and other explosive ordnance",
        "Présence de mines et d'autres engins explosifs",
        "Presencia de minas y otros artefactos explosivos",
    ),
    (
        11,
        "Psychological/emotional abuse or inflicted distress",
        "Abus psychologique/émotionnel ou détresse infligée",
        "Abuso psicológico/emocional o angustia infligida",
    ),
    (
        12,
        "Theft, extortion, forced eviction or destruction of personal property",
        "Vol, extorsion, expulsion forcée ou destruction de biens personnels",
        "Robo, extorsión, desalojo forzoso o destrucción de bienes personales",
    ),
    (
        13,
        "Torture or cruel, inhuman, degrading treatment or punishment",
        "Torture ou peines ou traitements cruels, inhumains ou dégradants",
        "Tortura o tratos o penas crueles, inhumanos o degradantes",
    ),
    (
        14,
        "Trafficking in persons, forced labour or slavery-like practices",
        "Traite des personnes, travail forcé ou pratiques analogues à l'esclavage",
        "Trata de personas, trabajo forzoso o prácticas análogas a la esclavitud",
    ),
    (
        15,
        "Unlawful impediments or restrictions to freedom of movement, siege and forced "
        "displacement",
        "Entraves ou restrictions illégales à la liberté de mouvement, siège et déplacement forcé",
        "Impedimentos o restricciones ilegales a la libertad de circulación, asedio y "
        "desplazamiento forzado",
    ),
]


def risk_code(number: int) -> str:
    return f"R{number:02d}"


@transaction.atomic
def reference_seed(*, operation: Operation, by: User | None = None) -> int:
    """Create the standard population groups and protection risks the operation does not have
    yet (by code); return how many were created."""
    groups = set(PopulationGroup.objects.filter(operation=operation).values_list("code", flat=True))
    new_groups = [
        PopulationGroup(operation=operation, code=code, name_en=en, name_fr=fr, hxl_attribute=hxl)
        for code, en, fr, hxl in POPULATION_GROUPS
        if code not in groups
    ]
    PopulationGroup.objects.bulk_create(new_groups)
    risks = set(ProtectionRisk.objects.filter(operation=operation).values_list("code", flat=True))
    new_risks = [
        ProtectionRisk(
            operation=operation,
            code=risk_code(number),
            number=number,
            order=number,
            name_en=en,
            name_fr=fr,
            name_es=es,
            is_gbv=risk_code(number) == GBV_RISK,
        )
        for number, en, fr, es in RISKS
        if risk_code(number) not in risks
    ]
    ProtectionRisk.objects.bulk_create(new_risks)
    created = len(new_groups) + len(new_risks)
    if created:
        audit_write(
            actor=by,
            action="create",
            operation=operation,
            entity_type="core.protectionrisk",
            summary=(
                f"Reference data seeded: {len(new_groups)} population groups, "
                f"{len(new_risks)} protection risks"
            ),
        )
    return created
