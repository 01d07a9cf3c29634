"""Advocacy recommendations followed to implementation, and documents under clearance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Recommendation(models.Model):
    class Addressee(models.TextChoices):
        AUTHORITY = "authority", _("Authority")
        AGENCY = "agency", _("Agency")
        CLUSTER = "cluster", _("Cluster")
        HCT = "hct", _("Humanitarian Country Team")
        DONOR = "donor", _("Donor")

    class IssuedIn(models.TextChoices):
        PAU = "pau", _("Protection Analysis Update")
        MEETING = "meeting", _("Meeting")
        BRIEFING_NOTE = "briefing_note", _("Briefing note")
        MISSION = "mission", _("Mission")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")
        NOT_IMPLEMENTED = "not_implemented", _("Not implemented")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("recommendation"))
    addressee_kind = models.CharField(_("addressee type"), max_length=10, choices=Addressee.choices)
    addressee = models.CharField(_("addressee"), max_length=300)
    issued_in = models.CharField(_("issued in"), max_length=14, choices=IssuedIn.choices)
    issued_on = models.DateField(_("issued on"))
    meeting = models.ForeignKey(
        "coordination.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "coordination.ClearanceDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pau = models.ForeignKey(
        "monitoring.AnalysisUpdate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    mission = models.ForeignKey(
        "coordination.Mission", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-issued_on", "-id"]
        verbose_name = _("advocacy recommendation")
        verbose_name_plural = _("advocacy recommendations")

    def __str__(self) -> str:
        return self.text[:80]


class RecommendationFollowUp(models.Model):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="follow_ups"
    )
    status = models.CharField(max_length=16, choices=Recommendation.Status.choices)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="advocacy/%Y/%m/", blank=True)
    evidence_link = models.URLField(_("evidence link"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recommendation", "created_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.recommendation_id} {self.status}"


class ClearanceDocument(models.Model):
    """A briefing note, advocacy note or statement: drafted or uploaded, then cleared by the
    designated approver before it can be circulated or published."""

    class Kind(models.TextChoices):
        BRIEFING_NOTE = "briefing_note", _("Briefing note")
        ADVOCACY_NOTE = "advocacy_note", _("Advocacy note")
        STATEMENT = "statement", _("Statement")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for clearance")
        CLEARED = "cleared", _("Cleared")
        PUBLISHED = "published", _("Published")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language"), max_length=5, default="fr")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approver"),
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    circulated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-updated_at"]
        verbose_name = _("document under clearance")
        verbose_name_plural = _("documents under clearance")

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    document = models.ForeignKey(
        ClearanceDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    text = models.TextField(_("text (Markdown)"), blank=True)
    file = models.FileField(_("Word file"), upload_to="clearance/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="docversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"
