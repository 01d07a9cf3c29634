"""The fictional content of the case management demo: its extra accounts, the cases (people, needs,
consents, the workflow each has been through) and the services of the directory. Loaded by
services.demo_data.

Every person, name, phone and ID number here is invented. `DEMO_IDENTITIES` lists them so that a
test can check that none is stored in clear in the database file or a PostgreSQL dump.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from tutela.cases.models import Case
from tutela.cases.services.cases import PersonData
from tutela.core.models.roles import Role

DEMO_PASSWORD = "Tutela-Demo-2026!"  # noqa: S105  (the demo accounts' published password)

EXTRA_USERS = [
    # local part, full name, organisation, role
    ("caseworker2", "Boubacar Kanté", "ADP", Role.CASEWORKER),
    ("caseworker.emo", "Assitan Dembélé", "EMO", Role.CASEWORKER),
    ("supervisor.emo", "Modibo Sissoko", "EMO", Role.SUPERVISOR),
    ("caseworker.rft", "Zeinabou Maïga", "RFT", Role.CASEWORKER),
]


@dataclass
class DemoPerson:
    given: str
    family: str
    sex: str
    born: datetime.date | None
    age: int | None
    phone: str
    id_number: str
    id_type: str = "national_id"
    relationship: str = "self"

    def data(self) -> PersonData:
        return PersonData(
            given_name=self.given,
            family_name=self.family,
            sex=self.sex,
            date_of_birth=self.born,
            age=self.age,
            phone=self.phone,
            id_type=self.id_type if self.id_number else "",
            id_number=self.id_number,
            relationship=self.relationship,
        )


@dataclass
class DemoCase:
    principal: DemoPerson
    area: str  # admin 1 P-code; the case goes to its first admin 2 area
    stage: str
    case_type: str = Case.Type.GENERAL
    members: list[DemoPerson] = field(default_factory=list)
    needs: tuple[str, ...] = ()
    risks: tuple[int, ...] = ()
    group: str = "IDP"
    days_ago: int = 30
    summary: str = ""


D = datetime.date
CASES = [
    DemoCase(
        DemoPerson(
            "Assétou", "Dicko", "F", D(1991, 4, 2), None, "+223 71 40 22 18", "DEMO-ML-100231"
        ),
        "ML05",
        "registered",
        needs=("WR",),
        risks=(12,),
        days_ago=3,
        summary="Menacée d'expulsion du site de déplacés de Sévaré.",
    ),
    DemoCase(
        DemoPerson(
            "Hamadoun", "Barry", "M", D(1979, 11, 20), None, "+223 65 18 90 03", "DEMO-ML-200877"
        ),
        "ML05",
        "assessment",
        members=[
            DemoPerson("Nènè", "Barry", "F", None, 31, "", "", relationship="spouse"),
            DemoPerson("Oumou", "Barry", "F", None, 6, "", "", relationship="child"),
        ],
        needs=("SP",),
        risks=(15, 12),
        days_ago=12,
        summary="Famille déplacée de Bandiagara, maison détruite.",
    ),
    DemoCase(
        DemoPerson(
            "Mariétou", "Tangara", "F", D(1986, 1, 9), None, "+223 79 33 05 61", "DEMO-ML-301145"
        ),
        "ML04",
        "plan",
        needs=("WR", "SM"),
        risks=(9,),
        days_ago=40,
        summary="Sans acte de naissance pour ses enfants ; besoins médicaux.",
    ),
    DemoCase(
        DemoPerson("Bourama", "Ongoïba", "M", None, 14, "", "", id_type=""),
        "ML05",
        "cp",
        case_type=Case.Type.CHILD_PROTECTION,
        needs=("SC", "CR"),
        risks=(3,),
        days_ago=25,
        group="IDP",
        summary="Enfant séparé de ses parents lors du déplacement.",
    ),
    DemoCase(
        DemoPerson(
            "Fanta", "Diabaté", "F", D(1999, 7, 30), None, "+223 66 72 14 90", "DEMO-ML-401976"
        ),
        "ML06",
        "gbv",
        case_type=Case.Type.GBV,
        needs=("SV",),
        risks=(8,),
        days_ago=6,
        group="RET",
        summary="Survivante ; orientée par l'agent de santé communautaire.",
    ),
    DemoCase(
        DemoPerson(
            "Youssouf", "Tounkara", "M", D(1968, 3, 15), None, "+223 75 01 38 47", "DEMO-ML-502264"
        ),
        "ML06",
        "referred",
        needs=("ER", "DS"),
        risks=(10,),
        days_ago=55,
        summary="Blessé par un engin explosif ; a besoin d'assistance aux victimes.",
    ),
    DemoCase(
        DemoPerson(
            "Rokia", "Samaké", "F", D(1994, 9, 1), None, "+223 70 96 41 25", "DEMO-ML-603318"
        ),
        "ML04",
        "closed",
        needs=("WR",),
        risks=(11,),
        days_ago=120,
        summary="Suivi psychosocial terminé.",
    ),
    DemoCase(
        DemoPerson(
            "Lassana", "Konaté", "M", D(1988, 12, 24), None, "+223 69 58 20 76", "DEMO-ML-704459"
        ),
        "ML05",
        "follow_up",
        needs=("LP",),
        risks=(1,),
        days_ago=70,
        summary="Détention arbitraire de trois semaines ; libéré.",
    ),
]

DEMO_IDENTITIES = sorted(
    {
        value
        for demo in CASES
        for person in (demo.principal, *demo.members)
        for value in (person.given, person.family, person.phone, person.id_number)
        if value
    }
)

SERVICES = [
    # organisation, service type, name, admin 1 P-codes, languages, hours
    (
        "EMO",
        "cp_cm",
        "Gestion de cas de protection de l'enfant",
        ["ML05"],
        ["Français", "Fulfulde", "Bambara"],
        "Lun-Ven 8h-17h",
    ),
    (
        "EMO",
        "ftr",
        "Recherche et réunification familiales",
        ["ML05", "ML06"],
        ["Français", "Fulfulde"],
        "Lun-Ven 8h-16h",
    ),
    (
        "RFT",
        "gbv_cm",
        "Gestion de cas VBG — centre d'écoute",
        ["ML06"],
        ["Français", "Songhaï", "Tamasheq"],
        "Tous les jours 8h-18h, ligne verte 24h/24",
    ),
    (
        "RFT",
        "mhpss",
        "Soutien psychosocial",
        ["ML06", "ML05"],
        ["Français", "Songhaï"],
        "Lun-Sam 9h-17h",
    ),
    (
        "SPA",
        "legal",
        "Clinique juridique mobile",
        ["ML04", "ML05"],
        ["Français", "Bambara"],
        "Mar et jeu 9h-15h",
    ),
    (
        "SPA",
        "documentation",
        "Appui à la documentation civile",
        ["ML04", "ML05", "ML06"],
        ["Français", "Bambara", "Fulfulde"],
        "Lun-Ven 8h-16h",
    ),
    (
        "CRD",
        "health",
        "Poste de santé et premiers secours",
        ["ML05", "ML06"],
        ["Français", "Bambara"],
        "24h/24",
    ),
    (
        "AOD",
        "cash",
        "Transferts monétaires pour la protection",
        ["ML04", "ML05", "ML06"],
        ["Français"],
        "Sur référencement",
    ),
    (
        "ADP",
        "shelter",
        "Hébergement temporaire sûr",
        ["ML05"],
        ["Français", "Bambara"],
        "Sur référencement, 24h/24",
    ),
]
