"""What the reporting-compliance reminders remember: one row per organisation and reporting
round once the organisation was reminded, so that the daily pass reminds it once. The round is
kept by id (the activities app is read only through selectors/compliance_sources.py)."""

from __future__ import annotations

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
