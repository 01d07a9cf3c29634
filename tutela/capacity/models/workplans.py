"""The strategy and yearly work plan of a coordination body (the national cluster, an AoR, a
regional working group): objectives, the activities that serve them with their lead
organisation, timeline, status and progress, and each activity's quarterly review. An activity
is carried out through coordination action points (ids kept as numbers: the coordination app is
reached only through services/ and selectors/coordination_link.py) and capacity trainings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkPlan(models.Model):
    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    body = models.ForeignKey(
        "core.Body", on_delete=models.PROTECT, related_name="+", verbose_name=_("body")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    strategy = models.TextField(_("strategy"), blank=True, max_length=10_000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "body_id", "id"]
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        constraints = [
            models.UniqueConstraint(fields=["body", "year"], name="workplan_unique_body_year"),
        ]

    def __str__(self) -> str:
        return self.title


class WorkObjective(models.Model):
    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(_("code"), max_length=10, blank=True)
    title = models.CharField(_("objective"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan_id", "code", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


class WorkActivity(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        DELAYED = "delayed", _("Delayed")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    objective = models.ForeignKey(
        WorkObjective, on_delete=models.CASCADE, related_name="activities"
    )
    title = models.CharField(_("activity"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    lead_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead organisation"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    # Coordination action points that carry the activity out (ids in the same operation).
    action_point_ids = models.JSONField(default=list, blank=True)
    sessions = models.ManyToManyField(
        "capacity.TrainingSession",
        blank=True,
        related_name="+",
        verbose_name=_("training sessions"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["objective_id", "starts_on", "id"]
        verbose_name = _("work plan activity")
        verbose_name_plural = _("work plan activities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="workactivity_dates",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="workactivity_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WorkReview(models.Model):
    """An activity's review of one quarter: where it stands, said by whom and when. Reviewing
    again in the same quarter replaces the quarter's review (the audit log keeps the old one)."""

    activity = models.ForeignKey(WorkActivity, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    status = models.CharField(_("status"), max_length=10, choices=WorkActivity.Status.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["activity_id", "year", "quarter"]
        verbose_name = _("quarterly review")
        verbose_name_plural = _("quarterly reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "year", "quarter"], name="workreview_unique_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="workreview_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="workreview_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.label}"

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}"
