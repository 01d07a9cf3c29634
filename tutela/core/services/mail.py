"""The e-mail outbox: queueing, sending with retries, the daily digest, and the manager's view.

Every e-mail the application sends goes through `mail_enqueue`, which records one
`OutboxMessage` per recipient. Messages to people who chose the daily digest wait for it when
they can (`digestible`); the others are handed to the background worker once the caller's
transaction commits (`send_outbox_message`, below). Whatever the worker could not
send, the scheduler retries (`outbox_send_due`, every few minutes) with an exponential back-off,
until it gives up and keeps the last error for the managers' "Sent e-mail" page.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.core.models import (
    AuditEntry,
    Body,
    Contact,
    Operation,
    Organisation,
    OutboxAttachment,
    OutboxMessage,
    User,
)
from tutela.core.services.audit import audit_write, snapshot

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

# A message is tried at most this many times; between failed attempts the worker waits
# 1, 5, 25, 125, 625 minutes (capped at MAX_BACKOFF), so a server that is down for most of a day
# still gets the mail out.
MAX_ATTEMPTS = 6
MAX_BACKOFF = datetime.timedelta(hours=12)
# A message left "sending" this long belongs to a worker that died mid-send: queue it again.
STALE_SENDING = datetime.timedelta(minutes=15)
# How many due messages one scheduler pass sends, so that a pass stays short.
SEND_BATCH = 200
DIGEST_KIND = "core.digest"


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt (1, 5, 25, 125... minutes)."""
    exponent = min(max(attempts - 1, 0), 10)
    return min(datetime.timedelta(minutes=5**exponent), MAX_BACKOFF)


def _smtp_replies(error: Exception) -> list[tuple[int, str]]:
    """The SMTP server's (code, text) replies carried by an smtplib error, if any."""
    replies: list[tuple[int, Any]] = []
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        replies = [(error.smtp_code, error.smtp_error)]
    return [
        (int(code), text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text))
        for code, text in replies
    ]


def _describe_error(error: Exception) -> str:
    replies = _smtp_replies(error)
    if replies:
        return f"{type(error).__name__}: " + "; ".join(f"{code} {text}" for code, text in replies)
    return f"{type(error).__name__}: {error}"


def _is_permanent(error: Exception) -> bool:
    """A 5xx reply means the server will never accept this message (no such mailbox, refused):
    retrying would only repeat it. Timeouts, refused connections and 4xx replies are retried."""
    replies = _smtp_replies(error)
    return bool(replies) and all(code >= 500 for code, _text in replies)


def _clean_subject(subject: str) -> str:
    # Header injection is refused by Django; collapsing whitespace also keeps folded subjects
    # rendered from templates on one line.
    return " ".join(str(subject).split())[:300]


def _normalise_address(address: str) -> str:
    return (address or "").strip().lower()


def _is_valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


# --- Queueing ----------------------------------------------------------------------------------


def _enqueue_sending(ids: Sequence[int]) -> None:
    """Hand the messages to the background worker (called once the transaction committed)."""
    for message_id in ids:
        send_outbox_message.enqueue(message_id=message_id)


def _on_commit_send(ids: Sequence[int]) -> None:
    if ids:
        ids = list(ids)
        # robust: if the task queue cannot be reached, the caller's work is committed anyway and
        # the scheduler's retry pass (outbox_send_due) sends the messages a few minutes later.
        transaction.on_commit(lambda: _enqueue_sending(ids), robust=True)


@transaction.atomic
def mail_enqueue(
    *,
    operation: Operation | None,
    kind: str,
    subject: str,
    text: str,
    html: str = "",
    to_users: Iterable[User] = (),
    to_addresses: Iterable[str] = (),
    attachments: Sequence[tuple[str, bytes, str]] = (),
    digestible: bool = True,
    contains_secret: bool = False,
) -> list[OutboxMessage]:
    """Queue one e-mail per recipient and return the outbox messages.

    Recipients are `to_users` (inactive accounts are skipped) and `to_addresses` (an address that
    belongs to an active account is treated as that user). Empty and duplicate addresses are
    skipped. A user whose e-mail mode is "digest" gets a `digestible` message in the next daily
    digest; everything else is sent by the background worker after the transaction commits.
    `attachments` are (file name, content, MIME type) triples. The audit log records the kind and
    the number of recipients, never the text. `contains_secret` (an invitation's personal link):
    the text is erased from the outbox once sent, and never waits for a digest.
    """
    now = timezone.now()
    digestible = digestible and not contains_secret
    subject = _clean_subject(subject)
    recipients: dict[str, User | None] = {}
    for user in to_users:
        address = _normalise_address(user.email)
        if user.is_active and address and address not in recipients:
            recipients[address] = user
    plain = [_normalise_address(a) for a in to_addresses]
    plain = [a for a in dict.fromkeys(plain) if a and a not in recipients]
    if plain:
        known = {u.email.lower(): u for u in User.objects.filter(email__in=plain, is_active=True)}
        for address in plain:
            recipients[address] = known.get(address)

    messages = []
    for address, person in recipients.items():
        held = digestible and person is not None and person.email_mode == User.EmailMode.DIGEST
        valid = _is_valid_address(address)
        if not valid:
            status = Status.FAILED
        elif held:
            status = Status.HELD_FOR_DIGEST
        else:
            status = Status.QUEUED
        message = OutboxMessage(
            operation=operation,
            kind=kind,
            recipient=person,
            to_address=address,
            subject=subject,
            text=text,
            html=html,
            digestible=digestible,
            contains_secret=contains_secret,
            status=status,
            next_attempt_at=now if status == Status.QUEUED else None,
            # An address that cannot be right (a typo in the contact directory) is recorded as
            # failed, so that the managers see it, instead of stopping everyone else's mail.
            last_error="" if valid else _("Invalid e-mail address."),
        )
        # The operation and recipient are instances the caller holds: no need to query for them.
        message.full_clean(exclude=["digest", "operation", "recipient"])
        messages.append(message)
    if not messages:
        return []
    messages = OutboxMessage.objects.bulk_create(messages)
    if attachments:
        OutboxAttachment.objects.bulk_create(
            OutboxAttachment(
                message=message, filename=name, content_type=content_type, content=content
            )
            for message in messages
            for name, content, content_type in attachments
        )
    held_count = sum(1 for m in messages if m.status == Status.HELD_FOR_DIGEST)
    audit_write(
        actor=None,
        action=AuditEntry.Action.CREATE,
        operation=operation,
        entity_type="core.outboxmessage",
        entity_id=str(messages[0].pk),
        summary=(
            f"e-mail {kind} queued for {len(messages)} recipient(s)"
            + (f", {held_count} held for the digest" if held_count else "")
        ),
        after={"kind": kind, "count": len(messages), "held_for_digest": held_count},
    )
    _on_commit_send([m.pk for m in messages if m.status == Status.QUEUED])
    return messages


def addresses_for_organisations(
    operation: Operation, organisations: Iterable[Organisation], body: Body | None = None
) -> list[str]:
    """The e-mail addresses of the organisations' active contacts in the operation (decrypted,
    lower-cased, without duplicates, sorted).

    With a `body`, an organisation's contacts who attend that body are preferred; an organisation
    none of whose contacts is linked to the body is reached through all its contacts, so that no
    member falls through the cracks.
    """
    org_ids = {org.pk for org in organisations}
    if not org_ids:
        return []
    contacts = list(
        Contact.objects.filter(
            operation=operation, organisation_id__in=org_ids, is_active=True
        ).prefetch_related("bodies")
    )
    chosen: list[Contact] = contacts
    if body is not None:
        attending: dict[int, list[Contact]] = defaultdict(list)
        everyone: dict[int, list[Contact]] = defaultdict(list)
        for contact in contacts:
            everyone[contact.organisation_id].append(contact)
            if any(b.pk == body.pk for b in contact.bodies.all()):
                attending[contact.organisation_id].append(contact)
        chosen = [c for org_id in everyone for c in (attending[org_id] or everyone[org_id])]
    return sorted({_normalise_address(c.email) for c in chosen if _normalise_address(c.email)})


# --- Sending -----------------------------------------------------------------------------------


def _build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return email


def _claim(message_id: int, now: datetime.datetime) -> bool:
    """Mark a due queued message "sending"; False if another worker has it or it is not due.
    A conditional UPDATE, so that two workers never send the same message."""
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, updated_at=now)
    )
    return claimed == 1


def outbox_message_send(*, message_id: int, now: datetime.datetime | None = None) -> str:
    """Send one queued message if it is due; returns its status afterwards ("" if not found).

    A failure is recorded on the message (attempts, last error, next attempt after a back-off;
    "failed" for good after MAX_ATTEMPTS) rather than raised: the outbox is the record.
    """
    now = now or timezone.now()
    if not _claim(message_id, now):
        current = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True)
        return current.first() or ""
    message = OutboxMessage.objects.get(pk=message_id)
    attempts = message.attempts + 1
    try:
        _build_email(message).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is retried
        failed = attempts >= MAX_ATTEMPTS or _is_permanent(error)
        status = Status.FAILED if failed else Status.QUEUED
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=status,
            attempts=attempts,
            last_error=_describe_error(error)[:2000],
            next_attempt_at=None if failed else now + retry_delay(attempts),
            updated_at=timezone.now(),
        )
        logger.warning(
            "e-mail %s (%s) attempt %d failed: %s", message.pk, message.kind, attempts, error
        )
        return status
    erased: dict[str, Any] = {}
    if message.contains_secret:
        # The secret now exists in the recipient's mailbox and nowhere else.
        erased = {"text": "", "html": ""}
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        updated_at=timezone.now(),
        **erased,
    )
    logger.info("sent e-mail %s (%s)", message.pk, message.kind)
    return Status.SENT


def outbox_send_due(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send every queued message whose time has come (the scheduler's retry pass).

    Messages stuck in "sending" (a worker died mid-send) are queued again first. Returns how many
    messages ended in each status, e.g. {"sent": 3, "queued": 1}.
    """
    now = now or timezone.now()
    OutboxMessage.objects.filter(status=Status.SENDING, updated_at__lt=now - STALE_SENDING).update(
        status=Status.QUEUED, next_attempt_at=now, updated_at=now
    )
    due = list(
        OutboxMessage.objects.filter(status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SEND_BATCH]
    )
    counts: dict[str, int] = defaultdict(int)
    for message_id in due:
        status = outbox_message_send(message_id=message_id, now=now)
        if status:
            counts[status] += 1
    return dict(counts)


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, by: User, request: Any = None) -> OutboxMessage:
    """A manager's "retry now" on a failed message: one more attempt, straight away."""
    if message.status != Status.FAILED:
        raise ValidationError(_("Only a message that failed can be retried."))
    if message.operation is None:
        raise PermissionDenied
    before = snapshot(message, ["status", "next_attempt_at"])
    message.status = Status.QUEUED
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "next_attempt_at", "updated_at"])
    audit_write(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        instance=message,
        operation=message.operation,
        before=before,
        after=snapshot(message, ["status", "next_attempt_at"]),
        summary=f"e-mail {message.kind} #{message.pk} retried",
        request=request,
    )
    _on_commit_send([message.pk])
    return message


# --- The daily digest --------------------------------------------------------------------------


@dataclass
class _DigestItem:
    message: OutboxMessage
    operation_name: str


@transaction.atomic
def digest_send(*, now: datetime.datetime | None = None) -> list[OutboxMessage]:
    """Gather each user's held messages into one digest e-mail, in the user's language.

    Returns the digest messages queued (they are sent by the worker after commit). Held messages
    point to their digest and become "sent in a digest". Messages held for an account deactivated
    since are marked failed, not sent.
    """
    now = now or timezone.now()
    held = list(
        OutboxMessage.objects.select_for_update()
        .filter(status=Status.HELD_FOR_DIGEST, created_at__lte=now)
        .order_by("created_at", "pk")
    )
    if not held:
        return []
    operation_names = dict(
        Operation.objects.filter(
            pk__in={m.operation_id for m in held if m.operation_id}
        ).values_list("pk", "name")
    )
    by_user: dict[int | None, list[OutboxMessage]] = defaultdict(list)
    for message in held:
        by_user[message.recipient_id].append(message)
    users = User.objects.in_bulk([pk for pk in by_user if pk is not None])

    digests: list[OutboxMessage] = []
    for user_id, messages in by_user.items():
        user = users.get(user_id) if user_id is not None else None
        ids = [m.pk for m in messages]
        if user is None or not user.is_active or not user.email:
            OutboxMessage.objects.filter(pk__in=ids).update(
                status=Status.FAILED,
                last_error=_("The recipient's account is deactivated."),
                updated_at=now,
            )
            continue
        items = [_DigestItem(m, operation_names.get(m.operation_id or 0, "")) for m in messages]
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {"user": user, "items": items, "count": len(items), "now": now}
            subject = render_to_string("core/email/digest_subject.txt", context)
            text = render_to_string("core/email/digest.txt", context)
            html = render_to_string("core/email/digest.html", context)
        digest = OutboxMessage(
            operation=None,
            kind=DIGEST_KIND,
            recipient=user,
            to_address=_normalise_address(user.email),
            subject=_clean_subject(subject),
            text=text,
            html=html,
            digestible=False,
            status=Status.QUEUED,
            next_attempt_at=now,
        )
        digest.full_clean(exclude=["digest", "recipient"])
        digest.save()
        OutboxAttachment.objects.bulk_create(
            OutboxAttachment(
                message=digest,
                filename=a.filename,
                content_type=a.content_type,
                content=a.content,
            )
            for a in OutboxAttachment.objects.filter(message_id__in=ids).order_by("pk")
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=Status.DIGESTED, digest=digest, updated_at=now
        )
        digests.append(digest)
    if digests:
        audit_write(
            actor=None,
            action=AuditEntry.Action.CREATE,
            entity_type="core.outboxmessage",
            summary=f"e-mail {DIGEST_KIND} queued for {len(digests)} recipient(s)",
            after={"kind": DIGEST_KIND, "count": len(digests), "messages": len(held)},
        )
    _on_commit_send([d.pk for d in digests])
    return digests


# --- Reads for the "Sent e-mail" page ----------------------------------------------------------


def outbox_for_operation(
    operation: Operation, *, status: str = "", kind: str = ""
) -> QuerySet[OutboxMessage]:
    """The operation's outbox, newest first, optionally filtered by status and kind."""
    messages = OutboxMessage.objects.filter(operation=operation).select_related("recipient")
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    return messages.order_by("-created_at", "-pk")


def outbox_kinds(operation: Operation) -> list[str]:
    return sorted(
        set(OutboxMessage.objects.filter(operation=operation).values_list("kind", flat=True))
    )


def outbox_message_get_for_manager(operation: Operation, pk: int) -> OutboxMessage:
    """A message of this operation (the caller has checked the user manages it)."""
    return get_object_or_404(OutboxMessage, operation=operation, pk=pk)


@task()
def send_outbox_message(*, message_id: int) -> str:
    """The background task that sends one message of the outbox (queued once the transaction
    commits; failures recorded on the message and retried by the scheduler, not raised). Defined
    here, not in core.tasks, so that queueing it needs no import of the tasks module."""
    return outbox_message_send(message_id=message_id)
