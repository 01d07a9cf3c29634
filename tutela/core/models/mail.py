"""The e-mail outbox: every message the application sends, to whom, when, and how it went.

Services never talk to the SMTP server themselves: they call `core.services.mail.mail_enqueue`,
which writes one `OutboxMessage` per recipient; the background worker sends it and retries on
failure. Periodic jobs (the retries, the daily digest) keep their last run in `ScheduledRun`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class OutboxMessage(models.Model):
    """One e-mail to one recipient."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        HELD_FOR_DIGEST = "held_for_digest", _("Held for the daily digest")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DIGESTED = "digested", _("Sent in a digest")
        FAILED = "failed", _("Failed")

    operation = models.ForeignKey(
        "core.Operation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("operation"),
    )
    # What the message is about, e.g. "core.invitation", "coordination.meeting_invitation".
    kind = models.CharField(_("kind"), max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    # E-mail addresses are personal data: encrypted at rest.
    to_address = EncryptedTextField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    # Bodies can tell of incidents and people (alerts, minutes): encrypted at rest too. A body
    # that holds a secret (an invitation link) is erased once sent (`contains_secret`).
    text = EncryptedTextField(_("text"))
    html = EncryptedTextField(_("HTML"), blank=True)
    contains_secret = models.BooleanField(_("erased once sent"), default=False)
    digestible = models.BooleanField(_("may wait for the digest"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The digest message that carried this one, for messages held for a digest.
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digested_messages",
        verbose_name=_("digest"),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["operation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class OutboxAttachment(models.Model):
    """A file sent with an outbox message (a meeting's .ics invitation, minutes...)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    content = models.BinaryField(_("content"))

    class Meta:
        ordering = ["message", "id"]
        verbose_name = _("e-mail attachment")
        verbose_name_plural = _("e-mail attachments")

    def __str__(self) -> str:
        return self.filename


class ScheduledRun(models.Model):
    """The last run of one periodic job (see core/schedule.py). One row per job name; claiming a
    run is a conditional UPDATE of this row, so two scheduler processes never run a job twice."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_status = models.CharField(
        _("last status"), max_length=10, choices=Status.choices, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    # The scheduler process running it (WorkerHeartbeat.name) while last_status is "running": a
    # run whose scheduler was killed is not waited for.
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")

    def __str__(self) -> str:
        return self.name
