"""The capacity indicators other modules read (the 5W, the response plan): people trained, by
sex and organisation type.

This module is the contract: other apps call `people_trained(...)` and never read the capacity
tables themselves.

A person is counted as trained when they were present on at least one day of a held session in
the period; someone trained twice is counted once (people are counted, not trainings — the same
rule as the 5W). Community members trained (no organisation) have the organisation type
"none". The result holds exact counts for the training team; `published()` gives the table with
small counts suppressed (tutela.core.disclosure) for anything shown more widely.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tutela.capacity.models import AttendanceDay, Participant, TrainingSession
from tutela.core.disclosure import SuppressedTable, suppress_table, threshold_for
from tutela.core.models import Body, Operation, Organisation

NO_ORGANISATION = "none"


def organisation_type_labels() -> dict[str, str]:
    return {
        **{value: str(label) for value, label in Organisation.Type.choices},
        NO_ORGANISATION: str(_("No organisation (community members)")),
    }


SEXES = [Participant.Sex.FEMALE, Participant.Sex.MALE]


@dataclass
class PeopleTrained:
    operation: Operation
    since: datetime.date | None
    until: datetime.date | None
    sessions: int
    # (sex, organisation type) -> people
    cells: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def by_sex(self) -> dict[str, int]:
        result: dict[str, int] = defaultdict(int)
        for (sex, _type), count in self.cells.items():
            result[sex] += count
        return dict(result)

    def by_organisation_type(self) -> dict[str, int]:
        result: dict[str, int] = defaultdict(int)
        for (_sex, org_type), count in self.cells.items():
            result[org_type] += count
        return dict(result)

    def organisation_types(self) -> list[str]:
        present = {org_type for (_sex, org_type) in self.cells}
        ordered = [t for t in Organisation.Type.values if t in present]
        return ordered + ([NO_ORGANISATION] if NO_ORGANISATION in present else [])

    def rows(self) -> list[tuple[str, list[int], int]]:
        """(organisation type, [women, men], total) with exact counts."""
        return [
            (
                org_type,
                [self.cells.get((sex, org_type), 0) for sex in SEXES],
                sum(self.cells.get((sex, org_type), 0) for sex in SEXES),
            )
            for org_type in self.organisation_types()
        ]

    def published(self) -> SuppressedTable:
        """Rows: organisation types; columns: women, men; small counts suppressed."""
        types = self.organisation_types()
        values = [[self.cells.get((sex, t), 0) for sex in SEXES] for t in types]
        return suppress_table(
            values,
            threshold=threshold_for(self.operation),
            row_labels=types,
            col_labels=list(SEXES),
        )


def held_sessions(
    operation: Operation,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    body: Body | None = None,
) -> QuerySet[TrainingSession]:
    sessions = TrainingSession.objects.filter(
        operation=operation, status=TrainingSession.Status.HELD
    )
    if since is not None:
        sessions = sessions.filter(ends_on__gte=since)
    if until is not None:
        sessions = sessions.filter(starts_on__lte=until)
    if body is not None:
        sessions = sessions.filter(body=body)
    return sessions


def trained_participant_ids(sessions: QuerySet[TrainingSession]) -> set[int]:
    return set(
        AttendanceDay.objects.filter(
            registration__session__in=sessions,
            registration__status="registered",
            present=True,
        ).values_list("registration__participant_id", flat=True)
    )


def people_trained(
    operation: Operation,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    body: Body | None = None,
) -> PeopleTrained:
    """People trained in held sessions overlapping [since, until] (either may be open), of one
    body's sessions or all; three queries."""
    sessions = held_sessions(operation, since=since, until=until, body=body)
    ids = trained_participant_ids(sessions)
    result = PeopleTrained(operation=operation, since=since, until=until, sessions=sessions.count())
    for sex, org_type in Participant.objects.filter(pk__in=ids).values_list(
        "sex", "organisation__type"
    ):
        key = (sex, org_type or NO_ORGANISATION)
        result.cells[key] = result.cells.get(key, 0) + 1
    return result


def people_trained_in_year(operation: Operation, year: int) -> PeopleTrained:
    return people_trained(
        operation, since=datetime.date(year, 1, 1), until=datetime.date(year, 12, 31)
    )
