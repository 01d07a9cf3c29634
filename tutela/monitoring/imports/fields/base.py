"""What a column of a monitoring file is (`Field`, its kinds), the columns both kinds of file share
(identifier, location, risks), and the set of fields of one kind of file (`FieldSet`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.utils.functional import Promise
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

EXTERNAL_ID = Field(
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

LOCATION_COLUMNS: tuple[Field, ...] = (
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

RISKS = Field(
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
