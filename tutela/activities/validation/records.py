"""The rows validation works with: references to the operation's catalogue, the checked row
(`CleanRow`) and a saved row's values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from tutela.activities.models import ActivityReport
from tutela.activities.models.fields import SEX_AGE
from tutela.core.pcodes import name_key

# Fields compared to decide whether an existing row changes (the natural key aside).
VALUE_FIELDS = (
    "submission_id",
    "implementing_partner_id",
    "indicator_id",
    "body_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "site",
    "site_code",
    "latitude",
    "longitude",
    "status",
    "modality",
    "start_date",
    "end_date",
    *SEX_AGE,
    "total",
    "with_disability",
    "quantity",
    "project_code",
    "project_id",
)


def site_key(site: str, code: str) -> str:
    """The site's part of a 5W row's natural key: its code (upper case) when given, else its
    name compared without case, accents or punctuation; "" without a site."""
    if code.strip():
        return code.strip().upper()[:200]
    return (name_key(site) or site.strip().lower())[:200]


@dataclass(frozen=True, slots=True)
class ActivityRef:
    id: int
    code: str
    body_id: int
    is_active: bool
    by_sex_age: bool
    by_disability: bool
    modalities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndicatorRef:
    id: int
    code: str
    counts_people: bool
    unit: str = "people"


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    id: int
    acronym: str


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project of the operation's plan (tutela.planning) that 5W rows may report against: its
    own organisation's and its implementing partners' rows."""

    id: int
    organisations: frozenset[int]


@dataclass(slots=True)
class CleanRow:
    """A checked row, with ids resolved, ready to be written."""

    row: int
    organisation_id: int
    activity_id: int
    area_id: int
    month: datetime.date
    population_group_id: int
    round_id: int
    body_id: int
    indicator_id: int | None = None
    implementing_partner_id: int | None = None
    admin1_id: int | None = None
    admin2_id: int | None = None
    admin3_id: int | None = None
    site: str = ""
    site_code: str = ""
    # The site's part of the natural key (see ActivityReport.site_key).
    site_key: str = ""
    latitude: float | None = None
    longitude: float | None = None
    status: str = ActivityReport.Status.ONGOING
    modality: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    girls: int = 0
    boys: int = 0
    women: int = 0
    men: int = 0
    older_women: int = 0
    older_men: int = 0
    total: int = 0
    with_disability: int = 0
    quantity: int | None = None
    project_code: str = ""
    project_id: int | None = None
    # Filled when the key matches a saved row: its id, and whether any value differs.
    submission_id: int | None = None
    existing_id: int | None = None
    changed: bool = True

    @property
    def key(self) -> tuple[int, int, int, datetime.date, int, str]:
        return (
            self.organisation_id,
            self.activity_id,
            self.area_id,
            self.month,
            self.population_group_id,
            self.site_key,
        )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in VALUE_FIELDS)


@dataclass
class Existing:
    id: int
    values: tuple[Any, ...]
