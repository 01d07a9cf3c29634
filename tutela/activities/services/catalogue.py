"""The standard protection activity catalogue and population groups, seeded per operation.

The operation edits them afterwards (they are configuration, not code). Codes are stable: files and
templates refer to activities by code.
"""

from __future__ import annotations

from django.db import transaction

from tutela.activities.models import Activity, ActivitySettings, Indicator
from tutela.core.models import Body, Operation, User
from tutela.core.services.audit import audit_write
from tutela.core.services.reference import reference_seed

# body code (PRO = the cluster), activity code, English, French, by sex/age, indicators
# indicator: (code suffix, English, French, unit)
PEOPLE = "people"
CATALOGUE: list[tuple[str, str, str, str, bool, list[tuple[str, str, str, str]]]] = [
    (
        "PRO",
        "PRO-CM",
        "Protection case management",
        "Gestion de cas de protection",
        True,
        [
            (
                "01",
                "People receiving case management",
                "Personnes bénéficiant d'une gestion de cas",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO",
        "PRO-CBP",
        "Community-based protection",
        "Protection à base communautaire",
        True,
        [
            (
                "01",
                "People reached by community-based protection activities",
                "Personnes atteintes par des activités de protection à base communautaire",
                PEOPLE,
            ),
            (
                "02",
                "Community protection structures supported",
                "Structures communautaires de protection appuyées",
                "structures",
            ),
        ],
    ),
    (
        "PRO",
        "PRO-PSS",
        "Psychosocial support",
        "Soutien psychosocial",
        True,
        [
            (
                "01",
                "People receiving psychosocial support",
                "Personnes bénéficiant d'un soutien psychosocial",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO",
        "PRO-LEG",
        "Legal assistance and civil documentation",
        "Assistance juridique et documentation civile",
        True,
        [
            (
                "01",
                "People receiving legal assistance",
                "Personnes bénéficiant d'une assistance juridique",
                PEOPLE,
            ),
            ("02", "Civil documents obtained", "Documents d'état civil obtenus", "items"),
        ],
    ),
    (
        "PRO",
        "PRO-IPA",
        "Individual protection assistance (cash or in kind)",
        "Assistance individuelle de protection (espèces ou en nature)",
        True,
        [
            (
                "01",
                "People receiving individual protection assistance",
                "Personnes bénéficiant d'une assistance individuelle de protection",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO",
        "PRO-MON",
        "Protection monitoring",
        "Monitoring de protection",
        False,
        [
            (
                "01",
                "Protection monitoring visits",
                "Visites de monitoring de protection",
                "sessions",
            ),
            ("02", "Households interviewed", "Ménages interrogés", "households"),
        ],
    ),
    (
        "PRO",
        "PRO-REF",
        "Referrals to specialised services",
        "Référencements vers des services spécialisés",
        True,
        [("01", "People referred", "Personnes référées", PEOPLE)],
    ),
    (
        "PRO",
        "PRO-AWA",
        "Awareness raising on protection",
        "Sensibilisation sur la protection",
        True,
        [
            (
                "01",
                "People reached by awareness sessions",
                "Personnes touchées par les sessions de sensibilisation",
                PEOPLE,
            ),
            ("02", "Awareness sessions held", "Sessions de sensibilisation tenues", "sessions"),
        ],
    ),
    (
        "PRO",
        "PRO-CAP",
        "Capacity building of actors",
        "Renforcement des capacités des acteurs",
        True,
        [("01", "People trained on protection", "Personnes formées en protection", PEOPLE)],
    ),
    (
        "PRO",
        "PRO-ADV",
        "Protection advocacy",
        "Plaidoyer de protection",
        False,
        [("01", "Advocacy actions carried out", "Actions de plaidoyer menées", "items")],
    ),
    (
        "PRO-HLP",
        "HLP-ASS",
        "Housing, land and property assistance",
        "Assistance logement, terre et biens",
        True,
        [
            (
                "01",
                "People receiving HLP assistance",
                "Personnes bénéficiant d'une assistance LTB",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-CPN",
        "CP-CM",
        "Child protection case management",
        "Gestion de cas de protection de l'enfant",
        True,
        [
            (
                "01",
                "Children receiving case management",
                "Enfants bénéficiant d'une gestion de cas",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-CPN",
        "CP-FTR",
        "Family tracing and reunification",
        "Recherche et réunification familiales",
        True,
        [
            (
                "01",
                "Unaccompanied and separated children reunified",
                "Enfants non accompagnés et séparés réunifiés",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-CPN",
        "CP-PSS",
        "Child-friendly spaces and psychosocial support for children",
        "Espaces amis des enfants et soutien psychosocial aux enfants",
        True,
        [
            (
                "01",
                "Children attending child-friendly spaces",
                "Enfants fréquentant les espaces amis des enfants",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-CPN",
        "CP-AAFAG",
        "Release and reintegration of children associated with armed groups",
        "Libération et réintégration des enfants associés aux groupes armés",
        True,
        [("01", "Children released and reintegrated", "Enfants libérés et réintégrés", PEOPLE)],
    ),
    (
        "PRO-GBV",
        "GBV-CM",
        "GBV case management",
        "Gestion de cas de VBG",
        True,
        [
            (
                "01",
                "Survivors receiving case management",
                "Survivantes et survivants bénéficiant d'une gestion de cas",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-GBV",
        "GBV-DK",
        "Dignity kits distribution",
        "Distribution de kits de dignité",
        True,
        [
            (
                "01",
                "Women and girls receiving dignity kits",
                "Femmes et filles ayant reçu des kits de dignité",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-GBV",
        "GBV-WGSS",
        "Women and girls safe spaces",
        "Espaces sûrs pour femmes et filles",
        True,
        [
            (
                "01",
                "Women and girls attending safe spaces",
                "Femmes et filles fréquentant les espaces sûrs",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-GBV",
        "GBV-PREV",
        "GBV prevention and risk mitigation",
        "Prévention et atténuation des risques de VBG",
        True,
        [
            (
                "01",
                "People reached by GBV prevention activities",
                "Personnes atteintes par les activités de prévention des VBG",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-MIN",
        "MA-EORE",
        "Explosive ordnance risk education",
        "Éducation aux risques des engins explosifs",
        True,
        [
            (
                "01",
                "People reached by risk education",
                "Personnes atteintes par l'éducation aux risques",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-MIN",
        "MA-VA",
        "Victim assistance",
        "Assistance aux victimes",
        True,
        [
            (
                "01",
                "Survivors of explosive ordnance assisted",
                "Survivants d'engins explosifs assistés",
                PEOPLE,
            )
        ],
    ),
    (
        "PRO-MIN",
        "MA-SUR",
        "Non-technical survey and clearance",
        "Enquête non technique et dépollution",
        False,
        [("01", "Square metres released", "Mètres carrés remis à disposition", "areas")],
    ),
]


# Activities whose counts can identify people (case management, survivors).
SENSITIVE = {"PRO-CM", "CP-CM", "CP-FTR", "CP-AAFAG", "GBV-CM", "MA-VA"}


@transaction.atomic
def catalogue_seed(*, operation: Operation, by: User | None = None) -> int:
    """Create the standard population groups and activities missing from the operation.

    Activities of an AoR the operation does not have go to its national cluster body. Returns the
    number of activities created. Existing entries are left as the operation edited them."""
    ActivitySettings.objects.get_or_create(operation=operation)
    reference_seed(operation=operation, by=by)
    bodies = {b.code: b for b in Body.objects.filter(operation=operation).exclude(code="")}
    cluster = (
        bodies.get("PRO")
        or Body.objects.filter(operation=operation, kind=Body.Kind.CLUSTER).first()
    )
    if cluster is None:
        raise ValueError("The operation has no cluster body to attach activities to.")
    created = 0
    for body_code, code, en, fr, by_sex_age, indicators in CATALOGUE:
        activity, was_created = Activity.objects.get_or_create(
            operation=operation,
            code=code,
            defaults={
                "body": bodies.get(body_code, cluster),
                "name_en": en,
                "name_fr": fr,
                "by_sex_age": by_sex_age,
                "by_disability": by_sex_age,
                "is_sensitive": code in SENSITIVE,
            },
        )
        if was_created:
            created += 1
            for suffix, ind_en, ind_fr, unit in indicators:
                Indicator.objects.create(
                    activity=activity,
                    code=f"{code}-{suffix}",
                    name_en=ind_en,
                    name_fr=ind_fr,
                    unit=unit,
                )
    if created:
        audit_write(
            actor=by,
            action="create",
            operation=operation,
            entity_type="activities.activity",
            summary=f"Standard activity catalogue seeded: {created} activities",
        )
    return created
