"""The columns of incident and community monitoring files: one list that the importer, the
mapping editor and the XLSForms use, so that a column means the same thing everywhere.

Each field has a stable name (the column header of Tutela's own files and the `name` of the
question in the generated XLSForm, hence what a KoboToolbox/ODK export calls it), a translatable
label, a French label for the bilingual XLSForm, an HXL-like hashtag and header synonyms seen in
monitoring-network files (English and French, compared without case, accents or punctuation).

People columns are made from the operation's age bands × sex ("girls_0_4", "girls_12_17",
"women", "older_men"...), each with a "…_disability" column counting those of them who have a
disability; one `population_group` column gives the group of the people counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# kinds
TEXT = "text"
DATE = "date"
MONTH = "month"
PCODE = "pcode"
NAME = "name"
CODE = "code"
MULTI = "multi"
COUNT = "count"
BOOL = "bool"
PEOPLE = "people"
DISABILITY = "disability"
# A decimal degree (WGS84): where the file gives coordinates, the place is found by them.
COORDINATE = "coordinate"


@dataclass(frozen=True)
class Field:
    name: str
    label: Promise | str
    label_fr: str
    hxl: str
    kind: str
    synonyms: tuple[str, ...] = ()
    # Reference list the values come from: risk, violation, perpetrator, service, source,
    # verification, population_group, respondent, access, coping.
    ref: str = ""
    # People columns: sex (F/M) and age band code; disability columns: the people column.
    sex: str = ""
    age_band: str = ""
    of: str = ""
    max_length: int = 0


LOCATION_FIELDS = (
    "area_pcode",
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "admin3_pcode",
    "admin3_name",
)

_EXTERNAL_ID = Field(
    "external_id",
    _("Identifier in your system"),
    "Identifiant dans votre système",
    "#meta+id",
    TEXT,
    (
        "_uuid",
        "uuid",
        "instanceid",
        "instance id",
        "key",
        "incident id",
        "id incident",
        "identifiant",
        "numero",
        "numero incident",
        "code incident",
        "event id cnty",
        "external id",
        "reference partenaire",
    ),
    max_length=100,
)

_LOCATION: tuple[Field, ...] = (
    Field(
        "area_pcode",
        _("Location P-code"),
        "P-code du lieu",
        "#loc+code",
        PCODE,
        ("pcode", "p code", "location pcode", "code lieu", "pcode lieu", "lieu pcode"),
    ),
    Field(
        "admin1_pcode",
        _("Admin 1 P-code"),
        "P-code admin 1",
        "#adm1+code",
        PCODE,
        ("admin1 pcode", "adm1 pcode", "pcode region", "region pcode", "adm1 code"),
    ),
    Field(
        "admin1_name",
        _("Admin 1 name"),
        "Nom admin 1",
        "#adm1+name",
        NAME,
        ("admin1", "adm1", "region", "province", "state", "admin1 name", "departamento"),
    ),
    Field(
        "admin2_pcode",
        _("Admin 2 P-code"),
        "P-code admin 2",
        "#adm2+code",
        PCODE,
        ("admin2 pcode", "adm2 pcode", "pcode cercle", "cercle pcode", "adm2 code"),
    ),
    Field(
        "admin2_name",
        _("Admin 2 name"),
        "Nom admin 2",
        "#adm2+name",
        NAME,
        ("admin2", "adm2", "cercle", "district", "departement", "admin2 name", "municipio"),
    ),
    Field(
        "admin3_pcode",
        _("Admin 3 P-code"),
        "P-code admin 3",
        "#adm3+code",
        PCODE,
        ("admin3 pcode", "adm3 pcode", "pcode commune", "commune pcode", "adm3 code"),
    ),
    Field(
        "admin3_name",
        _("Admin 3 name"),
        "Nom admin 3",
        "#adm3+name",
        NAME,
        ("admin3", "adm3", "commune", "admin3 name", "municipality"),
    ),
)

_RISKS = Field(
    "risks",
    _("Protection risks"),
    "Risques de protection",
    "#risk+code",
    MULTI,
    (
        "risk",
        "risque",
        "risques",
        "protection risk",
        "risque de protection",
        "type d incident",
        "incident type",
        "type incident",
        "event type",
        "sub event type",
        "categorie",
    ),
    ref="risk",
)

INCIDENT_STATIC: tuple[Field, ...] = (
    _EXTERNAL_ID,
    Field(
        "occurred_on",
        _("Date of the incident"),
        "Date de l'incident",
        "#date+occurred",
        DATE,
        (
            "date of incident",
            "incident date",
            "date incident",
            "date de l incident",
            "date des faits",
            "date evenement",
            "event date",
            "date",
        ),
    ),
    Field(
        "reported_on",
        _("Date reported"),
        "Date de rapportage",
        "#date+reported",
        DATE,
        (
            "date reported",
            "reporting date",
            "date de rapportage",
            "date du rapport",
            "date de signalement",
            "date de collecte",
            "today",
        ),
    ),
    *_LOCATION,
    Field(
        "site",
        _("Site"),
        "Site",
        "#loc+name",
        TEXT,
        ("site", "village", "localite", "lieu", "quartier", "site name", "location"),
        max_length=200,
    ),
    _RISKS,
    Field(
        "violations",
        _("Violation types"),
        "Types de violation",
        "#violation+code",
        MULTI,
        ("violation", "type de violation", "violation type", "sous type", "sous type d incident"),
        ref="violation",
    ),
    Field(
        "perpetrator",
        _("Alleged perpetrator category"),
        "Catégorie d'auteur présumé",
        "#perpetrator+type",
        CODE,
        ("perpetrator", "auteur", "auteur presume", "alleged perpetrator", "perpetrateur"),
        ref="perpetrator",
    ),
    Field(
        "population_group",
        _("Population group of the people affected"),
        "Groupe de population des personnes affectées",
        "#group+population",
        CODE,
        (
            "population group",
            "groupe de population",
            "statut",
            "statut de deplacement",
            "displacement status",
            "population type",
        ),
        ref="population_group",
    ),
    Field(
        "displacement_caused",
        _("Displacement caused"),
        "Déplacement provoqué",
        "#displaced+caused",
        BOOL,
        (
            "displacement",
            "deplacement",
            "deplacement provoque",
            "displacement caused",
            "a provoque un deplacement",
        ),
    ),
    Field(
        "displaced_households",
        _("Households displaced"),
        "Ménages déplacés",
        "#affected+hh+displaced",
        COUNT,
        ("households displaced", "menages deplaces", "nombre de menages deplaces", "hh displaced"),
    ),
    Field(
        "services",
        _("Services people were referred to"),
        "Services vers lesquels les personnes ont été référées",
        "#service+referral",
        MULTI,
        ("services", "referral", "referred to", "referencement", "services references"),
        ref="service",
    ),
    Field(
        "source",
        _("Source of the information"),
        "Source de l'information",
        "#meta+source",
        CODE,
        ("source", "source of information", "source d information", "source de l information"),
        ref="source",
    ),
    Field(
        "verification",
        _("Verification status"),
        "Statut de vérification",
        "#status+verification",
        CODE,
        ("verification", "statut de verification", "verifie", "verified"),
        ref="verification",
    ),
    Field(
        "source_name",
        _("Published by"),
        "Publié par",
        "#meta+source+name",
        TEXT,
        ("source name", "published by", "publie par", "media", "source media"),
        max_length=300,
    ),
    Field(
        "fatalities",
        _("Fatalities reported"),
        "Décès rapportés",
        "#affected+killed",
        COUNT,
        ("fatalities", "deaths", "killed", "deces", "morts", "nombre de morts", "nombre de deces"),
    ),
    Field(
        "latitude",
        _("Latitude"),
        "Latitude",
        "#geo+lat",
        COORDINATE,
        ("latitude", "lat", "gps latitude", "gps lat"),
    ),
    Field(
        "longitude",
        _("Longitude"),
        "Longitude",
        "#geo+lon",
        COORDINATE,
        ("longitude", "lon", "long", "lng", "gps longitude", "gps lon"),
    ),
    Field(
        "narrative",
        _("Narrative"),
        "Description des faits",
        "#description",
        TEXT,
        (
            "description",
            "resume",
            "notes",
            "details",
            "recit",
            "narratif",
            "description de l incident",
            "description des faits",
        ),
        max_length=20_000,
    ),
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
    _EXTERNAL_ID,
    Field(
        "month",
        _("Month monitored"),
        "Mois couvert",
        "#date+month",
        MONTH,
        ("month", "mois", "period", "periode", "mois de collecte", "date de collecte", "date"),
    ),
    *_LOCATION,
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
        (*_RISKS.synonyms, "risks reported", "risques rapportes", "risques signales"),
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


# --- people columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    code: str
    min_age: int
    max_age: int | None
    name_en: str = ""
    name_fr: str = ""


def _band_of(item: Any) -> Band:
    if isinstance(item, Band):
        return item
    return Band(
        code=item.code,
        min_age=item.min_age,
        max_age=item.max_age,
        name_en=getattr(item, "name_en", "") or item.code,
        name_fr=getattr(item, "name_fr", "") or getattr(item, "name_en", "") or item.code,
    )


def _suffix(band: Band) -> str:
    return f"{band.min_age}_{band.max_age}" if band.max_age is not None else f"{band.min_age}_plus"


def _words(band: Band, adult_bands: int, older_bands: int) -> tuple[str, str]:
    """The column stems for women and men of the band: "girls_12_17", "women", "older_men"."""
    suffix = _suffix(band)
    if band.max_age is not None and band.max_age < 18:
        return f"girls_{suffix}", f"boys_{suffix}"
    if band.min_age >= 60:
        return (
            ("older_women", "older_men")
            if older_bands == 1
            else (
                f"older_women_{suffix}",
                f"older_men_{suffix}",
            )
        )
    if adult_bands == 1:
        return "women", "men"
    return f"women_{suffix}", f"men_{suffix}"


def _sex_words(is_female: bool, child: bool) -> tuple[str, str]:
    """The English and French words of a sex and age group: "Girls"/"Filles", "Men"/"Hommes"."""
    if child:
        return ("Girls", "Filles") if is_female else ("Boys", "Garçons")
    return ("Women", "Femmes") if is_female else ("Men", "Hommes")


def _count_field(name: str, stem: str, sex: str, band: Band) -> Field:
    """The column of the people of one sex in one age band, with the headers files give it."""
    low, high = band.min_age, band.max_age
    span = f"{low}-{high}" if high is not None else f"{low}+"
    is_female = sex == "F"
    word_en, word_fr = _sex_words(is_female, high is not None and high < 18)
    short_en, short_fr = ("f", "f") if is_female else ("m", "h")
    ages = f"{low}_{high}" if high is not None else f"{low}plus"
    synonyms = (
        f"{word_en} {span}",
        f"{word_fr} {span}",
        f"{word_en} {span} years",
        f"{word_fr} {span} ans",
        f"{'female' if is_female else 'male'} {span}",
        f"{short_en} {span}",
        f"{short_fr} {span}",
        f"{'femmes' if is_female else 'hommes'} agees" if low >= 60 else "",
        ("femmes" if is_female else "hommes") if stem in ("women", "men") else "",
    )
    return Field(
        name,
        format_lazy("{word} {band}", word=_(word_en), band=band.name_en or span),
        f"{word_fr} {band.name_fr or span}",
        f"#affected+{'f' if is_female else 'm'}+age{ages}",
        PEOPLE,
        tuple(s for s in synonyms if s),
        sex=sex,
        age_band=band.code,
    )


def _disability_field(count: Field, band: Band) -> Field:
    """Of the people of a count column, how many have a disability."""
    low, high = band.min_age, band.max_age
    span = f"{low}-{high}" if high is not None else f"{low}+"
    word_en, word_fr = _sex_words(count.sex == "F", high is not None and high < 18)
    name = count.name
    return Field(
        f"{name}_disability",
        format_lazy(
            "{word} {band}: {note}",
            word=_(word_en),
            band=band.name_en or span,
            note=_("with a disability (of them)"),
        ),
        f"{word_fr} {band.name_fr or span} : en situation de handicap (parmi eux)",
        f"{count.hxl}+disabled",
        DISABILITY,
        (
            f"{name} with disability",
            f"{name} handicap",
            f"{word_en} {span} with disability",
            f"{word_fr} {span} handicap",
        ),
        sex=count.sex,
        age_band=band.code,
        of=name,
    )


def people_fields(age_bands: Iterable[Any]) -> tuple[Field, ...]:
    """The people columns for these age bands: for each band, women/girls then men/boys, then
    the matching "…_disability" columns (of the people counted, how many have a disability)."""
    bands = [_band_of(b) for b in age_bands]
    adult = sum(1 for b in bands if b.min_age < 60 and (b.max_age is None or b.max_age >= 18))
    older = sum(1 for b in bands if b.min_age >= 60)
    counts: list[Field] = []
    disabled: list[Field] = []
    taken: set[str] = set()
    for band in bands:
        female, male = _words(band, adult, older)
        for stem, sex in ((female, "F"), (male, "M")):
            name = stem
            while name in taken:
                name += "_"
            taken.add(name)
            count = _count_field(name, stem, sex, band)
            counts.append(count)
            disabled.append(_disability_field(count, band))
    return (*counts, *disabled)


def incident_fields(age_bands: Iterable[Any]) -> tuple[Field, ...]:
    return (*INCIDENT_STATIC, *people_fields(age_bands))


def by_name(fields: Sequence[Field]) -> dict[str, Field]:
    return {f.name: f for f in fields}


INCIDENT_REQUIRED = ("occurred_on", "source", "verification")
COMMUNITY_REQUIRED = ("month", "community", "respondent")
# Kobo/ODK metadata columns, never data: left out without a warning.
KOBO_META = frozenset(
    {
        "_id",
        "_index",
        "_submission_time",
        "_submitted_by",
        "_validation_status",
        "_status",
        "_notes",
        "_tags",
        "_version_",
        "__version__",
        "_xform_id_string",
        "_attachments",
        "_geolocation",
        "_parent_index",
        "_parent_table_name",
        "start",
        "end",
        "deviceid",
        "username",
        "instancename",
        "formhub/uuid",
        "submissiondate",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "reviewstate",
        "edits",
        "formversion",
    }
)


@dataclass
class FieldSet:
    """The fields of one kind of file (incidents for an operation's age bands, or community)."""

    kind: str
    fields: tuple[Field, ...]
    required: tuple[str, ...]
    by_name: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The French label is recognised as a header too (a Kobo export "with labels").
        self.fields = tuple(
            replace(f, synonyms=(*f.synonyms, f.label_fr)) if f.label_fr else f for f in self.fields
        )
        self.by_name = by_name(self.fields)

    @property
    def multi(self) -> set[str]:
        return {f.name for f in self.fields if f.kind == MULTI}
