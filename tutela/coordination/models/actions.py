"""Action points, with their full history and comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionPoint(models.Model):
    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    class SourceKind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        ALERT = "alert", _("Alert")
        MISSION = "mission", _("Mission")
        PAU = "pau", _("Protection Analysis Update")
        OTHER = "other", _("Other")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # The body whose meetings follow the action point up (its open points go on their agenda).
    body = models.ForeignKey(
        "core.Body", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("action"), max_length=500)
    description = models.TextField(_("details"), blank=True)
    owner_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner organisation"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=6, choices=Priority.choices, default=Priority.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    source_kind = models.CharField(
        _("source"), max_length=8, choices=SourceKind.choices, default=SourceKind.OTHER
    )
    meeting = models.ForeignKey(
        "coordination.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_points",
    )
    alert = models.ForeignKey(
        "coordination.Alert",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_points",
    )
    mission = models.ForeignKey(
        "coordination.Mission",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_points",
    )
    pau = models.ForeignKey(
        "monitoring.AnalysisUpdate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Reminder e-mails already sent (before and after the due date), so none is sent twice.
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_after_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "status", "due_date", "id"]
        verbose_name = _("action point")
        verbose_name_plural = _("action points")
        indexes = [
            models.Index(fields=["operation", "status", "due_date"], name="actionpoint_due"),
        ]

    def __str__(self) -> str:
        return self.title


class ActionPointEvent(models.Model):
    """The history of an action point: creation, every change, comments and reminders."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        REMINDER = "reminder", _("Reminder sent")

    action_point = models.ForeignKey(ActionPoint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(blank=True)
    # {"field": [before, after]}
    changes = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action_point", "created_at", "id"]
        verbose_name = _("action point event")
        verbose_name_plural = _("action point events")

    def __str__(self) -> str:
        return f"{self.action_point_id} {self.kind}"
