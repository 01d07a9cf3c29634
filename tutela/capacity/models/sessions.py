"""Training sessions, the people trained, their registration and their attendance day by day."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class TrainingSession(models.Model):
    """One delivery of a course: dates, place (by P-code), trainers, organisations invited."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("capacity.Course", on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    # Language the session is given in: its tests, links and certificates use it.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    area = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    # The coordination body that organises it (national cluster, an AoR, a working group).
    body = models.ForeignKey(
        "core.Body",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organised by (body)"),
    )
    host_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host organisation"),
    )
    # One trainer a line ("Name (organisation)").
    trainers = models.TextField(_("trainers"), blank=True)
    organisations_invited = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="+", verbose_name=_("organisations invited")
    )
    places = models.PositiveSmallIntegerField(_("places"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    MAX_DAYS = 31

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="session_dates"
            ),
        ]
        indexes = [models.Index(fields=["operation", "starts_on"], name="session_start")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or (self.course.title if self.course_id else "")

    def days(self) -> list[datetime.date]:
        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + datetime.timedelta(days=n) for n in range(count)]


class Participant(models.Model):
    """A person trained. Contact details are personal data, encrypted at rest."""

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    class AgeBand(models.TextChoices):
        UNDER_18 = "0-17", _("under 18")
        FROM_18 = "18-24", _("18-24")
        FROM_25 = "25-39", _("25-39")
        FROM_40 = "40-59", _("40-59")
        FROM_60 = "60+", _("60 and over")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
        help_text=_("Empty for community members who belong to no organisation."),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    function = models.CharField(_("function"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices)
    email = EncryptedTextField(_("e-mail"), blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.full_name


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CANCELLED = "cancelled", _("Cancelled")

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="registrations"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REGISTERED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="registration_unique_participant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.session_id}"


class AttendanceDay(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendance"
    )
    day = models.DateField(_("day"))
    present = models.BooleanField(_("present"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["registration_id", "day"]
        verbose_name = _("attendance day")
        verbose_name_plural = _("attendance days")
        constraints = [
            models.UniqueConstraint(fields=["registration", "day"], name="attendance_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.day}"
