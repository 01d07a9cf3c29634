"""Early-warning signals and the Protection Analysis Update (PAU)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EarlyWarningSignal(models.Model):
    """An area × risk whose count in a month is unlikely under its own trailing baseline."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        DISMISSED = "dismissed", _("Dismissed")
        ALERTED = "alerted", _("Alert raised")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("core.AdminArea", on_delete=models.PROTECT, related_name="+")
    risk = models.ForeignKey("core.ProtectionRisk", on_delete=models.PROTECT, related_name="+")
    # First day of the month tested.
    month = models.DateField()
    observed = models.PositiveIntegerField()
    # Mean monthly count over the baseline months.
    expected = models.FloatField()
    p_value = models.FloatField()
    # The evidence: {"baseline": {"2026-03": 2, ...}, "method": "...", "months": 6}.
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-month", "p_value"]
        verbose_name = _("early-warning signal")
        verbose_name_plural = _("early-warning signals")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "area", "risk", "month"], name="signal_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} / {self.risk} / {self.month:%Y-%m}"


class AnalysisUpdate(models.Model):
    """A Protection Analysis Update for a period and a scope, with its clearance status."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for clearance")
        CLEARED = "cleared", _("Cleared")
        PUBLISHED = "published", _("Published")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # Empty: the whole operation; otherwise a region (admin 1 area).
    scope = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "2026Q3" (or "2026-07" for a month); start and end are inclusive dates.
    period = models.CharField(_("period"), max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    language = models.CharField(_("language"), max_length=5, default="en")
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-period_start"]
        verbose_name = _("protection analysis update")
        verbose_name_plural = _("protection analysis updates")

    def __str__(self) -> str:
        return self.title


class AnalysisUpdateVersion(models.Model):
    """A saved version: the editable narrative sections and the figures snapshot they were
    written against."""

    update = models.ForeignKey(AnalysisUpdate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # {"context": "...", "threats": "...", "effects": "...", "capacities": "...",
    #  "key_messages": "...", "recommendations": "..."} (Markdown).
    sections = models.JSONField(default=dict, blank=True)
    # The figures (already disclosure-controlled) the draft was generated from.
    figures = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["update", "-number"]
        verbose_name = _("PAU version")
        verbose_name_plural = _("PAU versions")
        constraints = [
            models.UniqueConstraint(fields=["update", "number"], name="pauversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.update} v{self.number}"
