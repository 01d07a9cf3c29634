"""Synthetic cases for benchmarks (deterministic, invented names): people, blind-index tokens and
case staff for N cases spread over organisations, written with bulk inserts (the fields are
encrypted and the tokens digested exactly as the services do)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tutela.cases import blind_index
from tutela.cases.models import Case, CasePerson, CaseSearchToken, age_band_for
from tutela.core.models import AdminArea, Operation, OperationRole, Organisation, User
from tutela.core.models.roles import Role

GIVEN = [
    "Mohamed",
    "Mamadou",
    "Aminata",
    "Fatoumata",
    "Oumar",
    "Moussa",
    "Awa",
    "Mariam",
    "Ibrahim",
    "Hawa",
    "Seydou",
    "Kadidia",
    "Boubacar",
    "Aïssata",
    "Souleymane",
    "Adama",
    "Bintou",
    "Youssouf",
    "Salif",
    "Oumou",
    "Abdoulaye",
    "Aïcha",
    "Hamidou",
    "Rokia",
    "Lassana",
    "Djeneba",
    "Modibo",
    "Nènè",
    "Sidi",
    "Assétou",
    "Hussein",
    "Khadija",
    "Ousmane",
    "Fanta",
    "Bakary",
    "Kadiatou",
    "Drissa",
    "Maïmouna",
    "Issa",
    "Safiatou",
]
FAMILY = [
    "Traoré",
    "Coulibaly",
    "Diarra",
    "Keïta",
    "Touré",
    "Cissé",
    "Maïga",
    "Sangaré",
    "Diallo",
    "Koné",
    "Doumbia",
    "Sidibé",
    "Dembélé",
    "Konaté",
    "Camara",
    "Sissoko",
    "Ongoïba",
    "Dicko",
    "Barry",
    "Tangara",
    "Kanouté",
    "Samaké",
    "Tounkara",
    "Diabaté",
    "Ag Alhassane",
    "Ould Sidi",
    "Guindo",
    "Kassogué",
    "Dolo",
    "Togo",
]


@dataclass
class Synthetic:
    operation: Operation
    organisations: list[Organisation]
    supervisors: dict[int, User]
    caseworkers: dict[int, list[User]]


def _user(operation: Operation, org: Organisation, index: int, local: str, role: str) -> User:
    person, _ = User.objects.get_or_create(
        email=f"{local}.{index}@bench-cases.test",
        defaults={"full_name": f"{local} {index}", "organisation": org},
    )
    OperationRole.objects.get_or_create(user=person, operation=operation, role=role)
    return person


def _staff(operation: Operation, orgs: int, workers: int) -> Synthetic:
    organisations, supervisors, caseworkers = [], {}, {}
    for index in range(orgs):
        org, _ = Organisation.objects.get_or_create(
            acronym=f"BCH{index:02d}", defaults={"name": f"Bench org {index}", "type": "nngo"}
        )
        org.operations.add(operation)
        organisations.append(org)

        supervisors[org.pk] = _user(operation, org, index, "supervisor", Role.SUPERVISOR)
        caseworkers[org.pk] = [
            _user(operation, org, index, f"caseworker{w}", Role.CASEWORKER) for w in range(workers)
        ]
    return Synthetic(operation, organisations, supervisors, caseworkers)


def generate(
    *,
    operation: Operation,
    n_cases: int,
    orgs: int = 10,
    workers: int = 20,
    seed: int = 1,
    batch: int = 2000,
) -> Synthetic:
    """Insert `n_cases` cases (one principal each, some with a household member)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible invented data, not security
    staff = _staff(operation, orgs, workers)
    areas = list(AdminArea.objects.filter(level=2).order_by("pcode")[:40])
    parents = {a.pk: a.parent_id or a.pk for a in areas}
    year = timezone.localdate().year
    today = timezone.localdate()
    made = 0
    while made < n_cases:
        size = min(batch, n_cases - made)
        with transaction.atomic():
            cases, people = [], []
            for offset in range(size):
                number = made + offset + 1
                org = staff.organisations[number % orgs]
                owner = rng.choice(staff.caseworkers[org.pk])
                area = rng.choice(areas)
                age = rng.randint(0, 80)
                sex = rng.choice("FM")
                cases.append(
                    Case(
                        operation=operation,
                        organisation=org,
                        registering_organisation=org,
                        code=f"{org.acronym}-{year}-{number:05d}",
                        registered_on=today - datetime.timedelta(days=rng.randint(0, 700)),
                        registered_by=owner,
                        owner=owner,
                        sex=sex,
                        age_band=age_band_for(age),
                        area=area,
                        admin1_id=parents[area.pk],
                        stage=rng.choice(
                            ["registered", "assessment", "case_plan", "implementation"]
                        ),
                    )
                )
                people.append(
                    CasePerson(
                        is_principal=True,
                        relationship="self",
                        given_name=rng.choice(GIVEN),
                        family_name=rng.choice(FAMILY),
                        sex=sex,
                        age=age,
                        age_band=age_band_for(age),
                        phone=f"+223 {rng.randint(60, 99)} {rng.randint(0, 99):02d} "
                        f"{rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
                        id_type="national_id",
                        id_number=f"ML-{rng.randint(0, 10**9):09d}",
                    )
                )
            Case.objects.bulk_create(cases)
            tokens = []
            for case, person in zip(cases, people, strict=True):
                person.case = case
                values = blind_index.person_tokens(
                    names=[person.given_name, person.family_name],
                    phone=person.phone,
                    id_number=person.id_number,
                )
                tokens += [
                    CaseSearchToken(
                        operation=operation,
                        organisation_id=case.organisation_id,
                        case=case,
                        kind=kind,
                        digest=digest,
                        key_id=key_id,
                    )
                    for kind, digest, key_id in blind_index.write_digests(operation.pk, values)
                ]
            CasePerson.objects.bulk_create(people)
            CaseSearchToken.objects.bulk_create(tokens)
        made += size
    return staff
