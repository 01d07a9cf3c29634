"""The 5W fields: one list that the Excel template, the importer, the web grid, the exports and the
API all use, so that a column means the same thing everywhere.

Each field has a stable name (the column header of Tutela's own template and exports, and the key
in the API), a translatable label, an HXL hashtag (HXL 1.1) and header synonyms seen in real 3W/5W
files (English and French, compared without case, accents or punctuation) so that a partner's own
sheet is recognised without a saved mapping where possible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    name: str
    label: Promise
    hxl: str
    kind: str  # "text", "month", "date", "int", "float", "code", "pcode"
    synonyms: tuple[str, ...] = field(default=())
    help: Promise | str = ""


SEX_AGE = ("girls", "boys", "women", "men", "older_women", "older_men")

FIELDS: tuple[Field, ...] = (
    Field(
        "month",
        _("Reporting month"),
        "#date+reported",
        "month",
        ("mois", "mois de rapportage", "reporting month", "period", "period date", "periode"),
        _("Month reported on, as YYYY-MM (e.g. 2026-03)."),
    ),
    Field(
        "organisation",
        _("Reporting organisation"),
        "#org+reporting+acronym",
        "code",
        (
            "organisation",
            "organization",
            "org",
            "acronyme",
            "acronym",
            "partenaire",
            "reporting organization",
            "organisation rapportant",
        ),
    ),
    Field(
        "implementing_partner",
        _("Implementing partner"),
        "#org+impl+acronym",
        "code",
        ("implementing partner", "partenaire de mise en oeuvre", "partenaire d execution"),
    ),
    Field(
        "activity",
        _("Activity code"),
        "#activity+code",
        "code",
        ("activity", "activite", "activity code", "code activite", "activity id"),
    ),
    Field(
        "indicator",
        _("Indicator code"),
        "#indicator+code",
        "code",
        ("indicator", "indicateur", "indicator code", "code indicateur", "indicator id"),
    ),
    Field(
        "admin1_pcode",
        _("Admin 1 P-code"),
        "#adm1+code",
        "pcode",
        ("admin1 pcode", "adm1 pcode", "pcode region", "region pcode", "province pcode"),
    ),
    Field(
        "admin1_name",
        _("Admin 1 name"),
        "#adm1+name",
        "text",
        ("admin1", "adm1", "region", "province", "admin1 name", "state", "departamento"),
    ),
    Field(
        "admin2_pcode",
        _("Admin 2 P-code"),
        "#adm2+code",
        "pcode",
        ("admin2 pcode", "adm2 pcode", "pcode cercle", "cercle pcode", "territoire pcode"),
    ),
    Field(
        "admin2_name",
        _("Admin 2 name"),
        "#adm2+name",
        "text",
        (
            "admin2",
            "adm2",
            "cercle",
            "district",
            "departement",
            "territoire",
            "admin2 name",
            "municipio",
        ),
    ),
    Field(
        "admin3_pcode",
        _("Admin 3 P-code"),
        "#adm3+code",
        "pcode",
        ("admin3 pcode", "adm3 pcode", "pcode commune", "commune pcode"),
    ),
    Field(
        "admin3_name",
        _("Admin 3 name"),
        "#adm3+name",
        "text",
        ("admin3", "adm3", "commune", "admin3 name", "zone de sante"),
    ),
    Field(
        "site",
        _("Site"),
        "#loc+name",
        "text",
        ("site", "localite", "locality", "village", "sitio", "nombre del sitio", "nom du site"),
        _(
            "A school, health facility, IDP site or community. Two rows that differ only by "
            "site are two rows."
        ),
    ),
    Field(
        "site_code",
        _("Site code"),
        "#loc+code",
        "text",
        ("site code", "code site", "code du site", "codigo sitio", "codigo del sitio", "site id"),
        _("The site's code (e.g. a CCCM site code): identifies the site when given."),
    ),
    Field(
        "latitude",
        _("Latitude"),
        "#geo+lat",
        "float",
        ("latitude", "lat", "latitud", "y"),
        _("Of the site, in decimal degrees (e.g. 7.8931)."),
    ),
    Field(
        "longitude",
        _("Longitude"),
        "#geo+lon",
        "float",
        ("longitude", "lon", "long", "longitud", "x"),
        _("Of the site, in decimal degrees (e.g. -72.5078)."),
    ),
    Field(
        "population_group",
        _("Population group"),
        "#population+type+code",
        "code",
        (
            "population group",
            "groupe de population",
            "type de beneficiaires",
            "beneficiary type",
            "population type",
            "statut",
        ),
    ),
    Field("status", _("Status"), "#status", "code", ("status", "statut activite", "etat")),
    Field("modality", _("Modality"), "#modality", "code", ("modality", "modalite")),
    Field(
        "start_date",
        _("Start date"),
        "#date+start",
        "date",
        ("start date", "date debut", "date de debut", "start"),
    ),
    Field(
        "end_date",
        _("End date"),
        "#date+end",
        "date",
        ("end date", "date fin", "date de fin", "end"),
    ),
    Field("girls", _("Girls (0-17)"), "#reached+f+children", "int", ("girls", "filles")),
    Field("boys", _("Boys (0-17)"), "#reached+m+children", "int", ("boys", "garcons")),
    Field("women", _("Women (18-59)"), "#reached+f+adults", "int", ("women", "femmes")),
    Field("men", _("Men (18-59)"), "#reached+m+adults", "int", ("men", "hommes")),
    Field(
        "older_women",
        _("Older women (60+)"),
        "#reached+f+elderly",
        "int",
        ("older women", "femmes agees", "femmes 60"),
    ),
    Field(
        "older_men",
        _("Older men (60+)"),
        "#reached+m+elderly",
        "int",
        ("older men", "hommes ages", "hommes 60"),
    ),
    Field(
        "total",
        _("People reached (total)"),
        "#reached+total",
        "int",
        (
            "total",
            "people reached",
            "personnes atteintes",
            "beneficiaires",
            "achieved",
            "nombre de beneficiaires directs",
            "total beneficiaires",
        ),
    ),
    Field(
        "with_disability",
        _("Of whom persons with disability"),
        "#reached+disabled",
        "int",
        (
            "disability",
            "persons with disability",
            "handicap",
            "personnes handicapees",
            "personnes en situation de handicap",
        ),
    ),
    Field(
        "quantity",
        _("Quantity (other units)"),
        "#output+num",
        "int",
        ("quantity", "quantite", "nombre"),
    ),
    Field(
        "project_code",
        _("Plan / project code"),
        "#activity+project+code",
        "text",
        ("project code", "code projet", "projectcode", "hrp code"),
    ),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
# Fields every row needs (the rest depend on the activity or are optional).
REQUIRED = ("month", "activity", "population_group")
