"""Training needs assessments (what partners say their staff need) and the yearly
capacity-building plan that answers them, item by item, with targets."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.capacity.models.courses import Course
from tutela.core.counts import count_validators


class NeedsAssessment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    closes_on = models.DateField(_("answers until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("training needs assessment")
        verbose_name_plural = _("training needs assessments")

    def __str__(self) -> str:
        return self.title


class NeedsResponse(models.Model):
    """One organisation's answer: per topic, how much its staff need it (0 not needed, 1 low,
    2 medium, 3 high), and how many people it would send."""

    class Priority(models.IntegerChoices):
        NONE = 0, _("Not needed")
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")

    assessment = models.ForeignKey(
        NeedsAssessment, on_delete=models.CASCADE, related_name="responses"
    )
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # {topic code: priority 0-3}
    priorities = models.JSONField(_("priorities"), default=dict)
    staff_to_train = models.PositiveIntegerField(
        _("staff to train"), default=0, validators=count_validators()
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment_id", "organisation_id"]
        verbose_name = _("training needs answer")
        verbose_name_plural = _("training needs answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "organisation"], name="needs_response_unique_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.organisation_id}"


class CapacityPlan(models.Model):
    """The capacity-building plan of a year (for the whole operation, or one body)."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("body"),
    )
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "title", "id"]
        verbose_name = _("capacity-building plan")
        verbose_name_plural = _("capacity-building plans")

    def __str__(self) -> str:
        return self.title


class CapacityPlanItem(models.Model):
    """What the plan means to deliver: sessions of a course (or any course of a topic), for how
    many people (of whom women), where, by when, led by whom. Progress is counted from the held
    sessions of the plan's year that match it."""

    plan = models.ForeignKey(CapacityPlan, on_delete=models.CASCADE, related_name="items")
    topic = models.CharField(_("topic"), max_length=20, choices=Course.Topic.choices)
    course = models.ForeignKey(
        "capacity.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course"),
    )
    area = models.ForeignKey(
        "core.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where"),
    )
    quarter = models.PositiveSmallIntegerField(
        _("by quarter"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    target_sessions = models.PositiveSmallIntegerField(_("sessions planned"), default=1)
    target_people = models.PositiveIntegerField(
        _("people to train"), default=0, validators=count_validators()
    )
    target_women = models.PositiveIntegerField(
        _("of whom women"), default=0, validators=count_validators()
    )
    lead_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead organisation"),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan_id", "quarter", "id"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_women__lte=models.F("target_people")),
                name="plan_item_women_within_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.topic}"
