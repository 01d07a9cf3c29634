"""The blind index of cases and the duplicate check at registration: the person data a registration
or an update brings (`PersonData`), the keyed digests of names, phones and ID numbers kept per
case (tutela.cases.blind_index; never the values), and the probable duplicates they point to
within the organisation, named by case code only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tutela.cases import blind_index
from tutela.cases.models import (
    Case,
    CasePerson,
    CaseSearchToken,
)
from tutela.core.models import (
    Operation,
)


@dataclass
class PersonData:
    """A person as typed on the form or sent to the API (clear values; encrypted on save)."""

    given_name: str = ""
    family_name: str = ""
    other_names: str = ""
    date_of_birth: datetime.date | None = None
    phone: str = ""
    id_type: str = ""
    id_number: str = ""
    sex: str = "U"
    age: int | None = None
    age_band: str = ""
    disability: bool = False
    relationship: str = CasePerson.Relationship.SELF

    def names(self) -> list[str]:
        return [self.given_name, self.family_name, self.other_names]


@dataclass
class Candidate:
    """A probable duplicate: the existing case's code and owner (nothing else is shown) and why."""

    case_id: int
    code: str
    owner: str
    reasons: list[str] = field(default_factory=list)
    score: int = 0


class ProbableDuplicates(ValidationError):
    """Raised by case_register when cases of the organisation look like the same person and the
    caller did not confirm it is someone else."""

    def __init__(self, candidates: list[Candidate]) -> None:
        super().__init__(
            _(
                "This person may already have a case: %(codes)s. Check, then confirm it is "
                "someone else."
            )
            % {"codes": ", ".join(c.code for c in candidates)},
            code="probable_duplicate",
        )
        self.candidates = candidates


def _tokens_for(people: Iterable[CasePerson | PersonData]) -> set[blind_index.Token]:
    tokens: set[blind_index.Token] = set()
    for person in people:
        tokens |= blind_index.person_tokens(
            names=[person.given_name, person.family_name, person.other_names],
            phone=person.phone,
            id_number=person.id_number,
        )
    return tokens


def case_reindex(case: Case) -> int:
    """Rewrite the case's blind-index tokens from its people (under the first key)."""
    CaseSearchToken.objects.filter(case=case).delete()
    rows = [
        CaseSearchToken(
            operation_id=case.operation_id,
            organisation_id=case.organisation_id,
            case=case,
            kind=kind,
            digest=digest,
            key_id=key_id,
        )
        for kind, digest, key_id in blind_index.write_digests(
            case.operation_id, _tokens_for(case.people.all())
        )
    ]
    CaseSearchToken.objects.bulk_create(rows)
    return len(rows)


def duplicate_candidates(
    *,
    operation: Operation,
    organisation_id: int,
    people: Sequence[PersonData],
    exclude_case: int | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """Cases of the organisation that probably concern the same person: the same ID number
    (strongest), the same phone, or every name token matching (exactly or by sound). Read through
    the blind index only."""
    found: dict[int, Candidate] = {}
    scores: dict[int, int] = {}
    reasons: dict[int, list[str]] = {}

    def lookup(kind: str, value: str) -> set[int]:
        digests = blind_index.search_digests(operation.pk, kind, value)
        return set(
            CaseSearchToken.objects.filter(
                organisation_id=organisation_id,
                operation=operation,
                kind=kind,
                digest__in=digests,
            )
            .order_by()
            .values_list("case_id", flat=True)
        )

    def add(case_ids: set[int], score: int, reason: str) -> None:
        for case_id in case_ids:
            if case_id == exclude_case:
                continue
            scores[case_id] = scores.get(case_id, 0) + score
            reasons.setdefault(case_id, [])
            if reason not in reasons[case_id]:
                reasons[case_id].append(reason)

    for person in people:
        number = blind_index.id_key(person.id_number)
        if len(number) >= 3:
            add(lookup(blind_index.ID, number), 5, str(_("same ID number")))
        phone = blind_index.phone_key(person.phone)
        if phone:
            add(lookup(blind_index.PHONE, phone), 3, str(_("same phone number")))
        tokens = blind_index.name_tokens(" ".join(person.names()))
        if len(tokens) >= 2:
            matched: set[int] | None = None
            for token in tokens:
                ids = lookup(blind_index.NAME, token) | lookup(
                    blind_index.SOUND, blind_index.sound_key(token)
                )
                matched = ids if matched is None else matched & ids
                if not matched:
                    break
            add(matched or set(), 2, str(_("similar names")))
    if not scores:
        return []
    best = sorted(scores, key=lambda case_id: (-scores[case_id], case_id))[:limit]
    cases = Case.objects.filter(pk__in=best, anonymised_at__isnull=True).select_related("owner")
    for case in cases:
        found[case.pk] = Candidate(
            case_id=case.pk,
            code=case.code,
            owner=case.owner.full_name or case.owner.email,
            reasons=reasons[case.pk],
            score=scores[case.pk],
        )
    return [found[case_id] for case_id in best if case_id in found]
