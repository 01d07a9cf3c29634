"""Background tasks of the core app, run by the database-backed worker (`tutela db_worker`).

Task arguments are stored as JSON in the database until the worker picks them up: pass plain
values (strings, numbers, lists, dicts), never model instances or bytes.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from tutela.core.imports.problem_workbooks import problems_workbook_run
from tutela.core.models import Job
from tutela.core.services.jobs import job_fail
from tutela.core.services.mail import outbox_message_send

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


@task()
def send_outbox_message(*, message_id: int) -> str:
    """Send one message of the e-mail outbox (queued by `core.services.mail.mail_enqueue` once
    the transaction commits). Failures are recorded on the message and retried by the scheduler,
    not raised. Returns the message's status afterwards."""

    return outbox_message_send(message_id=message_id)


@task()
def problems_workbook_build(
    *, job_id: int, model: str, record_id: int, builder: str
) -> dict[str, object]:
    """Build the workbook of problems of a big upload (see core.imports.problem_workbooks):
    `model` is the upload record's "app_label.model", `builder` the dotted path of its
    importer's `import_annotated_workbook`."""

    if not (builder.startswith("tutela.") and builder.endswith(".import_annotated_workbook")):
        raise ValueError(f"not a workbook builder: {builder}")
    job = Job.objects.get(pk=job_id)
    record = apps.get_model(model).objects.get(pk=record_id)
    try:
        finished = problems_workbook_run(job=job, record=record, build=import_string(builder))
    except Exception:
        logger.exception("problems workbook of %s %s failed", model, record_id)
        job_fail(job=job, message=_("The file with the problems marked could not be prepared."))
        raise
    return {"job_id": finished.pk, "status": finished.status}
