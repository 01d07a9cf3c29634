"""CCPM rounds: preparing, launching (one secret link per organisation or person and body),
reminding those who have not answered, and closing.

Links carry a random token; only its SHA-256 is stored (`CcpmLink.token_hash`), the token itself
is only in the e-mail, which the outbox erases once sent (`contains_secret`). A reminder sends a
fresh token (the earlier link stops working): the server cannot send a link it does not know.

The scheduler (tutela/capacity/schedules.py) sends the reminders `reminder_days` before the
closing day and closes rounds once their closing day has passed; managers can do both by hand.
Closing releases the answers still held back (see ccpm_answers) and the results appear.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutela.capacity import access as capacity_access
from tutela.capacity.models import CcpmLink, CcpmRound
from tutela.capacity.selectors import ccpm as selectors
from tutela.capacity.services.ccpm_answers import release
from tutela.core.models import AuditEntry, Body, Operation, User
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.core.services.mail import addresses_for_organisations, mail_enqueue

ROUND_FIELDS = frozenset(
    {
        "title",
        "opens_on",
        "closes_on",
        "minimum_responses",
        "link_mode",
        "language",
        "reminder_days",
    }
)
# Results of fewer answers than this are never shown, whatever the round says.
FLOOR = 3


def _require_manager(by: User | None, operation: Operation) -> None:
    capacity_access.require(by is not None and capacity_access.can_manage_ccpm(by, operation))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def minimum_allowed(operation: Operation) -> int:
    return max(FLOOR, operation.disclosure_threshold)


def _check(round: CcpmRound, bodies: list[Body]) -> None:
    operation = round.operation
    errors: dict[str, str] = {}
    if not bodies:
        errors["bodies"] = _("Choose at least one body to evaluate.")
    elif any(body.operation_id != operation.pk for body in bodies):
        errors["bodies"] = _("This body is not part of the operation.")
    if round.minimum_responses < minimum_allowed(operation):
        errors["minimum_responses"] = _(
            "At least %(n)s answers: fewer could let someone recognise who answered what."
        ) % {"n": minimum_allowed(operation)}
    if round.opens_on and round.closes_on and round.closes_on < round.opens_on:
        errors["closes_on"] = _("The closing day is before the opening day.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def ccpm_round_create(
    *, operation: Operation, by: User, bodies: Iterable[Body], **fields: Any
) -> CcpmRound:
    unknown = set(fields) - ROUND_FIELDS
    if unknown:
        raise TypeError(f"ccpm_round_create() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, operation)
    chosen = list(bodies)
    fields.setdefault("language", operation.default_language)
    fields.setdefault("minimum_responses", minimum_allowed(operation))
    round = CcpmRound(operation=operation, created_by=by, **fields)
    round.title = (round.title or "").strip()
    _check(round, chosen)
    round.full_clean(validate_constraints=False)
    round.save()
    round.bodies.set(chosen)
    audit_create(actor=by, instance=round, operation=operation)
    return round


@transaction.atomic
def ccpm_round_update(
    *, round: CcpmRound, by: User, bodies: Iterable[Body] | None = None, **fields: Any
) -> CcpmRound:
    unknown = set(fields) - ROUND_FIELDS
    if unknown:
        raise TypeError(f"ccpm_round_update() got unknown field(s): {sorted(unknown)}")
    _require_manager(by, round.operation)
    if round.status != CcpmRound.Status.DRAFT:
        if set(fields) - {"closes_on", "reminder_days"} or bodies is not None:
            raise ValidationError(
                _("The round is launched: only its closing day and reminder can change.")
            )
        if round.status == CcpmRound.Status.CLOSED:
            raise ValidationError(_("This round is closed."))
    before = snapshot(round)
    for name, value in fields.items():
        setattr(round, name, value.strip() if isinstance(value, str) else value)
    chosen = list(bodies) if bodies is not None else list(round.bodies.all())
    _check(round, chosen)
    round.full_clean(validate_constraints=False)
    round.save()
    if bodies is not None:
        round.bodies.set(chosen)
    audit_update(actor=by, instance=round, operation=round.operation, before=before)
    return round


# --- Links --------------------------------------------------------------------------------------


def answer_url(token: str) -> str:
    return settings.BASE_URL + reverse("capacity:ccpm_answer", args=[token])


def _link_text(round: CcpmRound, link: CcpmLink, url: str, *, reminder: bool) -> tuple[str, str]:
    operation = round.operation
    lines = []
    if reminder:
        lines += [
            _("Reminder: the survey closes on %(date)s.") % {"date": round.closes_on.isoformat()},
            "",
        ]
    lines += [
        _(
            "%(operation)s asks its partners how well the coordination of %(body)s works "
            "(cluster coordination performance monitoring, CCPM). It takes about ten minutes."
        )
        % {"operation": operation.name, "body": link.body.name},
        "",
        _(
            "Your answers are anonymous: they are stored without your name, your organisation "
            "or the time you answered, and results are shown only when at least %(n)s partners "
            "have answered."
        )
        % {"n": round.minimum_responses},
        "",
        url,
        "",
        _("The link can be used once; do not forward it. The survey closes on %(date)s.")
        % {"date": round.closes_on.isoformat()},
        "",
        "— " + operation.name,
    ]
    subject = _("[%(operation)s] Coordination performance survey: %(body)s") % {
        "operation": operation.name,
        "body": link.body.name,
    }
    return subject, "\n".join(lines)


def _send(round: CcpmRound, link: CcpmLink, *, reminder: bool) -> int:
    """A fresh token for the link, e-mailed; returns the number of addresses."""
    operation = round.operation
    if link.contact_id is not None and link.contact is not None:
        addresses = [link.contact.email.lower()] if link.contact.email else []
    else:
        addresses = addresses_for_organisations(operation, [link.organisation], link.body)
    if not addresses:
        return 0
    token = secrets.token_urlsafe(24)
    link.token_hash = token_hash(token)
    link.save(update_fields=["token_hash"])
    with translation.override(round.language):
        subject, text = _link_text(round, link, answer_url(token), reminder=reminder)
    mail_enqueue(
        operation=operation,
        kind="capacity.ccpm_link",
        subject=subject,
        text=text,
        to_addresses=addresses,
        contains_secret=True,
    )
    return len(addresses)


@transaction.atomic
def ccpm_round_launch(*, round: CcpmRound, by: User, send: bool = True) -> dict[str, int]:
    """Open the round: fix its questions, make one link per recipient and e-mail them (the
    demo data passes `send=False`: links are made, nothing is e-mailed). Returns {"links": n,
    "addresses": m, "without_address": k}."""
    operation = round.operation
    _require_manager(by, operation)
    if round.status != CcpmRound.Status.DRAFT:
        raise ValidationError(_("This round has already been launched."))
    questions = list(selectors.active_questions(operation))
    if not any(q.audience == "partner" for q in questions):
        raise ValidationError(_("The questionnaire has no active question for partners."))
    recipients = selectors.round_recipients(round)
    if not recipients:
        raise ValidationError(_("The bodies evaluated have no member organisation."))
    before = snapshot(round)
    round.questions.set(questions)
    round.status = CcpmRound.Status.OPEN
    round.launched_at = timezone.now()
    round.save(update_fields=["status", "launched_at", "updated_at"])
    addresses = without = 0
    for recipient in recipients:
        link = CcpmLink.objects.create(
            round=round,
            body=recipient.body,
            organisation=recipient.organisation,
            contact=recipient.contact,
        )
        sent = _send(round, link, reminder=False) if send else 0
        addresses += sent
        without += int(sent == 0)
    audit_update(actor=by, instance=round, operation=operation, before=before)
    result = {"links": len(recipients), "addresses": addresses, "without_address": without}
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=round,
        operation=operation,
        summary=_("CCPM links sent: %(title)s") % {"title": round.title[:200]},
        after=result,
    )
    return result


@transaction.atomic
def ccpm_reminders_send(*, round: CcpmRound, by: User | None) -> int:
    """E-mail a fresh link to every invitation not used yet; returns how many. `by` None: the
    scheduler."""
    operation = round.operation
    if by is not None:
        _require_manager(by, operation)
    if round.status != CcpmRound.Status.OPEN:
        raise ValidationError(_("Only an open round sends reminders."))
    count = 0
    for link in CcpmLink.objects.filter(round=round, has_answered=False).select_related(
        "body", "organisation", "contact"
    ):
        if _send(round, link, reminder=True):
            CcpmLink.objects.filter(pk=link.pk).update(reminders_sent=link.reminders_sent + 1)
            count += 1
    round.reminded_on = timezone.localdate()
    round.save(update_fields=["reminded_on", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=round,
        operation=operation,
        summary=_("CCPM reminders sent: %(n)s") % {"n": count},
    )
    return count


@transaction.atomic
def ccpm_round_close(*, round: CcpmRound, by: User | None) -> CcpmRound:
    """Close the round, release the answers held back, and let the results show."""

    operation = round.operation
    if by is not None:
        _require_manager(by, operation)
    # Lock the round's row (answers arriving now wait), then read it afresh.
    CcpmRound.objects.select_for_update().filter(pk=round.pk).values_list("pk").get()
    round.refresh_from_db()
    if round.status != CcpmRound.Status.OPEN:
        raise ValidationError(_("Only an open round can be closed."))
    before = snapshot(round)
    release(round, everything=True)
    round.status = CcpmRound.Status.CLOSED
    round.closed_at = timezone.now()
    round.save(update_fields=["status", "closed_at", "updated_at"])
    audit_update(actor=by, instance=round, operation=operation, before=before)
    return round


def ccpm_rounds_due(today: datetime.date | None = None) -> dict[str, int]:
    """The scheduler's daily pass: reminders `reminder_days` before closing, and closing the
    rounds whose closing day has passed."""
    today = today or timezone.localdate()
    reminded = closed = 0
    for round in CcpmRound.objects.filter(status=CcpmRound.Status.OPEN).select_related("operation"):
        if round.closes_on < today:
            ccpm_round_close(round=round, by=None)
            closed += 1
        elif (
            round.reminder_days
            and round.closes_on - datetime.timedelta(days=round.reminder_days) <= today
            and round.reminded_on is None
        ):
            ccpm_reminders_send(round=round, by=None)
            reminded += 1
    return {"reminded": reminded, "closed": closed}
