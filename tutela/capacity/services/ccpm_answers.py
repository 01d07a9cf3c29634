"""Answering the CCPM survey through a link, and releasing the answers.

What is kept, so that no page, export, API, audit entry or database join ties an answer to the
person or organisation that gave it (see tutela.capacity.models.ccpm):

1. The link is marked "has answered" (nothing else: no time, no reference to the answer).
2. The answers go to a pending pool with a random id, the body and nothing else.
3. When the pool holds at least the round's minimum number of answers, or when the round
   closes, the whole pool is released in a shuffled order, as responses with random ids and a
   batch number: each batch mixes at least that many respondents (all the late ones when the
   round closes, whose results show only then). So the order of the rows and the moment they
   appeared cannot be matched with the moments links were used.
4. No audit entry is written for an answer: an entry would carry the time (and the address) of
   the request. The audit log records launching, reminding and closing the round.

The coordination team's own questionnaire is its self-assessment, not anonymous: it is entered
in the app by a manager and audited as such.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity import ccpm_scoring
from tutela.capacity.models import (
    CcpmAnswer,
    CcpmLink,
    CcpmPendingAnswer,
    CcpmQuestion,
    CcpmResponse,
    CcpmRound,
)
from tutela.capacity.models.ccpm import Audience
from tutela.capacity.selectors.ccpm import round_questions
from tutela.core.models import AuditEntry, Body, User
from tutela.core.services.audit import audit_write

_shuffle = random.SystemRandom().shuffle


def link_for_token(token: str) -> CcpmLink | None:
    """The invitation a link is for, or None (unknown or replaced token)."""
    if not token or len(token) > 100:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (
        CcpmLink.objects.filter(token_hash=digest)
        .exclude(token_hash="")
        .select_related("round", "round__operation", "body")
        .first()
    )


def link_state(link: CcpmLink) -> str:
    """ "open", "answered", "not_yet" or "closed"."""
    round = link.round
    today = timezone.localdate()
    if link.has_answered:
        return "answered"
    if round.status == CcpmRound.Status.CLOSED or round.closes_on < today:
        return "closed"
    if round.status != CcpmRound.Status.OPEN or round.opens_on > today:
        return "not_yet"
    return "open"


def _checked(questions: list[CcpmQuestion], answers: Mapping[int, str]) -> dict[str, str]:
    """{question id: choice} for every question, or ValidationError naming each missing or
    wrong one."""
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for question in questions:
        choice = answers.get(question.pk) or ""
        codes = [code for code, _label in ccpm_scoring.choices(question.scale)]
        if not choice:
            errors[f"q{question.pk}"] = _("Answer this question (or choose “Don't know”).")
        elif choice not in codes:
            errors[f"q{question.pk}"] = _("Choose among the answers given.")
        else:
            chosen[str(question.pk)] = choice
    if errors:
        raise ValidationError(errors)
    return chosen


def _respond(round: CcpmRound, body_id: int, audience: str, batch: int, answers: dict) -> None:
    questions = {q.pk: q for q in round.questions.all()}
    response = CcpmResponse.objects.create(
        round=round, body_id=body_id, audience=audience, batch=batch
    )
    CcpmAnswer.objects.bulk_create(
        CcpmAnswer(
            response=response,
            question_id=int(question_id),
            choice=choice,
            score=ccpm_scoring.score(questions[int(question_id)].scale, choice),
        )
        for question_id, choice in answers.items()
        if int(question_id) in questions
    )


def release(round: CcpmRound, *, everything: bool = False) -> int:
    """Move the pending answers to the released ones, shuffled, if there are at least the
    round's minimum of them (or whatever there is, with `everything`, when closing). Returns how
    many were released. Runs inside the caller's transaction."""
    pending = list(CcpmPendingAnswer.objects.select_for_update().filter(round=round))
    if not pending or (not everything and len(pending) < round.minimum_responses):
        return 0
    _shuffle(pending)
    batch = round.released_batches + 1
    for item in pending:
        _respond(round, item.body_id, Audience.PARTNER, batch, item.answers)
    CcpmPendingAnswer.objects.filter(pk__in=[item.pk for item in pending]).delete()
    CcpmRound.objects.filter(pk=round.pk).update(released_batches=batch)
    round.released_batches = batch
    return len(pending)


@transaction.atomic
def ccpm_answer_submit(*, link: CcpmLink, answers: Mapping[int, str]) -> None:
    """A partner's answers through their link: every question answered (possibly "don't
    know"), once. See the module docstring for what is kept."""
    round = CcpmRound.objects.select_for_update().get(pk=link.round_id)
    link = CcpmLink.objects.select_for_update().select_related("round").get(pk=link.pk)
    state = link_state(link)
    if state == "answered":
        raise ValidationError(_("This link has already been used. Thank you."))
    if state != "open":
        raise ValidationError(_("The survey is not open."))
    chosen = _checked(round_questions(round, Audience.PARTNER), answers)
    CcpmLink.objects.filter(pk=link.pk).update(has_answered=True)
    CcpmPendingAnswer.objects.create(round=round, body_id=link.body_id, answers=chosen)
    release(round)


@transaction.atomic
def ccpm_coordinator_answers_save(
    *, round: CcpmRound, body: Body, by: User, answers: Mapping[int, str]
) -> CcpmResponse:
    """The coordination team's answers for a body (they replace earlier ones)."""
    operation = round.operation
    capacity_access.require(capacity_access.can_manage_ccpm(by, operation))
    if round.status != CcpmRound.Status.OPEN:
        raise ValidationError(_("The coordination team answers while the round is open."))
    if not round.bodies.filter(pk=body.pk).exists():
        raise ValidationError(_("This body is not evaluated in this round."))
    chosen = _checked(round_questions(round, Audience.COORDINATOR), answers)
    CcpmResponse.objects.filter(round=round, body=body, audience=Audience.COORDINATOR).delete()
    _respond(round, body.pk, Audience.COORDINATOR, 0, chosen)
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=round,
        operation=operation,
        summary=_("Coordination team's CCPM answers saved: %(body)s") % {"body": body.name},
        after={"body": body.pk, "answers": chosen},
    )
    return CcpmResponse.objects.get(round=round, body=body, audience=Audience.COORDINATOR)
