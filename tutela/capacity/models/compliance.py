"""What the reporting-compliance reminders remember: one row per organisation and reporting
round once the organisation was reminded, so that the daily pass reminds it once. The round is
kept by id (the activities app is read only through selectors/compliance_sources.py)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportingReminder(models.Model):
    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    round_id = models.PositiveBigIntegerField()
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    addresses = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("reporting reminder")
        verbose_name_plural = _("reporting reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["round_id", "organisation"], name="reportingreminder_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.organisation_id}"


class ComplianceSettings(models.Model):
    """An operation's settings of the reporting reminders (none: the defaults)."""

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="compliance_settings"
    )
    # Days before a 5W deadline when the daily pass reminds those who have not reported (0: on
    # the deadline day only).
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder lead time (days)"),
        default=3,
        validators=[MaxValueValidator(30)],
        help_text=_(
            "How many days before a 5W deadline the organisations that have not reported are "
            "reminded by e-mail."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation"]
        verbose_name = _("reporting compliance settings")
        verbose_name_plural = _("reporting compliance settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_days__lte=30), name="compliancesettings_days_max"
            )
        ]

    def __str__(self) -> str:
        return f"compliance settings of {self.operation_id}"
