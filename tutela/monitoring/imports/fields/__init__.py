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

from tutela.monitoring.imports.fields.base import (
    BOOL,
    CODE,
    COMMUNITY_REQUIRED,
    COORDINATE,
    COUNT,
    DATE,
    DISABILITY,
    INCIDENT_REQUIRED,
    KOBO_META,
    LOCATION_FIELDS,
    MONTH,
    MULTI,
    NAME,
    PCODE,
    PEOPLE,
    TEXT,
    Field,
    FieldSet,
    by_name,
)
from tutela.monitoring.imports.fields.community import (
    ACCESS,
    COMMUNITY_FIELDS,
    COPING,
    RESPONDENTS,
)
from tutela.monitoring.imports.fields.incident import (
    INCIDENT_STATIC,
    incident_fields,
)
from tutela.monitoring.imports.fields.people import (
    Band,
    people_fields,
)

__all__ = [
    "ACCESS",
    "BOOL",
    "Band",
    "CODE",
    "COMMUNITY_FIELDS",
    "COMMUNITY_REQUIRED",
    "COORDINATE",
    "COPING",
    "COUNT",
    "DATE",
    "DISABILITY",
    "Field",
    "FieldSet",
    "INCIDENT_REQUIRED",
    "INCIDENT_STATIC",
    "KOBO_META",
    "LOCATION_FIELDS",
    "MONTH",
    "MULTI",
    "NAME",
    "PCODE",
    "PEOPLE",
    "RESPONDENTS",
    "TEXT",
    "by_name",
    "incident_fields",
    "people_fields",
]
