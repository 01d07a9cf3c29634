"""Words users write for population groups, statuses and modalities, and the lookups built from
them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation

from tutela.activities.models import ActivityReport
from tutela.core.pcodes import name_key

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
