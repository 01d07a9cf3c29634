"""The demo operation loaded by `tutela demo`: real Mali P-codes, fictional organisations and
people (all marked as demo), one user per role. Loading it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tutela.core import extensions
from tutela.core.models import (
    AdminArea,
    Body,
    Contact,
    Membership,
    Operation,
    OperationRole,
    Organisation,
    User,
)
from tutela.core.models.roles import Role
from tutela.core.services.geography import geo_load_bundled
from tutela.core.services.reference import reference_seed

DEMO_PASSWORD = "Tutela-Demo-2026!"  # noqa: S105  (printed to the person running the demo)

ORGANISATIONS = [
    # acronym, name, type
    ("AOD", "Agence Onusienne Démo pour les réfugiés", Organisation.Type.UN),
    ("SPA", "Sahel Protection Alliance (demo)", Organisation.Type.INGO),
    ("ADP", "Association Djoliba pour la Protection (démo)", Organisation.Type.NNGO),
    ("RFT", "Réseau des Femmes de Tombouctou (démo)", Organisation.Type.NNGO),
    ("EMO", "Enfance Mopti (démo)", Organisation.Type.NNGO),
    ("DRDS-D", "Direction régionale du développement social (démo)", Organisation.Type.GOVERNMENT),
    ("CRD", "Croix-Rouge Démo", Organisation.Type.RED_CROSS),
    ("FHD", "Fonds Humanitaire Démo", Organisation.Type.DONOR),
]

# email local part, full name, organisation, role, body code (for focal points)
USERS = [
    ("coordinator", "Aminata Coulibaly", "AOD", Role.COORDINATOR, ""),
    ("imo", "Ibrahim Maïga", "AOD", Role.IMO, ""),
    ("focalpoint", "Mariam Touré", "EMO", Role.FOCAL_POINT, "PRO-CPN"),
    ("partner", "Seydou Diarra", "ADP", Role.PARTNER, ""),
    ("caseworker", "Fatoumata Sangaré", "ADP", Role.CASEWORKER, ""),
    ("supervisor", "Oumar Cissé", "ADP", Role.SUPERVISOR, ""),
    ("viewer", "Claire Dubois", "FHD", Role.VIEWER, ""),
]

BODIES = [
    # code, name, kind, parent code, lead, co-lead, scope P-codes
    ("PRO", "Cluster Protection Mali", Body.Kind.CLUSTER, "", "AOD", "SPA", []),
    (
        "PRO-CPN",
        "Domaine de responsabilité Protection de l'enfant",
        Body.Kind.AOR,
        "PRO",
        "EMO",
        "",
        [],
    ),
    ("PRO-GBV", "Domaine de responsabilité VBG", Body.Kind.AOR, "PRO", "RFT", "", []),
    ("PRO-MIN", "Domaine de responsabilité Lutte antimines", Body.Kind.AOR, "PRO", "SPA", "", []),
    (
        "PRO-HLP",
        "Domaine de responsabilité Logement, terre et biens",
        Body.Kind.AOR,
        "PRO",
        "SPA",
        "",
        [],
    ),
    ("GT-GAO", "Groupe de travail protection Gao", Body.Kind.REGIONAL, "PRO", "AOD", "", ["ML07"]),
    (
        "GT-MOPTI",
        "Groupe de travail protection Mopti",
        Body.Kind.REGIONAL,
        "PRO",
        "ADP",
        "",
        ["ML05"],
    ),
    (
        "GT-SEGOU",
        "Groupe de travail protection Ségou",
        Body.Kind.REGIONAL,
        "PRO",
        "SPA",
        "",
        ["ML04"],
    ),
    (
        "GT-TBK",
        "Groupe de travail protection Tombouctou",
        Body.Kind.REGIONAL,
        "PRO",
        "RFT",
        "",
        ["ML06"],
    ),
    ("SAG", "Groupe consultatif stratégique", Body.Kind.SAG, "PRO", "AOD", "SPA", []),
]

CONTACTS = [
    ("Aminata Coulibaly", "Coordinatrice du cluster", "AOD", "+223 70 00 00 01", ["PRO", "SAG"]),
    ("Ibrahim Maïga", "Chargé de gestion de l'information", "AOD", "+223 70 00 00 02", ["PRO"]),
    ("Hawa Keïta", "Co-coordinatrice", "SPA", "+223 70 00 00 03", ["PRO", "SAG"]),
    ("Mariam Touré", "Coordinatrice DdR PE", "EMO", "+223 70 00 00 04", ["PRO-CPN"]),
    ("Aïssata Traoré", "Point focal VBG", "RFT", "+223 70 00 00 05", ["PRO-GBV", "GT-TBK"]),
    ("Seydou Diarra", "Chef de projet protection", "ADP", "+223 70 00 00 06", ["GT-MOPTI"]),
    ("Moussa Dembélé", "Point focal Gao", "CRD", "+223 70 00 00 07", ["GT-GAO"]),
    ("Kadidia Sidibé", "Directrice régionale", "DRDS-D", "+223 70 00 00 08", ["GT-SEGOU"]),
    ("Claire Dubois", "Chargée de programme", "FHD", "+32 2 000 00 09", ["SAG"]),
]


@dataclass
class DemoResult:
    operation: Operation
    logins: list[tuple[str, str, str]]


@transaction.atomic
def demo_load() -> DemoResult:
    if not AdminArea.objects.filter(pcode="ML").exists():
        geo_load_bundled(country="MLI")
    mali = AdminArea.objects.get(pcode="ML")
    region, _ = Operation.objects.get_or_create(
        slug="sahel-demo",
        defaults={
            "name": "Sahel Regional Protection Platform (demo)",
            "languages": ["fr", "en"],
            "default_language": "fr",
            "is_demo": True,
        },
    )
    op, created = Operation.objects.get_or_create(
        slug="mali-demo",
        defaults={
            "name": "Cluster Protection Mali 2026 (démo)",
            "parent": region,
            "languages": ["fr", "en"],
            "default_language": "fr",
            "admin_level_labels": {"0": "Pays", "1": "Région", "2": "Cercle", "3": "Commune"},
            "is_demo": True,
        },
    )
    op.countries.add(mali)
    region.countries.add(mali)

    orgs: dict[str, Organisation] = {}
    for acronym, name, org_type in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            acronym=acronym,
            defaults={
                "name": name,
                "type": org_type,
                "is_demo": True,
                "country": mali if org_type in {"nngo", "gov"} else None,
            },
        )
        org.operations.add(op)
        orgs[acronym] = org

    bodies: dict[str, Body] = {}
    for code, name, kind, parent, lead, co_lead, scope in BODIES:
        body, _ = Body.objects.get_or_create(
            operation=op,
            name=name,
            defaults={
                "code": code,
                "kind": kind,
                "parent": bodies.get(parent),
                "lead": orgs.get(lead),
                "co_lead": orgs.get(co_lead) if co_lead else None,
            },
        )
        body.scope.set(AdminArea.objects.filter(pcode__in=scope))
        bodies[code] = body

    cluster = bodies["PRO"]
    for acronym, org in orgs.items():
        if acronym == "FHD":
            continue
        member_role = (
            Membership.Role.LEAD
            if acronym == "AOD"
            else Membership.Role.CO_LEAD
            if acronym == "SPA"
            else Membership.Role.OBSERVER
            if acronym == "DRDS-D"
            else Membership.Role.MEMBER
        )
        Membership.objects.get_or_create(
            body=cluster,
            organisation=org,
            defaults={"role": member_role, "is_nuclear": acronym in {"AOD", "SPA", "ADP", "EMO"}},
        )
    for code, body in bodies.items():
        if code == "PRO":
            continue
        if body.lead:
            Membership.objects.get_or_create(
                body=body, organisation=body.lead, defaults={"role": Membership.Role.LEAD}
            )
        if body.co_lead:
            Membership.objects.get_or_create(
                body=body, organisation=body.co_lead, defaults={"role": Membership.Role.CO_LEAD}
            )

    logins = []
    for local, full_name, acronym, role, body_code in USERS:
        email = f"{local}@demo.tutela.org"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                full_name=full_name,
                organisation=orgs[acronym],
                language="fr",
            )
        OperationRole.objects.get_or_create(
            user=user,
            operation=op,
            role=role,
            defaults={"body": bodies.get(body_code)},
        )
        logins.append((email, str(role.label), acronym))
    regional = User.objects.filter(email="regional@demo.tutela.org").first()
    if regional is None:
        regional = User.objects.create_user(
            "regional@demo.tutela.org",
            DEMO_PASSWORD,
            full_name="Jean-Baptiste Ouédraogo",
            organisation=orgs["AOD"],
        )
    OperationRole.objects.get_or_create(user=regional, operation=region, role=Role.COORDINATOR)
    logins.append(("regional@demo.tutela.org", "Regional coordinator (Sahel)", "AOD"))

    if not Contact.objects.filter(operation=op).exists():
        for index, (name, title, acronym, phone, body_codes) in enumerate(CONTACTS, start=1):
            contact = Contact.objects.create(
                operation=op,
                organisation=orgs[acronym],
                name=name,
                title=title,
                email=f"contact{index}@demo.tutela.org",
                phone=phone,
            )
            contact.bodies.set([bodies[c] for c in body_codes])
    # Population groups and protection risks, then each domain's demo data: the 5W catalogue
    # and three months of rows, a year of incidents, meetings and action points...
    reference_seed(operation=op)
    for load in extensions.demo_loaders:
        load(operation=op)
    return DemoResult(operation=op, logins=logins)
