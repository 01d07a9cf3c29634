"""Words users write for population groups, statuses and modalities, and the lookups built from
them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation

from tutela.activities.models import ActivityReport, PopulationGroup
from tutela.core.models import Operation
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
STATUS_SYNONYMS = {
    ActivityReport.Status.PLANNED: ("planifie", "prevu", "pipeline", "a venir", "planificado"),
    ActivityReport.Status.ONGOING: (
        "en cours",
        "in progress",
        "active",
        "en cours d execution",
        "mise en oeuvre",
        "en curso",
    ),
    ActivityReport.Status.COMPLETED: (
        "termine",
        "terminee",
        "acheve",
        "complete",
        "cloture",
        "finalise",
        "done",
        "finished",
        "closed",
        "finalizado",
    ),
}
MODALITY_SYNONYMS = {
    ActivityReport.Modality.IN_PERSON: ("en personne", "presentiel", "face to face", "direct"),
    ActivityReport.Modality.MOBILE: ("mobile", "equipe mobile", "clinique mobile"),
    ActivityReport.Modality.REMOTE: ("a distance", "telephone", "online", "en ligne"),
    ActivityReport.Modality.CASH: ("especes", "monetaire", "cash transfer", "transfert monetaire"),
    ActivityReport.Modality.IN_KIND: ("en nature", "en vivre", "in kind", "en vivre in kind"),
    ActivityReport.Modality.VOUCHER: ("coupon", "coupons", "bon", "bons"),
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


def choice_lookup(choices: Any, synonyms: Mapping[Any, tuple[str, ...]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[name_key(value)] = value
        lookup[name_key(value.replace("_", " "))] = value
        for language in ("en", "fr", "es"):
            with translation.override(language):
                lookup.setdefault(name_key(str(label)), value)
    for value, names in synonyms.items():
        for name in names:
            lookup.setdefault(name_key(name), value)
    return lookup
