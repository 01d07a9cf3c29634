"""The columns of community monitoring files, with the coping mechanisms, respondents and access
levels they code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tutela.monitoring.imports.fields.base import (
    CODE,
    COUNT,
    EXTERNAL_ID,
    LOCATION_COLUMNS,
    MONTH,
    MULTI,
    RISKS,
    TEXT,
    Field,
)

# Coping mechanisms of the community monitoring form: code, English, French.
COPING: list[tuple[str, str, str]] = [
    ("reduce_movement", "Reducing movements", "Réduction des déplacements"),
    ("avoid_areas", "Avoiding some areas", "Évitement de certaines zones"),
    ("move_in_groups", "Moving in groups", "Déplacements en groupe"),
    ("send_children_away", "Sending children away", "Envoi des enfants ailleurs"),
    ("child_marriage", "Child marriage", "Mariage d'enfants"),
    ("child_labour", "Child labour", "Travail des enfants"),
    ("sell_assets", "Selling assets or livestock", "Vente de biens ou de bétail"),
    ("borrowing", "Borrowing or debt", "Emprunts ou dettes"),
    ("paying_armed_actors", "Paying armed actors", "Paiement aux acteurs armés"),
    ("displacement", "Leaving the community", "Départ de la communauté"),
    ("community_protection", "Community protection mechanisms", "Mécanismes communautaires"),
    ("none", "None", "Aucun"),
    ("other", "Other", "Autre"),
]
RESPONDENTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "key_informant",
        "Key informant interview",
        "Entretien avec un informateur clé",
        ("ki", "kii", "key informant", "informateur cle", "informateur", "ic"),
    ),
    (
        "household",
        "Household interview",
        "Entretien auprès d'un ménage",
        ("hh", "household", "menage", "menages", "entretien menage"),
    ),
    (
        "focus_group",
        "Focus group discussion",
        "Groupe de discussion",
        ("fgd", "focus group", "groupe de discussion", "focus groupe", "gd"),
    ),
]
ACCESS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("yes", "Services accessible", "Services accessibles", ("oui", "y", "accessible", "1")),
    ("partial", "Partly accessible", "Partiellement accessibles", ("partiel", "partially")),
    ("no", "Not accessible", "Non accessibles", ("non", "n", "inaccessible", "0")),
    ("unknown", "Unknown", "Ne sait pas", ("inconnu", "nsp", "dk", "don t know", "ne sait pas")),
]

COMMUNITY_FIELDS: tuple[Field, ...] = (
    EXTERNAL_ID,
    Field(
        "month",
        _("Month monitored"),
        "Mois couvert",
        "#date+month",
        MONTH,
        ("month", "mois", "period", "periode", "mois de collecte", "date de collecte", "date"),
    ),
    *LOCATION_COLUMNS,
    Field(
        "community",
        _("Community"),
        "Communauté",
        "#loc+community",
        TEXT,
        (
            "community",
            "communaute",
            "village",
            "localite",
            "site",
            "quartier",
            "community name",
            "nom de la communaute",
            "code communaute",
        ),
        max_length=200,
    ),
    Field(
        "respondent",
        _("Respondent type"),
        "Type de répondant",
        "#respondee+type",
        CODE,
        (
            "respondent",
            "respondent type",
            "type de repondant",
            "type d entretien",
            "interview type",
            "methode",
        ),
        ref="respondent",
    ),
    Field(
        "interviews",
        _("Number of interviews"),
        "Nombre d'entretiens",
        "#indicator+interviews+num",
        COUNT,
        ("interviews", "number of interviews", "nombre d entretiens", "nb entretiens"),
    ),
    Field(
        "risks",
        _("Risks reported"),
        "Risques rapportés",
        "#risk+code",
        MULTI,
        (*RISKS.synonyms, "risks reported", "risques rapportes", "risques signales"),
        ref="risk",
    ),
    Field(
        "perpetrators",
        _("Alleged perpetrators"),
        "Auteurs présumés",
        "#perpetrator+type",
        MULTI,
        ("perpetrators", "auteurs", "auteurs presumes", "auteur presume", "perpetrator"),
        ref="perpetrator",
    ),
    Field(
        "affected_groups",
        _("Groups affected"),
        "Groupes affectés",
        "#group+affected",
        MULTI,
        ("affected groups", "groupes affectes", "groupes touches", "population groups"),
        ref="population_group",
    ),
    Field(
        "coping",
        _("Coping mechanisms"),
        "Mécanismes d'adaptation",
        "#coping",
        MULTI,
        ("coping mechanisms", "strategies d adaptation", "mecanismes d adaptation"),
        ref="coping",
        max_length=500,
    ),
    Field(
        "access_to_services",
        _("Access to services"),
        "Accès aux services",
        "#access+services",
        CODE,
        ("access to services", "acces aux services", "access"),
        ref="access",
    ),
)
