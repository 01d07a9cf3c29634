"""Background tasks of the core app, run by the database-backed worker (`tutela db_worker`).

Task arguments are stored as JSON in the database until the worker picks them up: pass plain
values (strings, numbers, lists, dicts), never model instances or bytes.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task

# Defined beside their bodies; named here too, so that tasks queued under these paths before
# they moved (tutela.core.tasks.*) still run.
from tutela.core.imports.problem_workbooks import (
    problems_workbook_build as problems_workbook_build,
)
from tutela.core.services.mail import send_outbox_message as send_outbox_message

logger = logging.getLogger(__name__)


@task()
def send_email(
    *,
    subject: str,
    body: str,
    recipients: Sequence[str],
    html: str = "",
    attachments: Sequence[Sequence[str]] | None = None,
    from_email: str = "",
    reply_to: Sequence[str] | None = None,
) -> int:
    """Send one e-mail to `recipients` (all in To:), without an outbox record.

    Application code uses `core.services.mail.mail_enqueue` instead (recorded, retried, digests);
    this task is kept for ad-hoc use from the shell.

    `attachments`: (file name, base64-encoded content, MIME type) triples, e.g.
    ("meeting.ics", base64.b64encode(ics_bytes).decode(), "text/calendar").
    Returns the number of messages sent (0 or 1). A failure raises, so the task is marked failed.
    """
    recipients = [address for address in recipients if address]
    if not recipients:
        return 0
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(recipients),
        reply_to=list(reply_to) if reply_to else None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    for name, content_b64, mimetype in attachments or []:
        message.attach(name, base64.b64decode(content_b64), mimetype)
    sent = message.send(fail_silently=False)
    logger.info("sent e-mail %r to %d recipient(s)", message.subject, len(recipients))
    return sent
