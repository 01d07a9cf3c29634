"""Words people write for population groups in the files they send, and the lookup of an
operation's population groups by code, name in any language, HXL attribute or common synonym."""

from __future__ import annotations

from tutela.core.models import Operation, PopulationGroup
from tutela.core.pcodes import name_key

# Population group names seen in real files, by code (compared with name_key).
POPULATION_SYNONYMS = {
    "IDP": (
        "idp",
        "idps",
        "pdi",
        "deplaces",
        "deplace",
        "deplaces internes",
        "personnes deplacees",
        "displaced",
        "internally displaced",
        "internally displaced people",
        "internally displaced persons",
        "desplazados",
        "desplazados internos",
    ),
    "REF": ("refugies", "refugie", "refugees", "refugee", "refugiados"),
    "ASY": ("demandeurs d asile", "asylum seekers", "solicitantes de asilo"),
    "RET": ("retournes", "retourne", "returnees", "returnee", "retornados", "rapatries"),
    "HST": (
        "hote",
        "host",
        "host community",
        "host communities",
        "communaute hote",
        "communautes hotes",
        "population hote",
        "population locale",
        "communaute d accueil",
        "familles d accueil",
        "comunidad de acogida",
        "residents",
    ),
    "STA": ("apatrides", "stateless", "apatridas"),
    "OOC": ("autres", "other", "others", "otros"),
}


def population_group_lookup(operation: Operation) -> tuple[dict[str, int], dict[int, str]]:
    """({code, name in any language, HXL attribute or common synonym (compared with name_key):
    group id}, {group id: code}) for the operation's population groups."""
    groups: dict[str, int] = {}
    group_codes: dict[int, str] = {}
    for group in PopulationGroup.objects.filter(operation=operation):
        group_codes[group.pk] = group.code
        groups[group.code.strip().lower()] = group.pk
        for name in (group.name_en, group.name_fr, group.name_es, group.hxl_attribute):
            if name_key(name or ""):
                groups.setdefault(name_key(name), group.pk)
    by_code = {code.upper(): pk for pk, code in group_codes.items()}
    for code, synonyms in POPULATION_SYNONYMS.items():
        if code in by_code:
            for synonym in synonyms:
                groups.setdefault(name_key(synonym), by_code[code])
    return groups, group_codes
