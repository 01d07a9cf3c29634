"""Meetings of coordination bodies: series, agenda, documents, attendance and minutes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingSeries(models.Model):
    """A recurring meeting (the monthly national cluster meeting...): its meetings are
    generated from the rule and can each be moved or cancelled."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly (same weekday of the month)")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    body = models.ForeignKey("core.Body", on_delete=models.CASCADE, related_name="meeting_series")
    title = models.CharField(_("title"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    first_starts_at = models.DateTimeField(_("first meeting starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=120)
    until = models.DateField(_("repeat until"))
    location = models.CharField(_("location"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fr")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "body", "first_starts_at"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    body = models.ForeignKey(
        "core.Body", on_delete=models.CASCADE, related_name="meetings", verbose_name=_("body")
    )
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=300, blank=True)
    online_link = models.URLField(_("online meeting link"), blank=True)
    # The meeting's language: minutes and exports are produced in it.
    language = models.CharField(_("language"), max_length=5, default="fr")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    # Stable identifier for calendars (.ics UID), and the sequence number bumped on changes.
    uid = models.CharField(max_length=100, unique=True, editable=False)
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    invitations_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after"
            ),
        ]
        indexes = [models.Index(fields=["body", "starts_at"], name="meeting_body_start")]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    presenter = models.ForeignKey(
        "core.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presenter organisation"),
    )
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Set on the items added automatically for the body's open action points.
    action_point = models.ForeignKey(
        "coordination.ActionPoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agenda_items",
    )

    class Meta:
        ordering = ["meeting", "order", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class MeetingDocument(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        ATTENDANCE_SHEET = "attendance", _("Signed attendance sheet")
        PRESENTATION = "presentation", _("Presentation")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DOCUMENT)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="meetings/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "created_at"]
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """One organisation's (and optionally one person's) attendance at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "core.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    present = models.BooleanField(_("present"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "organisation"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["meeting", "organisation", "contact"],
                condition=models.Q(contact__isnull=False),
                name="attendance_unique",
            ),
            models.UniqueConstraint(
                fields=["meeting", "organisation"],
                condition=models.Q(contact__isnull=True),
                name="attendance_unique_no_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.organisation_id}"


class Minutes(models.Model):
    """The compte-rendu: Markdown (rendered sanitised), approved, then circulated."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        CIRCULATED = "circulated", _("Circulated")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("minutes (Markdown)"), blank=True)
    decisions = models.TextField(_("decisions (Markdown)"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    circulated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting"]
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.meeting)


class CalendarFeed(models.Model):
    """The secret address of a body's calendar feed (.ics). Calendar apps cannot sign in, so the
    address carries a random token; only its SHA-256 is kept, and managers can issue a new one
    (which retires the old address)."""

    body = models.OneToOneField("core.Body", on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["body"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.body)
