"""Reads of the CCPM pages, API and report: the questionnaire, who a round goes to, how many
answered, and the results.

Results (`round_results`) are given for a closed round only, body by body, and only for a body
with at least the round's minimum number of partner answers; under it, the body's figures are
withheld entirely (no median, no count of answers per question, no band). A sub-function's
median is shown only when at least that many partners gave it a scored answer (not "don't
know"). Nothing here returns a single response or answer.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tutela.capacity import ccpm_scoring
from tutela.capacity.models import (
    CcpmActionItem,
    CcpmAnswer,
    CcpmFunction,
    CcpmLink,
    CcpmQuestion,
    CcpmResponse,
    CcpmRound,
)
from tutela.capacity.models.ccpm import Audience
from tutela.core.models import Body, Contact, Membership, Operation, Organisation


def questionnaire(operation: Operation) -> list[CcpmFunction]:
    return list(
        CcpmFunction.objects.filter(operation=operation)
        .prefetch_related("subs__questions")
        .order_by("order", "code")
    )


def active_questions(operation: Operation) -> QuerySet[CcpmQuestion]:
    return CcpmQuestion.objects.filter(
        subfunction__function__operation=operation,
        is_active=True,
        subfunction__is_active=True,
        subfunction__function__is_active=True,
    )


def round_questions(round: CcpmRound, audience: str) -> list[CcpmQuestion]:
    """The round's questions for an audience, in questionnaire order (fixed at launch; the
    operation's active questions before that)."""
    questions = (
        round.questions.all()
        if round.status != CcpmRound.Status.DRAFT
        else active_questions(round.operation)
    )
    return list(
        questions.filter(audience=audience)
        .select_related("subfunction__function")
        .order_by(
            "subfunction__function__order",
            "subfunction__order",
            "order",
            "id",
        )
    )


# The national cluster first, then AoRs, regional working groups and the rest.
KIND_ORDER = {"cluster": 0, "aor": 1, "regional": 2, "sag": 3, "taskforce": 4}


def round_bodies(round: CcpmRound) -> list[Body]:
    bodies = round.bodies.select_related("lead", "co_lead")
    return sorted(bodies, key=lambda b: (KIND_ORDER.get(b.kind, 9), b.name))


def rounds(operation: Operation) -> QuerySet[CcpmRound]:
    return CcpmRound.objects.filter(operation=operation).prefetch_related("bodies")


# --- Recipients ---------------------------------------------------------------------------------


@dataclass
class Recipient:
    body: Body
    organisation: Organisation
    contact: Contact | None
    addresses: list[str]


def body_organisations(body: Body, today: datetime.date) -> list[Organisation]:
    """The body's lead, co-lead and current members."""
    found: dict[int, Organisation] = {}
    for organisation in (body.lead, body.co_lead):
        if organisation is not None:
            found.setdefault(organisation.pk, organisation)
    memberships = (
        Membership.objects.filter(body=body)
        .filter(Q(since__isnull=True) | Q(since__lte=today))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("organisation")
    )
    for membership in memberships:
        found.setdefault(membership.organisation_id, membership.organisation)
    return sorted(found.values(), key=lambda org: org.acronym)


def _contacts(operation: Operation, organisation: Organisation, body: Body) -> list[Contact]:
    """The organisation's active contacts with an address, those attending the body first
    choice (all of them when none attends it)."""
    contacts = [
        c
        for c in Contact.objects.filter(
            operation=operation, organisation=organisation, is_active=True
        ).prefetch_related("bodies")
        if c.email
    ]
    attending = [c for c in contacts if any(b.pk == body.pk for b in c.bodies.all())]
    return sorted(attending or contacts, key=lambda c: c.name)


def round_recipients(round: CcpmRound, today: datetime.date | None = None) -> list[Recipient]:
    """Who the round's links go to: per body evaluated, each member organisation (one link), or
    each of its contacts (one link a person)."""

    today = today or timezone.localdate()
    recipients = []
    for body in round_bodies(round):
        for organisation in body_organisations(body, today):
            contacts = _contacts(round.operation, organisation, body)
            if round.link_mode == CcpmRound.LinkMode.PERSON:
                recipients += [
                    Recipient(body, organisation, contact, [contact.email.lower()])
                    for contact in contacts
                ]
            else:
                addresses = sorted({c.email.lower() for c in contacts})
                recipients.append(Recipient(body, organisation, None, addresses))
    return recipients


# --- Tracking -----------------------------------------------------------------------------------


@dataclass
class BodyTracking:
    body: Body
    invited: int
    answered: int
    # For managers chasing answers: organisation acronym -> (answered, invited).
    organisations: dict[str, tuple[int, int]] = field(default_factory=dict)


def round_tracking(round: CcpmRound) -> list[BodyTracking]:
    """How many invited per body have answered, and which organisations (links only: nothing
    about what anyone answered)."""
    result: dict[int, BodyTracking] = {}
    for body in round_bodies(round):
        result[body.pk] = BodyTracking(body=body, invited=0, answered=0)
    rows = (
        CcpmLink.objects.filter(round=round)
        .values("body_id", "organisation__acronym")
        .annotate(invited=Count("id"), answered=Count("id", filter=Q(has_answered=True)))
        .order_by("organisation__acronym")
    )
    for row in rows:
        line = result.get(row["body_id"])
        if line is None:
            continue
        line.invited += row["invited"]
        line.answered += row["answered"]
        line.organisations[row["organisation__acronym"]] = (row["answered"], row["invited"])
    return list(result.values())


# --- Results ------------------------------------------------------------------------------------


@dataclass
class Score:
    median: float | None
    answers: int
    band: ccpm_scoring.Band | None
    previous_median: float | None = None
    previous_band: ccpm_scoring.Band | None = None

    @property
    def trend(self) -> str:
        """ "up", "down", "same" or "" against the previous round."""
        if self.median is None or self.previous_median is None:
            return ""
        if self.median > self.previous_median:
            return "up"
        if self.median < self.previous_median:
            return "down"
        return "same"


@dataclass
class SubResult:
    code: str
    name: str
    score: Score


@dataclass
class FunctionResult:
    code: str
    name: str
    score: Score
    subs: list[SubResult]


@dataclass
class BodyResult:
    body: Body
    partner_responses: int
    has_coordinator_answers: bool
    shown: bool
    functions: list[FunctionResult] = field(default_factory=list)
    previous_round: CcpmRound | None = None


def _previous_round(round: CcpmRound, body: Body) -> CcpmRound | None:
    return (
        CcpmRound.objects.filter(
            operation=round.operation,
            status=CcpmRound.Status.CLOSED,
            bodies=body,
            closes_on__lt=round.closes_on,
        )
        .order_by("-closes_on", "-id")
        .first()
    )


def _scored(round: CcpmRound, body: Body) -> dict[str, Any]:
    """Per sub-function id: its scores and the partner responses that gave a scored answer;
    per function id: its scores. Two queries."""
    by_sub: dict[int, list[Any]] = defaultdict(list)
    by_function: dict[int, list[Any]] = defaultdict(list)
    partners_by_sub: dict[int, set[Any]] = defaultdict(set)
    partners_by_function: dict[int, set[Any]] = defaultdict(set)
    answers = CcpmAnswer.objects.filter(
        response__round=round, response__body=body, question__in=round.questions.all()
    ).values_list(
        "score",
        "response_id",
        "response__audience",
        "question__subfunction_id",
        "question__subfunction__function_id",
    )
    for value, response_id, audience, sub_id, function_id in answers:
        if value is None:
            continue
        by_sub[sub_id].append(value)
        by_function[function_id].append(value)
        if audience == Audience.PARTNER:
            partners_by_sub[sub_id].add(response_id)
            partners_by_function[function_id].add(response_id)
    return {
        "sub": by_sub,
        "function": by_function,
        "partners_sub": partners_by_sub,
        "partners_function": partners_by_function,
    }


def _score(values: list[Any], partners: int, minimum: int) -> Score:
    if partners < minimum:
        return Score(median=None, answers=0, band=None)
    median = ccpm_scoring.median(values)
    return Score(
        median=median,
        answers=len(values),
        band=ccpm_scoring.band(median) if median is not None else None,
    )


def body_result(round: CcpmRound, body: Body, *, compare: bool = True) -> BodyResult:
    """One body's results in a closed round (withheld under the minimum; see the module
    docstring), compared with the body's previous closed round when `compare`."""
    counts = (
        CcpmResponse.objects.filter(round=round, body=body)
        .values("audience")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_audience = {row["audience"]: row["n"] for row in counts}
    partners = by_audience.get(Audience.PARTNER, 0)
    result = BodyResult(
        body=body,
        partner_responses=partners,
        has_coordinator_answers=bool(by_audience.get(Audience.COORDINATOR)),
        shown=round.status == CcpmRound.Status.CLOSED and partners >= round.minimum_responses,
    )
    if not result.shown:
        return result
    minimum = round.minimum_responses
    scored = _scored(round, body)
    previous = _previous_round(round, body) if compare else None
    before = body_result(previous, body, compare=False) if previous is not None else None
    before_subs = {s.code: s.score for f in (before.functions if before else []) for s in f.subs}
    before_functions = {f.code: f.score for f in (before.functions if before else [])}
    result.previous_round = previous if before is not None and before.shown else None
    used_subs = {q.subfunction_id for q in round.questions.all()}
    for function in questionnaire(round.operation):
        subs = [s for s in function.subs.all() if s.pk in used_subs]
        if not subs:
            continue
        sub_results = []
        for sub in subs:
            score = _score(scored["sub"][sub.pk], len(scored["partners_sub"][sub.pk]), minimum)
            old = before_subs.get(sub.code)
            if old is not None:
                score.previous_median, score.previous_band = old.median, old.band
            sub_results.append(SubResult(code=sub.code, name=sub.name, score=score))
        score = _score(
            scored["function"][function.pk],
            len(scored["partners_function"][function.pk]),
            minimum,
        )
        old = before_functions.get(function.code)
        if old is not None:
            score.previous_median, score.previous_band = old.median, old.band
        result.functions.append(
            FunctionResult(code=function.code, name=function.name, score=score, subs=sub_results)
        )
    return result


def round_results(round: CcpmRound) -> list[BodyResult]:
    return [body_result(round, body) for body in round_bodies(round)]


def action_items(round: CcpmRound) -> list[CcpmActionItem]:
    return list(
        round.action_items.select_related("body", "subfunction", "owner_organisation").order_by(
            "body__name", "subfunction__code", "id"
        )
    )


def coordinator_answers(round: CcpmRound, body: Body) -> dict[int, str]:
    """The coordination team's saved answers for a body (its own self-assessment, not
    anonymous)."""
    return dict(
        CcpmAnswer.objects.filter(
            response__round=round, response__body=body, response__audience=Audience.COORDINATOR
        ).values_list("question_id", "choice")
    )
