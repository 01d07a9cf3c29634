from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivitySettings(models.Model):
    """How an operation counts and shows its 5W."""

    class CumulativeRule(models.TextChoices):
        # Partners report the people reached in the month; the same people come back month after
        # month, so the cumulative figure is the highest month per organisation, activity,
        # location and population group, summed over those.
        MAX_MONTH = "max_month", _("Highest month per partner, activity, location and group")
        # Partners report only people reached for the first time that month: months add up.
        NEW_ONLY = "new_only", _("Sum of months (partners report new people only)")
        # Partners report a running total: the latest month per partner, activity, location
        # and group.
        LATEST = "latest", _("Latest month per partner, activity, location and group")

    operation = models.OneToOneField(
        "core.Operation", on_delete=models.CASCADE, related_name="activity_settings"
    )
    cumulative_rule = models.CharField(
        _("cumulative rule"),
        max_length=12,
        choices=CumulativeRule.choices,
        default=CumulativeRule.MAX_MONTH,
    )
    # Areas where partner names must not appear in products (insecure areas): counts only.
    sensitive_areas = models.ManyToManyField(
        "core.AdminArea",
        blank=True,
        related_name="+",
        verbose_name=_("areas where partner names are hidden"),
    )
    # Relative change against the organisation's own median that is flagged as a possible outlier.
    outlier_factor = models.PositiveSmallIntegerField(_("outlier factor"), default=5)
    # Monthly reporting rounds opened by the scheduler this many days before the month ends
    # (empty: managers open rounds themselves), with their deadline on this day of the next month.
    rounds_open_days_before_end = models.PositiveSmallIntegerField(
        _("open the month's round this many days before it ends"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(27)],
    )
    rounds_deadline_day = models.PositiveSmallIntegerField(
        _("deadline: day of the next month"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation"]
        verbose_name = _("5W settings")
        verbose_name_plural = _("5W settings")

    def __str__(self) -> str:
        return f"5W settings of {self.operation}"
